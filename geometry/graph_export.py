"""The circuit graph as a networkx graph, and GraphML files, for graph-theory tools.

networkx is optional (``pip install networkx``, or the ``graphs`` extra); it is imported only
here, when asked for.

What the graph holds (:func:`to_networkx`):

* one node per :class:`~nwn.geometry.network.Network` node, numbered as there, with ``x``,
  ``y`` (m, where it sits), ``wire`` (its wire, -1 for terminals) and ``electrode`` (the
  electrode name of a terminal node, ``""`` otherwise). Positions for drawing:
  ``{n: (d["x"], d["y"]) for n, d in graph.nodes(data=True)}``;
* one edge per network edge with ``kind`` (``"junction"``, ``"wire"`` or ``"contact"``),
  ``edge`` (its index in the network), ``junction`` (junction index, -1 for other kinds) and,
  where known, ``conductance`` (S) and ``resistance`` (ohm). Wire-segment and contact edges
  always know theirs; junction edges only when junction conductances are given (the junction
  model sets them at each instant).

For networkx's resistance-based functions the resistance is the edge weight:
``networkx.resistance_distance(graph, a, b, weight="resistance")`` (networkx inverts the
weight into a conductance by default), or ``weight="conductance", invert_weight=False``.

The graph is simple (a :class:`networkx.Graph`): two wires cross at most once and a wire
touches an electrode in one contact, so no two edges of a built network share their nodes.
A hand-made network with parallel edges needs ``multigraph=True`` (edge keys are the edge
indices).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .checks import InputError
from .network import EDGE_CONTACT, EDGE_JUNCTION, EDGE_WIRE, Network

__all__ = ["EDGE_KIND_NAMES", "to_networkx", "write_graphml"]

#: The ``kind`` attribute of each edge kind code.
EDGE_KIND_NAMES = {EDGE_JUNCTION: "junction", EDGE_WIRE: "wire", EDGE_CONTACT: "contact"}


def _networkx():
    try:
        import networkx
    except ImportError:
        raise InputError("networkx is needed for graph export (pip install networkx)") from None
    return networkx


def to_networkx(network: Network, junction_conductance: Any = None, *,
                multigraph: bool = False):
    """The network's circuit graph as a networkx graph (see the module docstring).

    Parameters
    ----------
    network : Network
    junction_conductance : float or array_like, shape (M,), optional
        Conductance of every junction (S), > 0; without it junction edges carry no
        ``conductance`` or ``resistance``.
    multigraph : bool, optional
        Return a :class:`networkx.MultiGraph` keyed by edge index (needed only for networks
        with parallel edges).

    Returns
    -------
    networkx.Graph or networkx.MultiGraph
        ``graph.graph`` holds ``mode`` and ``electrodes`` (the names, comma-separated).

    Raises
    ------
    InputError
        Without networkx, on bad conductances, or on parallel edges without ``multigraph``.
    """
    nx = _networkx()
    if not isinstance(network, Network):
        raise InputError(f"network must be a Network (got {type(network).__name__})")
    conductance = np.array(network.edge_conductance, dtype=np.float64)
    if junction_conductance is not None:
        g = np.asarray(junction_conductance, dtype=np.float64)
        g = np.full(network.n_junctions, float(g)) if g.ndim == 0 else g
        if g.shape != (network.n_junctions,):
            raise InputError(f"junction_conductance must hold one value per junction "
                             f"({network.n_junctions}) (got shape {g.shape})")
        if not np.all(np.isfinite(g) & (g > 0)):
            k = int(np.flatnonzero(~(np.isfinite(g) & (g > 0)))[0])
            raise InputError(f"junction_conductance must be finite and > 0 S (got {g[k]!r} S "
                             f"at junction {k})")
        conductance[np.asarray(network.junction_edge)] = g
    edge_nodes = np.asarray(network.edge_nodes, dtype=np.int64)
    if not multigraph:
        pairs = np.sort(edge_nodes, axis=1)
        if np.unique(pairs, axis=0).shape[0] != pairs.shape[0]:
            raise InputError("network has parallel edges: use multigraph=True")
    graph = nx.MultiGraph() if multigraph else nx.Graph()
    graph.graph["mode"] = network.mode
    graph.graph["electrodes"] = ",".join(network.electrode_names)
    terminal_name = {int(t): name for t, name in
                     zip(network.terminal_nodes, network.electrode_names, strict=True)}
    position = np.asarray(network.node_position, dtype=np.float64)
    node_wire = np.asarray(network.node_wire, dtype=np.int64)
    graph.add_nodes_from(
        (i, {"x": float(position[i, 0]), "y": float(position[i, 1]),
             "wire": int(node_wire[i]), "electrode": terminal_name.get(i, "")})
        for i in range(network.n_nodes))
    kinds = np.asarray(network.edge_kind)
    junction = np.asarray(network.edge_junction, dtype=np.int64)
    for e in range(network.n_edges):
        data = {"kind": EDGE_KIND_NAMES[int(kinds[e])], "edge": e, "junction": int(junction[e])}
        if np.isfinite(conductance[e]):
            data["conductance"] = float(conductance[e])
            data["resistance"] = 1.0 / float(conductance[e])
        a, b = int(edge_nodes[e, 0]), int(edge_nodes[e, 1])
        if multigraph:
            graph.add_edge(a, b, key=e, **data)
        else:
            graph.add_edge(a, b, **data)
    return graph


def write_graphml(path: str | os.PathLike, network: Network, junction_conductance: Any = None,
                  *, overwrite: bool = False) -> Path:
    """Write :func:`to_networkx` of the network to a GraphML file (Gephi, Cytoscape, igraph).

    Parameters
    ----------
    path : str or PathLike
        Usually ending in ``.graphml``.
    network, junction_conductance
        As for :func:`to_networkx`.
    overwrite : bool, optional
        Replace an existing file (default: refuse).

    Returns
    -------
    Path
    """
    nx = _networkx()
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"output {str(path)!r} already exists (choose another name)")
    multigraph = False
    pairs = np.sort(np.asarray(network.edge_nodes), axis=1)
    if np.unique(pairs, axis=0).shape[0] != pairs.shape[0]:
        multigraph = True
    nx.write_graphml(to_networkx(network, junction_conductance, multigraph=multigraph), path)
    return path
