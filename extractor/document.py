"""The intermediate forms that flow between pipeline stages.

ingest -> RawDocument (pages of lines with offsets into one text)
clean  -> Cleaned (kept lines, removed stretches)
segment-> SectionNode tree (each with its body lines)
The extractors read a `Context` holding all three and return contract models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.models.contract import Issue


# Not `frozen`: a frozen dataclass sets each of its twelve fields through `object.__setattr__`,
# ~1.3 us a line against ~0.2 us, a tenth of a seed-sized document's ingestion. Lines are still
# never changed after ingestion: a stage that needs another form makes a copy (`replace`).
@dataclass(slots=True)
class Line:
    """One visual line: `text` is `doc.text[start:end]` (surrounding whitespace excluded).
    Read-only by convention (see above)."""

    start: int
    end: int
    text: str
    page: int  # 1-based
    index: int = 0  # position in RawDocument.lines
    gap_before: int = 0  # blank lines (text) or blank line-heights (PDF) before this line
    top: float | None = None  # PDF only: distance from the top of the page, in points
    bottom: float | None = None
    x0: float | None = None
    x1: float | None = None
    size: float | None = None  # median font size
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based
    start: int
    end: int
    height: float | None = None
    width: float | None = None


@dataclass(slots=True)
class RawDocument:
    text: str
    format: str  # "text" | "pdf"
    pages: list[Page]
    lines: list[Line]
    sha256: str
    path: str | None = None
    encoding: str | None = None
    issues: list[Issue] = field(default_factory=list)

    def page_at(self, offset: int) -> int:
        """1-based page holding `offset` (binary search over page starts)."""
        lo, hi = 0, len(self.pages) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.pages[mid].start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self.pages[lo].number if self.pages else 1
