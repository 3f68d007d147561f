"""Fuzzing the whole pipeline with documents that look like the real families (issue 6.3).

Hypothesis builds guideline-like and IMR-letter-like documents from synthetic parts, then
damages them the way real files are damaged:
  1. furniture: running headers and footers, page numbers, print stamps, a legal notice, at
     page breaks (form feeds) that may fall inside a paragraph or a list;
  2. breaks: lines wrapped at random points, words hyphenated across lines, blank lines added
     or lost, CRLF or CR line ends, trailing spaces and tabs;
  3. noise: random characters (any Unicode but surrogates) inserted into lines, stray control
     characters, a line of junk.
The same documents are also laid out as PDFs (headings larger and bold, furniture at the top
and bottom of every page, compressed or not, owner-password encrypted or not).
Every document must parse without an exception other than a coded refusal, and satisfy the
invariants of tests/hostile/invariants.py: spans valid, kept + removed covers the input,
schema-valid JSON; and the same bytes must give byte-identical JSON.

EXTRACTOR_FUZZ_EXAMPLES sets the number of examples per test (the suite's default is small;
scripts/fuzz.py runs many more).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor import errors
from extractor.ingest import ingest_bytes
from extractor.output import to_json
from extractor.pipeline import process
from tests.hostile.invariants import check_all
from tests.hostile.pdfgen import make_pdf

EXAMPLES = int(os.environ.get("EXTRACTOR_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- synthetic vocabulary (written for these tests, in the documents' style) -----------------

WORDS = (
    "the treatment is considered medically necessary when all of following criteria are met "
    "individual has documented pain for at least months and failed conservative therapy or "
    "not investigational device procedure clinical evidence studies reported outcomes patients "
    "with chronic condition including but limited to trial randomized review"
).split()
NAMES = ["Smith", "Jones", "Garcia", "Chen", "Okafor", "Novak", "Patel"]
GUIDELINE_HEADINGS = [
    "Description", "Clinical Indications", "Position Statement", "Coding", "Discussion",
    "Background", "Definitions", "References", "Websites for Additional Information", "Index",
    "Document History", "Summary for Members", "Rationale", "Scope",
]
IMR_HEADINGS = [
    "DOCUMENTS REVIEWED:", "CLINICAL SUMMARY:", "IMR ISSUES, DECISIONS AND RATIONALES:",
    "Claims Administrator guideline:", "Reviewer's Decision:", "Effect of the Decision:",
]
FURNITURE = [
    "Page {n} of {m}", "Printed on 03/04/2025 10:15 AM", "https://www.example-plan.test/policy",
    "CG-MED-{n}", "Confidential - for member use", "{n}",
    "Federal and State law, as well as contract language, take precedence over this policy.",
]
LABELS = ["A.", "B.", "1.", "2.", "a.", "b.", "i.", "ii.", "(1)", "(a)", "•", "-"]

word = st.sampled_from(WORDS)
sentence = st.lists(word, min_size=3, max_size=18).map(lambda ws: " ".join(ws).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join)
date = st.tuples(st.integers(1, 12), st.integers(1, 28), st.integers(1995, 2030)).map(
    lambda t: f"{t[0]:02d}/{t[1]:02d}/{t[2]}"
)
citation = st.tuples(st.sampled_from(NAMES), st.integers(1990, 2025)).map(
    lambda t: f"({t[0]}, {t[1]})"
)


@st.composite
def criteria_list(draw: st.DrawFn) -> list[str]:
    lines = [draw(sentence).rstrip(".") + " when all of the following are met:"]
    for _ in range(draw(st.integers(1, 8))):
        depth = draw(st.integers(0, 3))
        label = draw(st.sampled_from(LABELS))
        tail = draw(st.sampled_from(["; and", "; or", ".", "", ":"]))
        lines.append("  " * depth + f"{label} {draw(sentence).rstrip('.')}{tail}")
    return lines


@st.composite
def code_rows(draw: st.DrawFn) -> list[str]:
    rows = [draw(st.sampled_from(["CPT", "HCPCS", "ICD-10 Diagnosis", "ICD-10 Procedure"]))]
    for _ in range(draw(st.integers(1, 6))):
        code = draw(st.one_of(
            st.integers(10000, 99999).map(str),
            st.tuples(st.sampled_from("EJLMS"), st.integers(1000, 9999)).map(
                lambda t: f"{t[0]}{t[1]}"),
            st.tuples(st.sampled_from("LMS"), st.integers(10, 99), st.integers(0, 999)).map(
                lambda t: f"{t[0]}{t[1]}.{t[2]}"),
            st.tuples(st.sampled_from("LM"), st.integers(10, 98)).map(
                lambda t: f"{t[0]}{t[1]}.0-{t[0]}{t[1] + 1}.9"),
        ))
        rows.append(f"{code} {draw(sentence).rstrip('.')}")
    return rows


@st.composite
def reference_rows(draw: st.DrawFn) -> list[str]:
    out = []
    for _ in range(draw(st.integers(1, 5))):
        a, b = draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))
        year = draw(st.integers(1990, 2025))
        out.append(f"{a} A, {b} B. {draw(sentence)} J Clin Res. {year}; "
                   f"{draw(st.integers(1, 99))}({draw(st.integers(1, 12))}):"
                   f"{draw(st.integers(1, 400))}-{draw(st.integers(401, 900))}.")
    return out


@st.composite
def body(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["prose", "criteria", "codes", "refs", "defs"]))
    if kind == "criteria":
        return draw(criteria_list())
    if kind == "codes":
        return draw(code_rows())
    if kind == "refs":
        return draw(reference_rows())
    if kind == "defs":
        n = draw(st.integers(1, 3))
        return [f"{draw(word).capitalize()}: {draw(sentence)}" for _ in range(n)]
    text = draw(paragraph)
    if draw(st.booleans()):
        text = text[:-1] + " " + draw(citation) + "."
    return [text]


@st.composite
def guideline_lines(draw: st.DrawFn) -> list[str]:
    lines = [
        draw(st.sampled_from(["Clinical UM Guideline", "Medical Policy", "Coverage Policy"])),
        f"Subject: {draw(sentence).rstrip('.')}",
        f"Document #: {draw(st.sampled_from(['CG-MED', 'SURG', 'MED']))}-"
        f"{draw(st.integers(1, 999))}",
        f"Publish Date: {draw(date)}",
    ]
    for heading in draw(st.lists(st.sampled_from(GUIDELINE_HEADINGS), min_size=0, max_size=8)):
        lines.append(heading)
        for _ in range(draw(st.integers(0, 3))):
            lines.extend(draw(body()))
    return lines


@st.composite
def imr_lines(draw: st.DrawFn) -> list[str]:
    lines = [
        "Independent Medical Review Final Determination Letter",
        f"IMR Case Number: CM{draw(st.integers(10, 25))}-{draw(st.integers(0, 9999999)):07d}",
        f"Date of Injury: {draw(date)}",
        f"Date Assigned: {draw(date)}",
        "Dear Applicant:",
    ]
    for heading in draw(st.lists(st.sampled_from(IMR_HEADINGS), min_size=0, max_size=6)):
        lines.append(heading)
        for n in range(1, draw(st.integers(1, 4)) + 1):
            verdict = draw(st.sampled_from(["is not medically necessary and appropriate",
                                            "is medically necessary and appropriate",
                                            "upheld", "overturned"]))
            lines.append(f"{n}. {draw(sentence).rstrip('.')}, {draw(st.integers(1, 24))} "
                         f"sessions {verdict}.")
            if draw(st.booleans()):
                lines.append(f"MTUS Chronic Pain Medical Treatment Guidelines, page "
                             f"{draw(st.integers(1, 127))}")
            lines.append(draw(paragraph))
    return lines


# --- damage ---------------------------------------------------------------------------------


@st.composite
def damaged(draw: st.DrawFn, lines_strategy: st.SearchStrategy[list[str]]) -> str:
    lines = draw(lines_strategy)
    out: list[str] = []
    page, pages = 1, draw(st.integers(1, 6))
    for line in lines:
        if draw(st.integers(0, 9)) == 0 and len(line) > 10:  # rule 2: wrap, maybe hyphenated
            cut = draw(st.integers(1, len(line) - 1))
            hyphen = "-" if draw(st.booleans()) and line[cut - 1].isalpha() else ""
            out.extend([line[:cut] + hyphen, line[cut:]])
        else:
            out.append(line)
        if draw(st.integers(0, 14)) == 0:  # rule 1: a page break with furniture around it
            fmt = draw(st.lists(st.sampled_from(FURNITURE), max_size=3))
            out.extend(f.format(n=page, m=pages) for f in fmt)
            out.append("\f")
            page += 1
            out.extend(f.format(n=page, m=pages) for f in fmt)
        if draw(st.integers(0, 19)) == 0:  # rule 3: noise
            noise = draw(st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
            out.append(noise)
        if draw(st.integers(0, 9)) == 0:
            out.append("")
    sep = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    pad = draw(st.sampled_from(["", " ", "\t", "  "]))
    return sep.join(line + pad if line != "\f" else line for line in out)


def _check(data: bytes) -> None:
    try:
        raw = ingest_bytes(data)
    except errors.ExtractorError as exc:
        assert exc.code in {errors.E_EMPTY, errors.E_UNSUPPORTED}, exc
        return
    doc = process(raw)
    first = check_all(raw, doc)
    again = to_json(process(ingest_bytes(data)))
    assert again == first, "the same input gave different JSON"


@FUZZ
@given(damaged(guideline_lines()), st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_fuzz_guideline_like_documents(text: str, encoding: str) -> None:
    _check(text.encode(encoding, errors="replace"))


@FUZZ
@given(damaged(imr_lines()), st.sampled_from(["utf-8", "utf-16"]))
def test_fuzz_imr_like_documents(text: str, encoding: str) -> None:
    _check(text.encode(encoding, errors="replace"))


@FUZZ
@given(st.lists(st.one_of(damaged(guideline_lines()), damaged(imr_lines())), min_size=2,
                max_size=3).map("\f".join))
def test_fuzz_concatenated_documents(text: str) -> None:
    """Two letters or policies in one file (a scanner's batch): still one valid document."""
    _check(text.encode("utf-8", errors="replace"))


@st.composite
def pdf_document(draw: st.DrawFn) -> bytes:
    """A guideline or letter laid out on pages, headings styled, furniture at page edges."""
    lines = draw(st.one_of(guideline_lines(), imr_lines()))
    headings = set(GUIDELINE_HEADINGS) | set(IMR_HEADINGS)
    styled: list[str | tuple[str, float, bool]] = [
        (ln, draw(st.sampled_from([12.0, 14.0])), True) if ln in headings else ln
        for ln in lines if ln.strip()
    ]
    header = draw(st.sampled_from(FURNITURE))
    footer = draw(st.sampled_from(FURNITURE))
    per_page = draw(st.integers(8, 40))
    chunks = [styled[i : i + per_page] for i in range(0, len(styled), per_page)] or [["x"]]
    pages = [
        [header.format(n=n, m=len(chunks)), *chunk, footer.format(n=n, m=len(chunks))]
        for n, chunk in enumerate(chunks, start=1)
    ]
    return make_pdf(pages, compress=draw(st.booleans()),
                    owner_password="owner" if draw(st.booleans()) else None, permissions=-44)


@settings(FUZZ, max_examples=max(5, EXAMPLES // 2))
@given(pdf_document())
def test_fuzz_pdf_documents(data: bytes) -> None:
    cache = os.environ.pop("EXTRACTOR_RAW_CACHE", None)  # generated PDFs must not fill it
    try:
        _check(data)
    finally:
        if cache is not None:
            os.environ["EXTRACTOR_RAW_CACHE"] = cache
