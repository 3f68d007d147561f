"""Command line: `extractor parse FILE`, `extractor batch DIR --out DIR`, `extractor schema`.

Errors are one line on stderr, `error CODE: message`, with exit code 1 (2 for bad usage);
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from extractor import __version__, errors
from extractor.output import to_json


def _parse(args: argparse.Namespace) -> int:
    from extractor.pipeline import parse_path

    try:
        doc = parse_path(args.file, include_text=args.include_text)
    except errors.ExtractorError as exc:
        print(f"error {exc.code}: {exc.message}", file=sys.stderr)
        return 1
    data = to_json(doc)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def _batch(args: argparse.Namespace) -> int:
    """Exit 0 when every document succeeded (or was unchanged), 1 when some failed,
    2 for bad usage, 130 when interrupted."""
    from extractor import batch
    from extractor.progress import make_display

    def usage(message: str) -> int:
        print(f"error {errors.E_USAGE}: {message}", file=sys.stderr)
        return 2

    if args.out is None and args.jsonl is None:
        return usage("give --out DIR (one JSON per document) or --jsonl FILE")
    if args.workers is not None and args.workers < 0:
        return usage("--workers must be 0 (in this process) or more")
    if args.timeout is not None and args.timeout <= 0:
        return usage("--timeout must be a positive number of seconds")
    if args.max_pages is not None and args.max_pages < 1:
        return usage("--max-pages must be at least 1")
    if args.scheduler and args.engine != "dask":
        return usage("--scheduler needs --engine dask")
    if args.engine == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            return usage("--engine dask needs dask.distributed: pip install 'extractor[dask]'")
    root: Path | None = None
    paths = None
    if args.input == "-":
        paths = batch.read_path_list(sys.stdin)
        root = Path(args.root) if args.root else None
    else:
        root = Path(args.input)
        if not root.exists():
            print(f"error {errors.E_NOT_FOUND}: no such file or folder: {root}", file=sys.stderr)
            return 2
    out = Path(args.out) if args.out else None
    try:
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error {errors.E_OUTPUT}: cannot create {out}: {exc.strerror}", file=sys.stderr)
        return 2
    cfg = batch.BatchConfig(
        out_dir=out, jsonl=Path(args.jsonl) if args.jsonl else None,
        report=Path(args.report) if args.report else None, root=root, paths=paths,
        include=tuple(args.include) if args.include else batch.DEFAULT_INCLUDE,
        exclude=tuple(args.exclude or ()),
        workers=batch.default_workers() if args.workers is None else args.workers,
        timeout=args.timeout, max_pages=args.max_pages, force=args.force,
        engine=args.engine, scheduler=args.scheduler,
    )
    display = make_display(args.progress, sys.stderr, args.log_interval)
    try:
        summary = batch.run_batch(cfg, display)
    except OSError as exc:  # the output folder, the report or the JSONL file is blocked
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error {errors.E_OUTPUT}: cannot write{where}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    except RuntimeError as exc:  # workers that cannot start, a cluster that cannot be reached
        print(f"error {errors.E_INTERNAL}: {exc}", file=sys.stderr)
        return 1
    print(f"{summary.line()}; report: {cfg.report_path()}", file=sys.stderr)
    if summary.interrupted:
        return 130
    return 1 if summary.failed else 0


def _schema(args: argparse.Namespace) -> int:
    from extractor.schema import document_schema

    print(json.dumps(document_schema(), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="extractor", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"extractor {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("parse", help="parse one document; JSON to stdout or -o FILE")
    sp.add_argument("file")
    sp.add_argument("-o", "--output")
    sp.add_argument("--include-text", action="store_true",
                    help="add source.text, the extracted text that spans index")
    sp.set_defaults(func=_parse)

    bp = sub.add_parser(
        "batch", help="parse every document under a folder (or listed on stdin)",
        description="Parse many documents in parallel: one JSON per document written "
        "atomically (or one JSONL line), a run report, resumable (unchanged documents are "
        "skipped), with a per-document time limit.",
    )
    bp.add_argument("input", help="folder (walked recursively) or file; '-' reads paths "
                    "from stdin, one per line")
    bp.add_argument("--out", help="output folder: <OUT>/<relative path>.json per document "
                    "and the report <OUT>/_report.jsonl")
    bp.add_argument("--jsonl", metavar="FILE", help="write one compact JSON line per "
                    "document to FILE instead of one file each")
    bp.add_argument("--report", metavar="FILE", help="run report (JSONL) path; default "
                    "<OUT>/_report.jsonl, or FILE.report.jsonl beside --jsonl FILE")
    bp.add_argument("--include", action="append", metavar="GLOB", help="only files matching "
                    "(repeatable; without '/' matches the name, with '/' the relative path; "
                    "default: *.pdf *.txt *.text)")
    bp.add_argument("--exclude", action="append", metavar="GLOB",
                    help="skip files matching (repeatable)")
    bp.add_argument("--root", help="with '-': paths are made relative to this folder for "
                    "the output names (default: the current folder)")
    bp.add_argument("--workers", type=int, help="worker processes (default: the number of "
                    "cores; 0 parses in this process)")
    bp.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                    help="per-document time limit; over it the document is reported as "
                    "timed out and the batch goes on (default: 600)")
    bp.add_argument("--max-pages", type=int, metavar="N",
                    help="refuse documents over N pages (error E_TOO_LARGE)")
    bp.add_argument("--force", action="store_true", help="redo documents whose output is "
                    "already there for the same input and extractor version")
    bp.add_argument("--engine", choices=("local", "dask"), default="local",
                    help="local worker processes (default) or a dask.distributed cluster")
    bp.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: the "
                    "scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    bp.add_argument("--progress", choices=("auto", "bar", "log", "none"), default="auto",
                    help="bar on a terminal, periodic log lines otherwise (default: auto)")
    bp.add_argument("--log-interval", type=float, default=10.0, metavar="SECONDS",
                    help="seconds between progress lines in log mode (default: 10)")
    bp.set_defaults(func=_batch)

    sc = sub.add_parser("schema", help="print the output JSON Schema")
    sc.set_defaults(func=_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
