"""Criteria trees: blocks, nesting, operators and issues, on synthetic snippets and the corpus.

The snippets are written for these tests in the style of the publishers' coverage sections
(none is taken from a real document). Text snippets go through the real ingest, clean and
segment stages; PDF-like snippets build lines with indentation by hand, so the indentation
rules are tested without a PDF.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from extractor.classify import classify
from extractor.clean.boilerplate import clean
from extractor.context import Context
from extractor.document import Line, Page, RawDocument
from extractor.extract import criteria
from extractor.ingest import ingest_bytes
from extractor.models.contract import CriteriaBlock, CriteriaNode
from extractor.segment.sections import lexicon, segment
from tests.conftest import SEED_GUIDELINE


def _context(raw: RawDocument) -> Context:
    cleaned = clean(raw, is_heading=lexicon("guideline").is_heading)
    kind = classify("\n".join(line.text for line in cleaned.kept[:400]))
    front, nodes = segment(cleaned.kept, "guideline")
    return Context(raw, kind, cleaned.kept, front, nodes, list(raw.issues))


def _run(text: str) -> tuple[list[CriteriaBlock], Context]:
    ctx = _context(ingest_bytes(text.encode("utf-8"), path="snippet.txt"))
    return criteria.extract(ctx), ctx


def _pdf_like(rows: list[tuple[str, float] | tuple[str, float, int]]) -> Context:
    """A context from (text, x0[, page]) rows, as a PDF's lines would arrive."""
    parts: list[str] = []
    lines: list[Line] = []
    pos = 0
    for k, row in enumerate(rows):
        text, x0 = row[0], row[1]
        page = row[2] if len(row) > 2 else 1  # type: ignore[misc]
        lines.append(Line(start=pos, end=pos + len(text), text=text, page=page, index=k,
                          top=100.0 + 14 * k, x0=x0, x1=min(560.0, x0 + 5.2 * len(text)),
                          size=10.0))
        parts.append(text)
        pos += len(text) + 1
    raw = RawDocument(text="\n".join(parts), format="pdf",
                      pages=[Page(1, 0, pos), Page(2, pos, pos)], lines=lines, sha256="0")
    return Context(raw, "guideline", lines, lines, [], [])


def _shape(node: CriteriaNode) -> object:
    """(label, op, children) nested; leaves are their label."""
    if not node.children:
        return node.label
    return (node.label, node.op, [_shape(c) for c in node.children])


def _all_nodes(node: CriteriaNode) -> list[CriteriaNode]:
    out = []
    for c in node.children:
        out.append(c)
        out += _all_nodes(c)
    return out


ANTHEM_STYLE = """Widget Infusion

Description

This document addresses a made-up widget infusion.

Clinical Indications

Medically Necessary:

A single widget infusion is considered medically necessary when all of the following
criteria are met:

A. Confirmed widget deficiency and either of the following:
1. Fewer than two working copies of the widget gene; or
2. Symptoms that began before the age of one year; and
B. Age three years or younger at the time of infusion; and
C. No active infection.

Investigational and Not Medically Necessary:

A widget infusion is considered investigational and not medically necessary when the
criteria above are not met.

Coding

CPT
96365 Intravenous infusion, initial hour
"""


def test_criteria_seed_tree() -> None:
    blocks, _ = _run(SEED_GUIDELINE.read_text(encoding="utf-8"))
    mn = [b for b in blocks if b.status == "medically_necessary"]
    assert mn, "the seed's Medically Necessary block was not found"
    assert _shape(mn[0].logic) == (None, "any", ["A", ("B", "any", ["1", "2"])])
    assert [b.status for b in blocks] == ["medically_necessary", "not_medically_necessary"]


def test_criteria_anthem_nesting_and_carried_connector() -> None:
    blocks, ctx = _run(ANTHEM_STYLE)
    assert [b.status for b in blocks] == [
        "medically_necessary", "investigational_not_medically_necessary"]
    root = blocks[0].logic
    # the "; and" after A.2 joins A to B: it must not make A's own list `all`
    assert _shape(root) == (None, "all", [("A", "any", ["1", "2"]), "B", "C"])
    assert not [i for i in ctx.issues if i.code.startswith("I_CRITERIA")]
    assert blocks[1].logic.children == [] and blocks[1].logic.op is None


