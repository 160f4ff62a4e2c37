"""The figure of a sweep file (``nwn plot sweep.h5``): conductance against the first varied key.

Pyqtgraph, offscreen; the numbers come from
:meth:`nwn.engine.sweep.result.SweepResult.conductance_summary`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nwn.app.render.offscreen import ensure_qapp
from nwn.app.render.report_figures import LEVEL_COLOURS, figure_plot

__all__ = ["draw_sweep_figure", "write_sweep_figure"]


def write_sweep_figure(path: str | Path, result, *, reduce: str = "final",
                       width: int | None = None) -> Path:
    """Mean conductance over the seeds against the first key, a +-1 std band, one line per
    value of the other keys; PNG or SVG by the file name.
    """
    from nwn.app.render.export import save_plot

    ensure_qapp()
    summary = result.conductance_summary(reduce)
    widget, plot = figure_plot("", "", "")
    try:
        draw_sweep_figure(plot, summary, n_seeds=len(result.definition.seeds))
        return save_plot(plot, path, width=width)
    finally:
        widget.close()


def draw_sweep_figure(plot, summary: dict, *, n_seeds: int, x_label: str | None = None
                      ) -> None:
    """Draw the figure of :func:`write_sweep_figure` into ``plot``, a pyqtgraph ``PlotItem``
    (the file's figure, and the studio's Sweep tab, which reads the file in its worker thread
    and draws here).

    Parameters
    ----------
    plot : pyqtgraph.PlotItem
        Cleared first; gets the title, axis labels, bands and lines.
    summary : dict
        :meth:`nwn.engine.sweep.result.SweepResult.conductance_summary` of the sweep file
        (finished or not: unfinished members are left out of the means).
    n_seeds : int
        Seeds per combination, for the title.
    x_label : str, optional
        The horizontal axis's label (default: the first varied key path).
    """
    import pyqtgraph as pg

    what = "final" if summary.get("reduce", "final") == "final" else "time-averaged"
    plot.clear()
    if plot.legend is None:
        plot.addLegend(offset=(10, 10))
    plot.setTitle(f"{what} conductance, mean and +-1 std over {n_seeds} seed(s)")
    plot.setLabel("bottom", x_label or summary["key"] or "(only seeds vary)")
    plot.setLabel("left", f"{what} conductance (mS)")
    x = np.asarray(summary["x"])
    ticks = None
    if x.dtype.kind not in "iuf":  # text values: evenly spaced, named on the axis
        ticks = [[(float(i), str(v)) for i, v in enumerate(x)]]
        x = np.arange(x.size, dtype=float)
    x = x.astype(float)
    plot.getAxis("bottom").setTicks(ticks)
    for i, (label, mean, std, _) in enumerate(summary["lines"]):
        colour = LEVEL_COLOURS[i % len(LEVEL_COLOURS)]
        keep = np.isfinite(mean)
        if np.any(std[keep] > 0):
            upper = plot.plot(x[keep], 1e3 * (mean + std)[keep], pen=pg.mkPen(colour + (90,)))
            lower = plot.plot(x[keep], 1e3 * (mean - std)[keep], pen=pg.mkPen(colour + (90,)))
            plot.addItem(pg.FillBetweenItem(upper, lower, brush=colour + (50,)))
        plot.plot(x[keep], 1e3 * mean[keep], pen=pg.mkPen(colour, width=2), symbol="o",
                  symbolSize=8, symbolBrush=colour, name=label or "mean over seeds")
