"""Citations and references: synthetic snippets in the documents' style, the seed guideline, and
a floor on the gold guidelines (skipped where ../shared/corpus is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.classify import classify
from extractor.clean.boilerplate import clean
from extractor.context import Context
from extractor.extract import citations
from extractor.extract.citations import _parse_reference
from extractor.ingest import ingest_bytes, ingest_path
from extractor.models.contract import Citation, Reference
from extractor.nlp import needs_pipeline, pipeline, sentence_spans, sentence_spans_many
from extractor.segment.sections import lexicon, segment


def _context(raw) -> Context:  # type: ignore[no-untyped-def]
    cleaned = clean(raw, is_heading=lexicon("guideline").is_heading)
    front, nodes = segment(cleaned.kept, "guideline")
    return Context(raw, "guideline", cleaned.kept, front, nodes, list(raw.issues))


def _run(text: str) -> tuple[list[Reference], list[Citation], Context]:
    ctx = _context(ingest_bytes(text.encode("utf-8"), path="snippet.txt"))
    refs = citations.extract_references(ctx)
    return refs, citations.extract_citations(ctx, refs), ctx


def _pairs(cites: list[Citation]) -> list[tuple[str, str]]:
    """(first author, year as written: "2009a" is year "2009" with suffix "a")."""
    return [(c.authors[0], c.year + (c.year_suffix or "")) for c in cites]


def _discussion(body: str) -> str:
    return f"Description\n\nThis document addresses a made-up device.\n\nDiscussion\n\n{body}\n"


# --- in-text citations ---------------------------------------------------------------------

PARENTHETICAL = [
    ("Widgets help (Quorn, 2011; Baxley, 2014; Tamsin, 2019).",
     [("Quorn", "2011"), ("Baxley", "2014"), ("Tamsin", "2019")]),
    ("It failed (Ferrow et al., 2016).", [("Ferrow", "2016")]),
    ("It failed (Ferrow et al, 2016).", [("Ferrow", "2016")]),
    ("Two works (Ollander, 2009a, 2009b).", [("Ollander", "2009a"), ("Ollander", "2009b")]),
    ("Two works (Ollander, 2009a, b).", [("Ollander", "2009a"), ("Ollander", "2009b")]),
    ("Clearance followed (FDA, 2022).", [("FDA", "2022")]),
    ("The agency agreed (Agency for Widget Quality, 2018).",
     [("Agency for Widget Quality", "2018")]),
    ("Pairs (Hallam and Brooke, 2013; Pike & Vance, 2015).",
     [("Hallam", "2013"), ("Pike", "2015")]),
    ("See (e.g., Marlow, 2010; see also Dunmore, 2012).",
     [("Marlow", "2010"), ("Dunmore", "2012")]),
    ("Particles (van Delft, 2017; de Souza et al., 2018; Van der Berg, 2019).",
     [("van Delft", "2017"), ("de Souza", "2018"), ("Van der Berg", "2019")]),
    ("No comma (Quorn 2011; Baxley, 2014).", [("Quorn", "2011"), ("Baxley", "2014")]),
    ("A pair joined by and (as found in Garrow, 2012 and Lisle, 2013).",
     [("Garrow", "2012"), ("Lisle", "2013")]),
    ("A product (Widgetol product label, 2020).", [("Widgetol product label", "2020")]),
    ("A named report (FDA Summary of Safety, 2019).", [("FDA", "2019")]),
    ("Compound names (Ruiz-Oliva, 2019; O'Hagan, 2021).",
     [("Ruiz-Oliva", "2019"), ("O'Hagan", "2021")]),
    ("The panel agreed (U.S. FDA, 2023a).", [("FDA", "2023a")]),
    ("A date-like surname (Mar, 2005) is no citation without a list naming it.", []),
    ("A firm (Hayes, Inc., 2019).", [("Hayes, Inc.", "2019")]),
    ("A named source (Genetics Home Reference, 2019).", [("Genetics Home Reference", "2019")]),
    ("Not a source (Category III, 2019).", []),
    ("No commas (Marlow et al. 2019; WHO 2020).", [("Marlow", "2019"), ("WHO", "2020")]),
    ("With a page (Marlow et al., 2019, p. 12).", [("Marlow", "2019")]),
    ("Inherited author (Marlow, 2019; 2020).", [("Marlow", "2019"), ("Marlow", "2020")]),
    ("Mixed (Marlow et al., 2019; reviewed by Dunmore, 2020).",
     [("Marlow", "2019"), ("Dunmore", "2020")]),
    ("Acronyms in a name (Widget Labs USA, 2024; Dorran M, 2007).",
     [("Widget Labs USA", "2024"), ("Dorran", "2007")]),
]


@pytest.mark.parametrize(("sentence", "want"), PARENTHETICAL)
def test_citations_parenthetical(sentence: str, want: list[tuple[str, str]]) -> None:
    _, cites, _ = _run(_discussion(sentence))
    assert _pairs(cites) == want


NARRATIVE = [
    ("In a review, Kestrel and colleagues (2013) found no benefit.", [("Kestrel", "2013")]),
    ("Merriden and Fallow (2014) pooled eleven trials.", [("Merriden", "2014")]),
    ("Ashgrove et al. (2016) reported gains.", [("Ashgrove", "2016")]),
    ("Ashgrove et al (2016) reported gains.", [("Ashgrove", "2016")]),
    ("Tolley and co-workers (2006) disagreed.", [("Tolley", "2006")]),
    ("Van den Hoek et al (2023) agreed.", [("Van den Hoek", "2023")]),
    ("Marlow (2019, 2020) wrote twice.", [("Marlow", "2019"), ("Marlow", "2020")]),
    ("Marlow et al. [2019] wrote it.", [("Marlow", "2019")]),
    ("Brisk and associate (2017) commented.", [("Brisk", "2017")]),
    ("The Widget Safety Task Force (2006) found little evidence.",
     [("Widget Safety Task Force", "2006")]),
    ("The American Society for Widget Medicine (ASWM) (2009) stated it plainly.",
     [("ASWM", "2009")]),
    ("In 2019, Penhallow and colleagues published a trial.", [("Penhallow", "2019")]),
    ("Results were published in 2021 by Trevose and colleagues.", [("Trevose", "2021")]),
    ("Registry data were published by Carnell and colleagues in 2024.", [("Carnell", "2024")]),
    ("A letter in the Journal of Widgets, Wilkinson (2005) argued it.", [("Wilkinson", "2005")]),
    ("Bonner et al., WidgetGroup, and Sallow (2024) ran a trial.", [("Bonner", "2024")]),
    ("The ACOG's Committee Opinion on \u201cWidget testing\u201d (2020) advised caution.",
     [("ACOG", "2020")]),
]


@pytest.mark.parametrize(("sentence", "want"), NARRATIVE)
def test_citations_narrative(sentence: str, want: list[tuple[str, str]]) -> None:
    _, cites, _ = _run(_discussion(sentence))
    assert _pairs(cites) == want


NOT_CITATIONS = [
    "Widget Plan Page 3 of 12",
    "The label was revised (June 2019) to add a warning.",
    "A portal was updated (updated May 2024) for members.",
    "The trial enrolled 64 people (n=64, 2019 cohort).",
    "The registry entry (NCT01234567) lists the sites.",
    "Data covered two seasons (2019-2020) in full.",
    "Coverage began in 2019 for all members.",
    "The score rose by 12 points (95% CI, 2019 units).",
    "A fiscal note (FY 2020) applies.",
    "In the ReCharge Trial (2017) the device was tested.",
]


@pytest.mark.parametrize("sentence", NOT_CITATIONS)
def test_citations_not_a_citation(sentence: str) -> None:
    _, cites, _ = _run(_discussion(sentence))
    assert cites == []


def test_citations_span_section_and_sentence() -> None:
    body = ("Widgets are common. Kestrel and colleagues (2013) found no benefit in adults "
            "(Quorn, 2011). A later note followed.")
    _, cites, ctx = _run(_discussion(body))
    assert [c.text for c in cites] == ["Kestrel and colleagues (2013)", "Quorn, 2011"]
    for c in cites:
        assert ctx.raw.text[c.span[0]:c.span[1]] == c.text
        assert c.section is not None and ctx.sections[c.section].kind == "discussion"
        assert c.sentence == ("Kestrel and colleagues (2013) found no benefit in adults "
                              "(Quorn, 2011).")


def test_citations_sentence_rules_keep_et_al_together() -> None:
    text = "Ashgrove et al. (2016) reported gains, e.g. in adults. The U.S. agency agreed."
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["Ashgrove et al. (2016) reported gains, e.g. in adults.",
                   "The U.S. agency agreed."]


PLAIN_TEXTS = [
    "Widgets help. \"Quoted words here.\" (Quorn, 2011). Next one! Is it? “A quote.” Done.",
    "One sentence only (Quorn, 2011)",
    "First part (Baxley, 2014). Second part [Tamsin, 2019]. Third.",
]


@pytest.mark.parametrize("text", PLAIN_TEXTS)
def test_citations_plain_sentences_match_the_pipeline(text: str) -> None:
    """Text without an ambiguous full stop is split without spaCy, exactly as spaCy would."""
    assert not needs_pipeline(text)
    by_pipeline = []
    for sent in pipeline()(text).sents:
        start, end = sent.start_char, sent.end_char
        while end > start and text[end - 1].isspace():
            end -= 1
        by_pipeline.append((start, end))
    assert sentence_spans_many([text]) == [by_pipeline]


@pytest.mark.parametrize("text", ["Smith et al. found it.", "The U.S. agency", "J. Smith wrote",
                                  "It rose. 5 more", "Wait... then"])
def test_citations_ambiguous_stops_need_the_pipeline(text: str) -> None:
    assert needs_pipeline(text)


# --- reference lists -----------------------------------------------------------------------

ANTHEM_STYLE = _discussion(
    "Widgets are popular (Quorn, 2011; Baxley, 2014). Ollander (2009a) and Ollander (2009b) "
    "differ, and the agency spoke (FDA, 2020)."
) + """
References

