"""Guideline metadata: doc id, title, type, publisher, dates, status, page count."""

from __future__ import annotations

from extractor.context import Context
from extractor.models.contract import GuidelineMetadata


def extract(ctx: Context) -> GuidelineMetadata:
    return GuidelineMetadata(page_count=len(ctx.raw.pages))  # TODO(issue 3)
