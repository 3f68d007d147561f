"""extractor.batch and its engines: discovery, scheduling, resume, atomic writes, time limits,
crashes, JSONL output, the run report and the library iterator. Small synthetic files only."""

from __future__ import annotations

import os
import time
from pathlib import Path

import orjson
import pytest

from extractor import __version__, batch, errors
from extractor.engines import Failure
from extractor.engines.local import InlineEngine, LocalEngine
from tests.batch_helpers import die, fail, square, stubborn
from tests.conftest import SEED_GUIDELINE, SEED_IMR

SYNTHETIC_POLICY = """Clinical UM Guideline
Subject: Widget Therapy for Example Conditions
Guideline #: CG-TEST-01
Publish Date: 01/02/2024

Description
This document addresses widget therapy, a made-up treatment used only in tests.

Clinical Indications
Medically Necessary:
Widget therapy is considered medically necessary when all of the following are met:
A. The individual is 18 years or older; and
B. Conservative care has failed.

Not Medically Necessary:
Widget therapy is considered not medically necessary when the criteria above are not met.
"""


def make_tree(root: Path, copies: int = 0) -> list[Path]:
    """A small corpus: the two seeds, a synthetic policy, nested folders, and junk to skip."""
    (root / "a" / "b").mkdir(parents=True)
    (root / ".hidden").mkdir()
    files = [
        root / "seed-guideline.txt",
        root / "a" / "seed-imr.txt",
        root / "a" / "b" / "policy.TXT",
    ]
    files[0].write_bytes(SEED_GUIDELINE.read_bytes())
    files[1].write_bytes(SEED_IMR.read_bytes())
    files[2].write_text(SYNTHETIC_POLICY)
    for i in range(copies):  # distinct inputs (distinct hashes) of seed size
        p = root / "copies" / f"copy-{i:03d}.txt"
        p.parent.mkdir(exist_ok=True)
        p.write_text(SEED_IMR.read_text() + f"\nCopy number {i}.\n")
        files.append(p)
    (root / "notes.md").write_text("not a document type we walk")
    (root / ".hidden" / "secret.txt").write_text("hidden folders are skipped")
    (root / ".dotfile.txt").write_text("hidden files are skipped")
    return files


# --- 1. discovery ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        (batch.DEFAULT_INCLUDE, (), ["a/b/policy.TXT", "a/seed-imr.txt", "seed-guideline.txt"]),
        (("*.txt",), ("seed-*",), ["a/b/policy.TXT"]),  # no "/": matches the file name
        (("*.txt",), ("a/b/*",), ["a/seed-imr.txt", "seed-guideline.txt"]),  # "/": rel path
        (("a/*",), (), ["a/b/policy.TXT", "a/seed-imr.txt"]),  # "*" crosses folders
        (("*.md",), (), ["notes.md"]),
        (("*.pdf",), (), []),
    ],
)
def test_batch_discover_globs(
    tmp_path: Path, include: tuple[str, ...], exclude: tuple[str, ...], expected: list[str]
) -> None:
    make_tree(tmp_path)
    found = [p.relative_to(tmp_path).as_posix() for p in batch.discover(tmp_path, include, exclude)]
    assert sorted(found) == expected


def test_batch_discover_skips_output_folder_inside_input(tmp_path: Path) -> None:
    make_tree(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("an output folder is never walked")
    found = list(batch.discover(tmp_path, skip=out))
    assert all(out not in p.parents for p in found) and len(found) == 3


def test_batch_discover_single_file(tmp_path: Path) -> None:
    files = make_tree(tmp_path)
    assert list(batch.discover(files[0])) == [files[0]]


def test_batch_read_path_list_ignores_blanks_and_comments() -> None:
    lines = ["a.pdf\n", "\n", "# a comment\n", "  b/c.txt  \n"]
    assert list(batch.read_path_list(lines)) == [Path("a.pdf"), Path("b/c.txt")]


# --- 2. scheduling ---------------------------------------------------------------------------


def test_batch_largest_first_within_window(tmp_path: Path) -> None:
    sizes = [5, 50, 1, 40, 30, 2]
    paths = []
    for i, n in enumerate(sizes):
        p = tmp_path / f"f{i}.txt"
        p.write_bytes(b"x" * n)
        paths.append(p)
    got = [p.stat().st_size for p in batch.largest_first(paths, window=100)]
    assert got == sorted(sizes, reverse=True)
    # A window of 2 only reorders neighbours: every path still comes out exactly once.
    windowed = list(batch.largest_first(paths, window=2))
    assert sorted(windowed) == sorted(paths) and windowed[0] == paths[1]


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("in/x.pdf", "in", "out/x.pdf.json"),
        ("in/a/b/y.txt", "in", "out/a/b/y.txt.json"),
        ("in/x.pdf", "in/x.pdf", "out/x.pdf.json"),  # a single file as the root
    ],
)
def test_batch_output_path_layout(tmp_path: Path, path: str, root: str, expected: str) -> None:
    (tmp_path / "in" / "a" / "b").mkdir(parents=True)
    (tmp_path / path).write_text("x")
    got = batch.output_path(tmp_path / path, tmp_path / root, tmp_path / "out")
    assert got == tmp_path / expected


