"""Guideline metadata: dates, labels, two-column headers, document types, ids, fallbacks."""

from __future__ import annotations

import pytest

from extractor import parse_text
from extractor.document import Line
from extractor.extract import metadata as md


def lines(*texts: str, size: float | None = None) -> list[Line]:
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Line(pos, pos + len(t), t, 1, index=i, size=size))
        pos += len(t) + 1
    return out


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("10/01/2025", "2025-10-01"),
        ("10/1/2024", "2024-10-01"),
        ("8/1/24", "2024-08-01"),
        ("2019-12-01", "2019-12-01"),
        ("March 1, 2026", "2026-03-01"),
        ("Sept. 5, 2021", "2021-09-05"),
        ("January 01/2025", "2025-01-01"),
        ("May 2020", "2020-05"),
        ("12/2023", "2023-12"),
        ("For services performed on or after 12/01/2019", "2019-12-01"),
        ("Updated codes 04/01/2025", "2025-04-01"),
        ("13/45/2020", None),
        ("n/a", None),
        ("Reviewed", None),
    ],
)
def test_metadata_parse_date_gives_iso_or_month(text: str, iso: str | None) -> None:
    assert md.parse_date(text) == iso


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MP 2.312", "MP 2.312"),
        ("CG012, Ver. 3", "CG012"),
        ("LAB.00099", "LAB.00099"),
        ("2024T0101AB Instructions", "2024T0101AB"),
        ("Reviewed", None),
        ("", None),
    ],
)
def test_metadata_id_value_keeps_one_id(text: str, expected: str | None) -> None:
    assert md._id_value(text) == expected


def test_metadata_two_column_header_gives_every_field() -> None:
    got = md.labelled(lines(
        "Subject: Widget Therapy for Imaginary Conditions",
        "Document #: ABC.00001 Publish Date: 01/02/2023",
        "Status: Revised Last Review Date:",
        "11/12/2022",
    ))
    values = {k: v for k, (_, _, v) in got.items()}
    assert values == {
        "title": "Widget Therapy for Imaginary Conditions",
        "doc_id": "ABC.00001",
        "publish_date": "2023-01-02",
        "status": "Revised",
        "last_review_date": "2022-11-12",
    }


def test_metadata_revision_effective_date_beats_original() -> None:
    got = md.labelled(lines(
        "Original Effective Date", "For services performed on or after 08/27/2018",
        "Revision Effective Date", "For services performed on or after 12/01/2019",
    ))
    assert got["effective_date"][2] == "2019-12-01"


def test_metadata_next_review_is_not_last_review() -> None:
    got = md.labelled(lines("Last Review", "Background", "04/02/2025", "Next Review: 02/12/2026"))
    assert got["last_review_date"][2] == "2025-04-02"


def test_metadata_label_inside_prose_is_not_a_label() -> None:
    assert md.label_hits("the subject:matter and its status") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Clinical UM Guideline", ("Clinical UM Guideline", "")),
        ("Clinical UM Guideline  CG-TST-28", ("Clinical UM Guideline", "CG-TST-28")),
        ("Clinical Policy Bulletins Medical Clinical Policy Bulletins",
         ("Clinical Policy Bulletin", "")),
        ("Local Coverage Determination (LCD)", ("Local Coverage Determination", "")),
        ("MEDICAL POLICY", ("Medical Policy", "")),
        ("Medical Policy applies to all plans", None),
    ],
)
def test_metadata_doc_type_line(text: str, expected: tuple[str, str] | None) -> None:
    assert md.doc_type_of(text) == expected


def test_metadata_browser_stamp_gives_title_and_id() -> None:
    (stamp,) = lines("8/12/26, 8:31 PM CG-TST-12 Widget Therapy")
    assert md._stamp_title(stamp) == ("Widget Therapy", "CG-TST-12")
    (cut,) = lines("8/12/26, 8:31 PM A very long title that the browser cut…")
    assert md._stamp_title(cut)[0] is None


