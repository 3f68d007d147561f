"""Definitions: term forms, wrapped lines, margins, items closed, subscripts, fallback heading."""

from __future__ import annotations

import pytest

from extractor.document import Line
from extractor.extract import definitions as defs

M = 60.0  # the synthetic section's left margin


def block(
    *rows: tuple[float | None, str] | str, gap_at: frozenset[int] = frozenset()
) -> list[Line]:
    """Lines from (x0, text) rows; a bare string sits at the margin."""
    out, pos = [], 0
    for i, row in enumerate(rows):
        x0, text = (M, row) if isinstance(row, str) else row
        out.append(Line(pos, pos + len(text), text, 1, index=i, x0=x0,
                        gap_before=1 if i in gap_at else 0))
        pos += len(text) + 1
    return out


CASES = [
    pytest.param(
        block("Widget: A small imaginary device used in pretend therapy for a number of",
              "made-up conditions.",
              "Gadget score (GS): A scale."),
        ["Widget", "Gadget score (GS)"], id="colon-terms-wrapped"),
    pytest.param(
        block("Sprocket care: Care that follows the table of normal sprocket values available at:",
              "http://example.org/sprockets which lists them all.",
              "Cog: A toothed wheel."),
        ["Sprocket care", "Cog"], id="colon-inside-wrapped-sentence"),
    pytest.param(
        block("Pretend Grades:",
              (M + 18, "Grade 0: Normal"),
              (M + 18, "Grade I: Slightly pretend"),
              "(Someone, 2020)",
              "Widget: A device."),
        ["Pretend Grades", "Widget"], id="indented-items-are-not-terms"),
    pytest.param(
        block("Widget: A device.",
              "Note: Other devices may apply."),
        ["Widget"], id="note-is-not-a-term"),
    pytest.param(
        block("\u201cWidget Fee\u201d means the charge for one widget.",
              "PRIMARY RELATIVE refers to a parent or a child.",
              "GADGET A small tool for pretend repairs.",
              "SPROCKET CHART is a table of sprockets."),
        ["Widget Fee", "PRIMARY RELATIVE", "GADGET", "SPROCKET CHART"], id="verb-and-caps-forms"),
    pytest.param(
        block("XO : Oxygen uptake of a pretend widget, measured at rest and at the",
              (M + 12, "2"),
              "end of exercise.",
              "Cog: A toothed wheel."),
        ["XO2", "Cog"], id="subscript-on-the-next-line"),
    pytest.param(
        block("Pretend Association (PA) Classes:",
              "The classes below sort widgets by how pretend they are; the four classes are as",
              "follows:",
              (M + 30, "Class I - not pretend at all"),
              "Widget: A device."),
        ["Pretend Association (PA) Classes", "Widget"], id="term-with-paragraph-below"),
    pytest.param(
        block("Widget: A device whose definition does not end in a full stop but wraps",
              "onto a short line",
              "Cog: A toothed wheel."),
        ["Widget", "Cog"], id="unpunctuated-definition"),
    pytest.param(
        block((None, "Widget: A device."), (None, "Cog: A wheel.")),
        ["Widget", "Cog"], id="text-lines-without-positions"),
]


@pytest.mark.parametrize(("lines", "terms"), CASES)
def test_definitions_terms_from_block(lines: list[Line], terms: list[str]) -> None:
    assert [item.term for item in defs.parse(lines)] == terms


def test_definitions_wrapped_lines_are_joined() -> None:
    (item, _) = defs.parse(block("Widget: A small imaginary device used in pretend therapy for",
                                 "made-up conditions.", "Cog: A wheel."))
    assert defs._definition(item) == (
        "A small imaginary device used in pretend therapy for made-up conditions.")


def test_definitions_subscript_line_not_in_definition() -> None:
    (item, _) = defs.parse(block("XO : Oxygen uptake of a pretend widget, measured at rest and at",
                                 (M + 12, "2"), "the end.", "Cog: A wheel."))
    assert defs._definition(item) == (
        "Oxygen uptake of a pretend widget, measured at rest and at the end.")


def test_definitions_fallback_heading_opens_a_block() -> None:
    kept = block("IV. RATIONALE TOP", "Some prose about widgets.", "V. DEFINITIONS TOP",
                 "PRIMARY RELATIVE refers to a parent or a child.", "VI. BENEFIT VARIATIONS TOP",
                 "Benefits vary.")
    (only,) = defs._fallback_blocks(kept)
    assert [ln.text for ln in only] == ["PRIMARY RELATIVE refers to a parent or a child."]


@pytest.mark.parametrize(
    "kept",
    [
        # a table of contents entry: the next line is another heading, not a definition
        ["Definitions", "Policy", "Background"],
        # a lower-case "definition" ending a wrapped sentence
        ["the reader should consult the full", "definition", "ICD-10 codes covered: D61.09"],
    ],
)
def test_definitions_fallback_needs_a_definition_first(kept: list[str]) -> None:
    assert defs._fallback_blocks(block(*kept)) == []


SEED_TERMS = ["Eccrine gland", "Functional impairment", "Hyperhidrosis", "Iontophoresis",
              "Primary hyperhidrosis", "Secondary hyperhidrosis"]