# --- 3-5. the worker function ----------------------------------------------------------------


def _task(path: Path, out: Path, **opts: object) -> batch.Task:
    options = batch.Options(partial_dir=None, **opts)  # type: ignore[arg-type]
    return batch.Task(str(path), options, str(out))


def test_batch_work_writes_then_skips_then_redoes_changed_input(tmp_path: Path) -> None:
    src = tmp_path / "doc.txt"
    src.write_text(SYNTHETIC_POLICY)
    out = tmp_path / "out" / "doc.txt.json"
    first = batch.work(_task(src, out))
    assert first.status == "ok" and first.kind == "guideline" and first.output == str(out)
    written = orjson.loads(out.read_bytes())
    assert written["source"]["sha256"] == first.sha256
    assert written["source"]["extractor_version"] == __version__
    assert [p.name for p in out.parent.iterdir()] == ["doc.txt.json"]  # no temp file left

    again = batch.work(_task(src, out))
    assert (again.status, again.kind, again.pages, again.sha256) == (
        "skipped", "guideline", 1, first.sha256,
    )
    forced = batch.work(_task(src, out, force=True))
    assert forced.status == "ok"

    src.write_text(SYNTHETIC_POLICY + "\nA new paragraph changes the hash.\n")
    changed = batch.work(_task(src, out))
    assert changed.status == "ok" and changed.sha256 != first.sha256


def test_batch_work_redoes_output_of_another_version(tmp_path: Path) -> None:
    src = tmp_path / "doc.txt"
    src.write_text(SYNTHETIC_POLICY)
    out = tmp_path / "doc.txt.json"
    batch.work(_task(src, out))
    data = orjson.loads(out.read_bytes())
    data["source"]["extractor_version"] = "0.0.0-old"
    out.write_bytes(orjson.dumps(data))
    assert batch.work(_task(src, out)).status == "ok"
    out.write_bytes(b'{"truncated": ')  # a damaged output is redone, not trusted
    assert batch.work(_task(src, out)).status == "ok"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", errors.E_EMPTY),
        (b"   \n\n\t ", errors.E_EMPTY),
        (bytes(range(256)) * 8, errors.E_UNSUPPORTED),
        (b"%PDF-1.7\nthis is not really a PDF", errors.E_PDF_CORRUPT),
        (None, errors.E_NOT_FOUND),
    ],
)
def test_batch_work_reports_error_codes(tmp_path: Path, content: bytes | None, code: str) -> None:
    src = tmp_path / "bad.txt"
    if content is not None:
        src.write_bytes(content)
    res = batch.work(_task(src, tmp_path / "bad.txt.json"))
    assert (res.status, res.error_code) == ("error", code)
    assert res.error and not (tmp_path / "bad.txt.json").exists()


def test_batch_work_soft_timeout(tmp_path: Path) -> None:
    res = batch.work(_task(SEED_GUIDELINE, tmp_path / "g.json", timeout=1e-4))
    assert (res.status, res.error_code) == ("timeout", errors.E_TIMEOUT)
    assert not (tmp_path / "g.json").exists()


def test_batch_work_page_limit_applies_to_text(tmp_path: Path) -> None:
    src = tmp_path / "three-pages.txt"
    src.write_text("Page one text.\fPage two text.\fPage three text.\n")
    res = batch.work(_task(src, tmp_path / "o.json", max_pages=2))
    assert (res.status, res.error_code) == ("error", errors.E_TOO_LARGE)
    assert batch.work(_task(src, tmp_path / "o.json", max_pages=3)).status == "ok"


# --- engines: hard time limit, crashes -------------------------------------------------------


# Engines running plain functions need no warmed-up pipeline in their workers.
BARE = ()


def test_batch_local_engine_kills_a_stuck_item_and_goes_on() -> None:
    engine = LocalEngine(workers=1, timeout=0.5, preload=BARE)
    t0 = time.monotonic()
    got = dict(engine.map(stubborn, [30.0, 0.0]))
    assert time.monotonic() - t0 < 10
    assert isinstance(got[30.0], Failure) and got[30.0].kind == "timeout"
    assert got[0.0] == "finished"  # a fresh worker took the next item


def test_batch_local_engine_reports_a_dead_worker_and_goes_on() -> None:
    engine = LocalEngine(workers=2, timeout=None, preload=BARE)
    got = list(LocalEngine(workers=1, timeout=None, preload=BARE).map(die, [1]))
    assert got[0][1].kind == "crash" and "SIGKILL" in got[0][1].message
    assert sorted(v for _, v in engine.map(square, range(6))) == [0, 1, 4, 9, 16, 25]


def test_batch_engines_report_exceptions_as_failures() -> None:
    for engine in (InlineEngine(), LocalEngine(workers=1, timeout=None, preload=BARE)):
        [(item, outcome)] = list(engine.map(fail, ["x"]))
        assert isinstance(outcome, Failure) and outcome.kind == "error"
        assert "ValueError: boom" in outcome.message


