#!/usr/bin/env python3
"""Per-stage timings of the text pipeline on the two seed documents, plus a cProfile listing.

    .venv/bin/python scripts/profile_text.py                 # 30 runs, top 25 functions
    .venv/bin/python scripts/profile_text.py -n 100 --top 40
    .venv/bin/python scripts/profile_text.py --file some.txt --no-profile

The stages replay `extractor.pipeline.process` step by step (same calls, same order) with a
clock around each one; the figure per stage is the median over N runs of this process's CPU
time, in milliseconds, so that other work on a busy machine skews it less than wall time
would (it still slows caches). The last line is the whole `parse_text` call (median CPU and
wall time) and the documents per second per core the CPU time implies. cProfile then runs
`parse_text` N times per document and lists the functions with the most cumulative and own
time.
The machine's load average is printed first: figures taken on a busy machine run slower.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# --package DIR: time the `extractor` package found in DIR (e.g. a snapshot taken before a
# change) instead of this checkout's; read before the imports below
_PKG = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--package"), None)
sys.path.insert(0, _PKG or str(ROOT))

from extractor import pipeline  # noqa: E402
from extractor.classify import classify  # noqa: E402
from extractor.clean.boilerplate import clean  # noqa: E402
from extractor.context import Context  # noqa: E402
from extractor.extract import (  # noqa: E402
    citations,
    codes,
    criteria,
    definitions,
    imr,
    metadata,
    related,
)
from extractor.ingest import ingest_bytes  # noqa: E402
from extractor.segment.paragraphs import text_map  # noqa: E402
from extractor.segment.sections import lexicon, segment  # noqa: E402

SEEDS = [ROOT / "corpus" / "000_3c9108d2bda88d0b.txt", ROOT / "corpus" / "004_04ef298ccf17e118.txt"]


def forget() -> None:
    """Empty the per-text memos (section lexicon) so that a rerun of the same document does
    not find its own lines remembered: a batch's next document is a different one."""
    for family in ("guideline", "imr"):
        for memo in ("_keys", "_tops"):
            getattr(lexicon(family), memo, {}).clear()


def stages(text: str) -> dict[str, float]:
    """One pass of the pipeline with each stage timed (ms)."""
    forget()
    out: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.process_time()
        value = fn()
        out[name] = (time.process_time() - t0) * 1000
        return value

    raw = timed("ingest", lambda: ingest_bytes(text.encode("utf-8")))
    kind = timed("classify", lambda: classify("\n".join(ln.text for ln in raw.lines[:400])))
    family = "imr" if kind == "imr" else "guideline"
    cleaned = timed("clean", lambda: clean(raw, is_heading=lexicon(family).is_heading,
                                           repetition=family != "imr"))
    front, nodes = timed("segment", lambda: segment(cleaned.kept, family))
    ctx = Context(raw, kind, cleaned.kept, front, nodes, list(raw.issues))
    timed("section_text", lambda: [n.text for n in nodes] + ([text_map(front)] if front else []))
    if kind == "imr":
        timed("imr", lambda: imr.extract(ctx))
    elif kind == "guideline":
        refs = timed("references", lambda: citations.extract_references(ctx))
        timed("metadata", lambda: metadata.extract(ctx))
        timed("criteria", lambda: criteria.extract(ctx))
        timed("codes", lambda: codes.extract(ctx))
        timed("citations", lambda: citations.extract_citations(ctx, refs))
        timed("definitions", lambda: definitions.extract(ctx))
        timed("related", lambda: related.extract_related(ctx))
        timed("history", lambda: related.extract_history(ctx))
    return out


def median_stages(text: str, n: int) -> tuple[dict[str, float], float, float]:
    """(median CPU ms per stage, median CPU ms and wall ms of `parse_text`)."""
    runs: dict[str, list[float]] = defaultdict(list)
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(n):
        for name, ms in stages(text).items():
            runs[name].append(ms)
        forget()
        t0, c0 = time.perf_counter(), time.process_time()
        pipeline.parse_text(text)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
    return ({k: statistics.median(v) for k, v in runs.items()}, statistics.median(cpu),
            statistics.median(wall))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=30, help="runs per document (default 30)")
    ap.add_argument("--top", type=int, default=25, help="functions listed by cProfile")
    ap.add_argument("--file", action="append", type=Path, help="documents (default: the seeds)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile listing")
    ap.add_argument("--package", help="folder holding the `extractor` package to time")
    args = ap.parse_args()
    files = args.file or SEEDS
    one, five, _ = os.getloadavg()
    print(f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores")
    print(f"package: {Path(pipeline.__file__).parent}")
    texts = {f.name: f.read_text(encoding="utf-8") for f in files}
    for text in texts.values():  # warm-up: rule files compiled, caches filled
        pipeline.parse_text(text)
    for name, text in texts.items():
        med, cpu, wall = median_stages(text, args.n)
        print(f"\n{name} ({len(text):,} chars), median of {args.n} runs, CPU ms:")
        for stage, ms in med.items():
            print(f"  {stage:<14}{ms:8.2f}")
        print(f"  {'sum of stages':<14}{sum(med.values()):8.2f}")
        print(f"  {'parse_text':<14}{cpu:8.2f}   -> {1000 / cpu:.0f} docs/s per core "
              f"(wall {wall:.2f} ms)")
    if args.no_profile:
        return
    prof = cProfile.Profile()
    prof.enable()
    for text in texts.values():
        for _ in range(args.n):
            pipeline.parse_text(text)
    prof.disable()
    stats = pstats.Stats(prof)
    print(f"\ncProfile over {args.n} runs of each document: top {args.top} by cumulative time")
    stats.sort_stats("cumulative").print_stats(args.top)
    print(f"top {args.top} by own time")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