def test_metadata_largest_type_title_skips_captions() -> None:
    ls = [
        Line(0, 5, "Intro", 1, index=0, size=9.0, top=40),
        Line(6, 30, "Appropriate Use Criteria:", 1, index=1, size=30.0, top=100),
        Line(31, 50, "Widget Testing", 1, index=2, size=30.0, top=140),
        Line(51, 60, "Body text here", 1, index=3, size=9.0, top=300),
        Line(61, 70, "More body text", 1, index=4, size=9.0, top=320),
    ]
    assert md._largest_type_title(ls) == "Widget Testing"


SYNTHETIC = """Clinical UM Guideline
Subject: Widget Therapy for Imaginary Conditions
Guideline #: CG-TST-07 Publish Date: 03/15/2024
Status: Revised Last Review Date:
02/01/2024

Description

This document addresses widget therapy for imaginary conditions.

Clinical Indications

Medically Necessary:

Widget therapy is considered medically necessary when the individual has a pretend disorder.
"""


def test_metadata_synthetic_anthem_style_header() -> None:
    m = parse_text(SYNTHETIC, path="synthetic.txt").metadata
    assert (m.doc_id, m.title, m.doc_type) == (
        "CG-TST-07", "Widget Therapy for Imaginary Conditions", "Clinical UM Guideline")
    assert (m.publish_date, m.last_review_date, m.status) == ("2024-03-15", "2024-02-01", "Revised")
    assert m.page_count == 1


def test_metadata_seed_running_header(seed_guideline) -> None:
    m = seed_guideline.metadata
    assert m.doc_id == "CG-MED-28"
    assert m.title == "Iontophoresis"
    assert m.doc_type == "Clinical UM Guideline"
    assert m.publisher == "Healthy Blue"
    assert m.page_count == 12  # the "Page 3 of 12" stamp of a text export


def test_metadata_lower_case_word_is_not_a_label() -> None:
    assert md.label_hits("the status: unknown") == []
    assert [h.field for h in md.label_hits("Status: Reviewed")] == ["status"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("LCD - Widget Stimulation (L12345)",
         ("Widget Stimulation", "Local Coverage Determination", "L12345")),
        ("Widget Stimulation", ("Widget Stimulation", None, None)),
    ],
)
def test_metadata_clean_title(title: str, expected: tuple[str, str | None, str | None]) -> None:
    assert md._clean_title(title) == expected


def test_metadata_title_ending_in_doc_type_gives_the_type() -> None:
    assert md._split_type("Pretend Widget Testing Medical Policy") == (
        "Pretend Widget Testing", "Medical Policy")
    assert md._split_type("Medical Policy") == ("Medical Policy", None)


def test_metadata_value_cell_set_above_its_label() -> None:
    ls = [Line(0, 20, "Pretend Widget Testing", 1, index=0, top=146.0),
          Line(21, 29, "Subject:", 1, index=1, top=152.0),
          Line(30, 55, "Policy Number: PW-01-002", 1, index=2, top=181.0)]
    got = {k: v for k, (_, _, v) in md.labelled(ls).items()}
    assert got == {"title": "Pretend Widget Testing", "doc_id": "PW-01-002"}


def test_metadata_furniture_is_no_title() -> None:
    got = md.labelled(lines("LCD Title", "CPT codes and other data are copyright 2022 Someone"))
    assert "title" not in got


@pytest.mark.parametrize(
    "junk",
    ["", ":", "Status:", "Subject: :", "Number: ::::", "Effective Date: 99/99/9999",
     "Last Review" * 50, "(" * 500, "8/12/26, 8:31 PM", "\u200b\u200b", "LCD - (L1)"],
)
def test_metadata_junk_headers_do_not_fail(junk: str) -> None:
    ls = lines(junk, junk, "Status: Reviewed Last Review Date:")
    md.labelled(ls)
    md.labelled(ls, strict=True)
    md._largest_type_title(ls)
    md._largest_type_title([])
    md._stamp_title(ls[0])
    md._clean_title(junk)
    md.doc_type_of(junk)
    assert md.parse_date(junk) is None or len(md.parse_date(junk) or "") in (7, 10)


def test_metadata_stamp_id_only_at_the_title_start() -> None:
    (stamp,) = lines("8/12/26, 8:31 PM Widget Therapy 12.5 for Pretend Use")
    assert md._stamp_title(stamp) == ("Widget Therapy 12.5 for Pretend Use", None)
