"""Golden files: the JSON for every sample document in corpus/, reviewed by eye when it changes.

Regenerate after an intended change with `REGEN_GOLDEN=1 scripts/test tests/test_golden.py`,
then read the diff (`git diff corpus/expected`) before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractor import parse_path
from extractor.output import to_json
from tests.conftest import CORPUS, ROOT

SAMPLES = sorted(p for p in CORPUS.iterdir() if p.suffix in {".txt", ".pdf"})
EXPECTED = CORPUS / "expected"


def _render(path: Path) -> bytes:
    # a path relative to the project root keeps the golden file independent of the checkout
    doc = parse_path(path.relative_to(ROOT).as_posix() if path.is_absolute() else path)
    return to_json(doc)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_golden_sample_output(sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    got = _render(sample)
    target = EXPECTED / (sample.name + ".json")
    if os.environ.get("REGEN_GOLDEN"):
        target.write_bytes(got)
    assert target.exists(), f"no golden file for {sample.name}: run with REGEN_GOLDEN=1"
    assert got == target.read_bytes(), f"{sample.name} output changed: review and regenerate"