def test_criteria_item_text_excludes_label_and_connector() -> None:
    blocks, ctx = _run(ANTHEM_STYLE)
    a1 = blocks[0].logic.children[0].children[0]
    assert a1.text == "Fewer than two working copies of the widget gene"
    for node in _all_nodes(blocks[0].logic):
        evidence = ctx.raw.text[node.span[0]:node.span[1]]
        assert " ".join(evidence.split()) == node.text


@pytest.mark.parametrize(
    ("lead_in", "connector", "op", "minimum", "issue"),
    [
        ("when all of the following are met:", "; or", "all", None, "I_CRITERIA_OP_CONFLICT"),
        ("when any of the following are met:", "; or", "any", None, None),
        ("when two or more of the following are present:", "; or", "at_least", 2, None),
        ("when the following are met (1 or 2):", "", "any", None, None),
        ("when criteria (1 through 3) are met:", "", "all", None, None),
        ("for the following:", "; and", "all", None, None),
        ("for the following:", "; or", "any", None, None),
        ("for the following:", "", "any", None, None),
        ("when the following criteria are met:", "", "all", None, None),
        ("when the following criteria are met:", "; or", "any", None, None),
    ],
)
def test_criteria_operator_from_lead_in_and_connectors(
    lead_in: str, connector: str, op: str, minimum: int | None, issue: str | None
) -> None:
    text = (
        "Clinical Indications\n\nMedically Necessary:\n\n"
        f"Gadget therapy is considered medically necessary {lead_in}\n"
        f"1. The first made-up finding{connector}\n"
        f"2. The second made-up finding{connector}\n"
        "3. The third made-up finding.\n\nCoding\n\nCPT\n97110 Therapeutic exercise\n"
    )
    blocks, ctx = _run(text)
    root = blocks[0].logic
    assert [c.label for c in root.children] == ["1", "2", "3"]
    assert (root.op, root.min) == (op, minimum)
    codes = {i.code for i in ctx.issues}
    if issue:
        assert issue in codes
    else:
        assert not {c for c in codes if c.startswith("I_CRITERIA")}


def test_criteria_negative_conditions_follow_connectors() -> None:
    text = (
        "Clinical Indications\n\nNot Medically Necessary:\n\n"
        "Gizmo therapy is considered not medically necessary when:\n"
        "A. The made-up score is below five; and\nB. No made-up symptom is present.\n"
    )
    blocks, _ = _run(text)
    assert blocks[0].logic.op == "all"


def test_criteria_mixed_connectors_recorded() -> None:
    text = (
        "Clinical Indications\n\nGizmo use is considered medically necessary for:\n"
        "A. The first made-up finding; or\nB. The second made-up finding; and\n"
        "C. The third made-up finding.\n"
    )
    _, ctx = _run(text)
    assert "I_CRITERIA_MIXED_CONNECTORS" in {i.code for i in ctx.issues}


def test_criteria_named_services_are_any_whatever_the_last_connector() -> None:
    text = (
        "Clinical Indications\n\nNot Medically Necessary:\n\n"
        "The following made-up procedures are considered not medically necessary:\n"
        "A. Widget stapling;\nB. Gadget banding; and\nC. Gizmo plication.\n"
    )
    blocks, _ = _run(text)
    assert blocks[0].status == "not_medically_necessary"
    assert blocks[0].logic.op == "any"


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("Widget testing is considered medically necessary when criteria are met.",
         "medically_necessary"),
        ("Widget testing may be considered medically necessary for adults.",
         "medically_necessary"),
        ("Acme considers widget testing medically necessary for adults.", "medically_necessary"),
        ("Acme considers widget testing not medically necessary for screening.",
         "not_medically_necessary"),
        ("Widget testing is not considered medically necessary for screening.",
         "not_medically_necessary"),
        ("Widget testing is considered investigational and not medically necessary.",
         "investigational_not_medically_necessary"),
        ("Widget testing is unproven and not medically necessary for any indication.",
         "investigational_not_medically_necessary"),
        ("Acme considers the following experimental, investigational, or unproven:",
         "investigational_not_medically_necessary"),
        ("Widget testing is proven and medically necessary in certain circumstances.",
         "medically_necessary"),
        ("Widget reshaping is considered cosmetic and not medically necessary.",
         "cosmetic_not_medically_necessary"),
        ("Widget stimulation may be covered for chronic pain.", "medically_necessary"),
        ("Therefore, this service will not be covered for any condition.",
         "not_medically_necessary"),
        ("It is not considered medically reasonable and necessary to repeat it.",
         "not_medically_necessary"),
        ("The contractor will cover widget stimulation when all criteria are met.",
         "medically_necessary"),
        ("Acme does not cover gadget testing of non-members.", "not_medically_necessary"),
        ("Members may be eligible under the Plan for widget testing when criteria are met.",
         "medically_necessary"),
        ("Members may NOT be eligible under the Plan for gadget testing.",
         "not_medically_necessary"),
        ("Not considered medically necessary for persons under 18.", "not_medically_necessary"),
        ("The widget panel covers many genes.", None),
        ("This does not guarantee that Acme will cover the service.", None),
        ("Widget testing is reviewed by a nurse.", None),
        ('The statute says no payment for services that "are not reasonable and necessary".',
         None),
    ],
)
def test_criteria_status_phrases(sentence: str, status: str | None) -> None:
    assert criteria.find_status(sentence) == status


