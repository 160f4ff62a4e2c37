"""The command line's one progress display: a text bar on stderr, redrawn in place."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]

#: ANSI "erase in line" (to its end): a redraw shorter than the last one leaves no characters
#: behind (tmux and most terminals keep them otherwise).
ERASE_TO_END = "\x1b[K"


class ProgressBar:
    """Draw ``label [#####.....]  42%  t=0.42 s  eta 3 s`` on one terminal line.

    Every ``nwn`` subcommand that reports progress uses this bar: call it with a fraction
    (simulations, sweeps) or use :meth:`count` as a ``progress(done, total)`` callback (movie
    frames, batches).

    Parameters
    ----------
    label : str
        Text before the bar.
    stream : file, optional
        Where to draw (stderr by default). On a terminal the line is redrawn in place (carriage
        return, then the text, then erase to the end of the line); when it is not a terminal,
        a plain line is printed at most every 10 % so logs stay short.
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
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else math.nan
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        where = t if isinstance(t, str) else f"t={t:.4g} s"
        left = f"eta {eta:.0f} s" if math.isfinite(eta) else "eta ?"
        text = f"{self.label} [{bar}] {fraction:4.0%}  {where}  {left}"
        if self._tty:
            self.stream.write("\r" + text + ERASE_TO_END)
            if fraction >= 1:
                self.stream.write("\n")
        else:
            decile = int(fraction * 10)
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(text + "\n")
        self.stream.flush()

    def count(self, done: int, total: int) -> None:
        """Draw ``done`` of ``total`` items (frames, batches): a ``progress(done, total)``
        callback, as :func:`nwn.app.render.movie.write_movie` calls it."""
        self(done / total if total > 0 else 1.0, f"{done}/{total}")
