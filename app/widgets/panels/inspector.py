"""The studio's inspector: the junction or wire under the mouse and a junction's live trace."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

__all__ = ["InspectorPanel"]


class InspectorPanel(QtWidgets.QWidget):
    """What is under the mouse (or clicked): a junction or a wire, and a junction's live trace."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.label = QtWidgets.QLabel("hover or click a junction or wire")
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.trace = pg.PlotWidget()
        self.trace.setMaximumHeight(140)
        self.trace.setLabel("left", "G", units="S")
        self.trace.setLabel("bottom", "t", units="s")
        self.trace_curve = self.trace.plot(pen=pg.mkPen(255, 220, 80, width=1.5))
        layout.addWidget(self.trace)

    def describe(self, kind: str, index: int, network, snapshot, scene) -> str:
        """Text for a junction or wire of ``network`` in ``snapshot`` (may be None)."""
        if kind == "junction" and network is not None:
            edge = int(network.junction_edge[index])
            a, b = (int(n) for n in network.junctions.pairs[index])
            text = f"junction {index}  (wires {a} and {b})"
            if snapshot is not None:
                text += (f"\nstate x = {snapshot.junction_state[index]:.4g}"
                         f"\nG = {snapshot.junction_conductance[index]:.4g} S"
                         f"\nV = {snapshot.junction_voltage[index]:.4g} V"
                         f"\nI = {snapshot.edge_current[edge]:.4g} A")
            return text
        if kind == "wire" and network is not None:
            wires = network.wires
            text = (f"wire {index}  length {wires.lengths[index] * 1e6:.3g} µm, "
                    f"cluster {int(scene.wire_component[index])}")
            if snapshot is not None:
                text += (f"\nV = {scene.wire_voltage(snapshot)[index]:.4g} V"
                         f"\n|I| (largest along it) = {scene.wire_current(snapshot)[index]:.4g} A")
            return text
        if kind == "wire":
            return f"wire {index}"
        return "hover or click a junction or wire"

    def show_trace(self, probe: np.ndarray) -> None:
        if probe.size:
            self.trace_curve.setData(probe[:, 0], probe[:, 1])
        else:
            self.trace_curve.setData([], [])