def test_definitions_seed_guideline(seed_guideline) -> None:
    got = seed_guideline.definitions
    assert [d.term for d in got] == SEED_TERMS
    text = seed_guideline.source.text
    for d in got:
        assert text[d.span[0]:d.span[1]].lstrip().startswith(d.term)
    eccrine = got[0].definition
    assert eccrine.startswith("A gland in the skin that secretes sweat.")
    assert "greater concentrations may be found" in eccrine  # the wrapped line joined
    assert eccrine.endswith("armpits, feet, and hands.")


def row(text: str, x0: float, top: float, cw: float = 5.0, gap: float = 0.0) -> Line:
    """A PDF line whose width follows its length (cw points a character, plus a column gap)."""
    return Line(0, len(text), text, 1, x0=x0, x1=x0 + cw * len(text) + gap, top=top)


def test_definitions_two_column_table_split_at_the_column() -> None:
    # term column at 60, definition column at 180 (the merged first line spans the gap)
    lines = [
        row("Sprocket Cells that turn the pretend gears of a widget and that", 60, 100, gap=80),
        row("wear out after some years of pretend use.", 180, 112),
        row("Cog Wheel A toothed wheel that meshes with a sprocket in a widget.", 60, 124, gap=70),
        row("It is made of pretend metal and lasts for years.", 180, 136),
    ]
    items = defs.parse(lines)
    assert [i.term for i in items] == ["Sprocket", "Cog Wheel"]
    assert defs._definition(items[0]).startswith("Cells that turn")


def test_definitions_dash_set_apart_marks_the_term_end() -> None:
    # "Acute Widget Pain" is 17 characters: at 5 points each the term ends near x 52 + 85
    dash_x = 52.0 + 5 * 17 + 3
    lines = [
        Line(0, 1, "\u2013", 1, x0=dash_x, x1=dash_x + 5, top=99.0),
        row("Acute Widget Pain Pain present for up to six pretend weeks.", 52, 100),
        row("Chronic pain \u2013 Pain present after twelve pretend weeks of use.", 52, 114),
    ]
    assert [i.term for i in defs.parse(lines)] == ["Acute Widget Pain", "Chronic pain"]


def test_definitions_indented_lists_are_not_a_column() -> None:
    lines = [
        row("Widget: A device with parts such as the following ones listed below", 36, 100),
        row("a sprocket that turns the gears of the widget for years", 130, 112),
        row("a cog that meshes with the sprocket in the pretend widget", 130, 124),
        row("Cog: A toothed wheel.", 36, 136),
    ]
    assert [i.term for i in defs.parse(lines)] == ["Widget", "Cog"]


def test_definitions_bulleted_terms() -> None:
    lines = block((108.0, "\u2022 Widget Screening \u2013 The process of testing pretend widgets"),
                  (126.0, "for faults."),
                  (108.0, "\u2022 Cog Testing \u2013 A test of cogs."))
    assert [i.term for i in defs.parse(lines)] == ["Widget Screening", "Cog Testing"]


def test_definitions_term_split_by_a_superscript() -> None:
    lines = block("Widget: A device.", "PREMW", (M + 37, "5"),
                  (M + 41, ": PREtend Model of Widgets, a score of pretend widget faults."),
                  "Cog: A wheel.")
    items = defs.parse(lines)
    assert [i.term for i in items] == ["Widget", "PREMW5", "Cog"]
    assert defs._definition(items[1]) == (
        "PREtend Model of Widgets, a score of pretend widget faults.")


TEXT_DOC = """Clinical UM Guideline
Subject: Widget Therapy
Guideline #: CG-TST-07 Publish Date: 03/15/2024

Description

This document addresses widget therapy for pretend conditions.

Clinical Indications

Medically Necessary:

Widget therapy is considered medically necessary for pretend conditions.

Definitions

Pretend grades: The grades of a pretend condition.
    Grade 1: Slightly pretend.
    Grade 2: Very pretend.
Widget: A small pretend device.
"""


def test_definitions_text_indent_marks_sub_items() -> None:
    from extractor import parse_text

    doc = parse_text(TEXT_DOC, path="synthetic.txt")
    assert [d.term for d in doc.definitions] == ["Pretend grades", "Widget"]
    assert "Grade 1: Slightly pretend." in doc.definitions[0].definition


def test_definitions_numbered_list_with_is() -> None:
    lines = block((90.0, "1. Widgethood is the period of pretend use until the first repair."),
                  (90.0, "2. An odd widget is one in which the cogs turn the wrong way; it"),
                  (108.0, "needs care."),
                  (90.0, "3. Close sprockets include:"),
                  (126.0, "a. First sprockets are next to the cog"))
    assert [i.term for i in defs.parse(lines)] == ["Widgethood", "odd widget", "Close sprockets"]


def test_definitions_bulleted_list_with_verbs_and_an_intro_clause() -> None:
    lines = block((72.0, "Listed below are several definitions, not included above:"),
                  (72.0, "\u2022 Full widget response (FWR) is the absence of pretend faults."),
                  (72.0, "\u2022 Plateau indicates stable pretend values for three months."),
                  (72.0, "\u2022 The term \u201csalvage widget\u201d describes a widget given to owners who:"),
                  (108.0, "1. Failed to repair the first widget"))
    assert [i.term for i in defs.parse(lines)] == [
        "Full widget response (FWR)", "Plateau", "salvage widget"]


def test_definitions_mixed_section_heading_names_definitions() -> None:
    from extractor import parse_text

    text = TEXT_DOC.replace("Definitions\n", "Description & Definitions\n")
    doc = parse_text(text, path="synthetic.txt")
    assert "Widget" in [d.term for d in doc.definitions]
