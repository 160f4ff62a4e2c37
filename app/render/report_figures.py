"""PNG figures of a trace fit and its stochastic analysis (pyqtgraph, rendered offscreen).

Each ``plot_*`` function draws into a pyqtgraph ``PlotItem`` and :func:`write_report_figures`
exports them to PNG with :func:`nwn.app.render.export.save_plot`. Without a display the
application is created offscreen (:func:`nwn.app.render.offscreen.ensure_qapp`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg

from nwn.app.render.export import save_plot
from nwn.app.render.offscreen import ensure_qapp
from nwn.engine.analysis.fit import FitResult
from nwn.engine.analysis.residuals import StochasticResult

__all__ = ["FIGURES", "REPORT", "export_png", "figure_plot", "plot_drift", "plot_increments",
           "plot_psd", "plot_residuals", "plot_trace", "report_files", "write_fit_report",
           "write_report_figures"]

WIDTH, HEIGHT = 900, 520
DATA_PEN = pg.mkPen((40, 40, 40), width=1)
FIT_PEN = pg.mkPen((200, 40, 40), width=2)
GUIDE_PEN = pg.mkPen((30, 90, 200), width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
LEVEL_COLOURS = [(200, 40, 40), (30, 90, 200), (20, 150, 60), (180, 120, 0), (120, 40, 160)]


def figure_plot(title: str, x_label: str, y_label: str):
    """A white pyqtgraph figure with one titled, labelled plot; returns (widget, plot)."""
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    widget.resize(WIDTH, HEIGHT)
    plot = widget.addPlot(title=title)
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    # Units are in the labels already; automatic SI prefixes would turn 0.5 into "500 (x0.001)".
    plot.getAxis("bottom").enableAutoSIPrefix(False)
    plot.getAxis("left").enableAutoSIPrefix(False)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.addLegend(offset=(10, 10))
    return widget, plot


def plot_trace(fit: FitResult):
    """Measured conductance (mS) and the fitted model against time."""
    widget, plot = figure_plot(f"{fit.source or 'trace'}: {fit.model} fit, RMS relative error "
                         f"{100 * fit.rms_relative_error:.2f} %", "time (s)", "conductance (mS)")
    plot.plot(fit.t, 1e3 * fit.conductance, pen=DATA_PEN, name="measured")
    plot.plot(fit.t, 1e3 * fit.fitted, pen=FIT_PEN, name="fit")
    return widget, plot


def plot_residuals(fit: FitResult):
    """Relative residual (G_model - G) / G in percent against time."""
    widget, plot = figure_plot("relative residual", "time (s)", "(G_model - G) / G (%)")
    plot.plot(fit.t, 100 * fit.relative_residual, pen=DATA_PEN, name="residual")
    plot.addLine(y=0, pen=pg.mkPen((120, 120, 120)))
    return widget, plot


def plot_increments(stochastic: StochasticResult):
    """Histogram of the innovations (log counts) with the Gaussian core and power-law tail."""
    widget, plot = figure_plot("innovations of the residual", "innovation (nS)", "count")
    # Increments at voltage switches carry the fit's own error there, not noise or jumps.
    values = stochastic.centred[~stochastic.near_switch]
    core = stochastic.core_std
    largest = float(np.max(np.abs(stochastic.jump_sizes))) if stochastic.jump_sizes.size else 0.0
    spread = max(largest, 6 * core, 1e-30)
    values = values[np.abs(values) <= spread]
    # Bins of half the core width resolve the Gaussian; at most 1001 of them.
    n_bins = int(min(1001, max(41, 2 * spread / max(core / 2, 1e-300))))
    edges = np.linspace(-spread, spread, n_bins + 1)
    counts, _ = np.histogram(values, edges)
    width = edges[1] - edges[0]
    centres = 0.5 * (edges[1:] + edges[:-1])
    shown = counts > 0
    plot.setLogMode(y=True)
    plot.plot(1e9 * centres[shown], counts[shown], pen=None, symbol="o", symbolSize=5,
              symbolBrush=(40, 40, 40), name="innovations")
    if core > 0:
        gauss = values.size * width / (core * math.sqrt(2 * math.pi)) * np.exp(
            -0.5 * (centres / core) ** 2)
        keep = gauss >= 0.1
        plot.plot(1e9 * centres[keep], gauss[keep], pen=FIT_PEN,
                  name=f"Gaussian core, std {1e9 * core:.3g} nS")
    law = stochastic.power_law
    if law is not None:
        amplitude = np.geomspace(law.a_min, law.a_max, 50)
        # Expected count per histogram bin from the fitted bounded power law, split by sign.
        if abs(law.alpha - 1) < 1e-9:
            norm = 1 / math.log(law.a_max / law.a_min)
        else:
            norm = (1 - law.alpha) / (law.a_max ** (1 - law.alpha) - law.a_min ** (1 - law.alpha))
        density = law.n * norm * amplitude ** (-law.alpha) * width / 2
        for sign in (1, -1):
            plot.plot(sign * 1e9 * amplitude, density, pen=GUIDE_PEN,
                      name=(f"jumps: power law, alpha {law.alpha:.2f} "
                            f"[{law.low:.2f}, {law.high:.2f}]") if sign > 0 else None)
    return widget, plot


def plot_psd(stochastic: StochasticResult):
    """Welch PSD of the residual with the log-log slope and the Lorentzian fit."""
    widget, plot = figure_plot("power spectral density of the residual", "frequency (Hz)",
                         "PSD (S^2/Hz)")
    spectrum = stochastic.spectrum
    if spectrum is None:
        return widget, plot
    keep = spectrum.psd > 0
    f, p = spectrum.frequency[keep], spectrum.psd[keep]
    plot.setLogMode(x=True, y=True)
    plot.plot(f, p, pen=DATA_PEN, name=f"Welch, slope {stochastic.psd_slope:.2f}")
    if stochastic.lorentzian is not None:
        s0, corner = stochastic.lorentzian
        plot.plot(f, s0 / (1 + (f / corner) ** 2), pen=FIT_PEN,
                  name=f"Lorentzian, corner {corner:.3g} Hz")
    return widget, plot


def plot_drift(stochastic: StochasticResult):
    """Kramers-Moyal drift of the residual against its value, per voltage level."""
    widget, plot = figure_plot("drift of the residual (Kramers-Moyal)", "residual G - G_model (nS)",
                         "drift (nS/s)")
    for k, (volts, (km, line)) in enumerate(sorted(stochastic.kramers_moyal.items())):
        colour = LEVEL_COLOURS[k % len(LEVEL_COLOURS)]
        ok = np.isfinite(km.drift)
        label = f"{volts:.3g} V"
        if line is not None:
            label += f", theta {line.theta:.3g} /s"
        plot.plot(1e9 * km.centers[ok], 1e9 * km.drift[ok], pen=None, symbol="o",
                  symbolSize=6, symbolBrush=colour, name=label)
        if line is not None and ok.any():
            x = km.centers[ok]
            plot.plot(1e9 * x, 1e9 * (line.slope * x + line.intercept),
                      pen=pg.mkPen(colour, width=2))
    return widget, plot


FIGURES = {
    "trace.png": ("fit", plot_trace),
    "residuals.png": ("fit", plot_residuals),
    "increments.png": ("stochastic", plot_increments),
    "psd.png": ("stochastic", plot_psd),
    "drift.png": ("stochastic", plot_drift),
}


def write_report_figures(directory: str | Path, fit: FitResult,
                         stochastic: StochasticResult | None = None) -> list[Path]:
    """Write the PNG figures of a fit (and of its stochastic analysis, if given).

    Returns the paths written, in :data:`FIGURES` order.
    """
    ensure_qapp()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (kind, draw) in FIGURES.items():
        if kind == "stochastic" and stochastic is None:
            continue
        widget, plot = draw(fit if kind == "fit" else stochastic)
        written.append(export_png(widget, plot, directory / name))
    return written


#: The report's numbers (parameters with uncertainties, errors, stochastic measures).
REPORT = "fit.json"


def report_files(*, figures: bool = True) -> tuple[str, ...]:
    """The names of the files a fit report holds."""
    return (REPORT,) + (tuple(FIGURES) if figures else ())


def write_fit_report(directory: str | Path, fit: FitResult,
                     stochastic: StochasticResult | None = None, *,
                     figures: bool = True) -> list[Path]:
    """Write a fit report: :data:`REPORT` (``{"fit": ..., "stochastic": ...}``) and, with
    ``figures``, the PNG figures; what ``nwn fit`` and the Analysis tab's Save report write.

    Returns the paths written, the JSON file first. Each file is complete or absent.
    """
    import json

    from nwn.engine.output_files import atomic_path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    report = {"fit": fit.to_dict()}
    if stochastic is not None:
        report["stochastic"] = stochastic.to_dict()
    with atomic_path(directory / REPORT) as temp:
        temp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    written = [directory / REPORT]
    if figures:
        written += write_report_figures(directory, fit, stochastic)
    return written


def export_png(widget, plot, path: str | Path) -> Path:
    """Export ``plot`` (from :func:`figure_plot`) to a PNG of :data:`WIDTH` pixels; close it."""
    try:
        return save_plot(plot, path, width=WIDTH)
    finally:
        widget.close()
