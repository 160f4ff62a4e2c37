"""The studio's deposition counters: wires, junctions, clusters, density, percolation."""

from __future__ import annotations

from PySide6 import QtWidgets

from nwn.geometry import CRITICAL_DENSITY_RATIO

__all__ = ["DepositionPanel"]


class DepositionPanel(QtWidgets.QWidget):
    """Counters of a deposition: wires, junctions, clusters, largest cluster, n <l^2>."""

    NAMES = ("wires", "junctions", "clusters", "largest cluster", "n·⟨l²⟩", "percolation")
    #: What each counter means (its tooltip).
    TIPS = ("wires landed so far, of the wires asked for",
            "wire crossings found so far (each a memristive junction)",
            "groups of wires connected through junctions (a lone wire is one)",
            "share of the landed wires in the largest cluster, in %",
            "dimensionless density N·⟨l²⟩ / area of the landed wires; a film percolates above "
            f"about {CRITICAL_DENSITY_RATIO:.2f}",
            "the wire whose landing first made one cluster join two electrodes (from then on "
            "the film conducts between them)")

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        self.values = {}
        for name, tip in zip(self.NAMES, self.TIPS, strict=True):
            label = QtWidgets.QLabel("-")
            label.setToolTip(tip)
            form.addRow(name, label)
            form.labelForField(label).setToolTip(tip)
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
