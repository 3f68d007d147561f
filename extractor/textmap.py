"""Clean text built from source lines, with a map back to source offsets.

Extractors read clean text (lines joined, furniture gone) but every item they report must carry
a span into the source text. A TextMap remembers, for each piece of clean text, where it came
from, so `source_span(i, j)` turns clean offsets into source offsets.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from extractor.document import Line


class TextMap:
    __slots__ = ("text", "lines", "_parts", "_starts")

    def __init__(self, lines: Sequence[Line], seps: Sequence[str] | None = None) -> None:
        """Join `lines`; `seps[k]` goes between line k and k+1 (default a space)."""
        texts = [ln.text for ln in lines]
        n = len(texts)
        # texts and separators interleaved: one join (each text's start is the running length
        # of the parts before it, reckoned when first asked: most maps are only read)
        parts = [""] * max(2 * n - 1, 0)
        parts[0::2] = texts
        parts[1::2] = [" "] * (n - 1) if seps is None else seps[: max(n - 1, 0)]
        self.text = "".join(parts)
        self.lines = list(lines)
        self._parts: list[str] | None = parts
        self._starts: list[int] | None = None

    @property
    def _clean_starts(self) -> list[int]:
        """Clean offset of each line's text."""
        if self._starts is None:
            starts = accumulate(map(len, self._parts or ()), initial=0)
            self._starts = list(starts)[0 : 2 * len(self.lines) : 2]
            self._parts = None
        return self._starts

    def line_at(self, i: int) -> int:
        """Index (in self.lines) of the line holding clean offset i (separators go left)."""
        return max(0, bisect_right(self._clean_starts, i) - 1)

    def source_offset(self, i: int, end: bool = False) -> int:
        if not self.lines:
            return 0
        k = self.line_at(i - 1 if end and i > 0 else i)
        line = self.lines[k]
        within = min(max(i - self._clean_starts[k], 0), len(line.text))
        return line.start + within

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        s = self.source_offset(start)
        e = self.source_offset(end, end=True)
        return (s, max(s, e))

    def page(self, i: int) -> int:
        return self.lines[self.line_at(i)].page if self.lines else 1
