"""What every extractor reads: the raw document, its kind, front matter and sections."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.document import Line, RawDocument
from extractor.models.contract import Issue
from extractor.segment.paragraphs import text_map
from extractor.segment.sections import SectionNode
from extractor.textmap import TextMap


@dataclass(slots=True)
class Context:
    raw: RawDocument
    kind: str
    kept: list[Line]
    front: list[Line]
    sections: list[SectionNode]
    issues: list[Issue] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[SectionNode]:
        """Sections of these kinds, nested ones included, in document order."""
        return [s for s in self.sections if s.kind in kinds]

    def lines_of(self, *kinds: str) -> list[Line]:
        """Body lines (headings of nested sections included) of top-level sections of a kind."""
        out: list[Line] = []
        for s in self.sections:
            if s.kind in kinds:
                if s.level > 1 and s.heading_line is not None:
                    out.append(s.heading_line)
                out.extend(s.lines)
        return out

    def front_map(self) -> TextMap:
        return text_map(self.front)

    def issue(self, code: str, message: str, span: tuple[int, int] | None = None) -> None:
        self.issues.append(Issue(code=code, message=message, span=span))
