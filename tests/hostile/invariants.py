"""Invariants every parsed document must satisfy, whatever its input (shared by the hostile
matrix and the fuzz tests).

  1. every `span` anywhere in the output indexes the source text (0 <= start <= end <= len);
     a removed stretch's `text` is exactly the source text under its span;
  2. nothing disappears silently: every non-whitespace character of the source lies in a kept
     line or in a removed stretch (checked on the cleaner's output), and in the output in a
     section, the front matter or a removed stretch;
  3. the JSON is schema-valid: it validates against the contract models and round-trips;
  4. deterministic: the same input gives byte-identical JSON (checked by the callers that can
     afford a second parse).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import TypeAdapter

from extractor.clean.boilerplate import clean
from extractor.document import RawDocument
from extractor.models.contract import Document
from extractor.output import to_json
from extractor.segment.sections import lexicon

_ADAPTER: TypeAdapter[Any] = TypeAdapter(Document)


def spans(data: Any, path: str = "") -> Iterator[tuple[str, tuple[int, int]]]:
    """Every (json path, span) in a dumped document."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "span" and value is not None:
                yield f"{path}.span", (value[0], value[1])
            else:
                yield from spans(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from spans(value, f"{path}[{i}]")


def _uncovered(text: str, covered: bytearray) -> list[int]:
    return [i for i, ch in enumerate(text) if not covered[i] and not ch.isspace()]


def _mark(covered: bytearray, start: int, end: int) -> None:
    covered[start:end] = b"\x01" * (end - start)


def check_spans(doc: Any, text: str) -> None:
    """Invariant 1."""
    data = doc.model_dump(mode="json")
    for where, (start, end) in spans(data):
        assert 0 <= start <= end <= len(text), f"{where} = {(start, end)} outside 0..{len(text)}"
    for r in doc.removed:
        assert text[r.span[0] : r.span[1]] == r.text, f"removed text differs at {r.span}"


def check_coverage(raw: RawDocument, doc: Any) -> None:
    """Invariant 2, on the cleaner's kept lines and on the output's spans."""
    text = raw.text
    cleaned = clean(raw, is_heading=lexicon("guideline").is_heading)
    covered = bytearray(len(text))
    for line in cleaned.kept:
        _mark(covered, line.start, line.end)
    for r in cleaned.removed:
        _mark(covered, *r.span)
    lost = _uncovered(text, covered)
    assert not lost, f"cleaner lost characters at {lost[:5]}: {text[lost[0]:lost[0] + 40]!r}"

    covered = bytearray(len(text))
    for s in doc.sections:
        _mark(covered, *s.span)
    if doc.front_matter is not None:
        _mark(covered, *doc.front_matter.span)
    for r in doc.removed:
        _mark(covered, *r.span)
    lost = _uncovered(text, covered)
    assert not lost, (
        f"output lost characters at {lost[:5]} (in no section, front matter or removed "
        f"stretch): {text[lost[0]:lost[0] + 40]!r}"
    )


def check_schema(doc: Any) -> bytes:
    """Invariant 3; returns the JSON."""
    data = to_json(doc)
    again = _ADAPTER.validate_json(data)
    assert to_json(again) == data, "the JSON does not round-trip through the contract models"
    return data


def check_all(raw: RawDocument, doc: Any) -> bytes:
    check_spans(doc, raw.text)
    check_coverage(raw, doc)
    return check_schema(doc)
