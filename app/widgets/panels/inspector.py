"""The studio's inspector: the junction or wire under the mouse (or clicked) and the picked
element's whole recorded history."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

__all__ = ["InspectorPanel"]

#: what the history plot shows for each kind of element: (series key, axis label, unit)
_PLOTTED = {"junction": ("conductance", "G", "S"), "wire": ("voltage", "V", "V")}
_HINT = "hover or click a junction or wire"


class InspectorPanel(QtWidgets.QWidget):
    """What is under the mouse (or clicked): a junction or a wire, and the picked one's history.

    The text takes two short lines above the plot (a title and a two-column table), so the
    plot keeps its height however much there is to say.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        #: the element's name (or the hint when nothing is picked)
        self.label = QtWidgets.QLabel(_HINT)
        self.label.setObjectName("inspectorTitle")
        self.label.setStyleSheet("font-weight: bold;")
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        #: its values now, two to a row
        self.values = QtWidgets.QLabel("")
        self.values.setObjectName("inspectorValues")
        self.values.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.values.setTextFormat(QtCore.Qt.TextFormat.RichText)
        for label in (self.label, self.values):
            label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                QtWidgets.QSizePolicy.Policy.Maximum)
            layout.addWidget(label)
        self.trace = pg.PlotWidget()
        # Room for the history (never squashed by the text), but not the Measurements plots'.
        self.trace.setMinimumHeight(160)
        self.trace.setMaximumHeight(260)
        self.trace.setLabel("left", "G", units="S")
        self.trace.setLabel("bottom", "t", units="s")
        self.trace.showGrid(x=True, y=True, alpha=0.25)
        self.trace_curve = self.trace.plot(pen=pg.mkPen(255, 220, 80, width=1.5))
        self.time_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(150, 200, 255, width=1,
                                                                style=QtCore.Qt.PenStyle.DashLine))
        self.trace.addItem(self.time_line, ignoreBounds=True)
        self.time_line.hide()
        layout.addWidget(self.trace, 1)
        self.history: dict[str, np.ndarray] | None = None

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 - Qt API
        # Asks for its plot's minimum, not its maximum: the Measurements plots above it take
        # the rest (at 1280 x 800 the inspector's full height left each of them 36 px).
        hint = super().sizeHint()
        return QtCore.QSize(hint.width(), self.minimumSizeHint().height())

    # -- text ---------------------------------------------------------------------------------

    def describe(self, kind: str, index: int, network, snapshot, scene) -> str:
        """Plain text for a junction or wire of ``network`` in ``snapshot`` (may be None)."""
        title, rows = self._facts(kind, index, network, snapshot, scene)
        return "\n".join([title] + [f"{name} = {value}" for name, value in rows])

    def show_element(self, kind: str, index: int, network, snapshot, scene) -> None:
        """Show the facts about a junction or wire (``kind`` "" shows the hint)."""
        title, rows = self._facts(kind, index, network, snapshot, scene)
        self.label.setText(title)
        cells = [f"<td>{name}&nbsp;=&nbsp;</td><td><b>{value}</b></td>" for name, value in rows]
        pairs = ["<tr>" + "<td width=12></td>".join(cells[k:k + 2]) + "</tr>"
                 for k in range(0, len(cells), 2)]
        self.values.setText(f"<table cellspacing=0>{''.join(pairs)}</table>" if pairs else "")
        self.values.setVisible(bool(pairs))

    @staticmethod
    def _facts(kind: str, index: int, network, snapshot, scene) -> tuple[str, list]:
        if kind == "junction" and network is not None:
            edge = int(network.junction_edge[index])
            a, b = (int(n) for n in network.junctions.pairs[index])
            rows = []
            if snapshot is not None:
                rows = [("x", f"{snapshot.junction_state[index]:.4g}"),
                        ("G", f"{snapshot.junction_conductance[index]:.4g} S"),
                        ("V", f"{snapshot.junction_voltage[index]:.4g} V"),
                        ("I", f"{snapshot.edge_current[edge]:.4g} A")]
            return f"junction {index}  (wires {a} and {b})", rows
        if kind == "wire" and network is not None:
            wires = network.wires
            title = (f"wire {index}  length {wires.lengths[index] * 1e6:.3g} µm, "
                     f"cluster {int(scene.wire_component[index])}")
            rows = []
            if snapshot is not None:
                rows = [("V", f"{scene.wire_voltage(snapshot)[index]:.4g} V"),
                        ("|I| max", f"{scene.wire_current(snapshot)[index]:.4g} A")]
            return title, rows
        if kind == "wire":
            return f"wire {index}", []
        return _HINT, []

    # -- history ------------------------------------------------------------------------------

    def show_history(self, kind: str, history: dict[str, np.ndarray] | None) -> None:
        """Plot a picked element's recorded history (``NetworkScene.junction_history`` or
        ``wire_history``); None or an empty one clears the plot."""
        self.history = history
        if not history or kind not in _PLOTTED or history["t"].size == 0:
            self.trace_curve.setData([], [])
            self.trace.setTitle(None)
            return
        key, name, unit = _PLOTTED[kind]
        self.trace.setLabel("left", name, units=unit)
        values = history[key]
        finite = np.isfinite(values)
        self.trace_curve.setData(history["t"][finite], values[finite])
        self.trace.setTitle(f"{kind} history: {history['t'].size} samples, "
                            f"t = {history['t'][0]:.3g} to {history['t'][-1]:.3g} s", size="8pt")

    def set_time(self, t: float | None) -> None:
        """Mark the time the canvas shows (None: no mark)."""
        if t is None:
            self.time_line.hide()
        else:
            self.time_line.setValue(t)
            self.time_line.show()

    def show_trace(self, probe: np.ndarray) -> None:
        """Plot rows of (t, G, V) of one junction (the live probe), shape (P, 3)."""
        if probe.size:
            self.show_history("junction", {"t": probe[:, 0], "conductance": probe[:, 1],
                                           "voltage": probe[:, 2]})
        else:
            self.show_history("junction", None)
