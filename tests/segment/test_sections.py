from __future__ import annotations

import pytest

from extractor import parse_text


def test_sections_seed_guideline_top_level(seed_guideline) -> None:
    top = [(s.kind, s.heading) for s in seed_guideline.sections if s.parent is None]
    assert top == [
        ("description", "Description"),
        ("clinical_indications", "Clinical Indications"),
        ("coding", "Coding"),
        ("discussion", "Discussion/General Information"),
        ("definitions", "Definitions"),
    ]


def test_sections_seed_guideline_nested(seed_guideline) -> None:
    by_id = {s.id: s for s in seed_guideline.sections}
    nested = [(by_id[s.parent].kind, s.heading) for s in seed_guideline.sections if s.parent is not None]
    assert nested == [
        ("clinical_indications", "Medically Necessary"),
        ("clinical_indications", "Not Medically Necessary"),
        ("discussion", "Drug Delivery"),
        ("discussion", "Hyperhidrosis"),
    ]
    assert all(s.level == 2 for s in seed_guideline.sections if s.parent is not None)


def test_sections_seed_code_table_continues_across_page_break(seed_guideline) -> None:
    coding = next(s for s in seed_guideline.sections if s.kind == "coding")
    lines = coding.text.splitlines()
    i = lines.index("R61 Generalized hyperhidrosis")
    assert lines[i + 1] == "When services are Not Medically Necessary:"


def test_sections_seed_imr(seed_imr) -> None:
    assert seed_imr.kind == "imr"
    assert [s.kind for s in seed_imr.sections] == ["how_determined", "case_summary", "decisions"]


def test_sections_spans_index_text(seed_guideline) -> None:
    text = seed_guideline.source.text
    for s in seed_guideline.sections:
        start, end = s.span
        assert 0 <= start < end <= len(text)
        if s.heading:
            assert text[start:end].startswith(s.heading)


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Position Statement", "clinical_indications"),
        ("Coverage Rationale", "clinical_indications"),
        ("Applicable Codes", "coding"),
        ("Background/Overview", "background"),
        ("Document History", "history"),
        ("Policy History/Revision Information", "history"),
        ("Websites for Additional Information", "websites"),
        ("References", "references"),
        ("Index", "index"),
        ("Clinical Evidence", "discussion"),
    ],
)
def test_sections_heading_vocabulary(heading: str, kind: str) -> None:
    text = f"Description\nThis policy addresses a test.\n{heading}\nSome body text for the section here."
    doc = parse_text(text)
    assert [s.kind for s in doc.sections] == ["description", kind]


def test_sections_paragraphs_rejoin_wrapped_lines() -> None:
    text = (
        "Discussion\nThis sentence is wrapped across two\nvisual lines in the source.\n"
        "A. First item of a list; or\nB. Second item.\n"
    )
    doc = parse_text(text)
    assert doc.sections[0].text.splitlines() == [
        "This sentence is wrapped across two visual lines in the source.",
        "A. First item of a list; or",
        "B. Second item.",
    ]
