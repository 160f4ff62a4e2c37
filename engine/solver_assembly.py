"""The reduced nodal system: its unknowns, its sparsity pattern, and how edges fill it.

The unknowns are the solved nodes that are not ideal-source terminals
(:mod:`nwn.engine.solver_topology`), numbered in a fill-reducing order
(:mod:`nwn.engine.solver_ordering`). In that order the reduced Laplacian's CSR pattern
(both triangles, diagonal included, columns ascending) is built once, together with an
edge -> matrix-entry map: for every edge of the network, the positions of the diagonal
and off-diagonal entries its conductance adds to (the kernels of
:mod:`nwn.engine.solver_edge_maps`). Each step a numba kernel then rewrites
the values and the right-hand side in place (:meth:`ReducedSystem.assemble`), and another
maps the solution back to node voltages, edge currents and terminal currents
(:meth:`ReducedSystem.scatter`).
"""

from __future__ import annotations

import numpy as np

from nwn.engine import solver_kernels as _k
from nwn.engine.solver_edge_maps import edge_maps
from nwn.engine.solver_ordering import (
    MINIMUM_DEGREE,
    NESTED_DISSECTION,
    fill_reducing_order,
    minimum_degree_order,
)
from nwn.engine.solver_topology import Topology
from nwn.geometry.checks import InputError
from nwn.geometry.network import Network

__all__ = ["ROUNDING_EPS", "ReducedSystem"]

#: A small multiple (16) of float64's machine epsilon: the relative rounding of a Kirchhoff
#: residual or a terminal sum of a dozen terms.
ROUNDING_EPS = 16.0 * float(np.finfo(np.float64).eps)


