"""Citations: the faster forms (literal scans, string methods, cheap first tests) answer exactly
as the patterns they stand for, on synthetic strings built from the pieces that matter."""

from __future__ import annotations

import random

import regex

from extractor.extract import citations as C
from extractor.textutil import fold

PIECES = ["Smith", "et al.", ", ", "; ", " and ", " & ", "2019", "2009a", "1999", "20199", "(", ")",
          "[", "]", " ", "  ", "Society", "Health", "task force", "TOP", " top", ":", ".", "–",
          "’", "“", "ſociety", "Kroeling", "in 2013", "In 2019,", "by", "FDA", "\u00a0", "é", "\t",
          "1. ", "IV) ", "References", "SOCIETY", "co-workers", "12", "x"]


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(1, 12))) for _ in range(n)]


def test_citations_brackets_are_the_bracket_pattern_matches() -> None:
    for text in _texts(3000, 1):
        assert [m.span() for m in C._brackets(text)] == [m.span() for m in C._PAREN.finditer(text)]


def test_citations_year_patterns_agree() -> None:
    old_has_year = regex.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
    for text in _texts(3000, 2):
        assert [m.span() for m in C._HAS_YEAR.finditer(text)] == [
            m.span() for m in old_has_year.finditer(text)
        ]
        in_year = C._patterns()["in_year"].search(text)
        assert in_year is None or C._IN_YEAR_HINT.search(text) is not None


def test_citations_heading_key_tail() -> None:
    tail = regex.compile(r"(?:\s+top)?[\s:.\-–]*$", regex.I)
    number = regex.compile(r"^(?:[IVXL]{1,5}|\d{1,2}|[A-Z])[.)]\s+")
    for text in _texts(3000, 3):
        expected = fold(tail.sub("", number.sub("", " ".join(text.split())[:300])))
        assert C._head_key(text) == expected


def test_citations_organisation_keywords() -> None:
    rules = C._rules()
    for text in _texts(3000, 4) + ["Amirjani", "Health", "Smith-Health", "ſociety of X"]:
        assert C._names_org(text) == bool(rules.org_keywords.search(text)), text


def test_citations_one_bracket_pair_without_a_later_capital() -> None:
    for text in _texts(3000, 5):
        if ";" not in text and not C._break_after_year(text):
            assert C._PAIR_BREAK.search(text) is None, text


def test_citations_author_years_as_the_years_tail_pattern() -> None:
    extra = ["Smith, 2019", "Smith 2049", "Smith,2050", "Smith, 1899", "Smith, 2019a", "2019",
             "Smith\t2019", "Smith,\u00a02019", "Smith, 2018, 2019", "Smith 12019", "Smith, 20١٩",
             "Smith, 19١٩", "A, 2009; B, 2010", "Smith et al., 2004"]
    for text in _texts(3000, 7) + extra:
        part = text.strip()
        first = C._HAS_YEAR.search(part)
        if not first:
            continue
        tail = C._YEARS_TAIL.search(part)
        expected = (part[: tail.start("years")], C._years(tail.group("years"))) if tail else None
        assert C._author_years(part, first) == expected, part


def test_citations_sentence_breaks_led_by_the_stop() -> None:
    for text in _texts(2000, 6) + ["Smith et al. The end. U.S. Food. Next (A, 2019). “Q” e.g. X"]:
        for pos, endpos in ((0, len(text)), (3, max(3, len(text) - 2))):
            assert [m.span() for m in C._sent_breaks(text, pos, endpos)] == [
                m.span() for m in C._SENT_BREAK.finditer(text, pos, endpos)
            ]
