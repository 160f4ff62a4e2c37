"""Which nodes of a network the Kirchhoff solver can solve, and why the others cannot be.

A cluster of the circuit graph has defined node voltages only when it reaches a grounded or
voltage-driven electrode (a Dirichlet node): its reduced Laplacian is then symmetric positive
definite. Clusters that reach none are excluded from the solve and reported
(:class:`ExcludedComponent`; their voltages are NaN); a current source in such a cluster has
no return path, and the circuit is refused with a :class:`CircuitError` that says so in
physical words, as is a circuit with no grounded or voltage-driven electrode at all.

Ideal voltage sources and grounds (no series resistance) are the Dirichlet nodes eliminated
from the system; every other solved node is an unknown (see :mod:`nwn.engine.solver_assembly`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nwn.engine import solver_kernels as _k
from nwn.engine.sources import REFERENCE_KINDS, SOURCE_KINDS
from nwn.geometry.clusters import component_labels
from nwn.geometry.network import Network

__all__ = ["CircuitError", "ExcludedComponent", "Topology", "find_topology"]



class CircuitError(ValueError):
    """The circuit has no unique solution; the message says why in physical words."""


@dataclass(frozen=True)
class ExcludedComponent:
    """A cluster left out of the solve because it reaches no driven electrode.

    Attributes
    ----------
    label : int
        Component label (the solver's own labelling of ``Network`` nodes).
    n_nodes : int
        Nodes in the cluster, terminal nodes included.
    n_wires : int
        Distinct wires in the cluster.
    electrodes : tuple of str
        Floating electrodes in the cluster (their potential is undefined: NaN).
    """

    label: int
    n_nodes: int
    n_wires: int
    electrodes: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Topology:
    """The terminals' roles and the nodes that can be solved, for one network and its sources.

    Attributes
    ----------
    terminal_nodes : ndarray, shape (K,), int64
        Network node of each electrode terminal, in ``network.electrode_names`` order.
    terminal_kind : ndarray, shape (K,), int64
        Code of each terminal's source kind: its position in ``SOURCE_KINDS``
        (``solver_kernels.KIND_*``).
    terminal_series_g : ndarray, shape (K,), float64
        S, 1 / series resistance of each terminal's source (0 for an ideal source).
    dirichlet_terms : ndarray, shape (D,), int64
        Terminals whose node is eliminated: ideal voltage sources and grounds.
    driven : ndarray, int64
        Terminals that are not floating.
    node_solved : ndarray, shape (N,), bool
        Nodes in a cluster that reaches a grounded or voltage-driven electrode.
    node_dirichlet : ndarray, shape (N,), bool
        Nodes of the ``dirichlet_terms``.
    excluded_components : tuple of ExcludedComponent
    n_components : int
        Clusters of the circuit graph, excluded ones included.
    """

    terminal_nodes: np.ndarray
    terminal_kind: np.ndarray
    terminal_series_g: np.ndarray
    dirichlet_terms: np.ndarray
    driven: np.ndarray
    node_solved: np.ndarray
    node_dirichlet: np.ndarray
    excluded_components: tuple
    n_components: int


def quote(names) -> str:
    """``'a', 'b'``: electrode names as the error messages list them."""
    return ", ".join(repr(n) for n in names)


def find_topology(network: Network, sources: tuple) -> Topology:
    """The clusters of ``network`` and which of them its ``sources`` make solvable.

    Parameters
    ----------
    network : Network
    sources : tuple of Source
        One per electrode, in ``network.electrode_names`` order.

    Returns
    -------
    Topology

    Raises
    ------
    CircuitError
        If no electrode is grounded or voltage-driven, or a cluster with a current source
        reaches none.
    """
    n_nodes = int(network.n_nodes)
    edge_nodes = np.ascontiguousarray(network.edge_nodes, dtype=np.int64)
    names = tuple(network.electrode_names)
    terminal_nodes = np.asarray(network.terminal_nodes, dtype=np.int64)
    kind = np.array([SOURCE_KINDS.index(s.kind) for s in sources], dtype=np.int64)
    series = np.array([s.series_resistance for s in sources], dtype=np.float64)
    series_g = np.where(series > 0, 1.0 / np.where(series > 0, series, 1.0), 0.0)
    reference = np.array([s.kind in REFERENCE_KINDS for s in sources], dtype=bool)
    dirichlet_term = reference & (series == 0)

    if not reference.any():
        driven = [n for n, s in zip(names, sources, strict=True) if s.kind == "current"]
        if driven:
            raise CircuitError(
                f"no electrode is grounded or voltage-driven, so node voltages are "
                f"undefined and the current of {quote(driven)} has no return path; "
                f"ground an electrode or drive one with a voltage source"
            )
        raise CircuitError(
            f"no electrode is driven (all of {quote(names) or 'none'} are floating): "
            f"ground one electrode and drive another with a voltage or current source"
        )

    # clusters, counting every edge (an electrode joins the wires that touch it); numbered
    # in order of each one's lowest node, as scipy's connected_components numbers them
    label = component_labels(n_nodes, edge_nodes)
    n_comp = int(label.max()) + 1 if n_nodes else 0
    comp_reference = np.zeros(n_comp, dtype=bool)
    comp_reference[label[terminal_nodes[reference]]] = True
    node_wire = np.asarray(network.node_wire, dtype=np.int64)
    # nodes and distinct wires per cluster, counted once for all of them (a count per
    # excluded cluster over all nodes grew as N x clusters)
    comp_nodes = np.bincount(label, minlength=n_comp)
    # (np.sort, not np.unique: numpy 2.4's hash-based unique is ~80x slower on 10^6 keys)
    on_wire = node_wire >= 0
    stride = int(node_wire.max(initial=0)) + 1
    pairs = np.sort(label[on_wire] * stride + node_wire[on_wire])
    distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if pairs.size else pairs
    comp_wires = np.bincount(distinct // stride, minlength=n_comp)

    def wires_in(c: int) -> int:
        return int(comp_wires[c])

    stranded: dict[int, list[str]] = {}
    for t in np.flatnonzero(kind == _k.KIND_CURRENT):
        c = int(label[terminal_nodes[t]])
        if not comp_reference[c]:
            stranded.setdefault(c, []).append(names[t])
    if stranded:
        c, who = next(iter(stranded.items()))
        noun = "current source" if len(who) == 1 else "current sources"
        n_w = wires_in(c)
        if n_w == 0:
            where = "touches no wire" if len(who) == 1 else "touch no wire"
        else:
            verb = "is" if len(who) == 1 else "are"
            where = (f"{verb} in a cluster of {n_w} wire{'s' * (n_w != 1)} that reaches "
                     f"no grounded or voltage-driven electrode")
        raise CircuitError(
            f"electrode {quote(who)} ({noun}) {where}, so its current has no return "
            f"path; ground or voltage-drive an electrode connected to it, or make it "
            f"floating"
        )

    term_label = label[terminal_nodes]
    excluded = tuple(
        ExcludedComponent(
            label=int(c), n_nodes=int(comp_nodes[c]), n_wires=wires_in(int(c)),
            electrodes=tuple(names[t] for t in np.flatnonzero(term_label == c)),
        )
        for c in np.flatnonzero(~comp_reference)
    )
    node_dirichlet = np.zeros(n_nodes, dtype=bool)
    node_dirichlet[terminal_nodes[dirichlet_term]] = True
    return Topology(
        terminal_nodes=terminal_nodes, terminal_kind=kind, terminal_series_g=series_g,
        dirichlet_terms=np.flatnonzero(dirichlet_term),
        driven=np.flatnonzero(kind != _k.KIND_FLOATING),
        node_solved=comp_reference[label], node_dirichlet=node_dirichlet,
        excluded_components=excluded, n_components=int(n_comp),
    )
