"""`extractor parse` and `extractor schema`: JSON out, one-line coded errors, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED_GUIDELINE, SEED_IMR


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "extractor", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_parse_prints_contract_json() -> None:
    proc = run("parse", str(SEED_IMR))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["kind"] == "imr"
    assert doc["schema_version"] == "1.0"


def test_cli_parse_writes_output_file(tmp_path: Path) -> None:
    out = tmp_path / "doc.json"
    proc = run("parse", str(SEED_GUIDELINE), "-o", str(out), "--include-text")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["kind"] == "guideline"
    assert doc["source"]["text"].startswith(" providers delivering")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "E_NOT_FOUND"),
        (b"", "E_EMPTY"),
        (b"\x00\x01\x02binary\x00" * 50, "E_UNSUPPORTED"),
        (b"%PDF-1.7\n garbage that is not a pdf", "E_PDF_CORRUPT"),
    ],
)
def test_cli_parse_bad_input_one_line_error(tmp_path: Path, content: bytes | None, code: str) -> None:
    path = tmp_path / "input.bin"
    if content is not None:
        path.write_bytes(content)
    proc = run("parse", str(path))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error {code}:"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_schema_is_json_schema() -> None:
    proc = run("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    assert schema["$schema"].endswith("2020-12/schema")


def test_cli_bad_usage_exit_2() -> None:
    assert run("frobnicate").returncode == 2
