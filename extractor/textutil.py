"""Small text helpers shared by the stages: folding for comparison, word tokens."""

from __future__ import annotations

import re
import unicodedata

_FOLD_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
    "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2026": "...", "\ufffe": "",
}
_FOLD = str.maketrans(_FOLD_MAP)
# the same replacements as one scan: `str.translate` with a dict table looks up every
# character, a character class finds the few that change
_FOLD_CHARS = re.compile("[" + "".join(_FOLD_MAP) + "]")
_SPACES = re.compile(r"\s+")
WORD = re.compile(r"[^\W_]+")


def _fold_char(m: re.Match[str]) -> str:
    return _FOLD_MAP[m.group()]


def fold(text: str) -> str:
    """Lower case, NFKC, typographic quotes and dashes made plain, runs of spaces folded."""
    if not text.isascii():  # ASCII is its own NFKC form and holds none of the characters
        text = _FOLD_CHARS.sub(_fold_char, unicodedata.normalize("NFKC", text))
    # `str.split()` splits at exactly the characters `re`'s \s matches (`str.isspace`)
    return " ".join(text.split()).lower()


def clean_space(text: str) -> str:
    """Runs of white space folded to one space (keeps case and characters)."""
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    return WORD.findall(fold(text))
