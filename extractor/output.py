"""Serialising documents: deterministic, compact-or-indented UTF-8 JSON (orjson)."""

from __future__ import annotations

import orjson
from pydantic import BaseModel


def to_json(doc: BaseModel, indent: bool = True) -> bytes:
    """The contract JSON: keys in model order, UTF-8, trailing newline; byte-identical per input."""
    data = doc.model_dump(mode="json")
    opts = orjson.OPT_APPEND_NEWLINE | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(data, option=opts)
