"""The shortcuts of ingestion, classification and cleaning give the results of the plain
definitions they replace (reference implementations below, fed random and synthetic input)."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import regex

from extractor import classify as classify_mod
from extractor.classify import classify
from extractor.clean import boilerplate
from extractor.document import Line, Page
from extractor.ingest.text import decode, split_lines
from extractor.rules import load
from extractor.textutil import WORD, fold, split_alternatives


def _split_lines_reference(text: str) -> tuple[list[Page], list[Line]]:
    """Line by line, stretch by stretch: what `split_lines` must return."""
    pages: list[Page] = []
    lines: list[Line] = []
    page, page_start, gap, pos, n = 1, 0, 0, 0, len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        seg_start = pos
        while True:
            ff = text.find("\f", seg_start, end)
            seg = text[seg_start : end if ff < 0 else ff]
            body = seg.strip()
            if body:
                s = seg_start + len(seg) - len(seg.lstrip())
                lines.append(Line(s, s + len(body), body, page, len(lines), gap))
                gap = 0
            elif ff < 0:
                gap += 1
            if ff < 0:
                break
            pages.append(Page(page, page_start, ff))
            page, page_start, seg_start = page + 1, ff + 1, ff + 1
        if nl < 0:
            break
        pos = nl + 1
    pages.append(Page(page, page_start, n))
    return pages, lines


_PIECES = ["a", "bc", " ", "\t", "\n", "\n\n", "\f", "\x85", "\u2028", "\u3000", "\xa0", "é",
           "\x0b", "\x1c", "x y"]


@pytest.mark.parametrize("seed", range(4))
def test_front_split_lines_matches_reference(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(3000):
        text = "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 25)))
        assert split_lines(text) == _split_lines_reference(text), repr(text)


@pytest.mark.parametrize(
    "data",
    [b"plain text", b"a\x00b\x1bc" + b"x" * 400, ("caf\u00e9\x07" + "x" * 400).encode(), b"\x00" * 50],
)
def test_front_control_characters_still_counted(data: bytes) -> None:
    try:
        text, _enc, issues = decode(data)
    except Exception as exc:  # binary: refused as before
        assert data == b"\x00" * 50, exc
        return
    controls = sum(1 for ch in data.decode("utf-8") if ord(ch) < 32 and ch not in "\t\n\f\r")
    assert ("\x00" in text, len(issues)) == (False, 1 if controls else 0)


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
def test_front_classify_matches_full_scoring(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(1500):
        text = " ".join(rnd.choice(_PHRASES) for _ in range(rnd.randint(0, 14)))
        assert classify(text) == _classify_reference(text), text


def test_front_classify_phrases_are_lower_case_ascii() -> None:
    for pats in classify_mod._rules()[1].values():
        for p in pats:
            assert all(ph.isascii() and ph == ph.lower() for ph in p.phrases)


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


def test_front_notice_bound_never_hides_a_notice_line() -> None:
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
def test_front_tokens_match_word_findall(text: str) -> None:
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


def test_front_prefix_gates_let_every_real_rule_match_through() -> None:
    rules = boilerplate._rules()
    for line in _FURNITURE:
        assert boilerplate._line_rule(line, rules) is not None, line
        assert rules.line_gate(line), line
    for line in _NOTICE_OPENINGS:
        folded = fold(line)
        assert boilerplate._anchor(folded, rules) is not None, line
        assert rules.anchor_gate(folded), line
    assert not rules.line_gate("The treatment is") and not rules.anchor_gate("widget therapy")


def test_front_notice_bound_of_a_very_long_line() -> None:
    # one line of a text without line breaks: its bound is computed alone, not tabulated up to it
    rules = boilerplate._rules()
    words_ = WORD.findall(next(iter(rules.notice_text.values())))
    line = (words_ * (60_000 // len(words_) + 1))[:60_000]
    assert boilerplate._may_be_notices([line, ["widget"] * 60_000], rules) == [True, False]
