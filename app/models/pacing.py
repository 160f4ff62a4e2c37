"""Display pacing: how often the GUI may redraw without slowing the simulation down.

The worker thread and the GUI thread share one interpreter lock, so every millisecond spent
drawing is (roughly twice) taken from the simulation. :class:`FramePacer` watches how long each
redraw takes and stretches the redraw interval so drawing never uses more than a fixed share of
wall time: small networks redraw at display rate, a 10,000-wire network a few times a second,
and the simulation keeps at least ``1 - 2 * budget`` of its throughput either way.
"""

from __future__ import annotations

from nwn.geometry.checks import check_positive, check_range

__all__ = ["FramePacer"]


class FramePacer:
    """Redraw interval from measured frame costs.

    Parameters
    ----------
    budget : float
        Largest share of wall time the redraws may take, in (0, 1).
    min_interval : float
        Shortest interval (s): the display rate.
    max_interval : float
        Longest interval (s), so even huge networks keep updating.
    smoothing : float
        Weight of the newest frame in the running cost estimate, in (0, 1].
    """

    def __init__(self, *, budget: float = 0.1, min_interval: float = 1 / 30,
                 max_interval: float = 1.0, smoothing: float = 0.3) -> None:
        self.budget = check_range("budget", budget, 0.0, 1.0, inclusive=False)
        self.min_interval = check_positive("min_interval", min_interval)
        self.max_interval = max(check_positive("max_interval", max_interval), self.min_interval)
        self.smoothing = check_range("smoothing", smoothing, 0.0, 1.0)
        self.cost = 0.0

    def record(self, seconds: float) -> None:
        """Account for one redraw that took ``seconds`` of GUI-thread time."""
        seconds = max(float(seconds), 0.0)
        if self.cost == 0.0:
            self.cost = seconds
        else:
            self.cost += self.smoothing * (seconds - self.cost)

    @property
    def interval(self) -> float:
        """Seconds to wait before the next redraw."""
        return min(max(self.cost / self.budget, self.min_interval), self.max_interval)

    @property
    def interval_ms(self) -> int:
        """:attr:`interval` in whole milliseconds, for ``QTimer.setInterval``."""
        return max(1, int(round(1e3 * self.interval)))
