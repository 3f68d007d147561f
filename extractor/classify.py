"""Which family a document belongs to: `guideline`, `imr` or `unknown` (rules/classify.toml).

Only the first pages matter (a letter or a policy announces itself early), so classification
reads at most the first 8,000 characters of kept text.
"""

from __future__ import annotations

from functools import cache

import regex

from extractor.rules import load
from extractor.textutil import fold, limit, split_alternatives

_HEAD_CHARS = 8_000


@cache
def _rules() -> tuple[int, dict[str, list[tuple[list[regex.Pattern[str]], int]]]]:
    """min_score, and per family (a pattern's top-level alternatives, weight): a pattern
    matches where one of its alternatives does, and a literal-led alternative is searched by
    a fast literal scan while an alternation is tried at every position."""
    data = load("classify")
    fams = {
        fam: [
            ([regex.compile(alt, regex.I) for alt in split_alternatives(r["pattern"])],
             int(r["weight"]))
            for r in data[fam]
        ]
        for fam in ("imr", "guideline")
    }
    return int(data["min_score"]), fams


def classify(text: str) -> str:
    min_score, fams = _rules()
    head = fold(text[:_HEAD_CHARS])
    scores = {
        fam: sum(w for alts, w in pats
                 if any(p.search(head, timeout=limit(head, 0.5)) for p in alts))
        for fam, pats in fams.items()
    }
    best = max(scores, key=lambda f: (scores[f], f == "guideline"))
    return best if scores[best] >= min_score else "unknown"
