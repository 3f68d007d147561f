"""The JSON Schema of the output contract, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from extractor.models.contract import SCHEMA_VERSION, Document


def document_schema() -> dict[str, Any]:
    schema = TypeAdapter(Document).json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"extractor document v{SCHEMA_VERSION}"
    return schema
