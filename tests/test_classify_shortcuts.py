"""The shortcuts of classification give the results of full scoring (a reference
implementation below, fed random and synthetic input)."""

from __future__ import annotations

import random

import pytest
import regex

from extractor import classify as classify_mod
from extractor.classify import classify
from extractor.rules import load
from extractor.textutil import fold, split_alternatives


def _classify_reference(text: str) -> str:
    """Every pattern scored, as a regular expression."""
    data = load("classify")
    head = fold(text[:8_000])
    scores = {
        fam: sum(int(r["weight"]) for r in data[fam]
                 if any(regex.search(alt, head, regex.I) for alt in split_alternatives(r["pattern"])))
        for fam in ("imr", "guideline")
    }
    best = max(scores, key=lambda f: (scores[f], f == "guideline"))
    return best if scores[best] >= int(data["min_score"]) else "unknown"


_PHRASES = ["Independent Medical Review", "how the IMR final determination was made",
            "Maximus Federal Services", "Case Number: CM16-0012345", "injured worker",
            "date of injury", "Clinical UM Guideline", "Medical Policy", "not medically necessary",
            "CPT", "cptx", "References", "Policy Number:", "Effective Date", "criteria",
            "billing codes", "coverage criteria", "investigational", "prior authorization",
            "\u0131mr", "K", "\u017f", "widget", "\n"]


@pytest.mark.parametrize("seed", range(3))
def test_classify_classify_matches_full_scoring(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(1500):
        text = " ".join(rnd.choice(_PHRASES) for _ in range(rnd.randint(0, 14)))
        assert classify(text) == _classify_reference(text), text


def test_classify_classify_phrases_are_lower_case_ascii() -> None:
    for pats in classify_mod._rules()[1].values():
        for p in pats:
            assert all(ph.isascii() and ph == ph.lower() for ph in p.phrases)


