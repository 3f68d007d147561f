"""textutil's batch helpers give exactly the results of their one-by-one counterparts."""

from __future__ import annotations

import random

import pytest
import regex

from extractor.textutil import PrefixGate, clean_space, fold, fold_lines

_ALPHABET = ["a", "B", " ", "  ", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\x85", "\xa0",
             "\u2019", "\u2013", "\u2026", "\ufffe", "\u3000", "\ufb01", "\u0130", "1", "\n",
             "e\u0301", "\u03a3", "x y"]


@pytest.mark.parametrize("seed", range(5))
def test_textutil_fold_lines_is_fold_of_each(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(500):
        texts = ["".join(rnd.choice(_ALPHABET) for _ in range(rnd.randint(0, 8)))
                 for _ in range(rnd.randint(0, 6))]
        if rnd.random() < 0.5:  # mostly ASCII documents, as most are
            texts = [t for t in texts if t.isascii()]
        assert fold_lines(texts) == [fold(t) for t in texts]


_RULES = [r"(?:page\s*)?\d{1,4}\s*(?:of|/)\s*\d{1,4}", r"(?:back to )?top", r"-->|<!--",
          r"copyright\s+(?:©\s*)?\d{4}", r"ss\w+", r"services provided by .{0,20}blue"]
_LINES = ["Page 1 of 2", "page  12 / 30", "Back to Top", "TOP", "top of page", "-->", "<!-- x",
          "Copyright © 2024", "COPYRIGHT 2024 x", "Straße", "STRASSE", "ſs", "1 of", "12",
          "Services provided by Acme, Blue", "services  provided by", "x page 1 of 2", "",
          "\tPage 3 of 4", "  top", "p", "pa"]


@pytest.mark.parametrize("width", [1, 2, 3, 6])
def test_textutil_prefix_gate_never_misses_a_match(width: int) -> None:
    pattern = regex.compile("|".join(f"(?:{r})" for r in _RULES), regex.I | regex.V1)
    plain = PrefixGate(pattern, width=width)
    spaced = PrefixGate(pattern, width=width, prepare=clean_space)
    for line in _LINES:
        if pattern.match(line):
            assert plain(line)
        if pattern.fullmatch(clean_space(line)):
            assert spaced(line)
    assert plain.hits(_LINES) == [plain(line) for line in _LINES]
    assert not plain("Medical necessity")  # the gate does shut lines out


def test_textutil_prefix_gate_reads_word_boundaries_and_refuses_blind_spots() -> None:
    # a probe cut after a space would see no boundary before "b"; it is cut after "a" instead
    gate = PrefixGate(regex.compile(r"a \bb", regex.I), width=2)
    assert gate("a b") and not gate("x b")
    for src in (r"a\B", r"a(?!$)", r"(?!x)a"):  # may fail at a probe's end: no gate
        assert PrefixGate(regex.compile(src), width=1)("zzz")
