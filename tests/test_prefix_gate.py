"""textutil.PrefixGate: a line-start gate is False only where the pattern cannot match."""

from __future__ import annotations

import pytest
import regex

from extractor.extract import codes
from extractor.textutil import PrefixGate

LINES = [
    "", " ", "-", "*CPT codes", "CPT", "CPT®", "CPT/HCPCS Codes", "HCPCS Code Description",
    "ICD-10 Diagnosis", "ICD-10-CM codes covered if selection criteria are met:",
    "Other CPT codes related to the CPB:", "Non-covered HCPCS codes", "Code Description",
    "When services are Not Medically Necessary:", "Medically Necessary", "The following",
    "The following services are considered experimental and investigational:",
    "Experimental/Investigational", "Not covered", "Copyright 2024 American Medical Association",
    "© 2024", "All diagnoses", "Note: see below", "n/a", "97033 Application of a modality",
    "L74.510-L74.519 Primary focal hyperhidrosis", "S03.00XA-S03.03XS Dislocation of jaw",
    "0001U Red cell antigen", "J9264", "A. For the administration", "(NSAIDs) or", "In a review",
    "The use of the device", "Procedures", "Procedure Codes", "procedure", "Thereafter",
]


def _codes_patterns() -> list[regex.Pattern[str]]:
    r = codes._rules()
    return [r.header, r.any_group, r.any_note, r.any_skip, r.line_gate, r.row]


@pytest.mark.parametrize("width", [1, 2, 3, 4, 8])
def test_prefix_gate_never_refuses_a_match(width: int) -> None:
    for pattern in _codes_patterns():
        gate = PrefixGate(pattern, width)
        for line in LINES:
            if pattern.match(line):
                assert gate(line), (pattern.pattern[:60], line)


def test_prefix_gate_refuses_prose() -> None:
    gate = PrefixGate(codes._rules().line_gate, width=4)
    assert not gate("Patients with a history")
    assert not gate("In a review")
    assert gate("The use of the device")  # "The " may open "the following services ..."
    assert gate("CPT")


@pytest.mark.parametrize(
    ("src", "text"),
    [
        (r"ab\b|abc", "abc d"),  # "\b" at the probe's end: the probe holds it, the text may not
        (r"ab(?![\w])", "ab!"),
        (r"abcd$", "abcd"),
        (r"a(?=bcde)", "abcde"),
        (r"(?i)strasse", "STRASSE"),
    ],
)
def test_prefix_gate_edges(src: str, text: str) -> None:
    pattern = regex.compile(src, regex.V1)
    assert pattern.match(text)
    for width in (1, 2, 3, 4):
        assert PrefixGate(pattern, width)(text)


@pytest.mark.parametrize("src", [r"ab\Bc", r"a(?!$)b", r"(?r)abc"])
def test_prefix_gate_declines_what_it_cannot_read(src: str) -> None:
    gate = PrefixGate(regex.compile(src), width=4)
    assert gate("zzz") and gate("")
