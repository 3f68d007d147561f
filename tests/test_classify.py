from __future__ import annotations

import pytest

from extractor.classify import classify


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Clinical UM Guideline\nSubject: Widget Therapy\nGuideline #: CG-MED-99\n"
         "Clinical Indications\nMedically Necessary:", "guideline"),
        ("Medical Policy\nCoverage Rationale\nWidget therapy is proven and medically necessary.\n"
         "Applicable Codes\nCPT Code Description", "guideline"),
        ("Case Number: CM16-0000001 Date Assigned: 01/02/2016\nHOW THE IMR FINAL DETERMINATION "
         "WAS MADE\nMAXIMUS Federal Services sent the complete case file", "imr"),
        ("Notice of Independent Medical Review Determination\nThe injured worker ...", "imr"),
        ("Minutes of the garden club meeting.\nWe discussed tulips and compost.", "unknown"),
    ],
)
def test_classify_families(text: str, kind: str) -> None:
    assert classify(text) == kind


def test_classify_seeds(seed_guideline, seed_imr) -> None:
    assert (seed_guideline.kind, seed_imr.kind) == ("guideline", "imr")