Peer Reviewed Publications:

1. Baxley RT, Hume AL, Kinsey P, et al. A randomized trial of widget placement in adults with
chronic strain. J Widget Med. 2014; 12(3):101-110.
2. Ollander P. Widgets revisited: a narrative review. Widget Rev. 2009a; 4(1):1-9.
3. Ollander P, Quail S. Widgets and wobble: a cohort study. Widget Rev. 2009b; 4(2):20-29.
4. Quorn T, Ashby D. Early widget results. Ann Widget Surg. 2011; 7:55-60. doi:10.1234/aws.2011.55.

Government Agency, Medical Society, and Other Authoritative Publications:

1. U.S. Food and Drug Administration (FDA). Widget premarket approval summary. Available at:
https://www.example.org/widgets/summary.pdf. Accessed on May 1, 2020.

Websites for Additional Information

1. Widget Patient Society. About widgets. Available at: https://www.example.org/about.
Accessed on May 1, 2020.
"""


def test_references_anthem_style_counted_grouped_and_linked() -> None:
    refs, cites, ctx = _run(ANTHEM_STYLE)
    assert len(refs) == 5  # websites are further reading, not the cited list
    assert [r.category for r in refs] == ["peer_reviewed"] * 4 + ["government"]
    assert [r.authors[0] for r in refs] == [
        "Baxley", "Ollander", "Ollander", "Quorn", "U.S. Food and Drug Administration"
    ]
    assert refs[0].year == "2014" and refs[0].journal == "J Widget Med"
    assert (refs[1].year, refs[2].year) == ("2009", "2009")
    assert (refs[1].year_suffix, refs[2].year_suffix) == ("a", "b")
    assert (refs[0].volume, refs[0].pages) == ("12", "101-110")
    assert refs[3].doi == "10.1234/aws.2011.55"
    assert refs[4].url == "https://www.example.org/widgets/summary.pdf"
    for r in refs:
        assert ctx.raw.text[r.span[0]:r.span[1]].lstrip("0123456789. ").startswith(r.raw[:20])
    linked = {(c.authors[0], c.year + (c.year_suffix or "")): c.reference for c in cites}
    assert linked == {("Quorn", "2011"): 3, ("Baxley", "2014"): 0, ("Ollander", "2009a"): 1,
                      ("Ollander", "2009b"): 2, ("FDA", "2020"): 4}


UNNUMBERED = _discussion("Hallam and colleagues (2018) measured it (Pike, 2020).") + """
References

