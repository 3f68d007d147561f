"""Criteria trees: one block per coverage statement, a logic tree of its labelled items."""

from __future__ import annotations

from extractor.context import Context
from extractor.models.contract import CriteriaBlock


def extract(ctx: Context) -> list[CriteriaBlock]:
    return []  # TODO(issue 3): implemented by the criteria work
