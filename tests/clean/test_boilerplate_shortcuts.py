"""The shortcuts of cleaning give the results of the plain definitions they replace
(reference implementations below, fed random and synthetic input)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from extractor.clean import boilerplate
from extractor.textutil import WORD, fold


def _notice_reference(toks: list[str]) -> str | None:
    rules = boilerplate._rules()
    if len(toks) < max(rules.min_words, rules.n):
        return None
    grams = list(zip(*(toks[j:] for j in range(rules.n)), strict=False))
    found = [rid for g in grams if (rid := rules.shingles.get(g)) is not None]
    if not found:
        return None
    rid, count = Counter(found).most_common(1)[0]
    return rid if count / len(grams) >= rules.min_share else None


def test_boilerplate_notice_bound_never_hides_a_notice_line() -> None:
    rules = boilerplate._rules()
    notice_words = WORD.findall(" ".join(rules.notice_text.values()))
    rnd = random.Random(7)
    lines: list[list[str]] = []
    for _ in range(3000):
        k = rnd.choice([1, 2, 3, 4, 6, 10, 20, 150, 300])
        start = rnd.randrange(len(notice_words))
        toks = [notice_words[(start + j) % len(notice_words)] for j in range(k)]
        for j in range(len(toks)):  # a few words replaced by foreign ones
            if rnd.random() < rnd.choice([0.0, 0.2, 0.5]):
                toks[j] = rnd.choice(["widget", "therapy", "2024", "x"])
        lines.append(toks)
    may = boilerplate._may_be_notices(lines, rules)
    for toks, ok in zip(lines, may, strict=True):
        expected = _notice_reference(toks)
        assert boilerplate._notice(toks, rules) == expected
        assert ok or expected is None
    assert any(_notice_reference(t) for t in lines) and not all(may)


@pytest.mark.parametrize("text", ["", "Plain words.", "a1 b_2 c-3", "caf\u00e9 na\u00efve \u00e9t\u00e9",
                                  "x\u00b2 \u2160 \u0661\u0662"])
def test_boilerplate_tokens_match_word_findall(text: str) -> None:
    folded = [fold(text), fold(text.upper()), "ascii only, here"]
    assert boilerplate._tokens(folded) == [WORD.findall(f) for f in folded]


_FURNITURE = [
    "Page 4 of 12", "page  7 /  9", "- 3 -", "8/12/26, 8:31 PM CG-MED-62 Resting Electrocardiogram",
    "25. 4. 8. 오후 1:28 MED.00129 Gene Therapy", "https://www.example.com/abc.html 3/7",
    "© 2025 Example Benefits Management, Inc. All rights reserved.", "COPYRIGHT 2020 X ALL RIGHTS RESERVED",
    "Medical Policy SURG.00111", "Clinical UM Guideline  CG-MED-62", "Back to Top", "TOP", "-->",
    "CPT Only – American Medical Association", "\u00a9 CPT only - American Medical Association page 2 of 9",
]
_NOTICE_OPENINGS = [
    "Federal and State law, as well as contract language, and Medical Policy take precedence",
    "No part of this publication may be reproduced, stored in a retrieval system",
    "CPT\u00ae is a registered trademark of the American Medical Association.",
    "Current Procedural Terminology (CPT) is a registered trademark of the American Medical Association",
    "Copyright \u00a9 Acme Health Inc. All rights reserved.",
    "Services provided by Acme Health, independent licensees of the Blue Cross",
    "The AMA assumes no liability for data contained or not contained herein.",
    "Free language assistance services are available.",
]


def test_boilerplate_prefix_gates_let_every_real_rule_match_through() -> None:
    rules = boilerplate._rules()
    for line in _FURNITURE:
        assert boilerplate._line_rule(line, rules) is not None, line
        assert rules.line_gate(line), line
    for line in _NOTICE_OPENINGS:
        folded = fold(line)
        assert boilerplate._anchor(folded, rules) is not None, line
        assert rules.anchor_gate(folded), line
    assert not rules.line_gate("The treatment is") and not rules.anchor_gate("widget therapy")


def test_boilerplate_notice_bound_of_a_very_long_line() -> None:
    # one line of a text without line breaks: its bound is computed alone, not tabulated up to it
    rules = boilerplate._rules()
    words_ = WORD.findall(next(iter(rules.notice_text.values())))
    line = (words_ * (60_000 // len(words_) + 1))[:60_000]
    assert boilerplate._may_be_notices([line, ["widget"] * 60_000], rules) == [True, False]
