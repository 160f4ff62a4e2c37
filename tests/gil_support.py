"""A probe for code that should release the interpreter lock: a Python thread that records a
time stamp about every millisecond. While the main thread is inside code that holds the lock
it cannot run, so the stamps it records inside a call say how free the lock was."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

__all__ = ["Ticker", "ticks_during_calls"]


class Ticker:
    """Context manager: a counter thread ticking every ~1 ms while the block runs.

    Attributes
    ----------
    ticks : list of float
        ``time.perf_counter()`` stamps (s), one per tick.
    """

    def __init__(self, settle: float = 0.05) -> None:
        self.ticks: list[float] = []
        self._settle = settle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._count, name="gil-ticker")

    def _count(self) -> None:
        while not self._stop.is_set():
            self.ticks.append(time.perf_counter())
            time.sleep(0.001)

    def __enter__(self) -> Ticker:
        self._thread.start()
        time.sleep(self._settle)  # the ticker running before anything is measured
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def between(self, start: float, end: float) -> int:
        """Ticks strictly between ``start`` and ``end`` (perf_counter seconds)."""
        return sum(start < t < end for t in self.ticks)

    def longest_gap(self, start: float, end: float) -> float:
        """Longest time (s) between consecutive ticks from ``start`` to ``end``."""
        inside = [start] + [t for t in self.ticks if start < t < end] + [end]
        return float(np.max(np.diff(inside)))


def ticks_during_calls(call: Callable[[], object], seconds: float = 0.3
                       ) -> tuple[int, int, float]:
    """Call ``call()`` repeatedly until ``seconds`` have passed (at least once) beside a
    :class:`Ticker`; return ``(ticks inside, calls, elapsed seconds)``. Several calls when
    one is quick, so that enough time is spent inside for the ticks' rate to tell."""
    calls = 0
    with Ticker() as ticker:
        start = time.perf_counter()
        while calls == 0 or time.perf_counter() - start < seconds:
            call()
            calls += 1
        end = time.perf_counter()
    return ticker.between(start, end), calls, end - start
