"""Invariants on arbitrary and guideline-like text (Hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor import errors, parse_text
from extractor.output import to_json

WORDS = st.sampled_from(
    "the iontophoresis is considered medically necessary when criteria are met; or and "
    "Description Coding CPT 97033 L74.510-L74.519 Page 3 of 12 (Smith, 2019) A. B. 1. 2. "
    "Federal and State law, as well as contract language".split()
)
LINE = st.lists(WORDS, min_size=0, max_size=14).map(" ".join)
DOC = st.lists(st.one_of(LINE, st.sampled_from(["", " ", "\f", "Description", "Definitions"])),
               min_size=1, max_size=60).map("\n".join)
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2000)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(text: str):
    try:
        return parse_text(text, include_text=True)
    except errors.ExtractorError as exc:
        assert exc.code in {errors.E_EMPTY, errors.E_UNSUPPORTED}
        return None


def _check_invariants(text: str) -> None:
    doc = _parse(text)
    if doc is None:
        return
    src = doc.source.text
    assert src is not None
    # every span indexes the text
    for s in doc.sections:
        assert 0 <= s.span[0] <= s.span[1] <= len(src)
    for r in doc.removed:
        assert src[r.span[0] : r.span[1]] == r.text
    # kept + removed covers every non-blank character of the input
    covered = bytearray(len(src))
    for r in doc.removed:
        covered[r.span[0] : r.span[1]] = b"\x01" * (r.span[1] - r.span[0])
    kept_text = " ".join(s.text for s in doc.sections)
    if doc.front_matter:
        kept_text += " " + doc.front_matter.text
    headings = " ".join(s.heading or "" for s in doc.sections)
    for token in src.split():
        assert token in kept_text or token in headings or any(
            token in r.text for r in doc.removed
        ), token
    # sections are in document order and do not overlap
    tops = [s for s in doc.sections]
    for a, b in zip(tops, tops[1:], strict=False):
        assert a.span[0] <= b.span[0]
    # same input, byte-identical output
    again = parse_text(text, include_text=True)
    assert to_json(again) == to_json(doc)


@SETTINGS
@given(DOC)
def test_properties_guideline_like_text(text: str) -> None:
    _check_invariants(text)


@SETTINGS
@given(ANY_TEXT)
def test_properties_arbitrary_text(text: str) -> None:
    _check_invariants(text)
