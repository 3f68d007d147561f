"""Many documents: find them, parse each in a worker, write its JSON atomically, report every one.

The heuristics, in the order a run meets them:

1. Discovery streams: a sorted `os.walk` (reruns and reports are reproducible) filtered by
   include/exclude globs, or paths read from stdin. A glob without "/" matches the file name,
   one with "/" the path relative to the root, both case-insensitively. Hidden files and
   folders and the output folder itself are never walked.
2. Largest first within a window of upcoming files (file size stands for work): long
   documents start early, so no worker idles at the end while another finishes a long tail.
3. Resume: a document is skipped when its output exists and records the same input sha256 and
   extractor version (`force` redoes it). The worker decides, since it hashes the input anyway.
4. Atomic output: each JSON is written under `<out>/.partial/` and renamed into place, so a run
   killed at any moment leaves whole files or none; `.partial` is emptied when a run starts.
   JSONL output is written by the parent, one `write` per line; a torn last line left by a
   killed run is cut off when the next run starts, and lines superseded by a redone document
   are dropped at the end, so the file keeps one line per document.
5. Time limits: soft in the worker (SIGALRM raises `DocumentTimeout`, a BaseException so that
   no `except Exception` in the pipeline can swallow it), hard in the engine, which kills the
   worker process a grace period later (a document stuck in C code, or ignoring signals).
6. The report (JSONL, one row per document: path, sha256, kind, pages, seconds, status, error
   code and message, output) is written and flushed as results arrive, in completion order.

One bad file costs one report row: every failure is caught per document and recorded with its
error code (statuses: ok, skipped, error, timeout), and the batch goes on.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import heapq
import itertools
import os
import shutil
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from extractor import __version__, errors
from extractor.engines import Failure, make_engine
from extractor.ingest import coded_os_errors, display_path, regular_file
from extractor.output import to_json
from extractor.progress import Display

DEFAULT_INCLUDE = ("*.pdf", "*.txt", "*.text")
DEFAULT_TIMEOUT = 600.0  # seconds: ~5x the longest corpus PDF parse on a slow core
SCHEDULE_WINDOW = 256
PARTIAL = ".partial"
REPORT_NAME = "_report.jsonl"
FAILED = ("error", "timeout")


class DocumentTimeout(BaseException):
    """Raised inside a worker when a document runs over its time limit."""


# --- what travels to a worker ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    """Per-run settings every task carries to its worker."""

    max_pages: int | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    force: bool = False
    indent: bool = True  # per-document files are indented; JSONL lines are compact
    keep: str = "write"  # "write" task.output | "data": return JSON bytes | "document": model
    partial_dir: str | None = None


@dataclass(frozen=True, slots=True)
class Prior:
    """What an earlier run recorded for a path (JSONL resume)."""

    sha256: str
    kind: str | None
    pages: int | None


@dataclass(frozen=True, slots=True)
class Task:
    path: str  # as walked or listed: what the report and `source.path` say
    options: Options
    output: str | None = None  # the JSON file to write (keep == "write")
    prior: Prior | None = None
    cwd: str | None = None  # the caller's folder: relative paths are read and written from it,
    # wherever the worker runs (a Dask worker's own working folder is elsewhere)

    def resolve(self, path: str) -> str:
        return os.path.join(self.cwd, path) if self.cwd else path


@dataclass(slots=True)
class Result:
    path: str
    status: str  # "ok" | "skipped" | "error" | "timeout"
    sha256: str | None = None
    kind: str | None = None
    pages: int | None = None
    seconds: float = 0.0
    output: str | None = None
    error_code: str | None = None
    error: str | None = None
    cpu_seconds: float | None = None  # the worker's CPU time: wall time minus waiting/contention
    data: bytes | None = field(default=None, repr=False)  # JSON, when keep == "data"
    document: Any = field(default=None, repr=False)  # the model, when keep == "document"

    REPORT_FIELDS = (
        "path", "sha256", "kind", "pages", "seconds", "cpu_seconds", "status", "error_code",
        "error", "output",
    )

    @property
    def ok(self) -> bool:
        return self.status not in FAILED

    def row(self) -> dict[str, object]:
        """The report row; a file name that is not valid UTF-8 shows its bad bytes as \\xNN."""
        row = {k: getattr(self, k) for k in self.REPORT_FIELDS}
        for key in ("path", "output", "error"):
            if isinstance(row[key], str):
                row[key] = display_path(row[key])
        row["seconds"] = round(self.seconds, 4)
        if self.cpu_seconds is not None:
            row["cpu_seconds"] = round(self.cpu_seconds, 4)
        return row


# --- 1. discovery and 2. scheduling ----------------------------------------------------------


def _matches(rel: str, patterns: Iterable[str]) -> bool:
    rel = rel.lower()
    name = rel.rsplit("/", 1)[-1]
    return any(
        fnmatch.fnmatchcase(rel if "/" in p else name, p.lower()) for p in patterns
    )


def discover(
    root: Path,
    include: Iterable[str] = DEFAULT_INCLUDE,
    exclude: Iterable[str] = (),
    skip: Path | None = None,
) -> Iterator[Path]:
    """Documents under `root` (or `root` itself when it is a file), in sorted order."""
    include, exclude = tuple(include), tuple(exclude)
    if root.is_file():
        yield root
        return
    skip_real = skip.resolve() if skip is not None else None
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames
            if not d.startswith(".") and (skip_real is None or (here / d).resolve() != skip_real)
        )
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = here / name
            rel = path.relative_to(root).as_posix()
            if _matches(rel, include) and not _matches(rel, exclude):
                yield path


def read_path_list(lines: Iterable[str]) -> Iterator[Path]:
    """Paths one per line (stdin); blank lines and `#` comments are ignored."""
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            yield Path(line)


def largest_first(paths: Iterable[Path], window: int = SCHEDULE_WINDOW) -> Iterator[Path]:
    """Rule 2: reorder by decreasing file size within a sliding window of `window` paths."""
    heap: list[tuple[int, int, Path]] = []
    for seq, path in enumerate(paths):
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # the worker reports why it cannot be read
        heapq.heappush(heap, (-size, seq, path))
        if len(heap) >= window:
            yield heapq.heappop(heap)[2]
    while heap:
        yield heapq.heappop(heap)[2]


def output_path(path: Path, root: Path, out_dir: Path) -> Path:
    """`<out>/<path relative to root>.json`; a path outside root keeps its full path."""
    if root.is_file():
        rel = Path(path.name)
    else:
        # abspath, not resolve: a symlink is named where it sits (and a symlink loop must not
        # raise here; the worker reports it)
        here, base = Path(os.path.abspath(path)), Path(os.path.abspath(root))
        try:
            rel = here.relative_to(base)
        except ValueError:
            rel = Path(*here.parts[1:])
    return out_dir / rel.parent / (rel.name + ".json")


# --- the worker side: 3. resume, 4. atomic write, 5. soft time limit -------------------------


@contextlib.contextmanager
def soft_deadline(seconds: float | None) -> Iterator[None]:
    """Raise DocumentTimeout after `seconds` (main thread only; elsewhere the engine's hard
    limit is the only one)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DocumentTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def file_sha256(path: str) -> str:
    """The input's hash; only regular files are opened (a named pipe would block forever)."""
    shown = display_path(path)
    with coded_os_errors(shown):
        regular_file(path, shown)
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()


