"""One worker process that runs calls sent over a pipe, and the handle the parent keeps on it.

Why a plain subprocess (`python -m extractor.engines.child`) rather than multiprocessing:
1. A stuck document must be stopped without stopping the batch: the parent kills this one
   process (SIGKILL) and starts another; a multiprocessing pool breaks when one worker dies.
2. Dask runs tasks in daemonic worker processes, which multiprocessing forbids to have
   children; a subprocess is allowed anywhere, so both engines share this isolation.
3. The child imports the pipeline and warms it up once at start (lazily loaded code sets,
   spaCy), then says READY, so a document's time limit counts its own parsing only, not the
   seconds of start-up.

4. After the warm-up the child freezes its heap and collects garbage less often (`tune_gc`):
   parsing allocates millions of short-lived objects, and every full collection would walk
   the code sets and vocabularies loaded at start. Measured on the 326-page PDF: 17% less
   CPU time for 4% more peak memory.

Wire format: each message is an 8-byte little-endian length followed by a pickle. The parent
sends `(function, argument)`; the child answers `("ok", value)` or `("error", "Type: text")`.
The child writes frames to a private copy of its stdout and points fd 1 at stderr, so a library
that prints cannot corrupt the stream. It ends when its stdin closes (the parent finished or
died), after finishing the call in hand, so an orphaned child never writes half a file.
"""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

_HEADER = struct.Struct("<Q")
READY = ("ready", None)
# What a child runs before READY: "module" imports it, "module:function" also calls it.
PRELOAD = ("extractor.batch:warm_up",)
_BOOT = "import runpy, sys; sys.argv.pop(0); runpy.run_path(sys.argv[0], run_name='__main__')"
# The folder holding the `extractor` package, so the child imports the same code as the parent
# even when the package is used from a source checkout without being installed.
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


class ChildDied(Exception):
    """The child process ended (crash, OOM kill, failed start) instead of answering."""


def write_frame(stream: BinaryIO, obj: object) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks: list[bytes] = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> Any:
    """The next message on `fd`; raises EOFError when the other side closed the pipe."""
    head = _read_exact(fd, _HEADER.size)
    if head is None:
        raise EOFError
    body = _read_exact(fd, _HEADER.unpack(head)[0])
    if body is None:
        raise EOFError
    return pickle.loads(body)


class Child:
    """The parent's handle on one child: send a call, wait for its answer, kill it."""

    def __init__(self, preload: tuple[str, ...] = PRELOAD) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p
        )
        self.proc = subprocess.Popen(
            # Run this file by path, not `-m extractor.engines.child`: importing the package
            # would import the whole pipeline even for children that never parse.
            [sys.executable, "-c", _BOOT, __file__, *preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0,
            # Own session: a Ctrl-C in the terminal reaches the parent only, which then closes
            # the children in order instead of every process dying mid-write.
            start_new_session=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in: BinaryIO = self.proc.stdin  # type: ignore[assignment]
        self._out_fd = self.proc.stdout.fileno()
        self.ready = False
        self.item: Any = None  # the item in hand (set by the engine)
        self.deadline: float | None = None
        self.calls = 0

    def fileno(self) -> int:
        return self._out_fd

    def send(self, fn: Callable[[Any], Any], arg: Any) -> None:
        try:
            write_frame(self._in, (fn, arg))
        except (BrokenPipeError, OSError):
            raise ChildDied(self._death()) from None

    def receive(self) -> Any:
        """One frame; READY frames mark the child as started. Raises ChildDied on EOF."""
        try:
            msg = read_frame(self._out_fd)
        except EOFError:
            raise ChildDied(self._death()) from None
        if msg == READY:
            self.ready = True
        return msg

    def wait_ready(self, timeout: float = 300.0) -> None:
        end = time.monotonic() + timeout
        while not self.ready:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self._out_fd], [], [], left)[0]:
                self.kill()
                raise ChildDied("worker process did not start in time")
            self.receive()

    def call(self, fn: Callable[[Any], Any], arg: Any, timeout: float | None) -> tuple[str, Any]:
        """Run fn(arg) in the child: ("ok", value), ("error", text) or ("timeout", None).

        On timeout the child is killed; the caller must start a new one."""
        self.wait_ready()
        self.send(fn, arg)
        if timeout is not None and not select.select([self._out_fd], [], [], timeout)[0]:
            self.kill()
            return ("timeout", None)
        result: tuple[str, Any] = self.receive()
        return result

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return f"worker process killed by {name}"
        return f"worker process exited with status {code}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._close_pipes()

    def close(self, grace: float = 5.0) -> None:
        """Close stdin (the child exits after its current call); kill it after `grace` s."""
        try:
            self._in.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


def tune_gc() -> None:
    """Rule 4: what is loaded by now lives as long as the process, so later collections skip
    it (freeze); and collect the young generation every 20,000 allocations, not 700."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def main(preload: list[str]) -> int:
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # stray prints go to stderr, never into the frame stream
    sys.stdout = sys.stderr
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    for name in preload:
        module, _, function = name.partition(":")
        loaded = importlib.import_module(module)
        if function:
            getattr(loaded, function)()
    tune_gc()
    write_frame(out, READY)
    fd = sys.stdin.fileno()
    while True:
        try:
            fn, arg = read_frame(fd)
        except EOFError:
            return 0
        try:
            answer: tuple[str, Any] = ("ok", fn(arg))
        except BaseException as exc:  # noqa: BLE001 - the parent records every failure
            answer = ("error", f"{type(exc).__name__}: {exc}")
        try:
            write_frame(out, answer)
        except BrokenPipeError:
            return 0
        except Exception as exc:  # an unpicklable result: say so instead of dying silently
            write_frame(out, ("error", f"cannot return the result ({type(exc).__name__}: {exc})"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