Hallam D, Rook P, Sands T, et al. Widget strain measured over ten years in a cohort of office
workers with long hours. Br J Widget Sci. 2018 Jan 5;14(1):22-31.

Institute for Widget Standards (IWS). (2019). Widget handling guidance. Available at:
www.example.org Accessed on June 3, 2020.

Pike A, Marsh B. Widget strain: a meta-analysis of randomized trials in adults and children.
Widget Res. 2020 Aug;9(4):e1022.

Policy History/Revision Information
"""


def test_references_unnumbered_paragraphs() -> None:
    refs, cites, _ = _run(UNNUMBERED)
    assert [r.authors[0] for r in refs] == ["Hallam", "Institute for Widget Standards", "Pike"]
    assert [r.year for r in refs] == ["2018", "2019", "2020"]
    assert refs[0].raw.endswith("2018 Jan 5;14(1):22-31.")
    assert [c.reference for c in cites] == [0, 2]


def test_citations_date_like_surname_named_by_the_list() -> None:
    text = _discussion("Banding was popular (Jan, 2005; Quorn, 2011).") + """
References

1. Jan JC, Hong D. Banding in practice. Widget Surg. 2005; 2(1):1-5.
2. Quorn T, Ashby D. Early widget results. Ann Widget Surg. 2011; 7:55-60.
"""
    refs, cites, _ = _run(text)
    assert [(c.authors[0], c.year, c.reference) for c in cites] == [
        ("Jan", "2005", 0), ("Quorn", "2011", 1)]


def test_references_numbered_label_alone_and_skipped_number() -> None:
    text = _discussion("Widgets help.") + """
