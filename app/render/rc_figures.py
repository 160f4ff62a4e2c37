"""PNG figures of the reservoir-computing results in README (pyqtgraph, rendered offscreen).

:func:`write_memory_capacity_figure` draws MC(tau) of a measured and a simulated device;
:func:`write_study_figure` the dynamics -> computing study of
``benchmarks/rc_dynamics_study.py`` (scores against the input's DC offset, the attractor state
``nwn bridge`` measures at those biases, scores against the junctions' noise). Both export
with :func:`nwn.app.render.export.save_plot`, as the app's other figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyqtgraph as pg

from nwn.app.render.export import save_plot
from nwn.app.render.offscreen import ensure_qapp, lay_out

__all__ = ["write_memory_capacity_figure", "write_study_figure"]

BLUE, RED, GREY, GREEN = (31, 78, 156), (192, 57, 43), (128, 128, 128), (20, 130, 60)
INK = (30, 30, 30)
BIAS_PEN = pg.mkPen(GREY, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine)


def _plot(layout, title: str, x_label: str, y_label: str):
    plot = layout.addPlot()
    plot.setTitle(title, color=INK, size="11pt")
    plot.setLabel("bottom", x_label, color=INK)
    plot.setLabel("left", y_label, color=INK)
    for side in ("bottom", "left"):
        axis = plot.getAxis(side)
        axis.enableAutoSIPrefix(False)
        axis.setPen(INK)
        axis.setTextPen(INK)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.addLegend(offset=(10, 10), labelTextSize="8pt", labelTextColor=INK)
    return plot


def _line(plot, x, y, colour, name: str, symbol: str = "o", errors=None) -> None:
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    plot.plot(x, y, pen=pg.mkPen(colour, width=2), symbol=symbol, symbolSize=7,
              symbolBrush=colour, symbolPen=pg.mkPen(colour), name=name)
    if errors is not None:
        plot.addItem(pg.ErrorBarItem(x=x, y=y, height=2 * np.asarray(errors, dtype=np.float64),
                                     beam=0.05, pen=pg.mkPen(colour)))


def _export(widget, path: str | Path, size: tuple[int, int]) -> Path:
    lay_out(widget, size)
    try:
        return save_plot(widget, path, width=size[0])
    finally:
        widget.close()


def write_memory_capacity_figure(path: str | Path, curves: Sequence[tuple[str, Sequence[float]]],
                                 *, bias_per_delay: float, x_label: str, title: str,
                                 max_tau: int = 15) -> Path:
    """MC(tau) curves on one figure, with the estimator's no-information level per delay.

    Parameters
    ----------
    curves : sequence of (label, per_delay)
        Each MC(1) .. MC(max_delay).
    bias_per_delay : float
        1 / (n_test - 1): the MC(tau) of features without information.
    """
    ensure_qapp()
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    plot = _plot(widget, title, x_label, "MC(τ)")
    for (label, per_delay), colour, symbol in zip(curves, (BLUE, RED, GREEN), "osd",
                                                  strict=False):
        per_delay = np.asarray(per_delay, dtype=np.float64)
        _line(plot, np.arange(1, per_delay.size + 1), per_delay, colour, label, symbol)
    plot.plot([0.5, max_tau + 0.5], [bias_per_delay] * 2, pen=BIAS_PEN,
              name="estimator bias per delay, 1/(n_test − 1)")
    plot.setXRange(0.5, max_tau + 0.5, padding=0)
    plot.setYRange(0, 1.05, padding=0)
    return _export(widget, path, (832, 468))


def _noise_bars(plot, labels: Sequence[str], values: Mapping[str, Sequence[float]]) -> None:
    k = np.arange(len(labels), dtype=np.float64)
    for (name, (mean, spread)), shift, colour in zip(values.items(), (-0.2, 0.2), (BLUE, RED),
                                                     strict=True):
        plot.addItem(pg.BarGraphItem(x=k + shift, height=np.asarray(mean), width=0.38,
                                     brush=pg.mkBrush(colour), pen=pg.mkPen(colour), name=name))
        plot.addItem(pg.ErrorBarItem(x=k + shift, y=np.asarray(mean),
                                     height=2 * np.asarray(spread), beam=0.1,
                                     pen=pg.mkPen((40, 40, 40))))
    plot.getAxis("bottom").setTicks([[(float(i), text) for i, text in enumerate(labels)]])


def write_study_figure(path: str | Path, numbers: Mapping) -> Path:
    """The dynamics -> computing study (the JSON of ``benchmarks/rc_dynamics_study.py``).

    Three panels: MC and NLT accuracy against the input's DC offset; the attractor state g~
    that ``nwn bridge`` measures holding the device at each offset voltage; MC and NLT
    accuracy against the junctions' noise.
    """
    ensure_qapp()
    offset, noise, bridge = numbers["offset"], numbers["noise"], numbers["attractor"]
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    x = np.asarray(offset["values"], dtype=np.float64)
    left = _plot(widget, "scores against the input's DC offset (rate junctions)",
                 "input DC offset (V)", "score")
    _line(left, x, offset["memory_capacity"], BLUE, "memory capacity", "o",
          offset["memory_capacity_std"])
    _line(left, x, offset["nlt"], RED, "NLT accuracy (sine → square)", "s", offset["nlt_std"])
    left.plot([x.min(), x.max()], [numbers["bias_mc"]] * 2, pen=BIAS_PEN,
              name="MC estimator bias")
    left.setYRange(0, max(1.05, float(np.nanmax(np.add(offset["memory_capacity"],
                                                        offset["memory_capacity_std"])))))
    middle = _plot(widget, "attractor state at that bias (nwn bridge)", "input DC offset (V)",
                   "g̃ (log scale)")
    middle.setLogMode(y=True)
    # (the spread over seeds is in the JSON: error bars do not follow a log axis)
    _line(middle, x, bridge["attractor"], GREEN,
          "g̃ = (G_ss − G_all dissolved) / (G_all formed − G_all dissolved)")
    right = _plot(widget, "scores against the junctions' noise (offset 2.2 V)", "", "score")
    _noise_bars(right, [label.replace(", ", "\n").replace(" n_max", "\nn_max")
                           for label in noise["labels"]], {
        "memory capacity": (noise["memory_capacity"], noise["memory_capacity_std"]),
        "NLT accuracy": (noise["nlt"], noise["nlt_std"])})
    right.plot([-0.5, len(noise["labels"]) - 0.5], [numbers["bias_mc"]] * 2, pen=BIAS_PEN)
    return _export(widget, path, (1500, 480))
