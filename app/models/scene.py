"""What the canvas shows, computed without Qt: per-wire and per-junction values, binning,
the current backbone and the lowest-resistance path between two electrodes.

Everything here is array in, array out, so the movie exporter and tests use exactly the numbers
the canvas draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from nwn.app.models import path_kernels
from nwn.app.models import style_kernels as kernels
from nwn.app.models.palette import COLOR_MODES
from nwn.geometry.checks import InputError, check_choice

__all__ = [
    "COLOR_MODES",
    "ColorScale",
    "EdgePairs",
    "NetworkScene",
    "PathGraph",
    "bin_values",
    "lowest_resistance_path",
]



@dataclass(frozen=True)
class ColorScale:
    """A value range mapped onto ``n_bins`` colour bins, linear or logarithmic."""

    low: float
    high: float
    log: bool
    n_bins: int

    @classmethod
    def for_mode(cls, values, mode: str, *, log: bool, n_bins: int,
                 fixed: tuple[float, float] | None = None) -> ColorScale:
        """The scale colour mode ``mode`` uses for ``values``: ``fixed`` when given, else
        junction state on its whole range [0, 1] (linear), else fitted to the values."""
        if fixed is None and mode == "state" and not log:
            fixed = (0.0, 1.0)
        return cls.fit(values, log=log, n_bins=n_bins, fixed=fixed)

    @classmethod
    def fit(cls, values, *, log: bool, n_bins: int,
            fixed: tuple[float, float] | None = None) -> ColorScale:
        """A scale spanning the finite (and, for log, positive) ``values``: an array, or a
        tuple of two spanned together (a run's wire and junction values, not concatenated)."""
        if fixed is not None:
            return cls(float(fixed[0]), float(fixed[1]), log, n_bins)
        first, second = values if isinstance(values, tuple) else (values, _NO_VALUES)
        count, low, high = kernels.finite_range(
            np.asarray(first, dtype=np.float64).ravel(),
            np.asarray(second, dtype=np.float64).ravel(), bool(log))
        if count == 0:
            return cls(1e-12 if log else 0.0, 1.0, log, n_bins)
        low, high = float(low), float(high)
        if log:
            # Six decades below the maximum are enough to see pathways; smaller is noise.
            low = max(low, high * 1e-6)
        if high <= low:
            high = low * 10 if log else low + 1.0
        low, high = _rounded(low, high, log)
        return cls(low, high, log, n_bins)


_NO_VALUES = np.zeros(0)


def _rounded(low: float, high: float, log: bool) -> tuple[float, float]:
    """Widen a range to round bounds: quarter decades (log) or tenths of a 1-2-5 span.

    During a run the data range moves a little every frame; round bounds keep the colours and
    the colour bar still until the range really changes (and spare re-laying out the bar).
    """
    if log:
        return (10.0 ** (math.floor(4 * math.log10(low)) / 4),
                10.0 ** (math.ceil(4 * math.log10(high)) / 4))
    span = high - low
    magnitude = 10.0 ** math.floor(math.log10(span))
    step = next(m * magnitude for m in (0.1, 0.2, 0.25, 0.5, 1.0) if 10 * m * magnitude >= span)
    return math.floor(low / step) * step, math.ceil(high / step) * step


def bin_values(values: np.ndarray, scale: ColorScale) -> np.ndarray:
    """Colour bin of each value, 0 .. n_bins - 1, and -1 where it has no value (NaN).

    Parameters
    ----------
    values : ndarray, shape (P,)
    scale : ColorScale

    Returns
    -------
    ndarray of int64, shape (P,)
    """
    values = np.asarray(values, dtype=np.float64)
    flat = values.ravel()
    # position = (v - origin) / span in the scale's units (log10 for a log scale), binned by
    # a compiled loop that releases the interpreter lock (the styling thread's, style_kernels)
    if scale.log:
        with np.errstate(divide="ignore", invalid="ignore"):
            source = np.log10(flat)  # numpy's own log10: the same digits as before
        origin = np.log10(scale.low)
        span = np.log10(scale.high) - origin
    else:
        source, origin, span = flat, scale.low, scale.high - scale.low
    out = kernels.bin_positions(flat, source, bool(scale.log), float(origin), float(span),
                                int(scale.n_bins))
    return out.reshape(values.shape)


@dataclass(frozen=True)
class EdgePairs:
    """The edges of a network grouped by the two nodes they join (the same for every state,
    so made once per network: sorting 5.7 million edges takes seconds).

    Attributes
    ----------
    order : ndarray of int64, shape (E,)
        Edge indices sorted by (lower node, higher node), by edge index within a pair.
    key : ndarray of int64, shape (E,)
        ``lower * n_nodes + higher`` of each, in that order.
    """

    order: np.ndarray
    key: np.ndarray

    @classmethod
    def of(cls, network) -> EdgePairs:
        a, b = network.edge_nodes[:, 0], network.edge_nodes[:, 1]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        order = np.lexsort((hi, lo)).astype(np.int64)
        key = (lo[order].astype(np.int64) * network.n_nodes + hi[order]).astype(np.int64)
        return cls(order, key)


@dataclass(frozen=True)
class PathGraph:
    """Adjacency of the node pairs of a network, for :func:`lowest_resistance_path` (the same
    for every state, so made once per network; each path fills in the pairs' resistances).

    Attributes
    ----------
    pairs : EdgePairs
        The edges grouped by node pair.
    pair_start : ndarray of int64, shape (K + 1,)
        Pair ``p``'s edges are ``pairs.order[pair_start[p]:pair_start[p + 1]]``.
    indptr : ndarray of int64, shape (N + 1,)
    neighbor, pair : ndarray of int64, shape (2 K,)
        CSR adjacency: the other node and the pair of each of a node's entries
        (:func:`path_kernels.pair_adjacency`).
    """

    pairs: EdgePairs
    pair_start: np.ndarray
    indptr: np.ndarray
    neighbor: np.ndarray
    pair: np.ndarray

    @classmethod
    def of(cls, network) -> PathGraph:
        pairs = EdgePairs.of(network)
        n = network.n_nodes
        key = pairs.key
        # the keys are sorted: a pair's run starts where the key changes
        pair_start = np.flatnonzero(np.diff(key, prepend=-1, append=-1)).astype(np.int64)
        if not key.size:
            pair_start = np.zeros(1, dtype=np.int64)
        pair_key = key[pair_start[:-1]]
        indptr, neighbor, pair = path_kernels.pair_adjacency(pair_key // n, pair_key % n, n)
        return cls(pairs, pair_start, indptr, neighbor, pair)


def lowest_resistance_path(network, edge_conductance: np.ndarray, source: str,
                           target: str, *, graph: PathGraph | None = None) -> np.ndarray:
    """Edges of the lowest-resistance path between two electrodes.

    The path minimizes the sum of edge resistances 1/G (Dijkstra), i.e. the single chain of
    wires and junctions that would carry most current if it were alone. Of parallel edges the
    one of least resistance counts (the lowest index among equal ones); edges whose
    conductance is not finite and positive are left out. Among paths of equal resistance
    (e.g. every junction alike before a run) the one :mod:`~nwn.app.models.path_kernels`'
    Dijkstra settles first is returned: deterministic, ties broken by node index. Compiled
    and releasing the interpreter lock but for the few array allocations.

    Parameters
    ----------
    network : Network
    edge_conductance : ndarray, shape (E,)
        Conductance of every edge (S); junction edges included.
    source, target : str
        Electrode names.
    graph : PathGraph, optional
        ``PathGraph.of(network)``, if kept (:attr:`NetworkScene.path_graph`).

    Returns
    -------
    ndarray of int64
        Edge indices from ``source`` to ``target``; empty when they are not connected.
    """
    start = network.terminal(source)
    end = network.terminal(target)
    conductance = np.asarray(edge_conductance, dtype=np.float64)
    n_edges = network.edge_nodes.shape[0]
    if conductance.shape != (n_edges,):
        raise InputError(f"edge_conductance: shape {conductance.shape}, needs ({n_edges},), "
                         "one per edge")
    if graph is None:
        graph = PathGraph.of(network)
    k = graph.pair_start.size - 1
    edge = np.empty(k, dtype=np.int64)
    resistance = np.empty(k)
    path_kernels.pair_resistance(graph.pairs.order, graph.pair_start, conductance, edge,
                                 resistance)
    return path_kernels.dijkstra_path(graph.indptr, graph.neighbor, graph.pair, edge,
                                      resistance, start, end)


class NetworkScene:
    """Per-wire and per-junction display values of one network.

    Parameters
    ----------
    network : Network
        Must carry ``wires`` and ``junctions`` (as built by :func:`nwn.geometry.build_network`).
    """

    def __init__(self, network) -> None:
        self.network = network
        wires = network.wires
        if wires is None:
            raise InputError("network has no wires to draw (network.wires is None)")
        self.wire_xy = np.asarray(wires.endpoints, dtype=np.float64)
        self.n_wires = self.wire_xy.shape[0]
        self.junction_xy = (np.asarray(network.junctions.points, dtype=np.float64)
                            if network.junctions is not None else np.zeros((0, 2)))
        nodes = network.edge_nodes
        self._edge_a = nodes[:, 0]
        self._edge_b = nodes[:, 1]
        node_wire = np.asarray(network.node_wire)
        self._wire_node = np.flatnonzero(node_wire >= 0)
        self._wire_of_node = node_wire[self._wire_node]
        self._nodes_per_wire = np.bincount(self._wire_of_node, minlength=self.n_wires)
        # JDA: node i is wire i, so per-wire reductions are plain indexing.
        self._one_node_per_wire = bool(
            self._wire_node.size == self.n_wires
            and np.array_equal(self._wire_of_node, np.arange(self.n_wires)))
        self._junction_edge = np.asarray(network.junction_edge)
        self._junction_a = nodes[self._junction_edge, 0]
        self._junction_b = nodes[self._junction_edge, 1]
        self.wire_component = np.full(self.n_wires, -1, dtype=np.int64)
        self.wire_component[self._wire_of_node] = np.asarray(network.component)[
            self._wire_node]

    # -- searches (built once per network; touch them in a worker thread to pre-build) -------

    @cached_property
    def path_graph(self) -> PathGraph:
        """:class:`PathGraph` of the network, for :func:`lowest_resistance_path`."""
        return PathGraph.of(self.network)

    @cached_property
    def junction_tree(self):
        """:class:`scipy.spatial.cKDTree` of the junction points (m); None without junctions."""
        from scipy.spatial import cKDTree

        return cKDTree(self.junction_xy) if len(self.junction_xy) else None

    def touching(self, electrodes) -> np.ndarray:
        """Sorted indices of the wires touching any of ``electrodes`` (objects with a
        ``shape`` dict, m), shape (K,)."""
        from nwn.geometry import Electrode
        from nwn.geometry.electrodes import wires_touching
        from nwn.geometry.shapes import shape_geometry

        key = repr([e.shape for e in electrodes])
        cache = self.__dict__.setdefault("_touching", {})
        if key not in cache:
            # A movie drawn without names passes nameless electrodes: any name does here.
            found = wires_touching(self.network.wires, [
                Electrode(getattr(e, "name", "") or f"electrode {k}", shape_geometry(e.shape))
                for k, e in enumerate(electrodes)])
            # only the latest layout is kept: electrodes are edited one at a time
            cache.clear()
            cache[key] = np.unique(np.concatenate(found)).astype(np.int64) if found \
                else np.zeros(0, np.int64)
        return cache[key]

    # -- one element's recorded history (the inspector) ---------------------------------------

    def junction_history(self, junction: int, snapshots) -> dict[str, np.ndarray]:
        """Junction ``junction`` through ``snapshots`` (a run's history, in time order).

        Returns
        -------
        dict
            ``t`` (T,) s, ``conductance`` (T,) S, ``voltage`` (T,) V, ``state`` (T,) and
            ``current`` (T,) A (through its edge).
        """
        edge = int(self._junction_edge[junction])
        rows = [(s.t, s.junction_conductance[junction], s.junction_voltage[junction],
                 s.junction_state[junction], s.edge_current[edge]) for s in snapshots]
        table = np.array(rows, dtype=np.float64).reshape(-1, 5)
        return dict(zip(("t", "conductance", "voltage", "state", "current"), table.T,
                        strict=True))

    def wire_incidence(self, wire: int) -> tuple[np.ndarray, np.ndarray]:
        """The nodes of wire ``wire`` and the edges meeting them: two index arrays, what
        :meth:`wire_series` takes the values of."""
        nodes = self._wire_node[self._wire_of_node == wire]
        edges = np.flatnonzero(np.isin(self._edge_a, nodes) | np.isin(self._edge_b, nodes))
        return nodes, edges

    def wire_series(self, wire: int, t: np.ndarray, node_voltage: np.ndarray,
                    edge_current: np.ndarray) -> dict[str, np.ndarray]:
        """Wire ``wire`` through T states from the values of its :meth:`wire_incidence`.

        Parameters
        ----------
        wire : int
        t : ndarray, shape (T,)
            Times (s).
        node_voltage : ndarray, shape (T, n)
            Potentials of its n nodes (V).
        edge_current : ndarray, shape (T, e)
            Currents through the e edges meeting them (A).

        Returns
        -------
        dict
            ``t`` (T,) s, ``voltage`` (T,) V (its mean node potential, as
            :meth:`wire_voltage`) and ``current`` (T,) A (the largest current through one of
            its nodes, as :meth:`wire_current`).
        """
        nodes, edges = self.wire_incidence(wire)
        t = np.asarray(t, dtype=np.float64)
        if nodes.size == 0:
            return {"t": t, "voltage": np.full(t.size, np.nan), "current": np.zeros(0)}
        # Each node's throughput is half the |I| sum of its edges.
        local = {int(n): k for k, n in enumerate(nodes)}
        end_a = np.array([local.get(int(n), -1) for n in self._edge_a[edges]], dtype=np.int64)
        end_b = np.array([local.get(int(n), -1) for n in self._edge_b[edges]], dtype=np.int64)
        with np.errstate(invalid="ignore"):
            voltage = np.mean(np.asarray(node_voltage, dtype=np.float64), axis=1)
        magnitude = np.abs(np.nan_to_num(np.asarray(edge_current, dtype=np.float64)))
        through = np.zeros((t.size, nodes.size))
        for ends in (end_a, end_b):
            on = ends >= 0
            np.add.at(through, (slice(None), ends[on]), 0.5 * magnitude[:, on])
        return {"t": t, "voltage": voltage, "current": through.max(axis=1)}

    def wire_history(self, wire: int, snapshots) -> dict[str, np.ndarray]:
        """Wire ``wire`` through ``snapshots`` (a run's history, in time order): see
        :meth:`wire_series`."""
        nodes, edges = self.wire_incidence(wire)
        t = np.array([s.t for s in snapshots], dtype=np.float64)
        voltage = np.array([np.asarray(s.node_voltage)[nodes] for s in snapshots],
                           dtype=np.float64).reshape(t.size, nodes.size)
        current = np.array([np.asarray(s.edge_current)[edges] for s in snapshots],
                           dtype=np.float64).reshape(t.size, edges.size)
        return self.wire_series(wire, t, voltage, current)

    # -- reductions ---------------------------------------------------------------------------

    def _per_wire_max(self, node_values: np.ndarray) -> np.ndarray:
        if self._one_node_per_wire:
            return node_values[self._wire_node]
        return kernels.per_wire_max(node_values, self._wire_node, self._wire_of_node,
                                    self.n_wires)

    def _per_wire_mean(self, node_values: np.ndarray) -> np.ndarray:
        if self._one_node_per_wire:
            return node_values[self._wire_node]
        total = np.bincount(self._wire_of_node, weights=node_values[self._wire_node],
                            minlength=self.n_wires)
        with np.errstate(invalid="ignore", divide="ignore"):
            return total / self._nodes_per_wire

    def node_throughput(self, edge_current: np.ndarray) -> np.ndarray:
        """Current through each node (A), shape (N,): half the sum of |I| of its edges."""
        # 0.5 * (bincount(a, |I|) + bincount(b, |I|)), in a loop that releases the lock
        return kernels.node_throughput(self._edge_a, self._edge_b,
                                       np.asarray(edge_current, dtype=np.float64),
                                       self.network.n_nodes)

    def junction_current(self, snapshot) -> np.ndarray:
        """|current| through each junction's edge (A), shape (M,)."""
        return kernels.take_abs(np.asarray(snapshot.edge_current, dtype=np.float64),
                                self._junction_edge)

    def wire_current(self, snapshot) -> np.ndarray:
        """Largest current carried anywhere along each wire (A), shape (W,)."""
        return self._per_wire_max(self.node_throughput(snapshot.edge_current))

    def wire_voltage(self, snapshot) -> np.ndarray:
        """Mean potential of each wire (V), shape (W,); NaN on unsolved clusters."""
        return self._per_wire_mean(np.asarray(snapshot.node_voltage))

    def junction_values(self, snapshot, mode: str) -> np.ndarray:
        """Value of every junction for colour mode ``mode``, shape (M,)."""
        check_choice("mode", mode, tuple(COLOR_MODES))
        if mode == "state":
            return np.asarray(snapshot.junction_state, dtype=np.float64)
        if mode == "conductance":
            return np.asarray(snapshot.junction_conductance, dtype=np.float64)
        if mode == "current":
            return self.junction_current(snapshot)
        return kernels.take_mean(np.asarray(snapshot.node_voltage, dtype=np.float64),
                                 self._junction_a, self._junction_b)

    def wire_values(self, snapshot, mode: str) -> np.ndarray | None:
        """Value of every wire for ``mode``, shape (W,), or None where wires are not coloured
        by it (junction state and conductance live on junctions)."""
        if mode == "current":
            return self.wire_current(snapshot)
        if mode == "voltage":
            return self.wire_voltage(snapshot)
        return None

    def color_values(self, snapshot, mode: str) -> np.ndarray:
        """Every value the colour scale of ``mode`` spans in one state: the wires' (where
        wires are coloured by it) and the junctions', shape (W + M,) or (M,)."""
        wire_values = self.wire_values(snapshot, mode)
        junction_values = self.junction_values(snapshot, mode)
        return junction_values if wire_values is None else np.concatenate(
            [wire_values, junction_values])

    @staticmethod
    def total_current(snapshot) -> float:
        """Current entering the network through all electrodes together (A)."""
        current = np.asarray(snapshot.terminal_current, dtype=np.float64)
        return float(np.nansum(current[current > 0]))

    def path_points(self, edges: np.ndarray) -> np.ndarray:
        """Polyline (m), shape (P, 2), along the wires of a path of edges (see
        :func:`lowest_resistance_path`): contact, junction and wire-node points in order."""
        network = self.network
        position = np.asarray(network.node_position)
        terminals = set(int(t) for t in network.terminal_nodes)
        edge_junction = np.asarray(network.edge_junction)
        points: list[np.ndarray] = []
        for edge in edges:
            a, b = (int(n) for n in network.edge_nodes[edge])
            junction = int(edge_junction[edge])
            if junction >= 0:
                points.append(self.junction_xy[junction])
                continue
            if a in terminals or b in terminals:
                node, terminal = (b, a) if a in terminals else (a, b)
                points.append(self._contact_point(node, terminal) if self._one_node_per_wire
                              else position[node])
            else:
                points.extend((position[a], position[b]))
        if not points:
            return np.zeros((0, 2))
        out = np.asarray(points, dtype=np.float64)
        keep = np.ones(len(out), dtype=bool)
        keep[1:] = np.any(out[1:] != out[:-1], axis=1)
        return out[keep]

    def _contact_point(self, node: int, terminal: int) -> np.ndarray:
        """Where a JDA wire node meets the electrode of ``terminal`` (its wire's middle of the
        overlap), since JDA node positions are wire midpoints, not contact points."""
        import shapely

        network = self.network
        k = int(np.flatnonzero(np.asarray(network.terminal_nodes) == terminal)[0])
        wire = int(network.node_wire[node])
        line = shapely.LineString(self.wire_xy[wire])
        overlap = shapely.intersection(line, network.electrodes[k].shape)
        if overlap.is_empty:
            return np.asarray(network.node_position[node])
        point = overlap.interpolate(0.5, normalized=True)
        return np.array([point.x, point.y])

    def edge_conductance(self, snapshot) -> np.ndarray:
        """Conductance of every edge (S), shape (E,): fixed edges plus the junctions now."""
        conductance = np.array(self.network.edge_conductance, dtype=np.float64, copy=True)
        conductance[self._junction_edge] = snapshot.junction_conductance
        return conductance
