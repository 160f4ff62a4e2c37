"""Connected components of a circuit graph and the clusters that touch no electrode.

Only components that reach a driven terminal can be solved (docs/physics.md, section 3); the others
are reported here, not patched with leak resistors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .checks import InputError
from .network import Network

__all__ = ["ClusterReport", "cluster_report", "component_labels", "connected_components",
           "connects"]


@numba.njit(cache=True, nogil=True)
def _root(parent: np.ndarray, node: int) -> int:
    while parent[node] != node:
        parent[node] = parent[parent[node]]  # path halving
        node = parent[node]
    return node


@numba.njit(cache=True, nogil=True)
def _component_labels(edges: np.ndarray, out: np.ndarray) -> None:
    """Union-find over the edges, then labels in order of each component's lowest node."""
    n = out.shape[0]
    parent = np.arange(n)
    for e in range(edges.shape[0]):
        a = _root(parent, edges[e, 0])
        b = _root(parent, edges[e, 1])
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b
    label = np.full(n, -1, dtype=np.int64)
    count = 0
    for i in range(n):
        r = _root(parent, i)
        if label[r] < 0:
            label[r] = count
            count += 1
        out[i] = label[r]


def component_labels(n_nodes: int, edge_nodes: np.ndarray) -> np.ndarray:
    """Connected-component label of each node, int64 shape (n_nodes,), labels 0 .. C-1.

    Labels are numbered in order of each component's lowest node. (A union-find in numba:
    linear in the edges, and no scipy import for ``nwn run``; scipy's graph traversal and
    the renumbering after it took ~3 s at a million wires.)
    """
    edges = np.ascontiguousarray(np.asarray(edge_nodes, dtype=np.int64).reshape(-1, 2))
    n_nodes = int(n_nodes)
    if edges.size and (edges.min() < 0 or edges.max() >= n_nodes):
        raise InputError(f"edge_nodes must lie in [0, {n_nodes}) (got "
                         f"{int(edges.min())} .. {int(edges.max())})")
    labels = np.empty(n_nodes, dtype=np.int64)
    _component_labels(edges, labels)
    return labels


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
