"""Related documents (lead-in lists, related sections) and Document History rows."""

from __future__ import annotations

import pytest

from extractor import parse_text
from extractor.document import Line
from extractor.extract import related


def lines(*rows: tuple[float | None, str, int] | str) -> list[Line]:
    """Lines from (x0, text, gap_before) rows; a bare string is (70, text, 0)."""
    out, pos = [], 0
    for i, row in enumerate(rows):
        x0, text, gap = (70.0, row, 0) if isinstance(row, str) else row
        out.append(Line(pos, pos + len(text), text, 1, index=i, x0=x0, gap_before=gap))
        pos += len(text) + 1
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CG-TST-63 Treatment of Pretend Sweating", ("CG-TST-63", "Treatment of Pretend Sweating")),
        ("ABC.00071 Percutaneous Widget Surgery", ("ABC.00071", "Percutaneous Widget Surgery")),
        ("A12345 - Billing and Coding: Pretend Stimulation",
         ("A12345", "Billing and Coding: Pretend Stimulation")),
        ("703.001: Organ and Widget Transplantation",
         ("703.001", "Organ and Widget Transplantation")),
        ("Reviewed 08/08/2024 Committee review.", None),
        ("CG-TST-63", ("CG-TST-63", None)),
    ],
)
def test_related_entry_line(text: str, expected: tuple[str, str | None] | None) -> None:
    (line,) = lines(text)
    assert related._entry(line) == expected


def test_related_list_after_lead_in_ends_at_prose() -> None:
    got = related._listed_after_lead_ins(lines(
        "Note: Please see the following related documents for additional information:",
        "CG-TST-02 Gadget Therapy",
        "ABC.00012 Sprocket Devices",
        "Widget therapy is considered medically necessary when CG-TST-09 criteria are met.",
        "CG-TST-99 A line after prose is not listed",
    ))
    assert [(d, t) for d, t, _ in got] == [("CG-TST-02", "Gadget Therapy"),
                                          ("ABC.00012", "Sprocket Devices")]


def test_related_seed_guideline(seed_guideline) -> None:
    docs = {d.doc_id: d for d in seed_guideline.related_documents}
    assert "CG-MED-63" in docs
    assert docs["CG-MED-63"].title == "Treatment of Hyperhidrosis"
    start, end = docs["CG-MED-63"].span
    assert "CG-MED-63 Treatment of Hyperhidrosis" in seed_guideline.source.text[start:end]


def test_related_history_rows_with_wrapped_actions() -> None:
    rows = related._rows(lines(
        "Status Date Action",
        "Revised 02/01/2024 Committee review. Revised Clinical Indications and",
        (230.0, "Definitions sections.", 0),
        "Reviewed 02/09/2023 Committee review.",
        (150.0, "04/01/2022 Updated Coding section with new codes.", 0),
        "New 01/05/2021 Initial document development.",
        (60.0, "Applicable to some members in one state: a paragraph after the table.", 2),
    ))
    assert [(r.status, r.date, r.action) for r in rows] == [
        ("Revised", "2024-02-01",
         "Committee review. Revised Clinical Indications and Definitions sections."),
        ("Reviewed", "2023-02-09", "Committee review."),
        (None, "2022-04-01", "Updated Coding section with new codes."),
        ("New", "2021-01-05", "Initial document development."),
    ]


def test_related_history_date_wrapped_under_status() -> None:
    rows = related._rows(lines(
        "Updated codes n/a Unchanged Added pretend code 0000X.",
        "04/01/2025",
        "Created 08/29/2022 02/12/2023 Panel review.",
    ))
    assert [(r.status, r.date) for r in rows] == [("Updated codes", "2025-04-01"),
                                                  ("Created", "2022-08-29")]


def test_related_status_word_opening_prose_is_no_row() -> None:
    assert related._row_start("Revised criteria apply to all pretend widgets.") is None


SYNTHETIC = """Clinical UM Guideline
Subject: Widget Therapy
Guideline #: CG-TST-07 Publish Date: 03/15/2024

Description

This document addresses widget therapy.

Note: For additional information, please see:
CG-TST-02 Gadget Therapy

Clinical Indications

Medically Necessary:

Widget therapy is considered medically necessary when all of the following criteria are met:
A. The individual has a pretend disorder; and
B. Gadget therapy has failed.

Not Medically Necessary:

Widget therapy is considered not medically necessary when the criteria above are not met.

History

Status Date Action
Revised 02/01/2024 Committee review.
New 01/05/2021 Initial document development.
"""


def test_related_synthetic_document() -> None:
    doc = parse_text(SYNTHETIC, path="synthetic.txt")
    assert [(d.doc_id, d.title) for d in doc.related_documents] == [("CG-TST-02", "Gadget Therapy")]
    assert [(h.status, h.date) for h in doc.history] == [("Revised", "2024-02-01"),
                                                         ("New", "2021-01-05")]
    text = SYNTHETIC
    for h in doc.history:
        assert text[h.span[0]:h.span[1]].startswith(h.status or "")


def test_related_history_row_led_by_the_document_id() -> None:
    assert related._row_start("PW 1.234 02/21/2020 Consensus review. No change.") == (
        None, "2020-02-21", "Consensus review. No change.")


def test_related_history_date_and_text_wrapped_under_status() -> None:
    rows = related._rows(lines(
        (70.0, "Updated codes n/a Unchanged Split the pretend code list into those considered", 0),
        (70.0, "03/17/2024 necessary and not.", 0),
        (70.0, "Created 08/29/2022 02/12/2023 Panel review.", 1),
    ))
    assert [(r.status, r.date) for r in rows] == [("Updated codes", "2024-03-17"),
                                                  ("Created", "2022-08-29")]
    assert rows[0].action.endswith("considered necessary and not.")


def test_related_history_ends_at_a_heading_under_the_table() -> None:
    rows = related._rows(lines(
        (58.0, "Revision Date Summary of Changes", 0),
        (58.0, "09/04/2024 Reviewed and Updated: pretend background updated and", 1),
        (175.0, "pretend references revised.", 0),
        (68.0, "Disclaimer", 2),
        (68.0, "Pretend claim edits follow pretend industry standards.", 2),
    ))
    assert [r.action for r in rows] == [
        "Reviewed and Updated: pretend background updated and pretend references revised."]
