"""Exported figures (``nwn plot`` of a sweep file, ``nwn fit``'s report) lay their axes out as
on screen: an axis title never sits on its tick labels, also in a figure never shown."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtGui  # noqa: E402


def _label_clear_of_ticks(axis) -> bool:
    """True when the axis title's box overlaps none of its tick labels' boxes (axis
    coordinates, as the axis paints them)."""
    image = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert texts, "the axis has tick labels"
    label = axis.label.mapRectToParent(axis.label.boundingRect())
    return not any(label.intersects(rect) for rect, _, _ in texts)


def _sweep_summary():
    x = np.array([5.0, 10.0, 15.0, 20.0])
    mean = np.array([1e-3, 40e-3, 90e-3, 130e-3])
    return {"key": "junction.params.eta_p", "x": x, "reduce": "final",
            "lines": [("network.n_wires=120", mean, 0.1 * mean, np.full(4, 3)),
                      ("network.n_wires=150", 2 * mean, 0.1 * mean, np.full(4, 3))]}


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_the_sweep_figures_axis_titles_sit_below_their_tick_labels(qapp, tmp_path, suffix):
    from nwn.app.render.export import save_plot
    from nwn.app.render.report_figures import figure_plot
    from nwn.app.render.sweep_figures import draw_sweep_figure

    widget, plot = figure_plot("", "", "")
    try:
        draw_sweep_figure(plot, _sweep_summary(), n_seeds=3)
        save_plot(plot, tmp_path / f"sweep{suffix}")
        assert (tmp_path / f"sweep{suffix}").stat().st_size > 1000
        assert _label_clear_of_ticks(plot.getAxis("bottom"))
        assert _label_clear_of_ticks(plot.getAxis("left"))
    finally:
        widget.close()


def test_a_fit_report_figure_too(qapp, tmp_path):
    from nwn.app.render.export import save_plot
    from nwn.app.render.report_figures import figure_plot

    widget, plot = figure_plot("trace", "time (s)", "conductance (mS)")
    try:
        plot.plot(np.linspace(0.0, 3.0, 50), np.linspace(0.0, 1.0, 50))
        save_plot(plot, tmp_path / "trace.png")
        assert _label_clear_of_ticks(plot.getAxis("bottom"))
    finally:
        widget.close()


def test_nwn_plot_of_a_sweep_file_writes_the_figure(tmp_path, monkeypatch):
    """The command's own path: write_sweep_figure through save_plot (axes settled there)."""
    from nwn.app.render import export, sweep_figures

    settled = []
    real = export.settle_axes
    monkeypatch.setattr(export, "settle_axes", lambda item, **kw: settled.append(
        real(item, **kw) or _label_clear_of_ticks(item.getAxis("bottom"))))

    class Definition:
        seeds = (0, 1, 2)

    class Result:
        definition = Definition()

        @staticmethod
        def conductance_summary(reduce):
            return _sweep_summary()

    out = sweep_figures.write_sweep_figure(tmp_path / "p.png", Result())
    assert out.stat().st_size > 1000 and settled == [True]
