"""The studio's live plots: terminal currents and voltages, G(t), junction-state histogram."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtWidgets

from nwn.app.models.palette import trace_color
from nwn.app.models.run_style import state_histogram

__all__ = ["LEGEND_COLUMNS", "PlotsPanel"]

#: electrode names per row of the currents plot's legend
LEGEND_COLUMNS = 4


class PlotsPanel(pg.GraphicsLayoutWidget):
    """Terminal currents and voltages, two-terminal conductance G(t), junction-state histogram."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        # Four plots share a dock a few hundred pixels high: every pixel of chrome is taken
        # from the curves (at 1280 x 800 each plot had ~40 px for its data).
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.ci.layout.setVerticalSpacing(0)
        title = {"size": "8pt", "color": "#c8c8c8"}
        self.current_plot = self.addPlot(row=0, col=0, title="electrode currents", **title)
        self.current_plot.setLabel("left", "I", units="A")
        # Legend in the top right corner, clear of the traces starting at t = 0, in one row
        # (see set_electrodes): two rows did not fit the plot and clipped the second name.
        self.current_plot.addLegend(offset=(-5, 2), labelTextSize="8pt", verSpacing=-6,
                                    colCount=1, brush=(10, 10, 10, 200))
        # pyqtgraph's 9 px margins made a one-row legend 39 px high: more than the plot.
        self.current_plot.legend.layout.setContentsMargins(4, 0, 4, 0)
        self.voltage_plot = self.addPlot(row=1, col=0, title="electrode voltages", **title)
        self.voltage_plot.setLabel("left", "V", units="V")
        self.conductance_plot = self.addPlot(
            row=2, col=0, title="two-terminal conductance G(t)", **title)
        self.conductance_plot.setLabel("left", "G", units="S")
        self.conductance_plot.setLabel("bottom", "t", units="s")
        self.hint = pg.TextItem("no run yet: Deposit, then Run", color=(160, 160, 160),
                                anchor=(0.5, 0.5))
        self.hint.setPos(0.5, 0.5)
        self.conductance_plot.addItem(self.hint, ignoreBounds=True)
        for plot in (self.voltage_plot, self.conductance_plot):
            plot.setXLink(self.current_plot)
        # The three time plots share their t axis: only the lowest one labels it.
        for plot in (self.current_plot, self.voltage_plot):
            plot.getAxis("bottom").setStyle(showValues=False)
            plot.getAxis("bottom").setHeight(4)
        self.histogram_plot = self.addPlot(row=3, col=0, title="junction states now", **title)
        self.histogram_plot.setLabel("bottom", "junction state x")
        self.histogram_plot.setLabel("left", "junctions")
        self.histogram = pg.BarGraphItem(x=[], height=[], width=0.045,
                                         brush=pg.mkBrush(80, 200, 160))
        self.histogram_plot.addItem(self.histogram)
        self.conductance_curve = self.conductance_plot.plot(pen=pg.mkPen(0, 255, 140, width=2))
        self.time_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(255, 255, 255, 120))
        self.conductance_plot.addItem(self.time_line)
        self._current_curves: list = []
        self._voltage_curves: list = []
        self._names: list[str] | None = None
        self.log_conductance = False

    def set_electrodes(self, names) -> None:
        names = list(names)
        if names == self._names:
            return  # every network event asks again: rebuilding the curves took 0.1-0.2 s
        self._names = names
        self.current_plot.clear()
        self.voltage_plot.clear()
        if self.current_plot.legend is not None:
            self.current_plot.legend.clear()
        self._current_curves = []
        self._voltage_curves = []
        if self.current_plot.legend is not None:
            # One row of names (up to LEGEND_COLUMNS of them), then as many rows as needed:
            # a wide legend of few rows rather than a column over the traces.
            self.current_plot.legend.setColumnCount(max(1, min(len(names), LEGEND_COLUMNS)))
        for k, name in enumerate(names):
            pen = pg.mkPen(*trace_color(k), width=1.5)
            self._current_curves.append(self.current_plot.plot(pen=pen, name=name))
            self._voltage_curves.append(self.voltage_plot.plot(pen=pen))

    def set_log_conductance(self, log: bool) -> None:
        self.log_conductance = log
        self.conductance_plot.setLogMode(y=log)

    def update_traces(self, traces: dict) -> None:
        t = traces["t"]
        self.hint.setVisible(t.size == 0)
        if t.size == 0:
            for curve in self._current_curves + self._voltage_curves:
                curve.setData([], [])
            self.conductance_curve.setData([], [])
            return
        for k, curve in enumerate(self._current_curves):
            if k < traces["terminal_current"].shape[1]:
                curve.setData(t, traces["terminal_current"][:, k])
        for k, curve in enumerate(self._voltage_curves):
            if k < traces["terminal_voltage"].shape[1]:
                curve.setData(t, traces["terminal_voltage"][:, k])
        conductance = traces["conductance"]
        finite = np.isfinite(conductance) & ((conductance > 0) if self.log_conductance
                                             else True)
        self.conductance_curve.setData(t[finite], conductance[finite])

    def update_snapshot(self, snapshot, *, histogram=None) -> None:
        """Show the junction states of ``snapshot`` and its time; ``histogram``: their
        :func:`~nwn.app.models.run_style.state_histogram`, if made in a worker thread (it
        passes over every junction: 0.1-0.3 s at a million wires)."""
        counts, edges = histogram if histogram is not None else state_histogram(
            snapshot.junction_state)
        self.histogram.setOpts(x=0.5 * (edges[:-1] + edges[1:]), height=counts)
        self.time_line.setValue(snapshot.t)
