"""`extractor batch`: exit codes, stdin lists, progress lines, and kill -9 then resume."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from extractor.cli import main
from tests.conftest import ROOT, SEED_GUIDELINE, SEED_IMR


def _corpus(folder: Path, bad: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "g.txt", folder / "sub" / "i.txt"]
    files[1].parent.mkdir(exist_ok=True)
    files[0].write_bytes(SEED_GUIDELINE.read_bytes())
    files[1].write_bytes(SEED_IMR.read_bytes())
    if bad:
        (folder / "empty.txt").write_bytes(b"")
    return files


def _report(path: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize(
    ("case", "argv", "code"),
    [
        ("all good", ["IN", "--out", "OUT"], 0),
        ("one empty file", ["IN_BAD", "--out", "OUT"], 1),
        ("missing input", ["NOPE", "--out", "OUT"], 2),
        ("no output given", ["IN"], 2),
        ("negative workers", ["IN", "--out", "OUT", "--workers", "-1"], 2),
        ("zero timeout", ["IN", "--out", "OUT", "--timeout", "0"], 2),
        ("scheduler without dask", ["IN", "--out", "OUT", "--scheduler", "tcp://x:1"], 2),
        ("bad page limit", ["IN", "--out", "OUT", "--max-pages", "0"], 2),
    ],
)
def test_cli_batch_exit_codes(tmp_path: Path, case: str, argv: list[str], code: int) -> None:
    _corpus(tmp_path / "in")
    _corpus(tmp_path / "in_bad", bad=True)
    names = {"IN": "in", "IN_BAD": "in_bad", "OUT": "out", "NOPE": "nope"}
    args = [str(tmp_path / names[a]) if a in names else a for a in argv]
    assert main(["batch", "--workers", "0", "--progress", "none", *args]) == code, case


def test_cli_batch_unknown_option_is_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--frobnicate"])
    assert exc.value.code == 2


def test_cli_batch_reads_paths_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _corpus(tmp_path / "in")
    listing = "\n".join(str(p) for p in files) + "\n# comment\n\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(listing))
    out = tmp_path / "out"
    code = main(["batch", "-", "--root", str(tmp_path / "in"), "--out", str(out),
                 "--workers", "0", "--progress", "none"])
    assert code == 0
    assert (out / "g.txt.json").exists() and (out / "sub" / "i.txt.json").exists()
    assert len(_report(out / "_report.jsonl")) == 2


def test_cli_batch_prints_log_lines_and_summary_when_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _corpus(tmp_path / "in", bad=True)
    code = main(["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                 "--workers", "0", "--log-interval", "0.05"])
    err = capsys.readouterr().err
    assert code == 1
    assert "batch: 3/3 docs (100%)" in err and "1 failed" in err
    assert "3 documents: 2 ok, 0 skipped (unchanged), 1 failed (E_EMPTY 1)" in err
    assert "report: " in err


def test_cli_batch_jsonl_output(tmp_path: Path) -> None:
    _corpus(tmp_path / "in")
    target = tmp_path / "docs.jsonl"
    assert main(["batch", str(tmp_path / "in"), "--jsonl", str(target), "--workers", "0",
                 "--progress", "none"]) == 0
    kinds = sorted(orjson.loads(line)["kind"] for line in target.read_bytes().splitlines())
    assert kinds == ["guideline", "imr"]
    assert len(_report(tmp_path / "docs.report.jsonl")) == 2


def test_cli_batch_kill9_loses_nothing_and_resume_skips_finished(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    text = SEED_IMR.read_text()
    total = 40
    for i in range(total):  # distinct inputs of seed size
        (src / f"doc-{i:03d}.txt").write_text(text + f"\nRevision note {i}.\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("EXTRACTOR_RAW_CACHE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "extractor", "batch", str(src), "--out", str(out),
         "--workers", "1", "--progress", "none"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.json"))) < 5:
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        assert time.monotonic() < deadline, "no output appeared"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.0)  # the orphaned worker finishes the document in hand, then exits

    finished = sorted(out.glob("*.json"))
    assert 5 <= len(finished) < total
    for path in finished:  # every file there is whole
        assert orjson.loads(path.read_bytes())["source"]["sha256"]
    stray = [p for p in out.iterdir() if p.suffix != ".json" and p.name != "_report.jsonl"
             and p.name != ".partial"]
    assert stray == []

    assert main(["batch", str(src), "--out", str(out), "--workers", "0",
                 "--progress", "none"]) == 0
    rows = {Path(str(r["path"])).name: r["status"] for r in _report(out / "_report.jsonl")}
    assert len(rows) == total
    assert all(rows[p.name.removesuffix(".json")] == "skipped" for p in finished)
    assert list(rows.values()).count("ok") >= 1
    assert len(list(out.glob("*.json"))) == total


@pytest.mark.corpus
def test_cli_batch_real_letters_every_file_reported(
    shared_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A spread sample of real IMR letters (PDF) through 2 workers: one row per file."""
    letters = sorted((shared_corpus / "imr").glob("*.pdf"))
    sample = letters[:: max(1, len(letters) // 12)]
    src = tmp_path / "in"
    src.mkdir()
    for p in sample:
        (src / p.name).symlink_to(p)
    out = tmp_path / "out"
    code = main(["batch", str(src), "--out", str(out), "--workers", "2", "--progress", "log"])
    rows = _report(out / "_report.jsonl")
    assert sorted(Path(str(r["path"])).name for r in rows) == sorted(p.name for p in sample)
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) >= 0.9 * len(sample) and code in (0, 1)
    assert all(r["kind"] == "imr" and r["pages"] for r in ok)
    assert f"{len(sample)} documents" in capsys.readouterr().err
