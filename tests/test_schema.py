"""The committed JSON Schema equals the one generated from the models."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_schema_committed_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_schemas.py"), "--check"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr


def test_schema_validates_seed_outputs(seed_guideline, seed_imr) -> None:
    from pydantic import TypeAdapter

    from extractor.models.contract import Document

    adapter = TypeAdapter(Document)
    for doc in (seed_guideline, seed_imr):
        again = adapter.validate_json(doc.model_dump_json())
        assert again == doc


def test_schema_version_present() -> None:
    schema = json.loads((ROOT / "schemas" / "document.schema.json").read_text())
    assert "oneOf" in schema or "anyOf" in schema or "discriminator" in json.dumps(schema)
