"""textutil: folding shortcuts give the reference results; pattern sources are read right."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from extractor.textutil import (
    _FOLD_MAP,
    clean_space,
    edge_sensitive,
    fold,
    split_alternatives,
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
