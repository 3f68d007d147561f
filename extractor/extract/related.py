"""Related documents the text points to, and Document History rows."""

from __future__ import annotations

from extractor.context import Context
from extractor.models.contract import HistoryRow, RelatedDocument


def extract_related(ctx: Context) -> list[RelatedDocument]:
    return []  # TODO(issue 3)


def extract_history(ctx: Context) -> list[HistoryRow]:
    return []  # TODO(issue 3)
