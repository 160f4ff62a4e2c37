"""The deposition film the studio plays: how long it lasts, and its frames, made without Qt.

A deposition is replayed wire by wire (:meth:`nwn.geometry.Deposition.replay`); the studio
shows the first ``n`` wires coloured by cluster, ``n`` growing with wall time. Everything here
is array in, array out and runs in a worker thread (:class:`nwn.app.widgets.worker.FrameMaker`),
so the GUI thread only hands the style arrays to the canvas: at 100,000 wires one frame costs
~0.1-0.5 s of numpy (cluster labels, grouping), which would stall the window if done there.

The film's geometry (every wire and junction, in drop order, with their drawing order) is set
on the canvas once; a frame only says which of them are drawn and in which colour group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nwn.geometry import Deposition

__all__ = ["ANIMATION_RATE", "CLUSTER_COLORS", "DepositionFilm", "DepositionFrame",
           "MAX_ANIMATION_S", "MIN_ANIMATION_S", "cluster_groups", "film_duration", "film_wires"]

#: wires per second the film lands at when that is shorter than the cap (a small network
#: still forms visibly: 600 wires take 1 s)
ANIMATION_RATE = 2000.0
#: default longest film (s); 100,000 wires form in this time, not in minutes
MAX_ANIMATION_S = 10.0
#: shortest film (s), so a few hundred wires are seen forming at all
MIN_ANIMATION_S = 1.0
#: cluster hues (RGB) of the deposition film (PAL-relaxed-like muted hues); isolated wires are
#: grey and the spanning cluster white (the canvas, app.render.network_view, adds those)
CLUSTER_COLORS = ((102, 194, 165), (252, 141, 98), (141, 160, 203), (231, 138, 195),
                  (166, 216, 84), (255, 217, 47), (229, 196, 148), (120, 180, 230))
N_CLUSTER_HUES = len(CLUSTER_COLORS)


def film_duration(n_wires: int, limit: float = MAX_ANIMATION_S) -> float:
    """Seconds the film of ``n_wires`` wires lasts: ``n_wires / ANIMATION_RATE``, at least
    :data:`MIN_ANIMATION_S` and at most ``limit`` (0: no film, the network at once)."""
    if limit <= 0 or n_wires <= 0:
        return 0.0
    return float(min(limit, max(MIN_ANIMATION_S, n_wires / ANIMATION_RATE)))


def film_wires(elapsed: float, duration: float, n_wires: int) -> int:
    """Wires landed ``elapsed`` seconds into a film of ``duration`` seconds (0 .. n_wires)."""
    if duration <= 0 or elapsed >= duration:
        return int(n_wires)
    return int(min(n_wires, max(0, math.ceil(n_wires * max(elapsed, 0.0) / duration))))


def cluster_groups(wire_cluster: np.ndarray, spanning_cluster: int = -1,
                   n_hues: int = N_CLUSTER_HUES) -> np.ndarray:
    """Colour group of each wire by cluster: 0 isolated (grey), 1 .. n_hues a hue,
    ``n_hues + 1`` the spanning cluster.

    Parameters
    ----------
    wire_cluster : ndarray of int, shape (W,)
        Cluster label of each wire.
    spanning_cluster : int
        Label of the cluster joining two electrodes; -1 if none.

    Returns
    -------
    ndarray of int64, shape (W,)
    """
    cluster = np.asarray(wire_cluster, dtype=np.int64)
    group = np.zeros(cluster.shape, dtype=np.int64)
    if cluster.size:
        _, inverse, counts = np.unique(cluster, return_inverse=True, return_counts=True)
        size = counts[inverse.reshape(cluster.shape)]
        group = np.where(size > 1, 1 + (cluster % n_hues), 0)
        group[cluster == spanning_cluster] = n_hues + 1
    return group


@dataclass(frozen=True)
class DepositionFrame:
    """What the canvas draws of the film after ``n_wires`` wires.

    Attributes
    ----------
    n_wires : int
    wire_group : ndarray of int64, shape (W,)
        :func:`cluster_groups` of the landed wires, -1 for wires not landed yet (all W).
    junction_group : ndarray of int64, shape (M,)
        0 for junctions between landed wires, -1 for the others (all M).
    state : DepositionState
        The counters and clusters of :meth:`Deposition.state`.
    """

    n_wires: int
    wire_group: np.ndarray
    junction_group: np.ndarray
    state: object


class DepositionFilm:
    """A replayed deposition of given wires, and its frames.

    Building it finds clusters wire by wire (0.3 s at 100,000 wires): do it off the GUI thread.

    Parameters
    ----------
    wires : Wires
        All wires in drop order.
    junctions : Junctions
        Their junctions (:func:`nwn.geometry.find_junctions`).
    electrodes : sequence of Electrode
        Electrodes whose joining marks percolation.
    box : (float, float)
        Substrate (m).
    """

    def __init__(self, wires, junctions, electrodes, box) -> None:
        self.wires = wires
        self.junctions = junctions
        self.replay = Deposition.replay(wires, electrodes, box=box, junctions=junctions)
        self.wire_xy = np.asarray(wires.endpoints, dtype=np.float64)
        self.junction_xy = np.asarray(self.replay.junctions.points, dtype=np.float64)
        # The newer wire of each junction: it appears when that wire lands.
        self._junction_wire = np.asarray(self.replay.junctions.pairs).max(axis=1) \
            if len(self.junction_xy) else np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.replay)

    def frame(self, n_wires: int) -> DepositionFrame:
        """The frame after the first ``n_wires`` wires (any count, in any order)."""
        state = self.replay.state(n_wires)
        n = state.n_wires
        wire_group = np.full(len(self.wire_xy), -1, dtype=np.int64)
        wire_group[:n] = cluster_groups(state.wire_cluster, state.spanning_cluster)
        junction_group = np.where(self._junction_wire < n, 0, -1).astype(np.int64)
        # read-only: the canvas keeps them as they are instead of copying them (GUI thread)
        wire_group.flags.writeable = False
        junction_group.flags.writeable = False
        return DepositionFrame(n_wires=n, wire_group=wire_group,
                               junction_group=junction_group, state=state)
