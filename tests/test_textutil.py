"""textutil: folding shortcuts give the reference results; joined-line gates never miss a line."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest
import regex

from extractor.textutil import (
    _FOLD_MAP,
    candidate_lines,
    clean_space,
    edge_sensitive,
    fold,
    joined_gate,
    joined_gates,
    line_start_hits,
    split_alternatives,
    touched_lines,
)

_SPACES = re.compile(r"\s+")
_FOLD = str.maketrans(_FOLD_MAP)  # the plain one-pass table fold's shortcuts must agree with


def _fold_reference(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).translate(_FOLD)).strip().lower()


_ALPHABET = ["a", "B", " ", "\t", "\x0b", "\x1c", "\x85", "\xa0", "\u2018", "\u2019", "\u201c",
             "\u2013", "\u2014", "\u2212", "\u2026", "\ufffe", "\u3000", "\ufb01", "\u2160", "1",
             "\u0130", "\u1e9e"]


@pytest.mark.parametrize("seed", range(5))
def test_textutil_fold_and_clean_space_match_reference(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(2000):
        text = "".join(rnd.choice(_ALPHABET) for _ in range(rnd.randint(0, 15)))
        assert fold(text) == _fold_reference(text)
        assert clean_space(text) == _SPACES.sub(" ", text).strip()


@pytest.mark.parametrize(
    ("pattern", "parts"),
    [
        ("a|b(c|d)", ["a", "b(c|d)"]),
        ("[|]|x", ["[|]", "x"]),
        ("[]|]a|b", ["[]|]a", "b"]),
        (r"\|a|b", [r"\|a", "b"]),
        ("(?:a|b)|c", ["(?:a|b)", "c"]),
        ("[^]|]|z", ["[^]|]", "z"]),
        ("[[a]|b]|c", ["[[a]|b]|c"]),  # a set inside a set: kept whole
        ("plain", ["plain"]),
    ],
)
def test_textutil_split_alternatives_at_top_level(pattern: str, parts: list[str]) -> None:
    assert split_alternatives(pattern) == parts


@pytest.mark.parametrize(
    ("pattern", "sensitive"),
    [
        (r"page\s+\d+", False),
        (r"(?:a)(?=b)", False),
        (r"(?<=x)y", False),
        (r"(?P<name>x)", False),
        (r"x(?![\p{L}\p{N}])", False),  # a newline is neither: reads as a line end
        (r"x(?![\s])", True),  # a newline is white space: not like a line end
        (r"(?<!\s)x", True),
        (r"(?!x)", True),
        (r"(?i)x", True),
        (r"x\Z", True),
    ],
)
def test_textutil_edge_sensitive_patterns_refused(pattern: str, sensitive: bool) -> None:
    assert edge_sensitive(pattern) is sensitive
    assert (joined_gate([pattern]) is None) is sensitive


_SOURCES = [r"Status\s*:", r"\bpage\s+\d+\s+of\s+\d+", r"Blue\s+Cross|\bAetna\b",
            r"Policy\s+Name\s+(?=\S)", r"^Number\s*:", r"note\b", r"x(?![\p{L}\p{N}])"]
_WORDS = ["Status:", "status", "page", "Page 2 of 9", "of", "9", "Blue", "Cross", "Aetna",
          "Policy", "Name", "Number:", "note", "x", "xy", " ", "", "\t", "Aetnax", ":"]


def _lines(rnd: random.Random) -> list[str]:
    return [" ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(0, 5)))
            for _ in range(rnd.randint(0, 12))]


@pytest.mark.parametrize("seed", range(30))
def test_textutil_joined_gates_find_every_matching_line(seed: int) -> None:
    rnd = random.Random(seed)
    flags = regex.I | regex.V1
    alone = regex.compile("|".join(f"(?:{s})" for s in _SOURCES), flags)
    gate = joined_gate(_SOURCES)
    anchored = joined_gate(_SOURCES, head="^")
    gates = joined_gates(_SOURCES)
    assert gate is not None and anchored is not None and gates is not None
    for _ in range(40):
        texts = _lines(rnd)
        searched = {k for k, t in enumerate(texts) if alone.search(t)}
        started = {k for k, t in enumerate(texts) if alone.match(t)}
        assert searched <= set(candidate_lines(gate, texts))
        assert searched <= set(candidate_lines(gates, texts))
        touched = touched_lines(gate, texts)
        assert touched is not None and searched <= touched
        hits = line_start_hits(anchored, texts)
        assert hits is not None and started <= {k for k, hit in enumerate(hits) if hit}
        # candidates come in order, each once
        found = list(candidate_lines(gates, texts))
        assert found == sorted(set(found))