def test_batch_local_engine_recycles_workers_after_max_calls() -> None:
    engine = LocalEngine(1, None, max_calls=2, preload=BARE)
    got = sorted(v for _, v in engine.map(square, range(5)))
    assert got == [0, 1, 4, 9, 16]


def test_batch_hard_limit_adds_grace() -> None:
    assert batch.hard_limit(None) is None
    assert batch.hard_limit(2.0) == 3.0
    assert batch.hard_limit(600.0) == 630.0


# --- 6. runs: report, JSONL, library iterator ------------------------------------------------


def _rows(report: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in report.read_bytes().splitlines()]


def test_batch_run_report_accounts_for_every_file(tmp_path: Path) -> None:
    files = make_tree(tmp_path / "in", copies=4)
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    cfg = batch.BatchConfig(out_dir=tmp_path / "out", root=tmp_path / "in", workers=2)
    summary = batch.run_batch(cfg)
    rows = _rows(tmp_path / "out" / "_report.jsonl")
    assert sorted(r["path"] for r in rows) == sorted(map(str, [*files, tmp_path / "in/empty.txt"]))
    assert set(rows[0]) == set(batch.Result.REPORT_FIELDS)
    assert summary.counts == {"ok": len(files), "error": 1} and summary.codes == {"E_EMPTY": 1}
    outputs = sorted(p.relative_to(tmp_path / "out").as_posix()
                     for p in (tmp_path / "out").rglob("*.json"))
    assert "a/b/policy.TXT.json" in outputs and len(outputs) == len(files)
    assert not (tmp_path / "out" / batch.PARTIAL).exists()

    cfg.workers = 0  # the resume decision is the worker function's: no need for processes
    again = batch.run_batch(cfg)
    assert again.counts == {"skipped": len(files), "error": 1}


def test_batch_run_jsonl_resume_cuts_torn_line_and_keeps_one_line_per_document(
    tmp_path: Path,
) -> None:
    files = make_tree(tmp_path / "in", copies=2)
    target = tmp_path / "all.jsonl"
    cfg = batch.BatchConfig(jsonl=target, root=tmp_path / "in", workers=0)
    assert batch.run_batch(cfg).counts == {"ok": len(files)}
    assert (tmp_path / "all.report.jsonl").exists()
    lines = target.read_bytes().splitlines()
    assert len(lines) == len(files) and b"\n  " not in target.read_bytes()  # compact lines

    with target.open("ab") as fh:  # what kill -9 in the middle of a write leaves
        fh.write(lines[0][:40])
    files[0].write_text(SEED_GUIDELINE.read_text() + "\nAmended.\n")
    summary = batch.run_batch(cfg)
    assert summary.counts == {"ok": 1, "skipped": len(files) - 1}
    docs = [orjson.loads(x) for x in target.read_bytes().splitlines()]
    assert sorted(d["source"]["path"] for d in docs) == sorted(map(str, files))


def test_batch_iter_parse_yields_documents_and_errors(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    paths = [SEED_GUIDELINE, SEED_IMR, bad]
    for workers in (0, 1):
        results = {Path(r.path): r for r in batch.iter_parse(paths, workers=workers)}
        assert results[SEED_GUIDELINE].document.kind == "guideline"
        assert results[SEED_IMR].document.kind == "imr"
        assert not results[bad].ok and results[bad].error_code == errors.E_EMPTY
        assert results[bad].document is None


def test_batch_work_resolves_relative_paths_against_the_callers_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Dask worker runs in its own folder: relative paths must still mean the caller's."""
    (tmp_path / "caller" / "in").mkdir(parents=True)
    (tmp_path / "caller" / "in" / "doc.txt").write_text(SYNTHETIC_POLICY)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    task = batch.Task("in/doc.txt", batch.Options(), "out/doc.txt.json",
                      cwd=str(tmp_path / "caller"))
    res = batch.work(task)
    assert (res.status, res.output) == ("ok", "out/doc.txt.json")
    written = orjson.loads((tmp_path / "caller" / "out" / "doc.txt.json").read_bytes())
    assert written["source"]["path"] == "in/doc.txt"  # as given, not the resolved path
    assert batch.work(task).status == "skipped"


def test_batch_run_non_utf8_file_name_is_reported_and_written(tmp_path: Path) -> None:
    """Linux allows any bytes in a name; the JSON and the report show bad bytes as \\xNN."""
    src = tmp_path / "in"
    src.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (src / name).write_text(SYNTHETIC_POLICY)
    summary = batch.run_batch(batch.BatchConfig(out_dir=tmp_path / "out", root=src, workers=0))
    assert summary.counts == {"ok": 1}
    [row] = _rows(tmp_path / "out" / "_report.jsonl")
    assert str(row["path"]).endswith("caf\\xe9.txt")
    [written] = [p for p in (tmp_path / "out").iterdir() if p.suffix == ".json"]
    assert orjson.loads(written.read_bytes())["source"]["path"].endswith("caf\\xe9.txt")
