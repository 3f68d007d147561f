"""The hostile matrix through the command line: `extractor batch` over a folder holding the
good sample documents and the hostile corpus. One bad file must cost one report row: the run
exits 1, reports each hostile file with its code, and writes every good document's JSON exactly
as a clean run does (issue 6, "done when")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from extractor.ingest import display_path
from tests.conftest import CORPUS, ROOT
from tests.hostile.hostile_corpus import build, make_writable

TIMEOUT = "30"  # per document; the hostile files that are refused are refused in milliseconds


def batch(
    *args: str | Path, timeout: float = 600, code: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `extractor batch`; with `code`, from that copy of the package."""
    cmd = [sys.executable, "-m", "extractor", "batch", *map(str, args), "--progress", "none"]
    env = dict(os.environ, PYTHONPATH=str(code)) if code else None
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=code)


def snapshot(base: Path) -> Path:
    """A copy of the package, so that both runs of a comparison use the same code even while
    the checkout is being edited."""
    code = base / "code"
    shutil.copytree(ROOT / "extractor", code / "extractor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return code


def report_rows(out: Path) -> dict[str, dict[str, object]]:
    rows = [orjson.loads(line) for line in (out / "_report.jsonl").read_bytes().splitlines()]
    by_path = {str(r["path"]): r for r in rows}
    assert len(by_path) == len(rows), "a document is reported twice"
    return by_path


def outputs(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*.json")
        if not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def assert_clean_failure(proc: subprocess.CompletedProcess[str]) -> None:
    """A run-level failure: a coded one-line error, no traceback, a non-zero exit."""
    assert proc.returncode not in (0, None), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert any(line.startswith("error E_") for line in proc.stderr.splitlines()), proc.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    """(root, cases, clean run, mixed run): the same root, first good files only, then with
    the hostile folder added, so that source paths (and so the JSON) can be compared."""
    base = tmp_path_factory.mktemp("hostile_batch")
    root = base / "in"
    good = root / "good"
    good.mkdir(parents=True)
    for p in sorted(CORPUS.iterdir()):
        if p.suffix.lower() in {".txt", ".pdf", ".text"}:
            shutil.copy(p, good / p.name)
    code = snapshot(base)
    clean = batch(root, "--out", base / "clean", "--workers", "2", "--timeout", TIMEOUT,
                  code=code)
    cases = build(root / "hostile")
    mixed = batch(root, "--out", base / "mixed", "--workers", "2", "--timeout", TIMEOUT,
                  code=code)
    yield root, cases, (clean, base / "clean"), (mixed, base / "mixed")
    make_writable(root / "hostile")


def test_hostile_batch_clean_run_succeeds(runs) -> None:
    _, _, (clean, out), _ = runs
    assert clean.returncode == 0, clean.stderr[-3000:]
    assert all(r["status"] == "ok" for r in report_rows(out).values())


def test_hostile_batch_exits_1_without_traceback(runs) -> None:
    _, _, _, (mixed, _) = runs
    assert "Traceback" not in mixed.stderr, mixed.stderr[-3000:]
    assert mixed.returncode == 1, mixed.stderr[-3000:]


def test_hostile_batch_reports_each_file_with_its_code(runs) -> None:
    root, cases, _, (mixed, out) = runs
    assert "Traceback" not in mixed.stderr, mixed.stderr[-3000:]
    rows = report_rows(out)
    wrong = []
    for name, case in cases.items():
        path = root / "hostile" / name
        row = rows.get(str(path)) or rows.get(display_path(path))
        if row is None:
            wrong.append(f"{name!r}: no report row")
        elif row["status"] == "error" and row["error_code"] in case.batch_also:
            continue
        elif case.code is None and row["status"] != "ok":
            wrong.append(f"{name!r}: expected ok, got {row['error_code']}: {row['error']}")
        elif case.code is not None and (row["status"], row["error_code"]) not in {
            ("error", case.code)
        }:
            wrong.append(f"{name!r}: expected {case.code}, got {row['status']} "
                         f"{row['error_code']}: {row['error']}")
    assert not wrong, "\n".join(wrong)


def test_hostile_batch_leaves_good_documents_unchanged(runs) -> None:
    _, _, (clean, clean_out), (mixed, mixed_out) = runs
    assert clean.returncode == 0, clean.stderr[-3000:]
    before, after = outputs(clean_out), outputs(mixed_out)
    assert before, "the clean run wrote nothing"
    changed = [name for name, data in before.items() if after.get(name) != data]
    assert not changed, f"good documents' JSON differs after adding hostile files: {changed}"


def test_hostile_batch_odd_file_name_round_trips(runs) -> None:
    root, _, _, (_, out) = runs
    odd = list(out.rglob("odd*.json"))
    assert len(odd) == 1, sorted(p.name for p in out.rglob("*.json"))
    data = orjson.loads(odd[0].read_bytes())
    assert data["source"]["path"].startswith(str(root))
    assert "\n" in data["source"]["path"] and "\u4e2d" in data["source"]["path"]


@pytest.mark.parametrize("layout", ["under_a_file", "partial_is_a_file", "report_is_a_folder"])
def test_hostile_batch_unwritable_output_is_one_coded_line(tmp_path: Path, layout: str) -> None:
    """As root, permissions cannot make a folder unwritable: block it by what is in the way."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(CORPUS / "000_3c9108d2bda88d0b.txt", src / "doc.txt")
    out = tmp_path / "out"
    if layout == "under_a_file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "out"
    elif layout == "partial_is_a_file":
        out.mkdir()
        (out / ".partial").write_text("x")
    else:
        (out / "_report.jsonl").mkdir(parents=True)
    assert_clean_failure(batch(src, "--out", out, "--workers", "1", timeout=120))
