"""Many documents: walk a folder, parse each file, write one JSON each and a run report.

One bad file costs one report row: every failure is caught per document and recorded with its
error code, and the batch goes on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from extractor import errors
from extractor.output import to_json
from extractor.pipeline import parse_path

SUFFIXES = {".pdf", ".txt", ".text"}


@dataclass(slots=True)
class Result:
    path: str
    status: str  # "ok" | "error"
    kind: str | None = None
    pages: int | None = None
    seconds: float = 0.0
    sha256: str | None = None
    output: str | None = None
    error_code: str | None = None
    error: str | None = None

    def row(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def walk(root: Path) -> Iterator[Path]:
    """Documents under root in sorted order (sorted: reruns and reports are reproducible)."""
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.suffix.lower() in SUFFIXES:
                yield p


def output_path(path: Path, root: Path, out_dir: Path) -> Path:
    rel = path.relative_to(root) if root.is_dir() else Path(path.name)
    return out_dir / rel.parent / (rel.name + ".json")


def run_one(path: Path, root: Path, out_dir: Path) -> Result:
    t0 = time.perf_counter()
    try:
        doc = parse_path(path)
        data = to_json(doc)
        target = output_path(path, root, out_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return Result(str(path), "ok", doc.kind, doc.source.pages, time.perf_counter() - t0,
                      doc.source.sha256, str(target))
    except errors.ExtractorError as exc:
        return Result(str(path), "error", seconds=time.perf_counter() - t0,
                      error_code=exc.code, error=exc.message)
    except Exception as exc:  # a bug must not stop the batch: report it and go on
        return Result(str(path), "error", seconds=time.perf_counter() - t0,
                      error_code=errors.E_INTERNAL, error=f"{type(exc).__name__}: {exc}")


def run(paths: Iterable[Path], root: Path, out_dir: Path) -> Iterator[Result]:
    for path in paths:
        yield run_one(path, root, out_dir)


def write_report(results: list[Result], report: Path) -> None:
    with report.open("wb") as fh:
        for r in results:
            fh.write(orjson.dumps(r.row()) + b"\n")
