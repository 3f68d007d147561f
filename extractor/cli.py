"""Command line: `extractor parse FILE`, `extractor batch DIR --out DIR`, `extractor schema`.

Errors are one line on stderr, `error CODE: message`, with exit code 1 (2 for bad usage);
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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
    from extractor import batch

    root = Path(args.input_dir)
    if not root.exists():
        print(f"error {errors.E_NOT_FOUND}: no such folder: {root}", file=sys.stderr)
        return 2
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"error {errors.E_UNREADABLE}: cannot create {out}: {exc.strerror}", file=sys.stderr)
        return 2
    paths = list(batch.walk(root))
    results = []
    t0 = time.perf_counter()
    for n, res in enumerate(batch.run(paths, root, out), start=1):
        results.append(res)
        status = "ok" if res.status == "ok" else f"{res.error_code}"
        print(f"[{n}/{len(paths)}] {status} {res.path} ({res.seconds:.2f}s)", file=sys.stderr)
    batch.write_report(results, out / "_report.jsonl")
    failed = sum(1 for r in results if r.status != "ok")
    print(
        f"{len(results)} documents, {len(results) - failed} ok, {failed} failed, "
        f"{time.perf_counter() - t0:.1f}s; report: {out / '_report.jsonl'}",
        file=sys.stderr,
    )
    return 1 if failed else 0


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

    bp = sub.add_parser("batch", help="parse every document under a folder")
    bp.add_argument("input_dir")
    bp.add_argument("--out", required=True, help="output folder (created when missing)")
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
