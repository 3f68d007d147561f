"""Code tables: rows, groups, systems, ranges, validation, on synthetic snippets and the corpus.

The snippets are written for these tests in the style of the publishers' coding sections;
they run the pipeline stages the code extractor reads (ingest, clean, segment) and then the
extractor alone, so a failure here is a failure of the code tables.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from extractor.classify import classify
from extractor.clean.boilerplate import clean
from extractor.context import Context
from extractor.extract import codes
from extractor.ingest import ingest_bytes, ingest_path
from extractor.models.contract import CodeTable
from extractor.segment.sections import lexicon, segment
from tests.conftest import SEED_GUIDELINE


def _context(raw) -> Context:  # type: ignore[no-untyped-def]
    cleaned = clean(raw, is_heading=lexicon("guideline").is_heading)
    kind = classify("\n".join(line.text for line in cleaned.kept[:400]))
    front, nodes = segment(cleaned.kept, "guideline")
    return Context(raw, kind, cleaned.kept, front, nodes, list(raw.issues))


def _run(text: str) -> tuple[list[CodeTable], Context]:
    ctx = _context(ingest_bytes(text.encode("utf-8"), path="snippet.txt"))
    return codes.extract(ctx), ctx


def _rows(tables: list[CodeTable]) -> list[tuple[str, str, str, str | None]]:
    return [(t.group, t.system, e.code, e.code_end) for t in tables for e in t.entries]


ANTHEM_STYLE = """Widget Therapy

Description

This document addresses widget therapy for a made-up condition.

Coding

The following codes are included below for informational purposes.

When services may be Medically Necessary when criteria are met:

CPT
97110 Therapeutic procedure, one or more areas, each 15 minutes; therapeutic exercises

HCPCS
E1399 Durable medical equipment, miscellaneous [when specified as a widget
for home use]

ICD-10 Diagnosis
All diagnoses, including but not limited to the following
M26.50-M26.59 Dentofacial functional abnormalities
R61 Generalized hyperhidrosis

When services are Not Medically Necessary:
For the procedure codes listed above when criteria are not met.

ICD-10 Procedure
0DP60CZ Removal of extraluminal device from stomach, open approach

Discussion

Widget therapy (code 97110 in some reports) was studied in 2019; E1399 was also cited.
M26.50 appears in prose here.
"""


def test_codes_anthem_groups_and_systems() -> None:
    tables, _ = _run(ANTHEM_STYLE)
    assert _rows(tables) == [
        ("medically_necessary", "CPT", "97110", None),
        ("medically_necessary", "HCPCS", "E1399", None),
        ("medically_necessary", "ICD-10-CM", "M26.50", "M26.59"),
        ("medically_necessary", "ICD-10-CM", "R61", None),
        ("not_medically_necessary", "ICD-10-PCS", "0DP60CZ", None),
    ]
    heading = "When services may be Medically Necessary when criteria are met:"
    assert tables[0].group_heading == heading


def test_codes_anthem_qualifier_joined_and_note_kept() -> None:
    tables, _ = _run(ANTHEM_STYLE)
    hcpcs = next(t for t in tables if t.system == "HCPCS")
    assert hcpcs.entries[0].description == (
        "Durable medical equipment, miscellaneous [when specified as a widget for home use]"
    )
    icd = next(t for t in tables if t.system == "ICD-10-CM")
    assert icd.notes == ["All diagnoses, including but not limited to the following"]


def test_codes_range_expanded_into_billable_codes() -> None:
    tables, _ = _run(ANTHEM_STYLE)
    rng = next(e for t in tables for e in t.entries if e.code == "M26.50")
    assert rng.valid is True
    assert rng.expanded[0] == "M26.50" and rng.expanded[-1] == "M26.59"
    assert "M26.5" not in rng.expanded  # a category is not billable
    assert len(rng.expanded) == 9


def test_codes_spans_index_the_source() -> None:
    tables, ctx = _run(ANTHEM_STYLE)
    for t in tables:
        for e in t.entries:
            assert ctx.raw.text[e.span[0]:e.span[1]].startswith(e.code)


def test_codes_prose_codes_are_not_rows() -> None:
    tables, _ = _run(ANTHEM_STYLE)
    assert [e.code for t in tables for e in t.entries].count("97110") == 1


AETNA_STYLE = """Gadget Testing

