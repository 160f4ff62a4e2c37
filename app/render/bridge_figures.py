"""PNG figures of ``nwn bridge`` and ``nwn ensemble`` results (pyqtgraph, offscreen)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from nwn.app.render.offscreen import ensure_qapp
from nwn.app.render.report_figures import LEVEL_COLOURS, export_png, figure_plot

__all__ = ["BRIDGE_FIGURES", "write_bridge_figures", "write_ensemble_figure"]

#: The files :func:`write_bridge_figures` writes, in order.
BRIDGE_FIGURES = ("traces.png", "theta.png", "attractor.png", "noise.png", "jumps.png")


def _colour(index: int) -> tuple[int, int, int]:
    return LEVEL_COLOURS[index % len(LEVEL_COLOURS)]


def _scatter(plot, x, y, *, name: str, colour=(30, 90, 200), errors=None) -> None:
    import pyqtgraph as pg

    x, y = np.asarray(x, float), np.asarray(y, float)
    keep = np.isfinite(x) & np.isfinite(y)
    plot.plot(x[keep], y[keep], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=9,
              symbolBrush=colour, name=name)
    if errors is not None:
        errors = np.asarray(errors, float)
        ok = keep & np.isfinite(errors)
        plot.addItem(pg.ErrorBarItem(x=x[ok], y=y[ok], height=2 * errors[ok],
                                     pen=pg.mkPen(colour)))


def write_bridge_figures(directory: str | Path, result) -> list[Path]:
    """traces.png, theta.png, attractor.png, noise.png, jumps.png in ``directory``."""
    import pyqtgraph as pg

    ensure_qapp()
    directory = Path(directory)
    levels = result.levels
    volts = [lv.voltage for lv in levels]
    written = []

    widget, plot = figure_plot("two-terminal conductance at each hold voltage, then read",
                               "time (s)", "conductance (mS)")
    for i, level in enumerate(levels):
        plot.plot(level.t, 1e3 * level.conductance, pen=pg.mkPen(_colour(i), width=1.5),
                  name=f"{level.voltage:g} V")
    written.append(export_png(widget, plot, directory / BRIDGE_FIGURES[0]))

    widget, plot = figure_plot("relaxation rate theta(V) = 1/tau of the network",
                               "hold voltage (V)", "theta (1/s)")
    theta_err = [lv.tau_error / lv.tau ** 2 if lv.tau else math.nan for lv in levels]
    _scatter(plot, volts, [lv.theta for lv in levels], name="network (fit)", errors=theta_err)
    law = result.lumped
    if math.isfinite(law.get("kp0", math.nan)):
        grid = np.linspace(min(volts), max(volts), 100)
        kp = law["kp0"] * np.exp(law["eta_p"] * grid)
        kd = law["kd0"] * np.exp(-law["eta_d"] * grid)
        plot.plot(grid, kp + kd, pen=pg.mkPen((200, 40, 40), width=2,
                                              style=pg.QtCore.Qt.PenStyle.DashLine),
                  name="lumped law kP + kD")
    written.append(export_png(widget, plot, directory / BRIDGE_FIGURES[1]))

    widget, plot = figure_plot("attractor memory state g~(V) = (G_ss - G_low) / (G_high - G_low)",
                               "hold voltage (V)", "g~")
    _scatter(plot, volts, [lv.attractor for lv in levels], name="network (fit)")
    if math.isfinite(law.get("kp0", math.nan)):
        plot.plot(grid, kp / (kp + kd), pen=pg.mkPen((200, 40, 40), width=2,
                                                     style=pg.QtCore.Qt.PenStyle.DashLine),
                  name="lumped law kP / (kP + kD)")
    written.append(export_png(widget, plot, directory / BRIDGE_FIGURES[2]))

    widget, plot = figure_plot("noise sigma(V) of the normalized conductance",
                               "hold voltage (V)", "sigma (1/s^0.5)")
    _scatter(plot, volts, [lv.sigma for lv in levels], name="OU innovations (robust)")
    written.append(export_png(widget, plot, directory / BRIDGE_FIGURES[3]))

    widget, plot = figure_plot("jumps during the hold", "hold voltage (V)", "jumps per second")
    _scatter(plot, volts, [lv.jump_rate for lv in levels], name="jump rate")
    written.append(export_png(widget, plot, directory / BRIDGE_FIGURES[4]))
    return written


def write_ensemble_figure(path: str | Path, result) -> Path:
    """Every member's G(t) in grey, the mean and a +-1 std band on top."""
    import pyqtgraph as pg

    ensure_qapp()
    widget, plot = figure_plot(
        f"ensemble of {len(result.seeds)} runs ({result.vary} vary with the seed)",
        "time (s)", "conductance (mS)")
    for row in result.conductance:
        plot.plot(result.t, 1e3 * row, pen=pg.mkPen((160, 160, 160), width=1))
    mean, std = 1e3 * result.mean, 1e3 * result.std
    upper = plot.plot(result.t, mean + std, pen=pg.mkPen((30, 90, 200, 120)))
    lower = plot.plot(result.t, mean - std, pen=pg.mkPen((30, 90, 200, 120)))
    plot.addItem(pg.FillBetweenItem(upper, lower, brush=(30, 90, 200, 60)))
    plot.plot(result.t, mean, pen=pg.mkPen((200, 40, 40), width=2), name="mean")
    return export_png(widget, plot, Path(path))
