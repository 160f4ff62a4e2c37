"""A text progress bar for the command line (stderr, redrawn in place)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """Draw ``label [#####.....]  42%  t=0.42 s  eta 3 s`` on one terminal line.

    Parameters
    ----------
    label : str
        Text before the bar.
    stream : file, optional
        Where to draw (stderr by default). When it is not a terminal, a plain line is
        printed at most every 10 % so logs stay short.
    width : int
        Characters in the bar.
    """

    def __init__(self, label: str, *, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.started = time.monotonic()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_decile = -1

    def __call__(self, fraction: float, t: float | str) -> None:
        """Draw ``fraction`` done; ``t`` is the simulated time (s) or a short message."""
        fraction = min(max(fraction, 0.0), 1.0)
        elapsed = time.monotonic() - self.started
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        where = t if isinstance(t, str) else f"t={t:.4g} s"
        text = f"{self.label} [{bar}] {fraction:4.0%}  {where}  eta {eta:.0f} s"
        if self._tty:
            self.stream.write("\r" + text)
            if fraction >= 1:
                self.stream.write("\n")
        else:
            decile = int(fraction * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(text + "\n")
        self.stream.flush()
