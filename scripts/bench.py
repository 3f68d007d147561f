#!/usr/bin/env python3
"""Benchmark the extractor in one run and print the figures the batch issue asks for.

    .venv/bin/python scripts/bench.py                      # everything (~10 min on 2 idle cores)
    .venv/bin/python scripts/bench.py --only text          # seconds
    .venv/bin/python scripts/bench.py --pdf-limit 20       # a spread sample of the PDFs

Sections (all by default; choose with --only):
1. text    seed-sized text documents per second per core: the pipeline in this process over
           the two seeds in corpus/ (wall and CPU time), then the hot spots by module (cProfile).
2. flat    a 2,000-document batch of distinct seed-sized texts with 2 workers: documents per
           second end to end, and the workers' resident memory sampled over the run (first
           tenth vs last tenth), so a leak shows as growth.
3. pdf     the corpus PDFs (../shared/corpus/**.pdf): pdfplumber's own parse of every page
           (`extract_text`, in this process), then `extractor batch` with 1 worker over the same
           files; the figure is our end-to-end time per page over pdfplumber's.
4. scaling the same batch with 2 workers: wall time with 1 worker over wall time with 2.
5. rss     peak resident memory of one fresh process set up as a batch worker (warmed up,
           same garbage collection settings) parsing the longest PDF (326 pages).

The raw-parse cache (EXTRACTOR_RAW_CACHE) is switched off for the whole run: every PDF is
parsed for real. The machine's load average is printed at the start and end: figures taken
while other work shares the cores understate throughput and scaling.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("EXTRACTOR_RAW_CACHE", None)  # before the extractor is imported

from extractor import batch  # noqa: E402
from extractor.pipeline import parse_path  # noqa: E402

SEEDS = [ROOT / "corpus" / "000_3c9108d2bda88d0b.txt", ROOT / "corpus" / "004_04ef298ccf17e118.txt"]
SHARED = ROOT.parent / "shared" / "corpus"
LONGEST = "Aetna_Genetic Testing - Medical Clinical Policy Bulletins.pdf"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


# --- resident memory of this process's children ---------------------------------------------


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


class RssSampler:
    """Every `every` s: the largest child RSS and this process's RSS (MB), with a timestamp."""

    def __init__(self, every: float = 0.5) -> None:
        self.every = every
        self.samples: list[tuple[float, float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            kids = [_rss_kb(k) for k in _children(me)]
            self.samples.append((time.monotonic(), max(kids, default=0) / 1024,
                                 _rss_kb(me) / 1024))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def timeline(self) -> list[float]:
        """The largest worker RSS at the end of each tenth of the run (MB)."""
        workers = [s[1] for s in self.samples if s[1] > 0]
        if len(workers) < 10:
            return workers
        return [workers[min(len(workers) - 1, (i + 1) * len(workers) // 10 - 1)]
                for i in range(10)]

    def tenths(self) -> tuple[float, float, float]:
        """(mean worker RSS over the second tenth of the run, over the last tenth, peak).

        The first tenth is left out: it holds the workers' start-up and warm-up."""
        workers = [s[1] for s in self.samples if s[1] > 0]
        if not workers:
            return 0.0, 0.0, 0.0
        n = max(1, len(workers) // 10)
        early = workers[n : 2 * n] or workers[:n]
        return sum(early) / len(early), sum(workers[-n:]) / n, max(workers)


# --- 1. text ---------------------------------------------------------------------------------


def bench_text(seconds: float) -> dict[str, Any]:
    for seed in SEEDS:
        parse_path(seed)  # warm: lazily loaded resources are start-up, not per document
    out: dict[str, Any] = {}
    for seed in SEEDS:
        n, w0, c0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - w0 < seconds:
            parse_path(seed)
            n += 1
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        out[seed.name] = {"docs": n, "docs_per_s_wall": n / wall, "docs_per_s_cpu": n / cpu,
                          "ms_per_doc_cpu": 1000 * cpu / n, "bytes": seed.stat().st_size}
    mean_ms = sum(v["ms_per_doc_cpu"] for v in out.values()) / len(SEEDS)
    out["mix_docs_per_s_per_core"] = 1000 / mean_ms
    out["hot_spots"] = profile_by_module(20)
    return out


def _module_of(filename: str) -> str:
    path = filename.replace("\\", "/")
    if "/extractor/" in path:
        return "extractor/" + path.split("/extractor/", 1)[1]
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    return "python stdlib / builtins"


def profile_by_module(rounds: int) -> list[tuple[str, float]]:
    """Own time (ms per document, the two seeds alternating) summed by module."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(rounds):
        for seed in SEEDS:
            parse_path(seed)
    prof.disable()
    per_module: collections.Counter[str] = collections.Counter()
    for (filename, _, _), row in pstats.Stats(prof).stats.items():  # type: ignore[attr-defined]
        if filename != "~":
            per_module[_module_of(filename)] += row[2]
            continue
        # A builtin (a regex match, str.join...): charge its time to the modules calling it.
        for (caller_file, _, _), caller_row in row[4].items():
            per_module[_module_of(caller_file)] += caller_row[2]
    docs = rounds * len(SEEDS)
    return [(m, 1000 * t / docs) for m, t in per_module.most_common()]


# --- 2. flat memory over 2,000 documents -----------------------------------------------------


def bench_flat(n_docs: int, workers: int) -> dict[str, Any]:
    texts = [s.read_text() for s in SEEDS]
    with tempfile.TemporaryDirectory(prefix="bench-flat-") as tmp:
        src, out = Path(tmp) / "in", Path(tmp) / "out"
        for i in range(n_docs):  # distinct inputs: nothing is skipped
            folder = src / f"{i // 500:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"doc-{i:05d}.txt").write_text(texts[i % 2] + f"\nRevision {i}.\n")
        cfg = batch.BatchConfig(out_dir=out, root=src, workers=workers, timeout=60)
        with RssSampler() as rss:
            t0 = time.perf_counter()
            summary = batch.run_batch(cfg)
            wall = time.perf_counter() - t0
        rows = [json.loads(x) for x in (out / batch.REPORT_NAME).read_text().splitlines()]
    first, last, peak = rss.tenths()
    work = sum(r["seconds"] for r in rows)
    cpu = sum(r.get("cpu_seconds") or 0.0 for r in rows)
    return {"docs": summary.documents, "ok": summary.counts["ok"], "workers": workers,
            "wall_s": wall, "docs_per_s": summary.documents / wall,
            "docs_per_s_per_core": summary.documents / wall / workers,
            "docs_per_worker_s": summary.documents / work,
            "docs_per_worker_cpu_s": summary.documents / cpu if cpu else 0.0,
            "worker_rss_first_tenth_mb": first, "worker_rss_last_tenth_mb": last,
            "worker_rss_peak_mb": peak, "worker_rss_timeline_mb": rss.timeline(),
            "parent_rss_peak_mb": max((s[2] for s in rss.samples), default=0.0)}


# --- 3, 4. PDFs: pdfplumber baseline, 1 and 2 workers ----------------------------------------


def corpus_pdfs(limit: int | None) -> list[Path]:
    pdfs = sorted(SHARED.rglob("*.pdf"))
    if limit and limit < len(pdfs):
        step = len(pdfs) / limit
        pdfs = [pdfs[int(i * step)] for i in range(limit)]
    return pdfs


def pdfplumber_pass(pdfs: list[Path]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, pages) of pdfplumber's own parse of every page."""
    import pdfplumber

    total, pages, c0 = 0.0, 0, time.process_time()
    for path in pdfs:
        t0 = time.perf_counter()
        try:
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    page.extract_text()
                    page.close()
                    pages += 1
        except Exception as exc:  # count the time; the extractor reports these files too
            print(f"  pdfplumber failed on {path.name}: {type(exc).__name__}", file=sys.stderr)
        total += time.perf_counter() - t0
    return total, time.process_time() - c0, pages


def batch_pass(pdfs: list[Path], workers: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-pdf{workers}-") as tmp:
        listing, out = Path(tmp) / "in", Path(tmp) / "out"
        listing.mkdir()
        for p in pdfs:  # a flat folder of links: the run sees exactly these files
            (listing / p.name).symlink_to(p)
        cfg = batch.BatchConfig(out_dir=out, root=listing, workers=workers)
        with RssSampler() as rss:
            t0 = time.perf_counter()
            summary = batch.run_batch(cfg)
            wall = time.perf_counter() - t0
        rows = [json.loads(x) for x in (out / batch.REPORT_NAME).read_text().splitlines()]
    failures = collections.Counter(
        f"{r['error_code']}: {r['error']}"[:160] for r in rows if r["status"] in batch.FAILED
    )
    for failure, n in failures.most_common(5):
        print(f"  {n} x {failure}", file=sys.stderr)
    return {"workers": workers, "wall_s": wall, "docs": summary.documents,
            "failed": summary.failed, "pages": summary.pages, "failures": dict(failures),
            "doc_seconds": sum(r["seconds"] for r in rows),
            "doc_cpu_seconds": sum(r.get("cpu_seconds") or 0.0 for r in rows),
            "worker_rss_peak_mb": rss.tenths()[2]}


# --- 5. peak RSS on the longest document -----------------------------------------------------

_RSS_CHILD = """
import resource, sys, time
from extractor.batch import warm_up
from extractor.engines.child import tune_gc
from extractor.pipeline import parse_path
from extractor.output import to_json
warm_up()
tune_gc()  # as in a batch worker
t0 = time.perf_counter()
doc = parse_path(sys.argv[1])
data = to_json(doc)
print(doc.source.pages, time.perf_counter() - t0, len(data),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_rss(path: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("EXTRACTOR_RAW_CACHE", None)
    res = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(path)], env=env,
                         capture_output=True, text=True, check=True)
    pages, seconds, size, maxrss_kb = res.stdout.split()
    return {"file": path.name, "pages": int(pages), "seconds": float(seconds),
            "json_bytes": int(size), "peak_rss_mb": int(maxrss_kb) / 1024}


# --- report ----------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="text,flat,pdf,scaling,rss",
                    help="comma-separated sections: text,flat,pdf,scaling,rss")
    ap.add_argument("--pdf-limit", type=int, help="use an evenly spread sample of N PDFs")
    ap.add_argument("--flat-docs", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2, help="workers for the flat section")
    ap.add_argument("--text-seconds", type=float, default=5.0)
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    only = set(args.only.split(","))
    results: dict[str, Any] = {"load_start": load()}
    print(f"extractor {batch.__version__} bench; {load()}")

    if "text" in only:
        t = bench_text(args.text_seconds)
        results["text"] = t
        print("\n[1] text pipeline, one process (CPU time per document)")
        for seed in SEEDS:
            r = t[seed.name]
            print(f"  {seed.name} ({r['bytes']} B): {r['ms_per_doc_cpu']:.1f} ms/doc, "
                  f"{r['docs_per_s_cpu']:.0f} docs/s per core (wall {r['docs_per_s_wall']:.0f})")
        print(f"  seed mix: {t['mix_docs_per_s_per_core']:.0f} docs/s per core "
              "(target >= 200)")
        print("  hot spots, own time by module (ms per document under cProfile, which inflates "
              "all of them; share of the total):")
        profiled = sum(ms for _, ms in t["hot_spots"])
        for module, ms in t["hot_spots"][:14]:
            print(f"    {ms:7.2f}  {100 * ms / profiled:4.1f}%  {module}")

    if "flat" in only:
        f = bench_flat(args.flat_docs, args.workers)
        results["flat"] = f
        print(f"\n[2] {f['docs']} seed-sized texts, batch with {f['workers']} workers")
        print(f"  {f['docs_per_s']:.0f} docs/s wall ({f['docs_per_s_per_core']:.0f} per core; "
              f"{f['docs_per_worker_s']:.0f} per busy worker-second, "
              f"{f['docs_per_worker_cpu_s']:.0f} per worker CPU-second), {f['ok']} ok")
        print(f"  worker RSS: {f['worker_rss_first_tenth_mb']:.0f} MB over the 2nd tenth, "
              f"{f['worker_rss_last_tenth_mb']:.0f} MB over the last tenth, peak "
              f"{f['worker_rss_peak_mb']:.0f} MB; parent peak {f['parent_rss_peak_mb']:.0f} MB")
        print("  worker RSS at the end of each tenth of the run (MB): "
              + " ".join(f"{x:.0f}" for x in f["worker_rss_timeline_mb"]))

    pdfs = corpus_pdfs(args.pdf_limit) if {"pdf", "scaling", "rss"} & only else []
    if ({"pdf", "scaling"} & only) and not pdfs:
        print(f"\n[3-4] skipped: no PDFs under {SHARED}")
    one = None
    if "pdf" in only and pdfs:
        base_s, base_cpu, base_pages = pdfplumber_pass(pdfs)
        one = batch_pass(pdfs, 1)
        pages = max(1, int(one["pages"]))
        ours, ours_cpu = float(one["doc_seconds"]), float(one["doc_cpu_seconds"])
        ratio, ratio_cpu = (ours / pages) / (base_s / base_pages), (ours_cpu / pages) / (
            base_cpu / base_pages
        )
        results["pdf"] = {
            "files": len(pdfs), "pdfplumber_s": base_s, "pdfplumber_cpu_s": base_cpu,
            "pdfplumber_pages": base_pages, "batch_1_worker": one, "ratio": ratio,
            "ratio_cpu": ratio_cpu,
        }
        print(f"\n[3] {len(pdfs)} PDFs, {base_pages} pages")
        print(f"  pdfplumber extract_text: {1000 * base_s / base_pages:.0f} ms/page wall, "
              f"{1000 * base_cpu / base_pages:.0f} ms/page CPU")
        print(f"  extractor, 1 worker:     {1000 * ours / pages:.0f} ms/page wall, "
              f"{1000 * ours_cpu / pages:.0f} ms/page CPU, end to end "
              f"(run wall {one['wall_s']:.0f} s incl. start-up, {one['failed']} failed)")
        print(f"  ratio {ratio:.2f}x pdfplumber per page ({ratio_cpu:.2f}x in CPU time; "
              "target <= 1.15x)")

    if "scaling" in only and pdfs:
        one = one or batch_pass(pdfs, 1)
        two = batch_pass(pdfs, 2)
        speedup = one["wall_s"] / two["wall_s"]
        results["scaling"] = {"one": one, "two": two, "speedup": speedup}
        print(f"\n[4] scaling on {len(pdfs)} PDFs: 1 worker {one['wall_s']:.0f} s, "
              f"2 workers {two['wall_s']:.0f} s: {speedup:.2f}x (target >= 1.9x); "
              f"worker RSS peak {two['worker_rss_peak_mb']:.0f} MB")
        for run in (one, two):
            busy = run["doc_seconds"] / (run["wall_s"] * run["workers"])
            core = run["doc_cpu_seconds"] / run["doc_seconds"]
            print(f"  {run['workers']} worker(s): busy {100 * busy:.0f}% of the run, each got "
                  f"{100 * core:.0f}% of a core while busy, {run['doc_cpu_seconds']:.0f} CPU-s "
                  "in all")
        print("  (a worker that gets less than a full core is waiting for CPU taken by other "
              "processes: the wall-time speedup is then bounded by the free cores)")

    if "rss" in only:
        longest = next(iter(SHARED.rglob(LONGEST)), None)
        if longest is None:
            print(f"\n[5] skipped: {LONGEST} not found under {SHARED}")
        else:
            r = bench_rss(longest)
            results["rss"] = r
            print(f"\n[5] longest PDF ({r['pages']} pages): peak RSS {r['peak_rss_mb']:.0f} MB "
                  f"(target <= 1024); parsed in {r['seconds']:.0f} s by a fresh, warmed-up process")

    results["load_end"] = load()
    print(f"\n{load()}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
