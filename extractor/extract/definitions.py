"""Definitions: term and definition, wrapped lines joined."""

from __future__ import annotations

from extractor.context import Context
from extractor.models.contract import Definition


def extract(ctx: Context) -> list[Definition]:
    return []  # TODO(issue 3)