AETNA_STYLE = """Policy

I. Medical Necessity

A. Acme considers the following medically necessary:
1. Widget sampling for made-up condition X.
2. Gadget testing when all of the following criteria are met:
a. The test is validated; and
b. The result changes management.

Acme considers gadget testing not medically necessary for curiosity.

B. Acme considers gizmo analysis a medically necessary method for condition Y.

II. Experimental, Investigational, or Unproven

Acme considers the following experimental, investigational, or unproven:
Gizmo screening of the general population;
Gadget panels for ancestry.

Background

Widgets were first described long ago.
"""


def test_criteria_numbered_statements_resume_after_a_paragraph() -> None:
    blocks, _ = _run(AETNA_STYLE)
    statuses = [b.status for b in blocks]
    assert statuses[:2] == ["medically_necessary", "not_medically_necessary"]
    assert "investigational_not_medically_necessary" in statuses
    mn = blocks[0]
    assert mn.statement.startswith("I. Medical Necessity") or mn.statement == "Medical Necessity"
    # B continues the A list after the not-medically-necessary paragraph
    assert _shape(mn.logic) == (None, "any", [("A", "any", ["1", ("2", "all", ["a", "b"])]), "B"])


def test_criteria_pdf_indented_unlabelled_items_and_page_break() -> None:
    ctx = _pdf_like([
        ("Coverage Indications", 50),
        ("Widget stimulation may be covered when patients have all of the following:", 50),
        ("Documented widget pain for at least three months,", 75),
        ("Failure of made-up conservative therapy that continues onto a second", 75),
        ("line of text,", 75),
        ("No active gadget infection, and", 75, 2),
        ("A successful gizmo trial.", 75, 2),
        ("Other prose follows here without any coverage words at all.", 50, 2),
    ])
    blocks = criteria.extract(ctx)
    assert len(blocks) == 1
    root = blocks[0].logic
    assert root.op == "all"
    assert [c.label for c in root.children] == [None] * 4
    assert root.children[1].text.endswith("a second line of text")


def test_criteria_pdf_nesting_by_indent_and_roman_letters() -> None:
    ctx = _pdf_like([
        ("Medically Necessary:", 50),
        ("Gadget therapy is considered medically necessary when all of the following are met:", 50),
        ("a. First made-up item; and", 70),
        ("b. Second made-up item with any of the following:", 70),
        ("i. A nested made-up reason; or", 90),
        ("ii. Another nested made-up reason; and", 88),
        ("c. Third made-up item; and", 70),
        ("d. Fourth; and", 70), ("e. Fifth; and", 70), ("f. Sixth; and", 70),
        ("g. Seventh; and", 70), ("h. Eighth; and", 70),
        ("i. Ninth, a letter after h.", 70),
    ])
    blocks = criteria.extract(ctx)
    root = blocks[0].logic
    assert [c.label for c in root.children] == list("abcdefghi")
    assert _shape(root.children[1]) == ("b", "any", ["i", "ii"])
    assert root.op == "all"


