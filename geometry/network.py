"""The circuit graph of a nanowire network: nodes, edges and electrode terminals.

Two graph representations (docs/physics.md, section 2):

* ``"jda"`` (junction-dominated): one node per wire (wires are equipotential), one edge per
  junction.
* ``"mnr"`` (multi-nodal): one node per junction point on a wire (and per electrode contact
  point), edges are junctions plus the wire pieces between consecutive points on each wire,
  with resistance rho * length / (pi (D/2)^2).

In both, every electrode adds one *terminal node*, joined to each wire that touches it by a
*contact edge*. Node numbering: wire/point nodes first, ``0 .. n_nodes - n_terminals - 1``,
then the terminal nodes in electrode order.

Edge conductances are split in two: junction edges get their conductance from the junction
model at every step (``edge_conductance`` holds NaN there); wire-segment and contact edges
are fixed for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["EDGE_JUNCTION", "EDGE_WIRE", "EDGE_CONTACT", "Network"]

#: ``Network.edge_kind`` codes.
EDGE_JUNCTION = 0
EDGE_WIRE = 1
EDGE_CONTACT = 2


@dataclass(frozen=True, eq=False)
class Network:
    """A nanowire network as a resistor graph with electrode terminals.

    Attributes
    ----------
    mode : {"jda", "mnr"}
        Graph representation.
    n_nodes : int
        Number of nodes N, terminal nodes included.
    edge_nodes : ndarray of int64, shape (E, 2)
        The two node indices of each edge.
    edge_kind : ndarray of int8, shape (E,)
        ``EDGE_JUNCTION``, ``EDGE_WIRE`` or ``EDGE_CONTACT``.
    edge_conductance : ndarray of float64, shape (E,)
        Fixed conductance (S) of wire-segment and contact edges; NaN on junction edges,
        whose conductance the junction model supplies.
    junction_edge : ndarray of int64, shape (M,)
        Edge index of each junction, in the order of ``Junctions`` (junction ``k`` is edge
        ``junction_edge[k]``).
    edge_junction : ndarray of int64, shape (E,)
        Junction index of each edge, -1 for wire-segment and contact edges.
    electrode_names : tuple of str, length K
        Electrode names, in the order of their terminal nodes.
    terminal_nodes : ndarray of int64, shape (K,)
        Node index of each electrode's terminal.
    node_position : ndarray of float64, shape (N, 2)
        Where each node sits (m): a wire's midpoint in JDA, the junction/contact point in MNR,
        the electrode's centroid for terminal nodes. For drawing and inspection.
    node_wire : ndarray of int64, shape (N,)
        The wire each node belongs to, -1 for terminal nodes.
    component : ndarray of int64, shape (N,)
        Connected-component label of each node (0 .. n_components - 1), counting every edge.
    wires, junctions, electrodes : objects
        What the network was built from (``Wires``, ``Junctions``, list of ``Electrode``).
    """

    mode: str
    n_nodes: int
    edge_nodes: np.ndarray
    edge_kind: np.ndarray
    edge_conductance: np.ndarray
    junction_edge: np.ndarray
    edge_junction: np.ndarray
    electrode_names: tuple[str, ...]
    terminal_nodes: np.ndarray
    node_position: np.ndarray
    node_wire: np.ndarray
    component: np.ndarray
    wires: object = None
    junctions: object = None
    electrodes: tuple = field(default_factory=tuple)

    @property
    def n_edges(self) -> int:
        """Number of edges E."""
        return int(self.edge_nodes.shape[0])

    @property
    def n_junctions(self) -> int:
        """Number of junction edges M."""
        return int(self.junction_edge.shape[0])

    @property
    def n_terminals(self) -> int:
        """Number of electrode terminals K."""
        return int(self.terminal_nodes.shape[0])

    def to_networkx(self, junction_conductance=None, *, multigraph: bool = False):
        """This circuit graph as a networkx graph (:func:`~nwn.geometry.graph_export.to_networkx`:
        nodes with positions, edges with kind and conductance)."""
        from .graph_export import to_networkx

        return to_networkx(self, junction_conductance, multigraph=multigraph)

    def terminal(self, name: str) -> int:
        """Node index of the terminal of electrode ``name``."""
        try:
            return int(self.terminal_nodes[self.electrode_names.index(name)])
        except ValueError:
            known = ", ".join(repr(n) for n in self.electrode_names)
            raise ValueError(f"electrode {name!r} does not exist (known: {known})") from None