Policy

Aetna considers gadget testing medically necessary for members with a made-up condition.
Aetna considers gadget testing experimental, investigational, or unproven for all other indications.

Applicable CPT / HCPCS / ICD-10 Codes

CPT codes covered if selection criteria are met:
Code Code Description
81200 Gadget gene analysis; common variants
88271 - 88299 Molecular cytogenetics
CPT codes not covered for indications listed in the CPB:
0254U Gadget assessment, analysis of many markers, reported as a score
Other HCPCS codes related to the CPB:
S3841 - S3853 Genetic testing
ICD-10 codes covered if selection criteria are met:
C00.0 - C14.8, Malignant neoplasms of the head
C15.3, C16.0 -
C16.9
Q90.0 - Q90.9 Down syndrome

Background

Gadgets were first described long ago.
"""


def test_codes_aetna_lead_ins_give_group_and_system() -> None:
    tables, _ = _run(AETNA_STYLE)
    assert _rows(tables) == [
        ("medically_necessary", "CPT", "81200", None),
        ("medically_necessary", "CPT", "88271", "88299"),
        ("investigational_not_medically_necessary", "CPT", "0254U", None),
        ("unspecified", "HCPCS", "S3841", "S3853"),
        ("medically_necessary", "ICD-10-CM", "C00.0", "C14.8"),
        ("medically_necessary", "ICD-10-CM", "C15.3", None),
        ("medically_necessary", "ICD-10-CM", "C16.0", "C16.9"),
        ("medically_necessary", "ICD-10-CM", "Q90.0", "Q90.9"),
    ]


def test_codes_wrapped_code_column_shares_description() -> None:
    tables, _ = _run(AETNA_STYLE)
    icd = next(t for t in tables if t.system == "ICD-10-CM")
    assert {e.description for e in icd.entries[:3]} == {"Malignant neoplasms of the head"}


def test_codes_not_covered_without_investigational_wording() -> None:
    text = AETNA_STYLE.replace("experimental, investigational, or unproven", "not necessary")
    tables, _ = _run(text)
    assert ("not_medically_necessary", "CPT", "0254U", None) in _rows(tables)


UHC_STYLE = """Gizmo Surgery

Applicable Codes

The following list(s) of procedure codes is provided for reference purposes only.

CPT Code Description
29860 Arthroscopy, gizmo, diagnostic with or without biopsy (separate
procedure)
29999 Unlisted procedure, arthroscopy

HCPCS Code Description
S2118 Metal-on-metal gizmo resurfacing, including all components

Clinical Evidence

Studies of 29860 are few.
"""


def test_codes_ungrouped_tables_are_unspecified() -> None:
    tables, _ = _run(UHC_STYLE)
    assert _rows(tables) == [
        ("unspecified", "CPT", "29860", None),
        ("unspecified", "CPT", "29999", None),
        ("unspecified", "HCPCS", "S2118", None),
    ]
    assert tables[0].entries[0].description == (
        "Arthroscopy, gizmo, diagnostic with or without biopsy (separate procedure)"
    )


def test_codes_text_category_lines_are_not_descriptions() -> None:
    text = UHC_STYLE.replace("29999 Unlisted", "Unlisted Procedures, Gizmo\n29999 Unlisted")
    tables, _ = _run(text)
    assert tables[0].entries[0].description == (
        "Arthroscopy, gizmo, diagnostic with or without biopsy (separate procedure)"
    )


def test_codes_labelled_code_list() -> None:
    text = """Gizmo Transplant

Coding

CPT Codes 38204, 38205, 38206,
38207, 38208
HCPCS Codes S2140, S2142

Rationale