class ReducedSystem:
    """The reduced Laplacian of the free nodes, its right-hand side and the maps to edges.

    Parameters
    ----------
    network : Network
    topology : Topology
        Of ``network`` and its sources.
    ordering : str, keyword-only
        The unknowns' fill-reducing order, one of
        :data:`~nwn.engine.solver_ordering.ORDERINGS` (default: nested dissection).

    Raises
    ------
    InputError
        If a fixed (wire or contact) edge conductance is not finite and > 0.

    Attributes
    ----------
    n_free : int
        Unknowns n.
    free_node : ndarray, shape (n,), int64
        Network node of each unknown.
    node_free : ndarray, shape (N,), int64
        Unknown of each node, -1 for Dirichlet and excluded nodes.
    indptr, indices : ndarray, int32
        CSR pattern of the reduced Laplacian (symmetric, so also its CSC pattern).
    diag_pos : ndarray, shape (n,), int64
        Position of each diagonal entry in ``data``.
    data : ndarray, float64
        S, the matrix values of the last :meth:`assemble`.
    rhs : ndarray, shape (n,), float64
        A, the injected currents of the last :meth:`assemble`.
    contact_free, contact_term : ndarray, shape (C,), int64
        Unknown and terminal of each contact of an ideal source (edges from its terminal to
        an unknown), then of each non-ideal source's series resistance: what the stopping
        criterion (:mod:`nwn.engine.solver_tolerance`) sums the terminal currents over.
    contact_g : ndarray, shape (C,), float64
        S, their conductances at the last :meth:`assemble`.
    contact_v : ndarray, shape (C,), float64
        V, the source voltage at their terminal end at the last :meth:`assemble`.
    current_scale : float
        A, the largest current-source value at the last :meth:`assemble` (0 if none).
    rounding_conductance : float
        S, :data:`ROUNDING_EPS` times the largest diagonal entry or terminal conductance at
        the last :meth:`assemble`: the current per volt that rounding alone leaves in the
        residual, below which the stopping criterion asks for nothing.
    row_bound : float
        S, an upper bound on every row's sum of |a_ij| at the last :meth:`assemble`
        (:func:`nwn.engine.solver_kernels.row_bound` of the largest diagonal entry).
    row_gamma : float
        The rounding bound of one row's product with a vector
        (:func:`nwn.engine.solver_kernels.row_rounding`).
    """

    def __init__(self, network: Network, topology: Topology, *,
                 ordering: str = NESTED_DISSECTION):
        n_nodes = int(network.n_nodes)
        edge_nodes = np.ascontiguousarray(network.edge_nodes, dtype=np.int64)
        n_edges = edge_nodes.shape[0]
        edge_junction = np.ascontiguousarray(network.edge_junction, dtype=np.int64)
        edge_conductance = np.ascontiguousarray(network.edge_conductance, dtype=np.float64)
        bad = (edge_junction < 0) & ~((edge_conductance > 0) & np.isfinite(edge_conductance))
        if np.any(bad):
            e = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"network.edge_conductance must be finite and > 0 on wire and contact edges "
                f"(got {edge_conductance[e]!r} S on edge {e})"
            )
        self.topology = topology
        self.n_junctions = int(network.n_junctions)
        node_solved = topology.node_solved
        node_dirichlet = topology.node_dirichlet
        terminal_nodes = topology.terminal_nodes

        # the unknowns: solved nodes that are not ideal-source terminals, in a fill-reducing
        # order. The edges' roles need only which nodes they are, but finding them while METIS
        # ran on a worker thread saved nothing measurable (their kernel takes ~0.12 s beside
        # ~10 s of METIS at a million wires) and kept ~0.05-0.1 GB more resident (probably
        # the worker's freed memory left in its own malloc arena), so it is not done.
        free_natural = np.flatnonzero(node_solved & ~node_dirichlet)
        n_free = free_natural.size
        order_of = minimum_degree_order if ordering == MINIMUM_DEGREE else fill_reducing_order
        order = order_of(free_natural, n_nodes, edge_nodes)
        free_node = free_natural[order]
        # the edges' roles, the CSR pattern (symmetric, sorted, diagonal included) and edge ->
        # matrix entries
        roles, maps = edge_maps(edge_nodes, edge_junction, node_solved, node_dirichlet,
                                terminal_nodes, free_node)
        node_free = maps.node_free
        node_terminal = roles.node_terminal

        # the terminals' contacts, for the stopping criterion's terminal currents
        # (nwn.engine.solver_tolerance): edges from an ideal-source terminal to an unknown,
        # then the series resistance of each non-ideal source whose node is an unknown
        series = np.flatnonzero((topology.terminal_series_g > 0)
                                & (node_free[terminal_nodes] >= 0))
        self._contact_edge = roles.contact_edge
        self._contact_node = roles.contact_node
        self._series_terms = series
        self.contact_free = np.concatenate([
            maps.contact_free, node_free[terminal_nodes[series]]]).astype(np.int64)
        self.contact_term = np.concatenate([node_terminal[roles.contact_node], series]).astype(
            np.int64)
        self.contact_g = np.zeros(self.contact_free.size)
        self.contact_v = np.zeros(self.contact_free.size)
        self.contact_g[roles.contact_edge.size:] = topology.terminal_series_g[series]
        self._current_terms = np.flatnonzero((topology.terminal_kind == _k.KIND_CURRENT)
                                             & topology.node_solved[terminal_nodes])
        self.current_scale = 0.0
        self.rounding_conductance = 0.0
        self.row_bound = 0.0

        # per-edge arrays of the assembly kernel: self-loops carry no current (no free end);
        # off-diagonal entries that more than one edge fills are summed apart (see kernel);
        # indices in int32: they are streamed every step, and at 100,000 wires they no
        # longer fit in cache
        self._edges = (edge_conductance, roles.edge_junction, maps.row_a, maps.row_b,
                       roles.edge_a, roles.edge_b, maps.pos_ab, maps.pos_ba,
                       maps.shared_edges)
        self._edge_nodes = edge_nodes
        # the scatter's short passes visit only the edges they concern: the contacts whose
        # current may come from Kirchhoff's law at their wire node, with the other edges at
        # that node (nwn.engine.solver_edge_maps)
        self._kcl = (roles.kcl_edges, roles.kcl_node, roles.kcl_ptr, roles.kcl_codes)
        self._terminal_edges = roles.terminal_edges
        self._node_terminal = node_terminal
        self._terminal_free = node_free[terminal_nodes].copy()
        self._terminal_solved = node_solved[terminal_nodes].copy()

        self.n_free = int(n_free)
        self.free_node = free_node.astype(np.int64)
        self.node_free = node_free
        self.indptr = maps.indptr
        self.indices = maps.indices
        self.row_gamma = _k.row_rounding(maps.indptr)
        self.diag_pos = maps.diag_pos
        # values rewritten every step, and the scatter's scratch
        self.data = np.zeros(maps.indices.size, dtype=np.float64)
        self.rhs = np.zeros(n_free, dtype=np.float64)
        self._diagonal = np.zeros(n_free, dtype=np.float64)
        self._edge_g = np.zeros(n_edges, dtype=np.float64)
        self._node_fixed_voltage = np.zeros(n_nodes, dtype=np.float64)

    @property
    def n_edges(self) -> int:
        return int(self._edge_nodes.shape[0])

    def assemble(self, junction_conductance, values: np.ndarray) -> np.ndarray:
        """Rewrite ``data`` and ``rhs`` for this step's conductances and source values.

        Parameters
        ----------
        junction_conductance : array_like, shape (M,)
            S, finite and > 0.
        values : ndarray, shape (K,), float64
            V for voltage terminals, A for current terminals (others ignored).

        Returns
        -------
        ndarray, shape (M,), float64
            The conductances as assembled.
        """
        g = np.asarray(junction_conductance, dtype=np.float64)
        if g.shape != (self.n_junctions,):
            raise InputError(
                f"junction_conductance must have shape ({self.n_junctions},) (got {g.shape})"
            )
        top = self.topology
        for t in top.dirichlet_terms:
            self._node_fixed_voltage[top.terminal_nodes[t]] = (
                values[t] if top.terminal_kind[t] == _k.KIND_VOLTAGE else 0.0)
        bad = _k.assemble(
            g, *self._edges, self._node_fixed_voltage,
            top.terminal_kind, self._terminal_free, top.terminal_series_g, values,
            self.diag_pos, self._diagonal, self.data, self.rhs, self._edge_g,
        )
        if bad < 0:
            self._contact_values(values)
        if bad >= 0:
            bad = int(np.flatnonzero(~((g > 0) & (g < np.inf)))[0])
            raise InputError(
                f"junction_conductance must be finite and > 0 S (got {g[bad]!r} at junction "
                f"{bad})"
            )
        return g

    def _contact_values(self, values: np.ndarray) -> None:
        """This step's ``contact_g`` (S), ``contact_v`` (V) and ``current_scale`` (A)."""
        n_edges = self._contact_edge.size
        self.contact_g[:n_edges] = self._edge_g[self._contact_edge]
        self.contact_v[:n_edges] = self._node_fixed_voltage[self._contact_node]
        kind = self.topology.terminal_kind[self._series_terms]
        self.contact_v[n_edges:] = np.where(kind == _k.KIND_VOLTAGE,
                                            values[self._series_terms], 0.0)
        terms = self._current_terms
        self.current_scale = float(np.max(np.abs(values[terms]))) if terms.size else 0.0
        # rounding leaves ~ (degree) eps sum_j |a_ij| |x_j| in r_i and eps sum_c g_c |x| in a
        # terminal sum: bounded here by ROUNDING_EPS times the largest diagonal entry or
        # terminal conductance, per volt
        largest = float(np.max(self.data[self.diag_pos])) if self.n_free else 0.0
        self.row_bound = _k.row_bound(largest)
        if self.contact_g.size:
            largest = max(largest, float(np.max(np.bincount(
                self.contact_term, weights=self.contact_g))))
        self.rounding_conductance = ROUNDING_EPS * largest

    def scatter(self, x: np.ndarray, values: np.ndarray, node_voltage: np.ndarray,
                edge_current: np.ndarray, junction_voltage: np.ndarray,
                terminal_current: np.ndarray, terminal_voltage: np.ndarray) -> None:
        """Node voltages, edge currents, junction voltages and terminal currents/voltages
        from the unknowns.

        Parameters
        ----------
        x : ndarray, shape (n,)
            V, the unknowns solved for the last :meth:`assemble`.
        values : ndarray, shape (K,)
            The source values of that assembly.
        node_voltage : ndarray, shape (N,), out
            V; NaN on excluded nodes.
        edge_current : ndarray, shape (E,), out
            A from ``edge_nodes[:, 0]`` to ``edge_nodes[:, 1]``.
        junction_voltage : ndarray, shape (M,), out
            V across each junction's edge in the same direction; 0 on excluded clusters.
        terminal_current : ndarray, shape (K,), out
            A into the network.
        terminal_voltage : ndarray, shape (K,), out
            V.
        """
        top = self.topology
        edges = self._edges
        _k.scatter_solution(
            x, self.free_node, self.node_free, self._node_fixed_voltage,
            top.node_solved, edges[4], edges[5], edges[1], self._edge_g, *self._kcl,
            self._terminal_edges, self.data, self.diag_pos,
            self._node_terminal, top.terminal_kind, self._terminal_free,
            top.terminal_series_g, values, self._terminal_solved,
            node_voltage, edge_current, junction_voltage, terminal_current, terminal_voltage,
        )
