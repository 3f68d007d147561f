"""Which family a document belongs to: `guideline`, `imr` or `unknown` (rules/classify.toml).

Only the first pages matter (a letter or a policy announces itself early), so classification
reads at most the first 8,000 characters of kept text.

Each family scores the weights of its patterns found in the folded text; the better score wins
(guideline on a tie) when it reaches `min_score`. Two things keep this cheap, without changing
any result:
  1. a pattern is found where one of its top-level alternatives is; an alternative that is a
     plain phrase is a substring test (the folded text is lower case, so a case-insensitive
     match of a lower-case ASCII phrase is exactly a substring), the others are searched as
     patterns;
  2. the guideline score is counted only as far as the decision needs: since guideline wins
     ties, a document is a guideline exactly when that score reaches both the IMR score and
     `min_score`, which is certain, either way, before most guideline patterns are tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import regex

from extractor.rules import load
from extractor.textutil import fold, limit, split_alternatives

_HEAD_CHARS = 8_000
# an alternative without any of these characters is a plain phrase
_SPECIAL = frozenset("\\.^$*+?{}[]|()")


@dataclass(frozen=True, slots=True)
class _Pattern:
    phrases: tuple[str, ...]  # the alternatives that are plain lower-case phrases
    patterns: tuple[regex.Pattern[str], ...]  # the others (a literal-led one is found fast)
    weight: int

    def found(self, head: str, timeout: float | None) -> bool:
        return any(p in head for p in self.phrases) or any(
            p.search(head, timeout=timeout) for p in self.patterns
        )


def _pattern(src: str, weight: int) -> _Pattern:
    alts = split_alternatives(src)
    # lower-case ASCII only: the folded text holds no other character that a case-insensitive
    # match takes for one of these (dotless i matches "I" but not "i"; the Kelvin sign, long s
    # and dotted capital I do not survive folding)
    plain = [a for a in alts if a.isascii() and a == a.lower() and not _SPECIAL.intersection(a)]
    return _Pattern(
        tuple(plain),
        tuple(regex.compile(a, regex.I) for a in alts if a not in plain),
        weight,
    )


@cache
def _rules() -> tuple[int, dict[str, list[_Pattern]]]:
    """min_score, and per family its patterns."""
    data = load("classify")
    fams = {
        fam: [_pattern(r["pattern"], int(r["weight"])) for r in data[fam]]
        for fam in ("imr", "guideline")
    }
    return int(data["min_score"]), fams


def _reaches(head: str, pats: list[_Pattern], need: int, timeout: float | None) -> bool:
    """Do the weights of the patterns found add up to `need`? (Stops once it is certain.)"""
    score, left = 0, sum(p.weight for p in pats)
    for p in pats:
        if score >= need or score + left < need:
            break
        left -= p.weight
        if p.found(head, timeout):
            score += p.weight
    return score >= need


def classify(text: str) -> str:
    min_score, fams = _rules()
    head = fold(text[:_HEAD_CHARS])
    timeout = limit(head, 0.5)
    imr = sum(p.weight for p in fams["imr"] if p.found(head, timeout))
    if _reaches(head, fams["guideline"], max(imr, min_score), timeout):
        return "guideline"
    return "imr" if imr >= min_score else "unknown"