References

1. Quorn T, Ashby D. Early widget results. Widget Rev. 2011; 7:55-60. Report
10. Canberra: Widget Office; 2011.
2.
Baxley RT. Late widget results. Widget Rev. 2014; 9:1-5.
4. Tamsin P. Widget outcomes at ten years. Widget Rev. 2019; 12:3-9.
5. Widget Handlers Society. Manual of widget handling, chapter on storage.
"""
    refs, _, _ = _run(text)  # a numbered entry counts without a year
    assert [r.authors[0] for r in refs] == ["Quorn", "Baxley", "Tamsin", "Widget Handlers Society"]
    assert refs[0].raw.endswith("Canberra: Widget Office; 2011.")


def test_references_list_heading_inside_another_section() -> None:
    """A list under a heading the segmenter does not know still counts, and only when an
    entry follows the heading line."""
    text = _discussion(
        "Widgets help (Quorn, 2011).\n\nLiterature Cited\n\n"
        "1. Quorn T, Ashby D. Early widget results. Ann Widget Surg. 2011; 7:55-60.\n"
        "2. Baxley RT. Late widget results. Ann Widget Surg. 2014; 9:1-5.\n"
    )
    refs, cites, _ = _run(text)
    assert [r.authors[0] for r in refs] == ["Quorn", "Baxley"]
    assert [(c.authors[0], c.reference) for c in cites] == [("Quorn", 0)]
    prose = _discussion("Literature Cited\n\nthe panel read widely before it wrote (2011).")
    assert _run(prose)[0] == []


def test_references_intro_paragraph_is_not_an_entry() -> None:
    text = UNNUMBERED.replace(
        "References\n\n",
        "References\n\nOn March 3, 2024, we searched the literature for widget studies and\n"
        "kept the best available evidence and guidelines.\n\n",
    )
    refs, _, _ = _run(text)
    assert [r.authors[0] for r in refs] == ["Hallam", "Institute for Widget Standards", "Pike"]


def test_references_unnumbered_double_spaced_text() -> None:
    """Text extracted with a blank line after every line: entries start at an author."""
    spaced = "\n\n".join(UNNUMBERED.split("References\n", 1)[1].replace("\n\n", "\n").split("\n"))
    text = _discussion("Hallam and colleagues (2018) measured it (Pike, 2020).") + (
        "\nReferences\n\n" + spaced
    )
    refs, cites, _ = _run(text)
    assert [r.authors[0] for r in refs] == ["Hallam", "Institute for Widget Standards", "Pike"]
    assert [c.reference for c in cites] == [0, 2]


def test_references_parse_fields() -> None:
    got = _parse_reference(
        "Marlow KJ, Dunmore E. Outcomes after widget repair. Widget Surg. Aug 01 2006; "
        "145(3): 209-23. PMID 12345678"
    )
    assert got["authors"] == ["Marlow", "Dunmore"] and got["year"] == "2006"
    assert (got["journal"], got["volume"], got["pages"], got["pmid"]) == (
        "Widget Surg", "145", "209-23", "12345678")
    apa = _parse_reference(
        "Lisle, A. B., & Garrow, C. (2021). Widgets at work. Journal of Widget Studies, 26(4), "
        "100422."
    )
    assert apa["authors"] == ["Lisle", "Garrow"] and apa["year"] == "2021"
    assert (apa["journal"], apa["volume"], apa["pages"]) == ("Journal of Widget Studies", "26",
                                                             "100422")
    org = _parse_reference(
        "Widget Cancer Network (WCN). Widget guidelines: strain. Version 2.2024. "
        "https://www.example.org/strain.pdf. Accessed May 2, 2024."
    )
    assert org["authors"] == ["Widget Cancer Network"]
    assert org["year"] is None and org["journal"] is None  # a version and an access date
    assert org["url"] == "https://www.example.org/strain.pdf"


# --- the seed and the real documents -----------------------------------------------------


def test_citations_seed_guideline_all_36(seed_guideline) -> None:  # type: ignore[no-untyped-def]
    doc = seed_guideline
    assert len(doc.citations) == 36
    assert doc.references == []
    text = doc.source.text or ""
    pairs = [(c.authors[0], c.year) for c in doc.citations]
    assert pairs[:3] == [("Amirjani", "2009"), ("Bakhtiary", "2013"), ("Gurcay", "2012")]
    assert ("Page", "2016") in pairs and ("FDA", "2022") in pairs and ("FDA", "2021") in pairs
    assert ("Kroeling", "2013") in pairs and ("Sayegh", "2014") in pairs
    for c in doc.citations:
        assert c.authors[0] in text[c.span[0]:c.span[1]]
        assert c.sentence and c.authors[0] in c.sentence
        assert c.reference is None


@pytest.mark.corpus
def test_citations_gold_guidelines_floor(shared_corpus: Path) -> None:
    """References counts right on >= 85% of gold guidelines; citation F1 >= 0.95."""
    counts_ok = docs = tp = fp = fn = 0
    for gold_file in sorted((shared_corpus / "gold").glob("*.gold.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        if gold.get("kind") != "guideline":
            continue
        pdf = shared_corpus / "guidelines" / gold_file.name.removesuffix(".gold.json")
        if not pdf.exists():
            continue
        ctx = _context(ingest_path(pdf))
        ctx.kind = classify("\n".join(line.text for line in ctx.kept[:400]))
        refs = citations.extract_references(ctx)
        if "references" in gold["complete"]:
            docs += 1
            n, want = len(refs), gold["references"]["count"]
            counts_ok += abs(n - want) <= max(1, round(0.02 * want))
        if "citations" in gold["complete"]:
            got = {(c.authors[0].lower(), c.year) for c in citations.extract_citations(ctx, refs)}
            exp = {(str(a).lower().replace("\u2019", "'"), str(y)) for a, y in gold["citations"]}
            got = {(a.replace("\u2019", "'"), y) for a, y in got}
            tp, fp, fn = tp + len(got & exp), fp + len(got - exp), fn + len(exp - got)
    assert docs, "no gold guideline with references found"
    assert counts_ok / docs >= 0.85, f"reference counts right on {counts_ok}/{docs}"
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.95, f"citations F1 {f1:.3f} (tp={tp} fp={fp} fn={fn})"
