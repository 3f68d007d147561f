"""Engines run one function over a stream of items and yield `(item, outcome)` as each ends.

They know nothing about documents: `extractor.batch` gives them its per-document function and
turns their outcomes into report rows. Three engines share one contract:

1. `inline`  (workers=0): in this process, one item at a time; no isolation (debugging, tests).
2. `local`   (default): N child processes on this machine, each item under a hard time limit
   enforced by killing the child that holds it (engines/local.py).
3. `dask`    : futures on a dask.distributed cluster; each Dask worker thread runs items in its
   own child process, under the same time limit (engines/distributed.py).

An outcome is the function's return value, or a `Failure` when the item timed out, its worker
died, or the function raised.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Failure:
    """Why an item has no result: kind is "timeout", "crash" or "error"."""

    kind: str
    message: str


# (item, fn(item) or Failure) pairs; a generator, so that closing it stops the workers
Outcomes = Generator[tuple[Any, Any], None, None]


class Engine(Protocol):
    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Outcomes:
        """Yield (item, fn(item) or Failure) in completion order, keeping few items in flight."""
        ...


def make_engine(
    name: str, workers: int, timeout: float | None, scheduler: str | None = None
) -> Engine:
    """The engine for a command line choice; `timeout` is the hard per-item limit."""
    if name == "dask":
        from extractor.engines.distributed import DaskEngine

        return DaskEngine(scheduler, workers, timeout)
    if name != "local":
        raise ValueError(f"unknown engine {name!r} (local or dask)")
    from extractor.engines.local import InlineEngine, LocalEngine

    if workers == 0:
        return InlineEngine()
    return LocalEngine(workers, timeout)
