"""Small text helpers shared by the stages: folding for comparison, word tokens."""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
        "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2026": "...", "\ufffe": "",
    }
)
_SPACES = re.compile(r"\s+")
WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, NFKC, typographic quotes and dashes made plain, runs of spaces folded."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).translate(_FOLD)).strip().lower()


def clean_space(text: str) -> str:
    """Runs of white space folded to one space (keeps case and characters)."""
    return _SPACES.sub(" ", text).strip()


def words(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    return WORD.findall(fold(text))
