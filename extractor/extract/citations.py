"""In-text author-year citations and the parsed reference list, linked to each other."""

from __future__ import annotations

from extractor.context import Context
from extractor.models.contract import Citation, Reference


def extract_references(ctx: Context) -> list[Reference]:
    return []  # TODO(issue 3)


def extract_citations(ctx: Context, references: list[Reference]) -> list[Citation]:
    return []  # TODO(issue 3)
