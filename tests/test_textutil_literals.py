"""textutil's literal gates: the folded text keeps offsets and flags every character that may
hide a literal; the literals read from a pattern stand wherever it matches; the line look-ups
find every line that holds one."""

from __future__ import annotations

import random
import sys

import pytest
import regex

from extractor.rules import load
from extractor.textutil import (
    FOLDS_TO_ASCII,
    UNSURE,
    ascii_folded,
    line_offsets,
    lines_with,
    literal_cover,
    literal_offsets,
    literal_parts,
    required_literals,
)

FLAGS = regex.I | regex.V1


def test_textutil_folds_to_ascii_lists_every_such_character() -> None:
    """Every character that the regex module (any case, full case folding) may read as ASCII
    letters, or that folds to some: all of Unicode is read."""
    chars = "".join(chr(i) for i in range(0x80, sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)
    found = set(regex.findall(r"[a-z]", chars, flags=FLAGS))
    found |= {c for c in chars if any(x.isascii() and x.isalpha() for x in c.casefold())}
    assert found == set(FOLDS_TO_ASCII)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Policy Number:", "policy number:"),
        ("Plan\u2019s \u201cguide\u201d", "plan?s ?guide?"),
        ("Stra\u00dfe \ufb01le", f"stra{UNSURE}e {UNSURE}le"),
        ("", ""),
    ],
)
def test_textutil_ascii_folded_keeps_offsets(text: str, folded: str) -> None:
    assert ascii_folded(text) == folded
    assert len(ascii_folded(text * 300)) == len(text) * 300  # a long text (kept for reuse)
    assert ascii_folded(text * 300) == folded * 300


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bAetna\b", {"aetna"}),
        (r"Point32\s*Health|Tufts\s+Health\s+Plan", {"point32", "health"}),
        (r"(?:\bsee\b|\brefer\s+to\b).{0,120}:\s*$", {"see", "refer"}),
        (r"Issued?\s+Date", {"issue"}),
        (r"ab+c", {"ab"}),
        (r"(?:Local\s+Coverage\s+)?Article(?:\s*\(LCA\))?", {"article"}),
        (r"(?-i:(?=\p{Lu}))Status\s*:", {"status"}),
        (r"[A-Z][a-z]+", None),  # no literal
        (r"abc|\d+", None),  # an alternative without one
        (r"(?x)abc", None),  # verbose mode: not read
        (r"x{e<=1}", None),  # fuzzy matching: not read
        (r"\L<words>", None),  # named lists: not read
        (r"[[a-z]--[aeiou]]x", None),  # a set inside a set: not read
    ],
)
def test_textutil_required_literals(pattern: str, literals: set[str] | None) -> None:
    got = required_literals(pattern)
    assert (None if got is None else set(got)) == literals


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"^(?P<t>[^\u2013:]{2,70}?)(?:\s+[\u2013\u2014-]|(?<=[a-z)])[\u2013-])\s+",
         {"\u2013", "\u2014", "-"}),
        (r"(?:means|refers\s+to)\b", {"means", "refers"}),
        (r"Term: x", {"Term: x"}),
        (r"a[b-d]", {"a"}),  # a range is no plain class
        (r"(?i)abc", None),  # case turned off
    ],
)
def test_textutil_required_literals_minding_case(pattern: str, literals: set[str] | None) -> None:
    got = required_literals(pattern, exact=True)
    assert (None if got is None else set(got)) == literals
    if got is not None:  # they stand wherever the pattern matches
        rnd = random.Random(0)
        alphabet = ["a", "b", "c", "Term", ":", " x", "-", "\u2013", "\u2014", "means", "refers",
                    " ", "to", "Q", ")", "z"]
        pat = regex.compile(pattern, regex.V1)
        for _ in range(3000):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 9)))
            if pat.search(text):
                assert any(lit in text for lit in got), text


def test_textutil_literal_parts_and_cover() -> None:
    assert literal_parts(r"You\s+are\s+here") == [
        frozenset({"you"}), frozenset({"are"}), frozenset({"here"})]
    assert literal_parts(r"a|b") is None
    # the literal most alternatives need first, the longer of two as many
    cover = literal_cover([r"Medical\s+Policy", r"Clinical\s+Policy", r"Clinical\s+Guideline"])
    assert cover == {"clinical": [1, 2], "medical": [0]}
    assert literal_cover([r"Blue\s+Plan", r"Red\s+Plan", r"Green\s+Plan"]) == {"plan": [0, 1, 2]}
    assert literal_cover([r"abc", r"\d+"]) is None


_WORDS = ["Policy", "POLICY", "policies", "Medica", "medical", "Guide", "guideline", "Stra\u00dfe",
          "\ufb01le", "\u017fee", "see", "SEE", "refer", "to", "Tufts", "Health", "plan", "Aetna",
          "aetna2", "L12345", "\u2019", "\u201c", "-", ":", "\u212aansas", "Kansas", "\u0130ssue",
          "Issued", "date", "Date", "\xa0", "Blue", "BlueCross", "Cross", "and", "Shield", "of"]
_PATTERNS = [r"\bAetna\b", r"Point32\s*Health|Tufts\s+Health\s+Plan", r"Issued?\s+Date",
             r"(?:\bsee\b|\brefer\s+to\b).{0,120}:\s*$", r"Blue\s+Cross\s+and\s+Blue\s+Shield",
             "Stra\u00dfe", r"file", r"Kansas", r"\bMedica\b", r"Policy\s*:"]


def _doc(rnd: random.Random) -> list[str]:
    return [" ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(0, 7)))
            for _ in range(rnd.randint(1, 10))]


class _Span:
    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end


@pytest.mark.parametrize("seed", range(20))
def test_textutil_literal_gates_find_every_matching_line(seed: int) -> None:
    rnd = random.Random(seed)
    data = load("metadata")
    rule_patterns = [p["pattern"] for p in data["publisher"]] + [
        d["pattern"] for d in data["doc_type"]]
    for _ in range(30):
        texts = _doc(rnd)
        text = "\n".join(texts)
        folded = ascii_folded(text)
        lines = [_Span(first, first + len(t))
                 for first, t in zip(line_offsets(texts), texts, strict=True)]
        for src in _PATTERNS + rule_patterns:
            words = required_literals(src)
            assert words is not None
            pat = regex.compile(src, FLAGS)
            matching = {k for k, t in enumerate(texts) if pat.search(t)}
            found = dict(lines_with(folded, words, lines))
            assert matching <= set(found), (src, texts)
            assert list(found) == sorted(found)
            if pat.search(text):  # across lines too
                assert UNSURE in folded or any(w in folded for w in words)
        cover = literal_cover(rule_patterns)
        assert cover is not None
        for t in texts:
            here = ascii_folded(t)
            for i, src in enumerate(rule_patterns):
                if regex.search(src, t, flags=FLAGS):
                    assert UNSURE in here or any(
                        w in here and i in named for w, named in cover.items())


def test_textutil_literal_offsets_in_order_across_windows() -> None:
    text = ("x" * 3000 + "policy guide ") * 6
    folded = ascii_folded(text)
    got = list(literal_offsets(folded, ["guide", "policy"], 10, len(folded) - 1))
    assert list(literal_offsets(folded, ["guide"], 10, len(folded) - 2))[-1][0] < len(text) - 6
    want = sorted([(i, "policy") for i in range(3000, len(text), 3013)]
                  + [(i + 7, "guide") for i in range(3000, len(text), 3013)])
    assert got == want
