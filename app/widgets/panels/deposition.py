"""The studio's deposition counters: wires, junctions, clusters, density, percolation."""

from __future__ import annotations

from PySide6 import QtWidgets

from nwn.geometry import CRITICAL_DENSITY_RATIO

__all__ = ["DepositionPanel"]


class DepositionPanel(QtWidgets.QWidget):
    """Counters of a deposition: wires, junctions, clusters, largest cluster, n <l^2>."""

    NAMES = ("wires", "junctions", "clusters", "largest cluster", "n·⟨l²⟩", "percolation")

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        self.values = {}
        for name in self.NAMES:
            label = QtWidgets.QLabel("-")
            form.addRow(name, label)
            self.values[name] = label

    def clear(self) -> None:
        """No deposition (an emptied canvas): every counter back to "-", unstyled."""
        for label in self.values.values():
            label.setText("-")
            label.setStyleSheet("")

    def show_state(self, state, total: int) -> None:
        """Show a :class:`nwn.geometry.deposition.DepositionState` of ``total`` wires."""
        self.values["wires"].setText(f"{state.n_wires} / {total}")
        self.values["junctions"].setText(str(state.n_junctions))
        self.values["clusters"].setText(str(state.n_clusters))
        self.values["largest cluster"].setText(f"{100 * state.largest_cluster_fraction:.1f} %")
        self.values["n·⟨l²⟩"].setText(
            f"{state.density_ratio:.2f}  (threshold ≈ {CRITICAL_DENSITY_RATIO:.2f})")
        if not state.percolated:
            self.values["percolation"].setText("not yet")
            self.values["percolation"].setStyleSheet("")
        else:
            self.values["percolation"].setText(f"at {state.percolation_wire + 1} wires")
            self.values["percolation"].setStyleSheet("color: #1a7f37; font-weight: bold;")