def previous_output(output: str, sha256: str) -> Prior | None:
    """What an existing output file says, when it is for this input and this version."""
    try:
        data = orjson.loads(Path(output).read_bytes())
        source = data["source"]
        if source["sha256"] == sha256 and source["extractor_version"] == __version__:
            return Prior(sha256, data.get("kind"), source.get("pages"))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        pass  # missing or unreadable: redo it
    return None


_write_seq = itertools.count()


def write_atomic(target: Path, data: bytes, partial_dir: str | None) -> None:
    """Write to a unique temporary name, then rename over the target (rule 4)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(partial_dir) if partial_dir else target.parent
    tmp = folder / f".{socket.gethostname()}-{os.getpid()}-{next(_write_seq)}.partial"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _skipped(task: Task, prior: Prior, t0: float) -> Result:
    return Result(
        task.path, "skipped", prior.sha256, prior.kind, prior.pages,
        time.perf_counter() - t0, task.output,
    )


def work(task: Task) -> Result:
    """Parse one document: the unit every engine runs. Never raises."""
    c0 = time.process_time()
    res = _work(task)
    res.cpu_seconds = time.process_time() - c0
    return res


def _work(task: Task) -> Result:
    from extractor.pipeline import parse_path  # late: the CLI parses its options first

    t0 = time.perf_counter()
    opts = task.options
    sha: str | None = None
    try:
        source, target = task.resolve(task.path), task.output and task.resolve(task.output)
        sha = file_sha256(source)
        if not opts.force:
            prior = task.prior if task.prior and task.prior.sha256 == sha else None
            if prior is None and target:
                prior = previous_output(target, sha)
            if prior is not None:
                return _skipped(task, prior, t0)
        with soft_deadline(opts.timeout):
            doc = parse_path(source, max_pages=opts.max_pages)
            # as given, whichever folder the worker runs in (bad bytes in a name as \xNN)
            doc.source.path = display_path(task.path)
            if opts.max_pages is not None and doc.source.pages > opts.max_pages:
                raise errors.ExtractorError(
                    errors.E_TOO_LARGE,
                    f"{doc.source.pages} pages, over the limit of {opts.max_pages}",
                )
            res = Result(task.path, "ok", doc.source.sha256, doc.kind, doc.source.pages)
            if opts.keep == "document":
                res.document = doc
            else:
                data = to_json(doc, indent=opts.indent)
                if opts.keep == "data" or not target:
                    res.data = data
                else:
                    try:
                        write_atomic(Path(target), data, opts.partial_dir)
                    except OSError as exc:
                        raise errors.ExtractorError(
                            errors.E_OUTPUT,
                            f"cannot write {task.output}: {exc.strerror or exc}",
                        ) from None
                    res.output = task.output
    except DocumentTimeout:
        return Result(
            task.path, "timeout", sha, seconds=time.perf_counter() - t0,
            error_code=errors.E_TIMEOUT,
            error=f"over the time limit of {opts.timeout:g} s",
        )
    except errors.ExtractorError as exc:
        return Result(task.path, "error", sha, seconds=time.perf_counter() - t0,
                      error_code=exc.code, error=exc.message)
    except Exception as exc:  # a bug must not stop the batch: report it and go on
        return Result(task.path, "error", sha, seconds=time.perf_counter() - t0,
                      error_code=errors.E_INTERNAL, error=f"{type(exc).__name__}: {exc}")
    res.seconds = time.perf_counter() - t0
    return res


# Made-up documents (not from any real one) that touch the lazily loaded resources: code
# tables with an ICD-10-CM range, citations, a reference list, and an IMR letter.
_WARM_UP = (
    "Clinical UM Guideline\nSubject: Example Therapy\nGuideline #: CG-EX-01\n\n"
    "Description\nExample therapy is studied in trials (Doe, 2020; Roe and Poe, 2021).\n\n"
    "Clinical Indications\nMedically Necessary:\nExample therapy is medically necessary "
    "when all of the following are met:\nA. Age 18 or older; and\nB. Failed prior care.\n\n"
    "Coding\nWhen services may be Medically Necessary when criteria are met:\n"
    "CPT\n97033 Application of a modality\nICD-10 Diagnosis\n"
    "L74.510-L74.519 Primary focal hyperhidrosis\nR61 Generalized hyperhidrosis\n\n"
    "References\n1. Doe J, Roe K. An example trial. J Example. 2020; 1(2):3-4.\n",
    "INDEPENDENT MEDICAL REVIEW FINAL DETERMINATION\nCase Number: CM00-0000000\n"
    "Date of Injury: 01/02/2010\nThe reviewer is licensed in California and board certified "
    "in Orthopedic Surgery.\nIssue at dispute: 12 sessions of physical therapy.\n"
    "The Expert Reviewer found that the requested treatment is not medically necessary and "
    "appropriate for the patient. MTUS Chronic Pain Guidelines, page 99.\n",
)


def warm_up() -> None:
    """Load what the pipeline loads lazily (code sets, spaCy) before the first real document,
    so that its time limit and the progress rate measure parsing, not start-up."""
    from extractor.pipeline import parse_text

    for text in _WARM_UP:
        try:
            parse_text(text)
        except Exception:  # noqa: S110 - a warm-up failure shows again on the real documents
            pass


def hard_limit(timeout: float | None) -> float | None:
    """The engine's kill deadline: the soft limit plus a grace period for the worker to
    report the timeout itself (and stay warm)."""
    if timeout is None:
        return None
    return timeout + min(30.0, max(1.0, 0.1 * timeout))


def to_result(task: Task, outcome: Any) -> Result:
    """An engine outcome as a Result (engines report timeouts and crashes as Failure)."""
    if isinstance(outcome, Result):
        return outcome
    assert isinstance(outcome, Failure)
    if outcome.kind == "timeout":
        limit = task.options.timeout or 0.0
        return Result(task.path, "timeout", error_code=errors.E_TIMEOUT,
                      error=f"over the time limit of {limit:g} s (worker stopped)")
    return Result(task.path, "error", error_code=errors.E_INTERNAL, error=outcome.message)


# --- the library API -------------------------------------------------------------------------


def iter_parse(
    paths: Iterable[str | Path],
    *,
    workers: int | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_pages: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> Iterator[Result]:
    """Parse many documents in parallel; yield a Result per document as each one finishes.

    `result.document` is the parsed model when `result.ok`; otherwise `result.error_code` and
    `result.error` say why. Nothing is written: the caller stores what it wants.

        for res in iter_parse(paths, workers=4):
            store(res.path, res.document) if res.ok else log(res.path, res.error_code)

    `workers=0` parses in this process (no isolation). Stopping the iteration early stops the
    workers.
    """
    opts = Options(max_pages=max_pages, timeout=timeout, force=True, keep="document")
    n = default_workers() if workers is None else workers
    runner = make_engine(engine, n, hard_limit(timeout), scheduler)
    cwd = os.getcwd()
    outcomes = runner.map(work, (Task(str(p), opts, cwd=cwd) for p in paths))
    try:
        for task, outcome in outcomes:
            yield to_result(task, outcome)
    finally:
        outcomes.close()  # the caller stopped early (or finished): stop the workers now


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- the command's run: outputs, JSONL, report, summary --------------------------------------


@dataclass(slots=True)
class BatchConfig:
    """One `extractor batch` run. Give `root` (a folder or file to walk) or `paths`."""

    out_dir: Path | None = None
    jsonl: Path | None = None
    report: Path | None = None
    root: Path | None = None
    paths: Iterable[Path] | None = None
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    workers: int = 1
    timeout: float | None = DEFAULT_TIMEOUT
    max_pages: int | None = None
    force: bool = False
    engine: str = "local"
    scheduler: str | None = None

    def report_path(self) -> Path:
        if self.report is not None:
            return self.report
        if self.out_dir is not None:
            return self.out_dir / REPORT_NAME
        assert self.jsonl is not None
        return self.jsonl.with_name(self.jsonl.name.removesuffix(".jsonl") + ".report.jsonl")


@dataclass(slots=True)
class Summary:
    counts: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    pages: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    def add(self, res: Result) -> None:
        self.counts[res.status] += 1
        if res.error_code:
            self.codes[res.error_code] += 1
        self.pages += res.pages or 0

    @property
    def documents(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> int:
        return sum(self.counts[s] for s in FAILED)

    def line(self) -> str:
        codes = ", ".join(f"{c} {n}" for c, n in sorted(self.codes.items()))
        rate = self.documents / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.documents} documents: {self.counts['ok']} ok, "
            f"{self.counts['skipped']} skipped (unchanged), {self.failed} failed"
            + (f" ({codes})" if codes else "")
            + f"; {self.pages} pages in {self.seconds:.1f} s ({rate:.1f} docs/s)"
            + (" - interrupted" if self.interrupted else "")
        )


class JsonlSink:
    """The `--jsonl FILE` output: one compact document per line (rule 4)."""

    def __init__(self, path: Path, force: bool) -> None:
        self.path = path
        self.index: dict[str, Prior] = {}
        self.redone: set[str] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        if force or not path.exists():
            path.write_bytes(b"")
        else:
            self._load()
        self.fh: BinaryIO = path.open("ab")

    def _load(self) -> None:
        """Index the lines of an earlier run and cut a torn last line."""
        good = 0
        with self.path.open("rb") as fh:
            for line in fh:
                if not line.endswith(b"\n"):
                    break
                try:
                    data = orjson.loads(line)
                    source = data["source"]
                    if source["extractor_version"] == __version__ and source.get("path"):
                        self.index[source["path"]] = Prior(
                            source["sha256"], data.get("kind"), source.get("pages")
                        )
                except (orjson.JSONDecodeError, KeyError, TypeError):
                    break
                good += len(line)
        if good < self.path.stat().st_size:
            os.truncate(self.path, good)

    def prior(self, path: str) -> Prior | None:
        return self.index.get(path)

    def write(self, res: Result) -> None:
        if res.data is None:
            return
        key = display_path(res.path)  # as `source.path` records it
        if key in self.index:
            self.redone.add(key)
        self.fh.write(res.data)
        self.fh.flush()

    def close(self) -> None:
        self.fh.close()
        if self.redone:
            self._compact()

    def _compact(self) -> None:
        """Drop the earlier line of each redone document (the last line wins)."""
        tmp = self.path.with_name(self.path.name + ".partial")
        seen: Counter[str] = Counter()
        with self.path.open("rb") as fh:
            for line in fh:
                path = orjson.loads(line)["source"].get("path")
                if path in self.redone:
                    seen[path] += 1
        kept: Counter[str] = Counter()
        with self.path.open("rb") as src, tmp.open("wb") as dst:
            for line in src:
                path = orjson.loads(line)["source"].get("path")
                if path in self.redone:
                    kept[path] += 1
                    if kept[path] < seen[path]:
                        continue
                dst.write(line)
        os.replace(tmp, self.path)


def _prepare_out(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / PARTIAL
    shutil.rmtree(partial, ignore_errors=True)  # leftovers of a killed run (rule 4)
    partial.mkdir()
    return partial


def _tasks(cfg: BatchConfig, opts: Options, sink: JsonlSink | None) -> Iterator[Task]:
    cwd = os.getcwd()
    if cfg.paths is not None:
        found: Iterable[Path] = cfg.paths
        base = cfg.root or Path.cwd()
    else:
        assert cfg.root is not None
        found = discover(cfg.root, cfg.include, cfg.exclude, skip=cfg.out_dir)
        base = cfg.root
    for path in largest_first(found):
        output = None
        if cfg.out_dir is not None and sink is None:
            output = str(output_path(path, base, cfg.out_dir))
        prior = sink.prior(display_path(path)) if sink is not None else None
        yield Task(str(path), opts, output, prior, cwd)


def _count_in_background(cfg: BatchConfig, display: Display) -> None:
    if cfg.paths is not None or cfg.root is None:
        return  # a list on stdin: the total stays unknown

    def count() -> None:
        assert cfg.root is not None
        n = sum(1 for _ in discover(cfg.root, cfg.include, cfg.exclude, skip=cfg.out_dir))
        display.set_total(n)

    threading.Thread(target=count, daemon=True, name="batch-count").start()


def run_batch(cfg: BatchConfig, display: Display | None = None) -> Summary:
    """Run a batch to the end (or until interrupted) and return its summary."""
    display = display or Display()
    sink = JsonlSink(cfg.jsonl, cfg.force) if cfg.jsonl is not None else None
    partial = _prepare_out(cfg.out_dir) if cfg.out_dir is not None and sink is None else None
    opts = Options(
        max_pages=cfg.max_pages, timeout=cfg.timeout, force=cfg.force,
        indent=sink is None, keep="data" if sink is not None else "write",
        partial_dir=str(partial.absolute()) if partial else None,
    )
    report_path = cfg.report_path()
    report_path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(cfg.engine, cfg.workers, hard_limit(cfg.timeout), cfg.scheduler)
    summary = Summary()
    t0 = time.perf_counter()
    _count_in_background(cfg, display)
    display.start()
    outcomes = engine.map(work, _tasks(cfg, opts, sink))
    try:
        with report_path.open("wb") as report:
            for task, outcome in outcomes:
                res = to_result(task, outcome)
                if sink is not None:
                    sink.write(res)
                report.write(orjson.dumps(res.row()) + b"\n")
                report.flush()
                summary.add(res)
                display.advance(res.status, res.pages)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        outcomes.close()  # stops the workers, even on Ctrl-C
        summary.seconds = time.perf_counter() - t0
        display.close()
        if sink is not None:
            sink.close()
        if partial is not None:
            with contextlib.suppress(OSError):
                partial.rmdir()
    return summary
