"""Run items on this machine: N child processes fed one item at a time, watched by a deadline.

1. Each child holds at most one item, so the parent always knows when that item started and
   which process to kill when it runs over its time limit; the item is reported as a timeout
   `Failure`, the child is replaced, and the batch goes on.
2. A child that dies (segfault, OOM killer) costs only its item, reported as a crash.
3. Items are pulled from the input iterator only when a child is free: memory holds N items,
   however long the stream.
4. The parent sleeps in `select` until an answer arrives or the nearest deadline passes, so a
   waiting batch costs no CPU.
5. Children are recycled after `max_calls` items (when set), a guard against slow leaks in
   third-party code over very long runs.
"""

from __future__ import annotations

import selectors
import time
from collections.abc import Callable, Iterable
from typing import Any

from extractor.engines import Failure, Outcomes
from extractor.engines.child import PRELOAD, READY, Child, ChildDied

_END = object()


class InlineEngine:
    """workers=0: run in this process, in order (no isolation, no hard time limit)."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Outcomes:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:  # the function should catch its own; never stop the run
                yield item, Failure("error", f"{type(exc).__name__}: {exc}")


class LocalEngine:
    def __init__(
        self,
        workers: int,
        timeout: float | None,
        max_calls: int | None = None,
        preload: tuple[str, ...] = PRELOAD,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.timeout = timeout
        self.max_calls = max_calls
        self.preload = preload

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Outcomes:
        source = iter(items)
        sel = selectors.DefaultSelector()
        children: list[Child] = []

        def start() -> Child:
            child = Child(self.preload)
            sel.register(child, selectors.EVENT_READ)
            children.append(child)
            return child

        def retire(child: Child, kill: bool) -> None:
            sel.unregister(child)
            children.remove(child)
            child.kill() if kill else child.close()

        exhausted = False
        try:
            for _ in range(self.workers):
                start()
            while True:
                # Hand an item to every started, idle child (pull-based: rule 3).
                for child in list(children):
                    if exhausted or not child.ready or child.item is not None:
                        continue
                    item = next(source, _END)
                    if item is _END:
                        exhausted = True
                        break
                    child.item = item
                    child.deadline = None if self.timeout is None else (
                        time.monotonic() + self.timeout
                    )
                    try:
                        child.send(fn, item)
                    except ChildDied as died:
                        retire(child, kill=True)
                        start()
                        yield item, Failure("crash", str(died))
                busy = [c for c in children if c.item is not None]
                if exhausted and not busy:
                    return
                deadlines = [c.deadline for c in busy if c.deadline is not None]
                wait = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
                for key, _ in sel.select(wait):
                    child = key.fileobj  # type: ignore[assignment]
                    assert isinstance(child, Child)
                    item = child.item
                    try:
                        msg = child.receive()
                    except ChildDied as died:
                        retire(child, kill=True)
                        if item is None and not child.ready:
                            raise RuntimeError(
                                f"a worker process failed to start: {died}"
                            ) from None
                        start()
                        if item is not None:
                            yield item, Failure("crash", str(died))
                        continue
                    if msg == READY:
                        continue
                    child.item, child.deadline = None, None
                    child.calls += 1
                    if self.max_calls and child.calls >= self.max_calls:
                        retire(child, kill=False)
                        start()
                    status, value = msg
                    yield item, (value if status == "ok" else Failure("error", str(value)))
                # Rule 1: kill what ran over its limit.
                now = time.monotonic()
                for child in [c for c in children if c.deadline is not None]:
                    if child.deadline is not None and child.deadline <= now:
                        item = child.item
                        retire(child, kill=True)
                        start()
                        yield item, Failure(
                            "timeout", f"over the time limit of {self.timeout:g} s"
                        )
        finally:
            for child in list(children):
                # Items still in hand when the consumer stops (Ctrl-C, error) are abandoned.
                child.kill() if child.item is not None else child.close()
            sel.close()
