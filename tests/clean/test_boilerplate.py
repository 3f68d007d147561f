from __future__ import annotations

import pytest

from extractor.clean.boilerplate import clean
from extractor.ingest.text import read_text

BOILERPLATE = [
    "Federal and State law",
    "No part of this publication",
    "Alternatively, commercial or FEP",
    "intended to provide assistance in interpreting",
    "CPT Only",
    "Page 3 of 12",
    "Clinical UM Guideline  CG-MED-28",
    "without permission from the health plan",
    "members may instead use the clinical guideline",
]


def _sections_text(doc) -> str:
    return "\n".join(s.text for s in doc.sections)


@pytest.mark.parametrize("phrase", BOILERPLATE)
def test_boilerplate_seed_removed(seed_guideline, phrase: str) -> None:
    assert phrase not in _sections_text(seed_guideline)


@pytest.mark.parametrize(
    "sentence",
    [
        "97033 Application of a modality to one or more areas; iontophoresis, each 15 minutes",
        "R61 Generalized hyperhidrosis",  # last row before the page break
        "When services are Not Medically Necessary:",  # first line after it
        "G44.89 Other headache syndrome",
        "S03.00XA-S03.03XS Dislocation of jaw",
        "Iontophoresis is a method of transdermal local drug ion delivery using electrical current.",
        "Primary hyperhidrosis: Hyperhidrosis due to unknown causes.",
    ],
)
def test_boilerplate_seed_content_kept_once(seed_guideline, sentence: str) -> None:
    assert _sections_text(seed_guideline).count(sentence) == 1


def test_boilerplate_seed_reasons_recorded(seed_guideline) -> None:
    reasons = {r.reason for r in seed_guideline.removed}
    assert {"notice_law_precedence", "cpt_notice", "running_header_doc_id"} <= reasons
    text = seed_guideline.source.text
    for r in seed_guideline.removed:
        assert text[r.span[0] : r.span[1]] == r.text


def _doc(lines: list[str]) -> bytes:
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Page 4 of 12", "page_number"),
        ("8/12/26, 8:31 PM CG-MED-62 Resting Electrocardiogram Screening in Adults", "browser_print_stamp"),
        ("25. 4. 8. 오후 1:28 MED.00129 Gene Therapy", "browser_print_stamp"),
        ("https://www.example.com/medpolicies/abc/gl_pw_a051165.html 3/7", "browser_print_url"),
        ("© 2025 Example Benefits Management, Inc. All rights reserved.", "copyright_line"),
        ("Medical Policy SURG.00111", "running_header_doc_id"),
    ],
)
def test_boilerplate_line_rules(line: str, reason: str) -> None:
    raw = read_text(_doc(["Description", "Some real text here.", line, "More real text."]), "x")
    cleaned = clean(raw)
    assert [r.reason for r in cleaned.removed] == [reason]
    assert [ln.text for ln in cleaned.kept] == ["Description", "Some real text here.", "More real text."]


def test_boilerplate_notice_fragment_mid_sentence() -> None:
    # a page break drops the tail of a notice between two halves of a sentence
    raw = read_text(
        _doc([
            "The treatment is considered medically necessary when the",
            "form or by any means, electronic, mechanical, photocopying, or otherwise, without",
            "permission from the health plan.",
            "individual meets all of the following criteria:",
        ]),
        "x",
    )
    kept = [ln.text for ln in clean(raw).kept]
    assert kept == [
        "The treatment is considered medically necessary when the",
        "individual meets all of the following criteria:",
    ]


def test_boilerplate_repeated_page_edges() -> None:
    body = ["Alpha begins here.", "Bravo follows it.", "Charlie is third.", "Delta next.", "Echo last."]
    pages = [f"Example Health Plan Policy X-100\n{b}\nPage {n} of 5" for n, b in enumerate(body, 1)]
    raw = read_text("\f".join(pages).encode(), "x")
    cleaned = clean(raw)
    assert [ln.text for ln in cleaned.kept] == body
    assert {r.reason for r in cleaned.removed} == {"running_header", "page_number"}


def test_boilerplate_does_not_touch_prose_that_mentions_notices() -> None:
    prose = "The reviewer noted that federal law applies to the coverage of this service."
    raw = read_text(_doc(["Discussion", prose]), "x")
    assert [ln.text for ln in clean(raw).kept] == ["Discussion", prose]


def test_boilerplate_short_notice_line_does_not_swallow_the_table_after_it() -> None:
    raw = read_text(
        _doc([
            "Applicable Codes",
            "27122 Acetabuloplasty; resection, femoral head (eg, Girdlestone procedure)",
            "CPT® is a registered trademark of the American Medical Association",
            "HCPCS Code Description",
            "S2118 Metal-on-metal total hip resurfacing, including acetabular and femoral components",
        ]),
        "x",
    )
    cleaned = clean(raw)
    assert [r.reason for r in cleaned.removed] == ["notice_cpt_trademark"]
    assert [ln.text for ln in cleaned.kept][-2:] == [
        "HCPCS Code Description",
        "S2118 Metal-on-metal total hip resurfacing, including acetabular and femoral components",
    ]
