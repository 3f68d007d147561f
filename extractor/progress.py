"""What a running batch shows on stderr: a live bar on a terminal, plain lines elsewhere.

1. On a terminal: a rich progress bar with documents done/total, pages, documents per second,
   failures and the time left.
2. When stderr is not a terminal (CI, `2> log`, nohup), rich would print nothing until the end,
   so a line is printed every `interval` seconds instead, by a small timer thread so that a
   long document does not silence the log:
   `batch: 120/160 docs (75%), 1534 pages, 3.2 docs/s, 0 failed, ETA 0:00:12`
3. The total may be unknown at the start (it is counted while the work runs, or never, for a
   list on stdin): the bar and the lines show the count alone until it is known.
"""

from __future__ import annotations

import datetime
import sys
import threading
import time
from typing import Any, TextIO

FAILED = ("error", "timeout")


class Display:
    """Counters shared by every display mode; `none` shows nothing."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0
        self.pages = 0
        self.failed = 0
        self.skipped = 0
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def set_total(self, total: int) -> None:
        self.total = total

    def advance(self, status: str, pages: int | None) -> None:
        with self._lock:
            self.done += 1
            self.pages += pages or 0
            self.failed += status in FAILED
            self.skipped += status == "skipped"

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def eta(self) -> str:
        rate = self.rate()
        if self.total is None or rate <= 0:
            return "?"
        left = max(0, self.total - self.done) / rate
        return str(datetime.timedelta(seconds=round(left)))

    def start(self) -> None:
        self.started = time.monotonic()

    def close(self) -> None:
        pass


class LogDisplay(Display):
    """Rule 2: one plain line every `interval` seconds, plus one at the end."""

    def __init__(self, stream: TextIO, interval: float) -> None:
        super().__init__()
        self.stream = stream
        self.interval = interval
        self._last = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="batch-log")

    def line(self) -> str:
        total = "?" if self.total is None else str(self.total)
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        return (
            f"batch: {self.done}/{total} docs{share}, {self.pages} pages, "
            f"{self.rate():.1f} docs/s, {self.failed} failed, ETA {self.eta()}"
        )

    def _emit(self) -> None:
        line = self.line()
        if line != self._last:  # nothing new since the last line: say nothing
            print(line, file=self.stream, flush=True)
            self._last = line

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._emit()

    def start(self) -> None:
        super().start()
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._emit()


class BarDisplay(Display):
    """Rule 1: a rich live bar (refreshed by rich's own thread)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("docs  {task.fields[pages]} pages  {task.fields[rate]} docs/s"),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._task: Any = None

    def start(self) -> None:
        super().start()
        self._progress.start()
        self._task = self._progress.add_task(
            "batch", total=self.total, pages=0, rate="0.0", failed=0
        )

    def set_total(self, total: int) -> None:
        super().set_total(total)
        if self._task is not None:
            self._progress.update(self._task, total=total)

    def advance(self, status: str, pages: int | None) -> None:
        super().advance(status, pages)
        self._progress.update(
            self._task, advance=1, pages=self.pages, rate=f"{self.rate():.1f}",
            failed=self.failed,
        )

    def close(self) -> None:
        self._progress.stop()


def make_display(mode: str, stream: TextIO | None = None, interval: float = 10.0) -> Display:
    """mode: "auto" (bar on a terminal, else log lines), "bar", "log" or "none"."""
    stream = stream or sys.stderr
    if mode == "auto":
        mode = "bar" if stream.isatty() else "log"
    if mode == "bar":
        return BarDisplay(stream)
    if mode == "log":
        return LogDisplay(stream, interval)
    return Display()
