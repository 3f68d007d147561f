"""The shortcuts of text ingestion give the results of the plain definitions they replace
(a reference implementation below, fed random input)."""

from __future__ import annotations

import random

import pytest

from extractor.document import Line, Page
from extractor.ingest.text import decode, split_lines


def _split_lines_reference(text: str) -> tuple[list[Page], list[Line]]:
    """Line by line, stretch by stretch: what `split_lines` must return."""
    pages: list[Page] = []
    lines: list[Line] = []
    page, page_start, gap, pos, n = 1, 0, 0, 0, len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        seg_start = pos
        while True:
            ff = text.find("\f", seg_start, end)
            seg = text[seg_start : end if ff < 0 else ff]
            body = seg.strip()
            if body:
                s = seg_start + len(seg) - len(seg.lstrip())
                lines.append(Line(s, s + len(body), body, page, len(lines), gap))
                gap = 0
            elif ff < 0:
                gap += 1
            if ff < 0:
                break
            pages.append(Page(page, page_start, ff))
            page, page_start, seg_start = page + 1, ff + 1, ff + 1
        if nl < 0:
            break
        pos = nl + 1
    pages.append(Page(page, page_start, n))
    return pages, lines


_PIECES = ["a", "bc", " ", "\t", "\n", "\n\n", "\f", "\x85", "\u2028", "\u3000", "\xa0", "é",
           "\x0b", "\x1c", "x y"]


@pytest.mark.parametrize("seed", range(4))
def test_text_split_lines_matches_reference(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(3000):
        text = "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 25)))
        assert split_lines(text) == _split_lines_reference(text), repr(text)


@pytest.mark.parametrize(
    "data",
    [b"plain text", b"a\x00b\x1bc" + b"x" * 400, ("caf\u00e9\x07" + "x" * 400).encode(), b"\x00" * 50],
)
def test_text_control_characters_still_counted(data: bytes) -> None:
    try:
        text, _enc, issues = decode(data)
    except Exception as exc:  # binary: refused as before
        assert data == b"\x00" * 50, exc
        return
    controls = sum(1 for ch in data.decode("utf-8") if ord(ch) < 32 and ch not in "\t\n\f\r")
    assert ("\x00" in text, len(issues)) == (False, 1 if controls else 0)


