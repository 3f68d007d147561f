"""The straight line from bytes to a contract document:

    ingest -> clean -> classify -> segment -> extract -> assemble

Only this module knows the order; each stage is a function from one named type to the next.
"""

from __future__ import annotations

from pathlib import Path

from extractor import __version__
from extractor.classify import classify
from extractor.clean.boilerplate import clean
from extractor.context import Context
from extractor.document import RawDocument
from extractor.extract import citations, codes, criteria, definitions, imr, metadata, related
from extractor.ingest import ingest_bytes, ingest_path
from extractor.models.contract import (
    FrontMatter,
    GuidelineDocument,
    ImrDocument,
    Section,
    Source,
    UnknownDocument,
)
from extractor.segment.paragraphs import text_map
from extractor.segment.sections import lexicon, segment

AnyDocument = GuidelineDocument | ImrDocument | UnknownDocument


def parse_path(
    path: str | Path, include_text: bool = False, max_pages: int | None = None
) -> AnyDocument:
    """Parse a text or PDF file into a contract document (raises ExtractorError)."""
    return process(ingest_path(path, max_pages=max_pages), include_text)


def parse_bytes(
    data: bytes, path: str | None = None, include_text: bool = False
) -> AnyDocument:
    return process(ingest_bytes(data, path=path), include_text)


def parse_text(text: str, path: str | None = None, include_text: bool = False) -> AnyDocument:
    """Parse text already in memory (as extracted from a PDF)."""
    return parse_bytes(text.encode("utf-8"), path=path, include_text=include_text)


def process(raw: RawDocument, include_text: bool = False) -> AnyDocument:
    # classify first (on the raw lines: furniture does not sway it), so that cleaning and
    # segmentation can follow the family's conventions
    kind = classify("\n".join(line.text for line in raw.lines[:400]))
    family = "imr" if kind == "imr" else "guideline"
    cleaned = clean(raw, is_heading=lexicon(family).is_heading, repetition=family != "imr")
    front, nodes = segment(cleaned.kept, family)
    ctx = Context(raw, kind, cleaned.kept, front, nodes, list(raw.issues))

    source = Source(
        path=raw.path, sha256=raw.sha256, format=raw.format,  # type: ignore[arg-type]
        pages=len(raw.pages), extractor_version=__version__, encoding=raw.encoding,
        text=raw.text if include_text else None,
    )
    sections = [
        Section(
            id=n.id, kind=n.kind, heading=n.heading, level=n.level, parent=n.parent,
            span=n.span, page=(n.heading_line or n.lines[0]).page if (n.heading_line or n.lines)
            else None, text=n.text,
        )
        for n in nodes
    ]
    fm = None
    if front:
        tm = text_map(front)
        fm = FrontMatter(span=(front[0].start, front[-1].end), text=tm.text)
    if not nodes:
        ctx.issue("I_NO_SECTIONS", "no section heading was recognised")
    common = dict(source=source, front_matter=fm, sections=sections, removed=cleaned.removed)

    if kind == "imr":
        fields = imr.extract(ctx)
        return ImrDocument(**common, metadata=fields.metadata, reviewer=fields.reviewer,
                           patient=fields.patient, decisions=fields.decisions, issues=ctx.issues)
    if kind == "guideline":
        refs = citations.extract_references(ctx)
        return GuidelineDocument(
            **common,
            metadata=metadata.extract(ctx),
            criteria=criteria.extract(ctx),
            code_tables=codes.extract(ctx),
            references=refs,
            citations=citations.extract_citations(ctx, refs),
            definitions=definitions.extract(ctx),
            related_documents=related.extract_related(ctx),
            history=related.extract_history(ctx),
            issues=ctx.issues,
        )
    return UnknownDocument(**common, issues=ctx.issues)
