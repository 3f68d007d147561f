"""IMR letters: layouts, header fields, reviewer, patient, decisions, guideline citations.

Every letter text here is synthetic (written for these tests) or the project's own samples in
corpus/; the real letters are only read by the corpus test, which skips where they are absent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor import parse_path, parse_text
from extractor.context import Context
from extractor.document import Line, Page, RawDocument
from extractor.extract import imr
from extractor.extract.imr import iso_date, parse_guideline
from extractor.segment.sections import segment

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _parse(name: str):
    return parse_path(CORPUS / name, include_text=True)


def _spans_are_evidence(doc) -> None:
    text = doc.source.text
    for d in doc.decisions:
        start, end = d.span
        assert 0 <= start < end <= len(text)
        assert d.request.split()[0] in text[start:end]


# --- the seed letter (2014 layout) --------------------------------------------------------------


def test_imr_seed_decision(seed_imr) -> None:
    assert seed_imr.kind == "imr"
    assert len(seed_imr.decisions) == 1
    d = seed_imr.decisions[0]
    assert d.request == "Prospective request for 2 iontophoresis treatments"
    assert d.outcome == "upheld"
    assert d.medically_necessary is False
    assert d.rationale is not None and d.rationale.startswith("The California MTUS/ACOEM")
    assert d.rationale.endswith("is not medically necessary.")


@pytest.mark.parametrize(
    ("field", "page"),
    [("claims_administrator_guideline", "173"), ("reviewer_guideline", "821")],
)
def test_imr_seed_guidelines_parsed(seed_imr, field: str, page: str) -> None:
    g = getattr(seed_imr.decisions[0], field)
    assert g is not None
    assert g.text.startswith("Decision based on MTUS ACOEM Chapter 12 Low Back")
    assert (g.source, g.chapter, g.title, g.pages) == ("MTUS", "12", "Low Back Complaints", [page])
    assert g.sources == ["MTUS", "ACOEM"]


def test_imr_seed_reviewer_and_patient(seed_imr) -> None:
    assert seed_imr.reviewer.licensure == ["California"]
    assert seed_imr.reviewer.specialties == ["Physical Medicine & Rehabilitation"]
    assert seed_imr.reviewer.board_certified is True
    p = seed_imr.patient
    assert (p.age, p.sex, p.date_of_injury) == (53, "male", "2001-05-10")
    assert p.diagnoses == [
        "lumbar spondylosis", "lumbar degenerative disc disease", "sacroilitis", "myofascial spasm"
    ]


def test_imr_seed_metadata(seed_imr) -> None:
    md = seed_imr.metadata
    assert md.layout == "final_determination_2014"
    assert (md.jurisdiction, md.organization) == ("CA-DWC", "MAXIMUS Federal Services")
    assert md.case_number is None  # the seed has no header block
    assert not [i for i in seed_imr.issues if i.code.startswith("I_IMR")]
    _spans_are_evidence(seed_imr)


# --- the sample letters of each layout ----------------------------------------------------------


def test_imr_final_2016_header_with_wrapped_label() -> None:
    md = _parse("imr_final_2016.txt").metadata
    assert md.layout == "final_determination_2016"
    assert md.model_dump(exclude={"layout", "jurisdiction", "organization"}) == {
        "case_number": "CM16-0900001", "date_assigned": "2016-10-03",
        "date_of_injury": "2015-08-22", "decision_date": "2016-11-04",
        "ur_denial_date": "2016-09-20", "application_received": "2016-09-28",
        "priority": "Standard",
    }


def test_imr_final_2016_reviewer_lists() -> None:
    rv = _parse("imr_final_2016.txt").reviewer
    assert rv.licensure == ["California", "New Mexico"]
    # a wrapped specialty value is joined before splitting
    assert rv.specialties == [
        "Physical Medicine & Rehabilitation", "Pain Management",
        "Public Health & General Preventive Medicine",
    ]
    assert rv.board_certified is None


def test_imr_final_2016_decisions() -> None:
    doc = _parse("imr_final_2016.txt")
    got = [(d.request, d.outcome, d.medically_necessary) for d in doc.decisions]
    assert got == [
        ("Aquatic therapy twice a week for six weeks for the lumbar spine and right hip, as "
         "requested by the treating physician", "upheld", False),  # outcome on its own line
        ("Hip brace", "overturned", True),  # follows the rationale with no blank line
        ("Eight sessions of acupuncture was the original request. Four sessions of acupuncture "
         "were authorized by the Claims Administrator. The remaining IMR eligible portion of the "
         "original request, four sessions of acupuncture", "upheld", False),
        ("Ibuprofen 600mg #90", "upheld", False),
        ("Lumbar MRI without contrast", "upheld", False),  # after a page break, no blank line
    ]
    assert doc.decisions[-1].page == 2
    partial = doc.decisions[2].partial
    assert partial is not None
    assert (partial.original, partial.authorized, partial.disputed) == (
        "Eight sessions of acupuncture", "Four sessions of acupuncture",
        "four sessions of acupuncture")
    assert doc.decisions[0].partial is None
    assert doc.decisions[3].rationale is not None
    assert doc.decisions[3].rationale.endswith("not medically necessary.")  # not merged
    _spans_are_evidence(doc)


def test_imr_final_2016_guidelines() -> None:
    doc = _parse("imr_final_2016.txt")
    hip = doc.decisions[1]
    assert hip.claims_administrator_guideline is None  # "did not cite any medical evidence"
    assert hip.reviewer_guideline is not None
    assert hip.reviewer_guideline.source == "ODG"
    assert hip.reviewer_guideline.chapter == "Hip & Pelvis"
    aqua = doc.decisions[0].reviewer_guideline
    assert aqua is not None
    assert (aqua.source, aqua.title, aqua.year) == (
        "MTUS", "Chronic Pain Medical Treatment", "2016")
    assert aqua.sections == ["Aquatic therapy", "Physical medicine"]
    assert [a.source for a in aqua.additional] == ["ODG"]
    assert aqua.sources == ["MTUS", "ODG"]


def test_imr_notice_2013() -> None:
    doc = _parse("imr_notice_2013.txt")
    md = doc.metadata
    assert md.layout == "notice_2013"
    assert (md.case_number, md.decision_date, md.date_of_injury) == (
        "CM13-0045678", "2013-10-15", "2011-03-12")
    assert (md.ur_denial_date, md.application_received, md.priority) == (
        "2013-08-27", "2013-09-05", "Standard")
    got = [(d.request, d.outcome) for d in doc.decisions]
    assert got == [("a lumbar epidural steroid injection at L4-L5", "upheld"),
                   ("tramadol 50mg #60", "overturned")]
    esi, tramadol = doc.decisions
    assert esi.claims_administrator_guideline is not None
    assert esi.claims_administrator_guideline.pages == ["46"]
    # "found the guideline used by the Claims Administrator relevant": the same citation
    assert esi.reviewer_guideline is not None
    assert esi.reviewer_guideline.sections == ["Epidural steroid injections"]
    assert tramadol.reviewer_guideline is not None
    assert tramadol.reviewer_guideline.pages == ["113", "78-80"]
    assert tramadol.rationale is not None and "Effect of the Decision" not in tramadol.rationale
    assert doc.reviewer.licensure == ["California", "Nevada"]
    assert doc.reviewer.specialties == ["Anesthesiology", "Pain Medicine"]
    assert (doc.patient.age, doc.patient.sex) == (47, "female")
    _spans_are_evidence(doc)


def test_imr_decisions_and_rationales_layout() -> None:
    doc = _parse("imr_decisions_rationales.txt")
    assert doc.metadata.layout == "decisions_and_rationales"
    assert doc.metadata.priority == "Expedited"
    got = [(d.request, d.outcome) for d in doc.decisions]
    assert got == [("Twelve sessions of aquatic therapy for the lumbar spine", "upheld"),
                   ("Lumbar support brace", "overturned")]
    # the list of documents reviewed after the items is not part of the last rationale
    assert "DOCUMENTS REVIEWED" not in (doc.decisions[-1].rationale or "")
    assert doc.reviewer.licensure == ["California", "Oregon", "Washington"]
    assert doc.reviewer.specialties == ["Orthopaedic Surgery", "Sports Medicine"]
    assert (doc.patient.age, doc.patient.sex) == (61, "male")


def test_imr_professional_review_layout() -> None:
    doc = _parse("imr_professional_review.txt")
    assert doc.metadata.layout == "medical_professional_review"
    assert doc.metadata.case_number == "CM13-0023456"
    got = [(d.request, d.outcome, d.medically_necessary) for d in doc.decisions]
    assert got == [("a functional capacity evaluation", "upheld", False),
                   ("twelve sessions of work hardening", "upheld", False)]
    fce = doc.decisions[0].reviewer_guideline
    assert fce is not None
    assert (fce.source, fce.chapter, fce.pages, fce.year) == ("ACOEM", "7", ["137-138"], "2004")
    assert doc.decisions[1].rationale is not None
    assert doc.decisions[1].rationale.startswith("Work hardening")
    assert doc.reviewer.specialties == ["Physical Medicine and Rehabilitation"]
    assert doc.reviewer.licensure == ["California", "Arizona"]


def test_imr_unknown_layout_gets_issue_and_sections() -> None:
    doc = _parse("imr_unknown_layout.txt")
    assert doc.kind == "imr"
    assert doc.metadata.layout is None
    assert "I_IMR_LAYOUT_UNKNOWN" in [i.code for i in doc.issues]
    assert doc.sections
    assert [(d.request, d.outcome) for d in doc.decisions] == [("Home exercise kit", "overturned")]


def test_imr_notice_run_together_words_and_inline_dates() -> None:
    """Text layers of the 2013 notices run words together ("notmedically") and put the date on
    the title line; the assignment date is in a sentence."""
    doc = parse_text(
        "MAXIMUS FEDERAL SERVICES, INC. Notice of Independent Medical Review Determination "
        "Dated: 11/02/2013\n"
        "IMR Case Number: CM13-0000777 Date of Injury: 01/05/2012\n"
        "1) MAXIMUS Federal Services, Inc. has determined the request for six visits of\n"
        "chiropractic care is notmedically necessary and appropriate.\n"
        "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE\n"
        "An application for Independent Medical Review was filed on 10/01/2013 disputing the\n"
        "Utilization Review Denial dated 09/20/2013. A Notice of Assignment and Request for\n"
        "Information was provided to the above parties on 10/04/2013.\n"
    )
    md = doc.metadata
    assert (md.layout, md.decision_date, md.date_assigned) == (
        "notice_2013", "2013-11-02", "2013-10-04")
    assert (md.application_received, md.ur_denial_date) == ("2013-10-01", "2013-09-20")
    assert [(d.request, d.outcome) for d in doc.decisions] == [
        ("six visits of chiropractic care", "upheld")]


def test_imr_notice_with_attached_professional_reviews() -> None:
    """Verdicts in the notice, guideline and rationale in one attached review per item."""
    doc = parse_text(
        "Notice of Independent Medical Review Determination\nDated: 12/02/2013\n"
        "1) MAXIMUS Federal Services, Inc. has determined the request for a cervical pillow is "
        "not medically necessary and appropriate.\n"
        "2) MAXIMUS Federal Services, Inc. has determined the request for 6 sessions of massage "
        "is medically necessary and appropriate.\n\n"
        "MEDICAL PROFESSIONAL REVIEW\nISSUE AT DISPUTE\n1. Cervical pillow\n"
        "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON\n"
        "Official Disability Guidelines (ODG), Neck and Upper Back, Pillow.\n"
        "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY\n"
        "A pillow is not recommended outside an exercise program.\n\n"
        "MEDICAL PROFESSIONAL REVIEW\nISSUE AT DISPUTE\n2. Massage therapy, 6 sessions\n"
        "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON\n"
        "Chronic Pain Medical Treatment Guidelines (2009), Massage therapy, page 60, part of the "
        "MTUS.\n"
        "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS MEDICALLY NECESSARY\n"
        "Massage as an adjunct to exercise for up to six visits is recommended.\n"
    )
    got = [(d.request, d.outcome) for d in doc.decisions]
    assert got == [("a cervical pillow", "upheld"), ("6 sessions of massage", "overturned")]
    pillow, massage = doc.decisions
    assert pillow.reviewer_guideline is not None and pillow.reviewer_guideline.source == "ODG"
    assert massage.reviewer_guideline is not None
    assert (massage.reviewer_guideline.sections, massage.reviewer_guideline.pages) == (
        ["Massage therapy"], ["60"])
    assert massage.rationale == "Massage as an adjunct to exercise for up to six visits is " \
        "recommended."


def test_imr_verdict_sentence_items() -> None:
    """Items written as verdict sentences, each followed by its labelled parts."""
    doc = parse_text(
        "IMR ISSUES, DECISIONS AND RATIONALES\n\n"
        "1. Norco 10/325mg #120 is not medically necessary and appropriate.\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic Pain Medical Treatment\n"
        "Guidelines, Opioids, Page(s): 78-80.\n"
        "Decision rationale: No functional gain is recorded.\n\n"
        "2. A cane for home use is medically necessary and appropriate.\n"
        "Claims Administrator guideline: The Claims Administrator did not cite any medical\n"
        "evidence for its decision.\n"
        "Decision rationale: The worker falls at home.\n"
    )
    assert [(d.request, d.outcome) for d in doc.decisions] == [
        ("Norco 10/325mg #120", "upheld"), ("A cane for home use", "overturned")]
    assert doc.decisions[0].claims_administrator_guideline is not None
    assert doc.decisions[0].claims_administrator_guideline.pages == ["78-80"]


# --- decisions in a PDF: bold item lines, a page break with no gap ------------------------------


def _pdf_like(rows: list[tuple[str, int, int, bool]]) -> RawDocument:
    """A RawDocument as PDF ingestion makes it: (text, page, blank lines before, bold)."""
    parts: list[str] = []
    lines: list[Line] = []
    pages: list[Page] = []
    pos, page_start, current = 0, 0, 1
    for k, (text, page, gap, bold) in enumerate(rows):
        if page != current:
            pages.append(Page(current, page_start, pos))
            parts.append("\f")
            pos += 1
            page_start, current = pos, page
        elif k:
            parts.append("\n")
            pos += 1
        lines.append(Line(pos, pos + len(text), text, page, k, gap, size=12.0, bold=bold))
        parts.append(text)
        pos += len(text)
    pages.append(Page(current, page_start, pos))
    return RawDocument("".join(parts), "pdf", pages, lines, "0" * 64)


def _extract(raw: RawDocument) -> imr.ImrFields:
    front, nodes = segment(raw.lines, "imr")
    return imr.extract(Context(raw, "imr", list(raw.lines), front, nodes))


def test_imr_pdf_bold_items_split_at_page_break() -> None:
    raw = _pdf_like([
        ("IMR ISSUES, DECISIONS AND RATIONALES", 1, 0, True),
        ("The Final Determination was based on decisions for the disputed items/services set "
         "forth below:", 1, 0, False),
        ("Heat wrap for the lower back, thirty days", 1, 1, True),
        ("supply: Upheld", 1, 0, True),
        ("Claims Administrator guideline: Decision based on MTUS Low Back Complaints 2004.",
         1, 1, False),
        ("MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s):",
         1, 1, False),
        ("Physical Methods.", 1, 0, False),
        ("Decision rationale: Heat at home needs no purchased device. The request is not",
         1, 1, False),
        ("medically necessary.", 1, 0, False),
        ("Cold therapy unit rental for", 2, 0, True),  # a new page, no gap recorded
        ("seven days:", 2, 0, True),
        ("Overturned", 2, 0, False),
        ("Claims Administrator guideline: The Claims Administrator did not cite any medical",
         2, 1, False),
        ("evidence for its decision.", 2, 0, False),
        ("MAXIMUS guideline: Decision based on Non-MTUS Citation ODG Knee Chapter, Continuous-",
         2, 1, False),
        ("flow cryotherapy.", 2, 0, False),
        ("Decision rationale: Cold therapy is supported for a week after surgery.", 2, 1, False),
    ])
    fields = _extract(raw)
    got = [(d.request, d.outcome, d.page) for d in fields.decisions]
    assert got == [("Heat wrap for the lower back, thirty days supply", "upheld", 1),
                   ("Cold therapy unit rental for seven days", "overturned", 2)]
    first, second = fields.decisions
    assert first.rationale is not None and first.rationale.endswith("medically necessary.")
    assert first.reviewer_guideline is not None
    assert first.reviewer_guideline.sections == ["Physical Methods"]
    assert second.claims_administrator_guideline is None
    assert second.reviewer_guideline is not None
    assert second.reviewer_guideline.text.endswith("Continuous-flow cryotherapy.")


def test_imr_repeated_decision_text_is_not_furniture() -> None:
    """Identical item blocks on every page look like running headers to a repetition rule;
    the letter keeps them."""
    block = (
        "Associated surgical service: {x}: Upheld\n"
        "Claims Administrator guideline: The Claims Administrator did not cite any medical\n"
        "evidence for its decision.\n"
        "MAXIMUS guideline: The Expert Reviewer did not cite any medical evidence for its\n"
        "decision.\n"
        "Decision rationale: As the surgery is not medically necessary, this ancillary service\n"
        "is not medically necessary.\n"
    )
    text = ("IMR ISSUES, DECISIONS AND RATIONALES\n"
            + "\f".join(block.format(x=x) for x in ["EKG", "Chest x-ray", "Labs - CBC", "UA"]))
    doc = parse_text(text)
    assert [d.request for d in doc.decisions] == [
        "Associated surgical service: EKG", "Associated surgical service: Chest x-ray",
        "Associated surgical service: Labs - CBC", "Associated surgical service: UA",
    ]
    assert all(d.rationale and d.rationale.endswith("necessary.") for d in doc.decisions)


@pytest.mark.parametrize("tail", ["\nUpheld", "\n: Upheld", ":\nUpheld", ": Upheld"])
def test_imr_outcome_wraps(tail: str) -> None:
    doc = parse_text("IMR ISSUES, DECISIONS AND RATIONALES\n\nPhysical therapy for the neck, "
                     "twelve\nsessions" + tail + "\nDecision rationale: Not needed.\n")
    assert [(d.request, d.outcome) for d in doc.decisions] == [
        ("Physical therapy for the neck, twelve sessions", "upheld")]


def test_imr_running_header_on_later_pages_is_not_rationale() -> None:
    doc = parse_text(
        "Case Number: CM16-0000001\nIMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n"
        "Claims Administrator guideline: Decision based on MTUS Knee Complaints 2004.\n"
        "Decision rationale: The brace is not needed and the\n"
        "\fCase Number: CM16-0000001\nPage 2 of 2\nrequest is not medically necessary.\n"
    )
    assert doc.metadata.case_number == "CM16-0000001"
    assert doc.decisions[0].rationale == (
        "The brace is not needed and the request is not medically necessary.")


# --- header fields, reviewer and patient phrases ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [("11/09/2016", "2016-11-09"), ("10-13-16", "2016-10-13"), ("5/10/01", "2001-05-10"),
     ("May 10, 2001", "2001-05-10"), ("Sept. 3 2014", "2014-09-03"), ("13/40/2016", None),
     ("02/30/99", None)],
)
def test_imr_iso_date(text: str, iso: str | None) -> None:
    assert iso_date(text) == iso


@pytest.mark.parametrize(
    ("header", "field", "value"),
    [
        ("Priority: Standard   Application 11/03/2016\n                  Received:",
         "application_received", "2016-11-03"),
        ("Priority: Standard   Application\n       Received: 11/03/2016",
         "application_received", "2016-11-03"),
        ("Date of      10/13/2016\nInjury:", "date_of_injury", "2016-10-13"),
        ("IMR Case Number: CM13-0001234   Date of Injury: 1/2/2010", "case_number",
         "CM13-0001234"),
        ("Priority: EXPEDITED", "priority", "Expedited"),
        ("Dated: 9/26/2013", "decision_date", "2013-09-26"),
    ],
)
def test_imr_header_fields(header: str, field: str, value: str) -> None:
    md = imr._metadata(header, header, "final_determination_2016")
    assert getattr(md, field) == value


@pytest.mark.parametrize(
    ("sentence", "licensure", "specialties"),
    [
        ("The expert reviewer is Board Certified in Internal Medicine, has a subspecialty in "
         "Cardiovascular Disease and is licensed to practice in California.",
         ["California"], ["Internal Medicine", "Cardiovascular Disease"]),
        ("The physician reviewer is Board Certified in Occupational Medicine and is licensed to "
         "practice in California and Texas.", ["California", "Texas"], ["Occupational Medicine"]),
        ("The reviewer is board certified in Physical Medicine and Rehabilitation and is licensed "
         "in New York, New Jersey.", ["New York", "New Jersey"],
         ["Physical Medicine and Rehabilitation"]),
    ],
)
def test_imr_reviewer_sentence(sentence: str, licensure: list[str], specialties: list[str]) -> None:
    doc = parse_text("HOW THE IMR FINAL DETERMINATION WAS MADE\n" + sentence +
                     "\n\nIMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n")
    assert doc.reviewer.licensure == licensure
    assert doc.reviewer.specialties == specialties
    assert doc.reviewer.board_certified is True


@pytest.mark.parametrize(
    ("sentence", "licensure", "specialties"),
    [
        ("The expert reviewer is a Licensed Chiropractor and Acupuncturist and is licensed to "
         "practice in California.", ["California"], ["Chiropractor", "Acupuncturist"]),
        ("The expert reviewer is Licensed in Psychology and is licensed to practice in "
         "California.", ["California"], ["Psychology"]),
    ],
)
def test_imr_reviewer_licensed_not_board(
    sentence: str, licensure: list[str], specialties: list[str]
) -> None:
    doc = parse_text("HOW THE IMR FINAL DETERMINATION WAS MADE\n" + sentence +
                     "\n\nIMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n")
    assert doc.reviewer.licensure == licensure
    assert doc.reviewer.specialties == specialties
    assert doc.reviewer.board_certified is None


def test_imr_reviewer_wrapped_specialty_list() -> None:
    doc = parse_text(
        "HOW THE IMR FINAL DETERMINATION WAS MADE\n"
        "State(s) of Licensure: Iowa, Montana,\nCalifornia\n"
        "Certification(s)/Specialty: Preventive Medicine, Occupational\n"
        "Medicine, Public Health & General Preventive Medicine\n"
        "CLINICAL CASE SUMMARY\nThe injured worker is a 30 year old male.\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n"
    )
    assert doc.reviewer.licensure == ["Iowa", "Montana", "California"]
    assert doc.reviewer.specialties == [
        "Preventive Medicine", "Occupational Medicine",
        "Public Health & General Preventive Medicine",
    ]


def test_imr_reviewer_labels_split_states() -> None:
    doc = parse_text(
        "Independent Medical Review\nThe Expert Reviewer has the following credentials:\n"
        "State(s) of Licensure: Texas,North Carolina, west virginia\n"
        "Certification(s)/Specialty: Anesthesiology, Pain Management\n\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n"
    )
    assert doc.reviewer.licensure == ["Texas", "North Carolina", "West Virginia"]
    assert doc.reviewer.specialties == ["Anesthesiology", "Pain Management"]


@pytest.mark.parametrize(
    ("summary", "age", "sex"),
    [
        ("The injured worker is a 48 year old male who sustained an injury.", 48, "male"),
        ("This case involves a now 53-year-old female with a history of a claim.", 53, "female"),
        ("The injured worker is a(n) 46 year old female, who was hurt at work.", 46, "female"),
        ("The 35 year old male injured worker fell from a ladder.", 35, "male"),
        ("The patient is a 44 year-old woman with neck pain.", 44, "female"),
        ("The applicant is a 61-year-old right-handed man with wrist pain.", 61, "male"),
        ("The injured worker reports that he fell. His pain persists and he limps.", None, "male"),
        ("The claimant is a fifty-five year old female cashier.", 55, "female"),
        ("The injured worker is a 40-year-old, right-handed, male roofer.", 40, "male"),
        ("The injured worker is a 33 year-old-female.", 33, "female"),
    ],
)
def test_imr_patient_age_sex(summary: str, age: int | None, sex: str) -> None:
    doc = parse_text("Independent Medical Review\nCLINICAL CASE SUMMARY\n" + summary +
                     "\n\nIMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n")
    assert (doc.patient.age, doc.patient.sex) == (age, sex)


@pytest.mark.parametrize(
    ("sentence", "diagnoses"),
    [
        ("The diagnoses included neck strain, right shoulder contusion and low back pain.",
         ["neck strain", "right shoulder contusion", "low back pain"]),
        ("The current diagnoses are documented as strain of muscle, fascia and tendon of the "
         "lower back, and lumbar radiculopathy.",
         ["strain of muscle, fascia and tendon of the lower back", "lumbar radiculopathy"]),
        ("The injured worker is undergoing treatment for cervical, thoracic and lumbar sprain.",
         ["cervical, thoracic and lumbar sprain"]),
        ("Diagnoses are low back pain; sprain of the right knee; cervicalgia.",
         ["low back pain", "sprain of the right knee", "cervicalgia"]),
        ("She was diagnosed with a left wrist fracture.", ["left wrist fracture"]),
        ("Treatment to date has included diagnostic studies and medications.", []),
    ],
)
def test_imr_patient_diagnoses(sentence: str, diagnoses: list[str]) -> None:
    doc = parse_text("Independent Medical Review\nCLINICAL CASE SUMMARY\nThe injured worker is a "
                     "40 year old male. " + sentence +
                     "\n\nIMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n")
    assert doc.patient.diagnoses == diagnoses


def test_imr_patient_injury_date_from_summary_only() -> None:
    doc = parse_text("HOW THE IMR FINAL DETERMINATION WAS MADE\nThe reviewer is licensed to "
                     "practice in California.\nCLINICAL CASE SUMMARY\nThe injured worker is a 50 "
                     "year old female who sustained an industrial injury on 3-4-15.\n\n"
                     "IMR ISSUES, DECISIONS AND RATIONALES\nKnee brace: Upheld\n")
    assert doc.metadata.date_of_injury is None
    assert doc.patient.date_of_injury == "2015-03-04"


# --- guideline citations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies.",
         {"source": "MTUS", "title": "Neck and Upper Back Complaints", "year": "2004",
          "sections": ["Special Studies"], "pages": [], "additional": []}),
        ("Decision based on MTUS Forearm, Wrist, and Hand Complaints 2004, Section(s): Diagnostic "
         "Criteria, Special Studies, and Chronic Pain Medical Treatment 2016, Section(s): "
         "Electrodiagnostic testing (EMG/NCS).",
         {"source": "MTUS", "title": "Forearm, Wrist, and Hand Complaints", "year": "2004",
          "sections": ["Diagnostic Criteria", "Special Studies"], "pages": [],
          "additional": [("MTUS", "Chronic Pain Medical Treatment")]}),
        ("Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Naproxen "
         "(Naprosyn, Anaprox), Topical analgesics, compounded.",
         {"source": "MTUS", "title": "Chronic Pain Medical Treatment", "year": "2016",
          "sections": ["Naproxen (Naprosyn, Anaprox)", "Topical analgesics, compounded"],
          "pages": [], "additional": []}),
        ("The Expert Reviewer based their decision on recommendation(s) outside of the MTUS "
         "Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) "
         "Knee & Leg Chapter, Durable medical equipment (DME).",
         {"source": "ODG", "title": "Knee & Leg Chapter, Durable medical equipment (DME)",
          "year": None, "sections": [], "pages": [], "additional": []}),
        ("Decision based on Non-MTUS Citation Smith J. Splinting after hand surgery. J Hand Ther.",
         {"source": "non_mtus", "title": "Smith J. Splinting after hand surgery. J Hand Ther",
          "year": None, "sections": [], "pages": [], "additional": []}),
        ("Decision based on MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 298-301, 308.",
         {"source": "MTUS", "title": "Low Back Complaints", "year": None, "sections": [],
          "pages": ["298-301", "308"], "additional": []}),
    ],
)
def test_imr_parse_guideline(text: str, expected: dict) -> None:
    g = parse_guideline(text)
    assert g is not None
    assert g.text == text
    got = {k: getattr(g, k) for k in ("source", "title", "year", "sections", "pages")}
    got["additional"] = [(a.source, a.title) for a in g.additional]
    assert got == expected


@pytest.mark.parametrize(
    "text",
    ["The Claims Administrator did not cite any medical evidence for its decision.",
     "The Expert Reviewer did not cite any medical evidence for its decision.", "", None],
)
def test_imr_parse_guideline_none_cited(text: str | None) -> None:
    assert parse_guideline(text) is None


# --- robustness ---------------------------------------------------------------------------------

_WORDS = st.sampled_from([
    "IMR ISSUES, DECISIONS AND RATIONALES", "Upheld", "Overturned", ": Upheld", "is:",
    "Claims Administrator guideline:", "MAXIMUS guideline:", "Decision rationale:",
    "Decision based on MTUS", "Non-MTUS Citation", "Section(s):", "Page(s): 12", "2004,",
    "1) MAXIMUS Federal Services, Inc. has determined the request for", "Regarding the request for",
    "ISSUE AT DISPUTE", "was the original request.", "State(s) of Licensure:", "Case Number:",
    "Application", "Received:", "10/13/2016", "a 48 year old male", "diagnoses include", ",",
    "and", ".", "\n", "\n\n", "\f", "MRI", "knee", "(", ")", "Independent Medical Review",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=1, max_size=60))
def test_imr_never_raises_on_odd_letters(words: list[str]) -> None:
    text = "Independent Medical Review\nMAXIMUS Federal Services\n" + " ".join(words)
    doc = parse_text(text, include_text=True)
    if doc.kind == "imr":
        for d in doc.decisions:
            assert d.request
            assert 0 <= d.span[0] <= d.span[1] <= len(doc.source.text or "")


# --- the real letters (skipped where ../shared/corpus is absent) --------------------------------


@pytest.mark.corpus
def test_imr_corpus_floors(shared_corpus: Path, tmp_path: Path) -> None:
    """The reference scorer on the gold letters: the issue's acceptance floors."""
    scorer = shared_corpus.parent / "tools" / "score.py"
    if not scorer.exists():
        pytest.skip(f"reference scorer not present at {scorer}")
    gold = shared_corpus / "gold"
    names = [json.loads(p.read_text())["file"] for p in gold.glob("*.gold.json")]
    letters = [shared_corpus / "imr" / n for n in names if (shared_corpus / "imr" / n).exists()]
    if not letters:
        pytest.skip("no gold IMR letters present")
    for path in letters:
        doc = parse_path(path)
        (tmp_path / f"{path.name}.json").write_text(doc.model_dump_json())
    out = subprocess.run(
        [sys.executable, str(scorer), str(gold), str(tmp_path), "--json"],
        capture_output=True, text=True, check=True, env={**os.environ},
    )
    res = json.loads(out.stdout)
    acc, prf = res["accuracy"], res["prf"]
    assert prf["imr.decisions"]["f1"] >= 0.99
    assert acc["imr.decision.outcome"] >= 0.99
    for k in ("case_number", "date_assigned", "date_of_injury", "decision_date",
              "ur_denial_date", "application_received", "priority"):
        assert acc[f"imr.metadata.{k}"] >= 0.99, k
    assert acc["imr.reviewer.licensure"] >= 0.98
    assert acc["imr.reviewer.specialties"] >= 0.98
    assert acc["imr.patient.age"] >= 0.97 and acc["imr.patient.sex"] >= 0.97
    assert acc["imr.decision.claims_administrator_guideline"] >= 0.97
    assert acc["imr.decision.reviewer_guideline"] >= 0.97