Nothing here.
"""
    tables, _ = _run(text)
    assert _rows(tables) == [("unspecified", "CPT", c, None)
                             for c in ("38204", "38205", "38206", "38207", "38208")] + [
        ("unspecified", "HCPCS", "S2140", None), ("unspecified", "HCPCS", "S2142", None)]


def test_codes_two_column_wrap_of_codes_and_description() -> None:
    text = AETNA_STYLE.replace(
        "Q90.0 - Q90.9 Down syndrome",
        "D00.00 - Carcinoma in situ of the lip, oral cavity,\nD01.3, D02.0 esophagus, stomach "
        "and colon\n- D02.4, [major glands not covered]\nQ90.0 - Q90.9 Down syndrome",
    )
    tables, _ = _run(text)
    icd = next(t for t in tables if t.system == "ICD-10-CM")
    got = {(e.code, e.code_end): e.description for e in icd.entries}
    want = "Carcinoma in situ of the lip, oral cavity, esophagus, stomach and colon " \
        "[major glands not covered]"
    assert got[("D00.00", "D01.3")] == want and got[("D02.0", "D02.4")] == want
    assert got[("Q90.0", "Q90.9")] == "Down syndrome"


def test_codes_date_columns_left_out_of_descriptions() -> None:
    text = """Gizmo Exclusions

Coverage Exclusions

The following services are considered experimental, investigational, or unproven:
Code Description Date Added Last Review
0001M Infectious disease, six assays, 4/11/2017 10/11/2017
prognostic algorithm reported as scores

Definitions

None.
"""
    tables, _ = _run(text)
    assert _rows(tables) == [("investigational_not_medically_necessary", "CPT", "0001M", None)]
    assert tables[0].entries[0].description == (
        "Infectious disease, six assays, prognostic algorithm reported as scores"
    )


def test_codes_topic_lead_in_becomes_note_and_prose_lists_are_not_rows() -> None:
    text = UHC_STYLE.replace(
        "CPT Code Description",
        "Gizmo repair procedures:\nBenefit limits do not include repairs (CPT codes\n"
        "29860, 29861, and 29999).\nCPT Code Description",
    )
    tables, _ = _run(text)
    assert tables[0].notes == ["Gizmo repair procedures:"]
    assert [e.code for e in tables[0].entries] == ["29860", "29999"]


CIGNA_STYLE = """Gadget Testing

Coding Information

Considered Medically Necessary when criteria in the policy statements above are met:

CPT®* Codes Description
81200 Gadget gene analysis; common variants

Considered Experimental/Investigational/Unproven when used to report:

HCPCS Codes Description
S3800 Genetic testing for a made-up condition

*Current Procedural Terminology (CPT®) ©2024 American Medical Association: Chicago, IL.

References

1. Someone A. A study. J Made Up. 2020;1:1-2.
"""


def test_codes_cigna_style_headers_and_groups() -> None:
    tables, _ = _run(CIGNA_STYLE)
    assert _rows(tables) == [
        ("medically_necessary", "CPT", "81200", None),
        ("investigational_not_medically_necessary", "HCPCS", "S3800", None),
    ]
    assert tables[1].entries[0].description == "Genetic testing for a made-up condition"


ARTICLE_STYLE = """Billing and Coding: Gizmo Stimulation

CPT/HCPCS Codes

Group 1 Codes:
CODE DESCRIPTION
64555 Percutaneous implantation of neurostimulator electrode array; peripheral nerve

ICD-10-CM Codes that Support Medical Necessity

Group 1 Codes:
CODE DESCRIPTION
G56.41 Causalgia of right upper limb
S03.00xA Dislocation of jaw, unspecified side, initial encounter