def test_criteria_notes_are_not_blocks() -> None:
    text = (
        "Clinical Indications\n\nWidget testing is considered medically necessary for adults.\n\n"
        "Note: gadget testing is considered medically necessary only in made-up cases.\n"
    )
    blocks, _ = _run(text)
    assert len(blocks) == 1


@pytest.mark.parametrize("with_policy", [True, False])
def test_criteria_outside_coverage_sections_ignored(with_policy: bool) -> None:
    policy = "Position Statement\n\nGizmo testing is considered investigational.\n\n"
    text = (
        "Description\n\nWidget testing is considered medically necessary in some plans.\n\n"
        + (policy if with_policy else "")
        + "Rationale\n\nStudies found widget testing is considered medically necessary by some.\n"
    )
    blocks, _ = _run(text)
    assert [b.status for b in blocks] == (
        ["investigational_not_medically_necessary"] if with_policy else [])


# --- the real corpus --------------------------------------------------------------------------


def _scorer(shared: Path):  # type: ignore[no-untyped-def]
    path = shared.parent / "tools" / "score.py"
    if not path.exists():
        pytest.skip(f"reference scorer not present at {path}")
    spec = importlib.util.spec_from_file_location("reference_score", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_criteria_gold_floor(shared_corpus: Path, tmp_path: Path) -> None:
    """Criteria nodes F1 >= 0.90 and operators >= 0.95 on the gold guidelines."""
    from extractor import parse_path
    from extractor.output import to_json

    os.environ.setdefault("EXTRACTOR_RAW_CACHE", "/tmp/rawcache")
    gold_dir = tmp_path / "gold"
    out_dir = tmp_path / "out"
    gold_dir.mkdir()
    out_dir.mkdir()
    n = 0
    for g in sorted((shared_corpus / "gold").glob("*.gold.json")):
        data = json.loads(g.read_text(encoding="utf-8"))
        pdf = shared_corpus / "guidelines" / data["file"]
        if data.get("kind") != "guideline" or "criteria" not in data.get("complete", []):
            continue
        if not pdf.exists():
            continue
        (gold_dir / g.name).write_bytes(g.read_bytes())
        (out_dir / (data["file"] + ".json")).write_bytes(to_json(parse_path(pdf)))
        n += 1
    if not n:
        pytest.skip("no gold guideline with criteria")
    score = _scorer(shared_corpus)
    import contextlib
    import io

    buf = io.StringIO()
    argv = ["score.py", str(gold_dir), str(out_dir), "--json"]
    with contextlib.redirect_stdout(buf):
        old = __import__("sys").argv
        __import__("sys").argv = argv
        try:
            score.main()
        finally:
            __import__("sys").argv = old
    result = json.loads(buf.getvalue())
    assert result["prf"]["criteria.nodes"]["f1"] >= 0.90, result["prf"]["criteria.nodes"]
    assert result["accuracy"]["criteria.op"] >= 0.95
    assert result["accuracy"]["criteria.root_op"] >= 0.95
    assert result["prf"]["criteria.blocks"]["f1"] >= 0.85


# --- invariants on generated input ---------------------------------------------------------

_FRAGMENTS = [
    "Clinical Indications", "Medically Necessary:", "Not Medically Necessary:", "I. Policy",
    "Widget use is considered medically necessary when all of the following are met:",
    "Gadget use is considered investigational and not medically necessary.",
    "A. A made-up finding; and", "B. Another made-up finding; or", "1. A sub-finding; or",
    "2. A second sub-finding; and", "a. Deeper;", "i. Deepest", "ii. Deeper still", "and", "or",
    "• A bullet item", "o", "Note: a made-up note.", "Coding", "CPT", "97110 Exercise",
    "h. Eighth", "i. Ninth", "AA. Twenty-seventh", "", "   ", "(1 or 2)", "two or more of the following:",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=30))
def test_criteria_never_fails_and_spans_hold(lines: list[str]) -> None:
    assume(any(line.strip() for line in lines))  # an empty document is refused at ingestion
    blocks, ctx = _run("\n".join(lines) + "\n")
    n = len(ctx.raw.text)
    for b in blocks:
        assert 0 <= b.span[0] <= b.span[1] <= n
        for node in [b.logic, *_all_nodes(b.logic)]:
            assert 0 <= node.span[0] <= node.span[1] <= n
            assert (node.op is None) == (not node.children)
            assert (node.min is not None) == (node.op == "at_least")
