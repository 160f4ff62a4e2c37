"""Connected components of a circuit graph and the clusters that touch no electrode.

Only components that reach a driven terminal can be solved (docs/physics.md, section 3); the others
are reported here, not patched with leak resistors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as _csgraph_components

from .checks import InputError
from .network import Network

__all__ = ["ClusterReport", "cluster_report", "component_labels", "connected_components",
           "connects"]


def component_labels(n_nodes: int, edge_nodes: np.ndarray) -> np.ndarray:
    """Connected-component label of each node, int64 shape (n_nodes,), labels 0 .. C-1.

    Labels are numbered in order of each component's lowest node.
    """
    edges = np.asarray(edge_nodes, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix(
        (np.ones(edges.shape[0], dtype=np.int8), (edges[:, 0], edges[:, 1])),
        shape=(n_nodes, n_nodes),
    )
    _, labels = _csgraph_components(graph, directed=False)
    # renumber by first appearance so labels do not depend on scipy's traversal order
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse].astype(np.int64)


def connected_components(network: Network) -> tuple[int, np.ndarray]:
    """Number of connected components and the label of each node.

    Parameters
    ----------
    network : Network

    Returns
    -------
    n_components : int
    labels : ndarray of int64, shape (N,)
        Component of each node (every edge counts, contact edges included).
    """
    if not isinstance(network, Network):
        raise InputError(f"network must be a Network (got {type(network).__name__})")
    labels = component_labels(network.n_nodes, network.edge_nodes)
    return int(labels.max()) + 1 if labels.size else 0, labels


def connects(network: Network, a: str, b: str) -> bool:
    """True if electrodes ``a`` and ``b`` are joined by a conducting path of wires."""
    if not isinstance(network, Network):
        raise InputError(f"network must be a Network (got {type(network).__name__})")
    for name in (a, b):
        if name not in network.electrode_names:
            known = ", ".join(repr(n) for n in network.electrode_names)
            raise InputError(f"electrode must be one of {known} (got {name!r})")
    return bool(network.component[network.terminal(a)] == network.component[network.terminal(b)])


@dataclass(frozen=True, eq=False)
class ClusterReport:
    """Which parts of a network the electrodes reach.

    Attributes
    ----------
    n_components : int
        Number of connected components C of the graph (terminals included).
    component_size : ndarray of int64, shape (C,)
        Nodes per component.
    electrode_component : ndarray of int64, shape (K,)
        Component of each electrode's terminal.
    groups : tuple of tuple of str
        Electrode names grouped by the component they share, in electrode order.
    floating_components : ndarray of int64, shape (F,)
        Components that contain no terminal (clusters touching no electrode).
    floating_node : ndarray of bool, shape (N,)
        True for nodes in a floating component: excluded from solving.
    n_floating_wires : int
        Number of wires with a node in a floating component.
    """

    n_components: int
    component_size: np.ndarray
    electrode_component: np.ndarray
    groups: tuple[tuple[str, ...], ...]
    floating_components: np.ndarray
    floating_node: np.ndarray
    n_floating_wires: int

    def summary(self) -> str:
        """The report in one line of words."""
        joined = "; ".join(
            ("{" + ", ".join(g) + "} connected") if len(g) > 1 else f"{g[0]} alone"
            for g in self.groups
        )
        return (
            f"{joined or 'no electrodes'}; {self.floating_components.size} clusters "
            f"({self.n_floating_wires} wires) touch no electrode"
        )


def cluster_report(network: Network) -> ClusterReport:
    """Report the components of ``network`` and the clusters that touch no electrode."""
    if not isinstance(network, Network):
        raise InputError(f"network must be a Network (got {type(network).__name__})")
    labels = np.asarray(network.component, dtype=np.int64)
    n_components = int(labels.max()) + 1 if labels.size else 0
    sizes = np.bincount(labels, minlength=n_components).astype(np.int64)
    electrode_component = labels[network.terminal_nodes]
    groups: dict[int, list[str]] = {}
    for name, comp in zip(network.electrode_names, electrode_component, strict=True):
        groups.setdefault(int(comp), []).append(name)
    driven = np.zeros(n_components, dtype=bool)
    driven[electrode_component] = True
    floating_node = ~driven[labels]
    wires_floating = np.unique(network.node_wire[floating_node & (network.node_wire >= 0)])
    return ClusterReport(
        n_components=n_components,
        component_size=sizes,
        electrode_component=electrode_component.astype(np.int64),
        groups=tuple(tuple(g) for g in groups.values()),
        floating_components=np.flatnonzero(~driven).astype(np.int64),
        floating_node=floating_node,
        n_floating_wires=int(wires_floating.size),
    )