ICD-10-CM Codes that DO NOT Support Medical Necessity
N/A
"""


def test_codes_article_style_support_medical_necessity() -> None:
    tables, _ = _run(ARTICLE_STYLE)
    assert _rows(tables) == [
        ("unspecified", "CPT", "64555", None),
        ("medically_necessary", "ICD-10-CM", "G56.41", None),
        ("medically_necessary", "ICD-10-CM", "S03.00xA", None),
    ]
    assert all(e.valid for t in tables for e in t.entries)
    assert tables[-1].group == "not_medically_necessary" and tables[-1].notes[-1] == "N/A"


def test_codes_invalid_code_keeps_row_with_issue() -> None:
    text = ANTHEM_STYLE.replace("R61 Generalized hyperhidrosis", "R61.99 A code that is not one")
    tables, ctx = _run(text)
    bad = next(e for t in tables for e in t.entries if e.code == "R61.99")
    assert bad.valid is False
    assert any(i.code == "I_CODE_INVALID" and i.span == bad.span for i in ctx.issues)


@pytest.mark.parametrize(
    ("line", "codes_", "desc"),
    [
        ("97033 Application of a modality", [("97033", None)], "Application of a modality"),
        ("L74.510-L74.519 Primary focal", [("L74.510", "L74.519")], "Primary focal"),
        ("S03.00XA-S03.03XS Dislocation", [("S03.00XA", "S03.03XS")], "Dislocation"),
        ("97032 - 97036 Modalities", [("97032", "97036")], "Modalities"),
        ("0813T Esophagoscopy", [("0813T", None)], "Esophagoscopy"),
        ("3E0T33Z Introduction of agent", [("3E0T33Z", None)], "Introduction of agent"),
        ("E66.1, E66.2 Obesity", [("E66.1", None), ("E66.2", None)], "Obesity"),
        ("G30. 0 - G30.9 Alzheimer disease", [("G30.0", "G30.9")], "Alzheimer disease"),
        ("81256", [("81256", None)], None),
        ("*89290 Biopsy, oocyte", [("89290", None)], "Biopsy, oocyte"),
        ("81228* Cytogenomic analysis", [("81228", None)], "Cytogenomic analysis"),
    ],
)
def test_codes_read_row(line: str, codes_: list[tuple[str, str | None]], desc: str | None) -> None:
    row = codes.read_row(line)
    assert row is not None
    assert list(row.codes) == codes_
    assert row.description == desc


@pytest.mark.parametrize(
    "line",
    ["Studies of 97033 are few", "1298C) variants", "20210G>A variant", "CYP2D6 (cytochrome P450)",
     "15 genes, including", "j9264, 1 mg"],
)
def test_codes_read_row_rejects_prose(line: str) -> None:
    row = codes.read_row(line)
    assert row is None


@pytest.mark.parametrize(
    "line",
    ["81200, " * 4000, "81200 - " * 4000 + "x", "L74.5" + "1" * 5000, "When services " * 2000],
)
def test_codes_readers_stay_fast_on_hostile_lines(line: str) -> None:
    start = time.perf_counter()
    codes.read_row(line)
    codes.read_header(line)
    codes.read_group(line)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("line", "systems", "group"),
    [
        ("CPT", ("CPT",), None),
        ("ICD-10 Diagnosis", ("ICD-10-CM",), None),
        ("ICD-10 Procedure", ("ICD-10-PCS",), None),
        ("HCPCS Code Description", ("HCPCS",), None),
        ("CPT/HCPCS", ("CPT", "HCPCS"), None),
        ("Procedure Codes", ("CPT", "HCPCS"), None),
        ("ICD-10 codes covered if selection criteria are met:", ("ICD-10-CM",),
         "medically_necessary"),
        ("HCPCS codes not covered for indications listed in the CPB:", ("HCPCS",), "not_covered"),
        ("Other CPT codes related to the CPB:", ("CPT",), "unspecified"),
        ("Code Code Description", (), None),
        ("CPT®* Codes Description", ("CPT",), None),
        ("CPT (Current Procedural Terminology) Codes", ("CPT",), None),
        ("Non-covered ICD-10 codes:", ("ICD-10-CM",), "not_covered"),
        ("Covered Diagnosis Codes", ("ICD-10-CM",), "medically_necessary"),
        ("Applicable HCPCS Codes", ("HCPCS",), None),
    ],
)
def test_codes_read_header(line: str, systems: tuple[str, ...], group: str | None) -> None:
    header = codes.read_header(line)
    assert header is not None
    assert header.systems == systems
    assert header.group == group


@pytest.mark.parametrize(
    "line", ["CPT® is a registered trademark of the American Medical Association", "Description",
             "Diagnosis of the condition is made by a specialist.", "Coding", "Other procedures:",
             "Procedures"],
)
def test_codes_read_header_rejects(line: str) -> None:
    assert codes.read_header(line) is None


@pytest.mark.parametrize(
    ("line", "group"),
    [
        ("When services may be Medically Necessary when criteria are met:", "medically_necessary"),
        ("When services are Not Medically Necessary:", "not_medically_necessary"),
        ("When services are Investigational and Not Medically Necessary:",
         "investigational_not_medically_necessary"),
        ("Code May Be Medically Necessary When Criteria are Met", "medically_necessary"),
        ("Covered when medically necessary:", "medically_necessary"),
        ("Considered Experimental/Investigational/Unproven when used to report:",
         "investigational_not_medically_necessary"),
        ("Experimental, investigational, or unproven", "investigational_not_medically_necessary"),
        ("Non-Covered Codes", "not_covered"),
        ("Covered Indications", None),
        ("For the procedure codes listed above when criteria are not met.", None),
    ],
)
def test_codes_read_group(line: str, group: str | None) -> None:
    assert codes.read_group(line) == group


@pytest.mark.parametrize(
    ("system", "code", "end", "valid"),
    [
        ("CPT", "97033", None, True),
        ("CPT", "9703", None, False),
        ("CPT", "97036", "97032", False),
        ("HCPCS", "E1399", None, True),
        ("HCPCS", "E13.99", None, False),
        ("ICD-10-PCS", "0DP60CZ", None, True),
        ("ICD-10-CM", "L74.510", "L74.519", True),
        ("ICD-10-CM", "L60-L75", None, False),  # a block is not a code
        ("ICD-10-CM", "B20", None, True),  # a category that shares its name with a block
        ("ICD-10-CM", "M26.59", "M26.50", False),
    ],
)
def test_codes_validate(system: str, code: str, end: str | None, valid: bool) -> None:
    assert codes.validate(system, code, end)[0] is valid


def test_codes_seed_guideline_both_groups_complete() -> None:
    tables = codes.extract(_context(ingest_path(SEED_GUIDELINE)))
    rows = _rows(tables)
    assert rows[:3] == [
        ("medically_necessary", "CPT", "97033", None),
        ("medically_necessary", "HCPCS", "E1399", None),
        ("medically_necessary", "ICD-10-CM", "L74.510", "L74.519"),
    ]
    # the not-medically-necessary diagnoses sit after a page break
    nmn = [r[2:] for r in rows if r[0] == "not_medically_necessary"]
    assert ("M26.601", "M26.69") in nmn and ("S03.00XA", "S03.03XS") in nmn and len(nmn) == 7
    hcpcs = next(t for t in tables if t.system == "HCPCS").entries[0]
    assert hcpcs.description is not None and hcpcs.description.endswith("for home use]")
    jaw = next(e for t in tables for e in t.entries if e.code == "S03.00XA")
    assert len(jaw.expanded) == 12 and all(e.valid for t in tables for e in t.entries)


def _f1(gold: Counter, got: Counter) -> tuple[int, int, int]:
    tp = sum((gold & got).values())
    return tp, sum(got.values()) - tp, sum(gold.values()) - tp


def test_codes_gold_guidelines_floor(shared_corpus: Path) -> None:
    """Codes F1 (group, system, code, code_end) >= 0.98 over the gold guidelines."""
    tp = fp = fn = 0
    for gold_file in sorted((shared_corpus / "gold").glob("*.gold.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        if gold.get("kind") != "guideline" or "codes" not in gold.get("complete", []):
            continue
        pdf = shared_corpus / "guidelines" / gold_file.name.removesuffix(".gold.json")
        if not pdf.exists():
            continue
        tables = codes.extract(_context(ingest_path(pdf)))
        want = Counter(
            (c["group"], c["system"], c["code"], c.get("code_end")) for c in gold["codes"]
        )
        a, b, c = _f1(want, Counter(_rows(tables)))
        tp, fp, fn = tp + a, fp + b, fn + c
    assert tp, "no gold guideline with codes found"
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.98, f"codes F1 {f1:.3f} (tp={tp} fp={fp} fn={fn})"
