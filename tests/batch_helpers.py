"""Plain functions for engine tests, in a module that imports only the standard library, so a
bare worker process unpickles them in milliseconds (importing a test module would import the
whole pipeline inside the worker and eat into a tight time limit)."""

from __future__ import annotations

import os
import signal
import time


def square(n: int) -> int:
    return n * n


def stubborn(seconds: float) -> str:
    """Ignores the soft deadline (SIGALRM blocked), as code stuck in C would."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(seconds)
    return "finished"


def die(_: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fail(_: object) -> None:
    raise ValueError("boom")
