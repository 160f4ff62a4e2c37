"""Replaying a deposition wire by wire: junctions, clusters and the percolation moment.

The wires are the scenario's own (deposited once, in order); showing the first ``k`` of them
is showing the film after ``k`` drops. Junction ``(i, j)`` (``i < j``) exists once wire ``j``
has landed. Clusters are the connected components of the wires plus one virtual node per
electrode (joined to every wire that touches it), so "a cluster bridges two electrodes" is
"two electrode nodes share a component"; the first ``k`` at which that happens (the
percolation moment) is found exactly by bisection between batches.

How this differs from :class:`nwn.geometry.Deposition` (which the deposition movie uses, fed
the same wires through ``add_wires``): that class only moves forward, batch after batch, with an
incremental union-find; the studio also jumps (finish now, redraw any earlier count), so it keeps
the whole wire set and answers for any prefix from the geometry layer's component labels
(:func:`~nwn.geometry.clusters.component_labels`, :func:`~nwn.geometry.touching_wires`). Both
show the wires :func:`nwn.engine.build.deposit_wires` makes, the network ``nwn run`` simulates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nwn.geometry import touching_wires
from nwn.geometry.checks import check_int
from nwn.geometry.clusters import component_labels

__all__ = ["DepositionReplay", "DepositionState"]


@dataclass(frozen=True)
class DepositionState:
    """The film after ``n_wires`` drops.

    Attributes
    ----------
    n_wires : int
    n_junctions : int
    wire_cluster : ndarray of int64, shape (n_wires,)
        Cluster label of each wire (labels are arbitrary but stable within one state).
    n_clusters : int
        Connected clusters of wires (isolated wires count as clusters).
    largest_fraction : float
        Wires in the largest cluster / ``n_wires``.
    density_l2 : float
        n l^2: wires per unit area times mean wire length squared (percolation at ~5.64).
    spanning_cluster : int
        Label of a cluster joining two electrodes, -1 if none.
    percolation_wire : int or None
        Number of wires at which two electrodes first joined, once reached.
    """

    n_wires: int
    n_junctions: int
    wire_cluster: np.ndarray
    n_clusters: int
    largest_fraction: float
    density_l2: float
    spanning_cluster: int
    percolation_wire: int | None


class DepositionReplay:
    """Replays the drop of ``wires`` in order.

    Parameters
    ----------
    wires : Wires
        All wires, in drop order.
    junctions : Junctions
        Their junctions (``pairs`` with ``i < j``).
    electrodes : sequence of Electrode
        Electrodes (:class:`nwn.geometry.Electrode`) whose bridging marks percolation.
    box : (float, float)
        Substrate size (m), for n l^2.
    """

    def __init__(self, wires, junctions, electrodes, *, box) -> None:
        import shapely

        self.wires = wires
        self.junctions = junctions
        self.n_total = len(wires)
        pairs = np.asarray(junctions.pairs, dtype=np.int64).reshape(-1, 2)
        # Order junctions by the wire that completes them: a prefix is the film after k drops.
        landed = pairs.max(axis=1) if len(pairs) else np.zeros(0, np.int64)
        order = np.argsort(landed, kind="stable")
        self._pairs = pairs[order]
        self._landed = landed[order]
        self._junction_order = order
        self.n_electrodes = len(electrodes)
        tree = shapely.STRtree(wires.geometries())
        contacts = []
        for k, electrode in enumerate(electrodes):
            touching = touching_wires(wires, electrode, tree=tree)
            contacts.append(np.stack([touching, np.full(touching.size, k)], axis=1))
        self._contacts = (np.concatenate(contacts) if contacts
                          else np.zeros((0, 2), np.int64)).astype(np.int64)
        self._area = float(box[0] * box[1])
        self._mean_length = float(np.mean(wires.lengths)) if self.n_total else 0.0
        self.percolation_wire: int | None = None
        self._checked_up_to = 0

    def junctions_after(self, n_wires: int) -> int:
        """Number of junctions once ``n_wires`` wires have landed."""
        return int(np.searchsorted(self._landed, n_wires, side="left"))

    def junction_indices_after(self, n_wires: int) -> np.ndarray:
        """Indices (into ``junctions``) of the junctions present after ``n_wires`` drops."""
        return self._junction_order[: self.junctions_after(n_wires)]

    def _components(self, n_wires: int) -> np.ndarray:
        """Component label of each wire (first ``n_wires``) and then of each electrode."""
        m = self.junctions_after(n_wires)
        pairs = self._pairs[:m]
        contacts = self._contacts[self._contacts[:, 0] < n_wires]
        edges = np.concatenate([pairs, np.stack([contacts[:, 0], n_wires + contacts[:, 1]],
                                                axis=1)])
        return component_labels(n_wires + self.n_electrodes, edges)

    def _spanning(self, labels: np.ndarray, n_wires: int) -> int:
        electrode_labels = labels[n_wires:]
        values, counts = np.unique(electrode_labels, return_counts=True)
        shared = values[counts > 1]
        return int(shared[0]) if shared.size else -1

    def state(self, n_wires: int) -> DepositionState:
        """The film after ``n_wires`` drops (0 .. total)."""
        n_wires = check_int("n_wires", n_wires, minimum=0, maximum=self.n_total)
        labels = self._components(n_wires)
        spanning = self._spanning(labels, n_wires)
        if spanning >= 0 and self.percolation_wire is None:
            self.percolation_wire = self._bisect(self._checked_up_to, n_wires)
        self._checked_up_to = max(self._checked_up_to, n_wires) if spanning < 0 else \
            self._checked_up_to
        wire_labels = labels[:n_wires]
        if n_wires:
            _, sizes = np.unique(wire_labels, return_counts=True)
            n_clusters, largest = int(sizes.size), float(sizes.max() / n_wires)
        else:
            n_clusters, largest = 0, 0.0
        density_l2 = n_wires / self._area * self._mean_length ** 2 if self._area else 0.0
        return DepositionState(
            n_wires=n_wires, n_junctions=self.junctions_after(n_wires),
            wire_cluster=wire_labels.astype(np.int64), n_clusters=n_clusters,
            largest_fraction=largest, density_l2=float(density_l2),
            spanning_cluster=spanning, percolation_wire=self.percolation_wire)

    def _bisect(self, low: int, high: int) -> int:
        """Smallest wire count in (low, high] at which two electrodes share a cluster."""
        while high - low > 1:
            middle = (low + high) // 2
            labels = self._components(middle)
            if self._spanning(labels, middle) >= 0:
                high = middle
            else:
                low = middle
        return high
