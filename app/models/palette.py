"""What the app colours by and with which colours: one definition for the window, the movies
and the command line (``nwn run --movie-color``, ``nwn movie --color``, ``nwn plot``).

Plain Python (no numpy, no Qt), so the command line can build its parsers from it without
importing the drawing code.
"""

from __future__ import annotations

__all__ = ["COLOR_MODES", "DEFAULT_COLOR_MODE", "TRACE_COLORS", "trace_color"]

#: What wires and junctions can be coloured by: mode -> (colour-bar label, log scale default).
COLOR_MODES = {
    "state": ("junction state x", False),
    "conductance": ("junction conductance (S)", True),
    "current": ("|current| (A)", True),
    "voltage": ("node voltage (V)", False),
}
#: The mode a fresh canvas, a movie and the command line start with.
DEFAULT_COLOR_MODE = "state"

#: One colour per electrode trace (RGB 0-255), in electrode order; the live plots, the movie's
#: side panel and ``nwn plot`` all use it, so electrode k has one colour everywhere.
TRACE_COLORS = ((235, 110, 20), (40, 120, 230), (80, 200, 120), (205, 40, 170),
                (200, 170, 30), (150, 150, 255), (255, 120, 120), (60, 190, 190))


def trace_color(k: int) -> tuple[int, int, int]:
    """The colour of the ``k``-th electrode's traces (RGB 0-255), cycling through
    :data:`TRACE_COLORS`."""
    return TRACE_COLORS[k % len(TRACE_COLORS)]
