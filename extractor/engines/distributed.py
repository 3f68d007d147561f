"""Run items on a dask.distributed cluster (`pip install extractor[dask]`).

1. Futures, one per item, through `as_completed`: dask.bag's batching would hand a worker six
   documents at a time and serialise a short run.
2. A bounded window of futures in flight (a few per worker thread), refilled as results come
   back: the client's memory stays flat over a million items.
3. Each Dask worker thread runs its items in its own child process (engines/child.py), so a
   stuck document is killed at its time limit on the worker, exactly as the local engine does,
   and the Dask worker itself lives on.
4. Without a scheduler address, a LocalCluster of `workers` single-threaded processes is
   started for the run and closed after it.

Workers read the input paths and write the output files themselves, so the inputs and the
output folder must be on storage every worker sees under the same path (a shared volume).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from extractor.engines import Failure, Outcomes
from extractor.engines.child import Child, ChildDied

_local = threading.local()


def run_isolated(fn: Callable[[Any], Any], item: Any, timeout: float | None) -> Any:
    """On a Dask worker: fn(item) in this thread's child process, killed after `timeout` s."""
    child: Child | None = getattr(_local, "child", None)
    if child is None or child.proc.poll() is not None:
        child = _local.child = Child()
    try:
        status, value = child.call(fn, item, timeout)
    except ChildDied as died:
        _local.child = None
        return Failure("crash", str(died))
    if status == "timeout":
        _local.child = None
        return Failure("timeout", f"over the time limit of {timeout:g} s")
    return value if status == "ok" else Failure("error", str(value))


class DaskEngine:
    def __init__(self, scheduler: str | None, workers: int, timeout: float | None) -> None:
        self.scheduler = scheduler
        self.workers = max(1, workers)
        self.timeout = timeout

    def _client(self) -> tuple[Any, Any]:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "the dask engine needs dask.distributed: pip install 'extractor[dask]'"
            ) from None
        if self.scheduler:
            try:
                return Client(self.scheduler), None
            except (OSError, TimeoutError, ValueError) as exc:
                raise RuntimeError(
                    f"cannot reach the Dask scheduler at {self.scheduler}: {exc}"
                ) from None
        cluster = LocalCluster(
            n_workers=self.workers, threads_per_worker=1, processes=True,
            dashboard_address=None,
        )
        return Client(cluster), cluster

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Outcomes:
        from dask.distributed import as_completed

        client, cluster = self._client()
        try:
            threads = sum(client.nthreads().values()) or self.workers
            window = 2 * threads + 2
            source = iter(items)
            pending: dict[Any, Any] = {}
            done = as_completed()

            def submit(n: int) -> None:
                for item in source:
                    fut = client.submit(run_isolated, fn, item, self.timeout, pure=False)
                    pending[fut] = item
                    done.add(fut)
                    n -= 1
                    if n == 0:
                        return

            submit(window)
            for fut in done:
                item = pending.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as exc:  # lost worker, serialisation error...
                    outcome = Failure("error", f"{type(exc).__name__}: {exc}")
                fut.release()
                yield item, outcome
                submit(1)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
