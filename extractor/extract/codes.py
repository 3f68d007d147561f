"""Code tables: coverage groups x code systems, entries validated and ranges expanded."""

from __future__ import annotations

from extractor.context import Context
from extractor.models.contract import CodeTable


def extract(ctx: Context) -> list[CodeTable]:
    return []  # TODO(issue 3): implemented by the codes work
