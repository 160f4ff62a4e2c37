"""The reduced system's per-edge maps: what each edge and terminal is to the solver's kernels.

:class:`~nwn.engine.solver_assembly.ReducedSystem` needs, besides the CSR pattern of the
reduced Laplacian, a handful of per-edge and per-node arrays: which terminal a node is,
which edges are the contacts of ideal sources, which contacts take their current from
Kirchhoff's law at their wire node and which edges meet there, which edges touch a terminal
(:class:`EdgeRoles`); and, in the fill-reducing order, each node's unknown, each edge's rows
and matrix-entry positions, and the off-diagonal entries that more than one edge fills
(:class:`OrderMaps`). Each is a numba kernel of a few passes over the edges; the numpy
formulation they replace made about forty passes over arrays of 10^7 entries (1.7-2.6 s at
a million wires against 0.94-0.99 s, ``benchmarks/bench_edge_maps.py``;
``tests/test_solver_edge_maps.py`` keeps it as the reference they must equal bit for bit).

The roles depend only on *which* nodes are unknowns, not on their order; the order maps
need the order. :func:`edge_maps` runs both kernels in one numba call once the order is
known (one cached kernel to load at every start rather than two), releasing the GIL
(``nogil=True``), so that a solver set up in a worker thread leaves the others running.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from nwn.engine.solver_ordering import _pattern_and_positions

__all__ = ["EdgeRoles", "OrderMaps", "edge_maps"]


class EdgeRoles(NamedTuple):
    """What each edge and node is, whatever the order of the unknowns (:func:`edge_maps`).

    Attributes
    ----------
    node_terminal : ndarray, shape (N,), int64
        Terminal of each node, -1 for the others.
    contact_edge : ndarray, shape (C,), int64
        Edges from an ideal-source (Dirichlet) node to an unknown, ascending.
    contact_node : ndarray, shape (C,), int64
        Their Dirichlet end.
    kcl_edges : ndarray, int32
        Contacts of a solved Dirichlet node to a non-terminal unknown that is the only such
        contact at that node, ascending: their current may come from Kirchhoff's law there.
    kcl_node : ndarray, int32
        Their wire node (each once).
    kcl_ptr : ndarray, shape (len(kcl_edges) + 1,), int64
        ``kcl_codes[kcl_ptr[s]:kcl_ptr[s + 1]]`` are the other edge ends at ``kcl_node[s]``.
    kcl_codes : ndarray, int64
        2 e where the other edge e has its end a at that node, 2 e + 1 where its end b,
        ascending within each node.
    terminal_edges : ndarray, int32
        Edges with an end at a terminal, ascending.
    edge_junction, edge_a, edge_b : ndarray, shape (E,), int32
        ``edge_junction`` and both columns of ``edge_nodes`` narrowed to int32 (the assembly
        kernel streams them every step).
    """

    node_terminal: np.ndarray
    contact_edge: np.ndarray
    contact_node: np.ndarray
    kcl_edges: np.ndarray
    kcl_node: np.ndarray
    kcl_ptr: np.ndarray
    kcl_codes: np.ndarray
    terminal_edges: np.ndarray
    edge_junction: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray


class OrderMaps(NamedTuple):
    """The unknowns' numbering and the edges' places in the matrix (:func:`edge_maps`).

    Attributes
    ----------
    node_free : ndarray, shape (N,), int64
        Unknown of each node, -1 for Dirichlet and excluded nodes.
    indptr, indices : ndarray, int32
        CSR pattern of the reduced Laplacian (both triangles, diagonal included, columns
        ascending).
    diag_pos : ndarray, shape (n,), int64
        Position of each diagonal entry.
    row_a, row_b : ndarray, shape (E,), int32
        Unknown of each edge's ends, -1 where the end is not an unknown or the edge is a
        self-loop.
    pos_ab, pos_ba : ndarray, shape (E,), int32
        Position of each edge's entries (a, b) and (b, a); -1 without entries.
    shared_edges : ndarray, int32
        Edges whose off-diagonal entry another edge also fills (parallel edges), ascending.
    contact_free : ndarray, shape (C,), int64
        Unknown at the free end of each of ``EdgeRoles.contact_edge``.
    """

    node_free: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    diag_pos: np.ndarray
    row_a: np.ndarray
    row_b: np.ndarray
    pos_ab: np.ndarray
    pos_ba: np.ndarray
    shared_edges: np.ndarray
    contact_free: np.ndarray


#: Bits of the per-node flags the kernels look up (one byte a node: a million nodes stay in
#: cache, where four separate arrays of them would not).
_DIRICHLET = 1
_SOLVED = 2
_FREE = 4
_TERMINAL = 8
_KCL_NODE = 16


@numba.njit(cache=True, nogil=True)
def _node_flags(node_solved, node_dirichlet, terminal_nodes, node_terminal):
    n_nodes = node_solved.shape[0]
    flags = np.zeros(n_nodes, dtype=np.uint8)
    for i in range(n_nodes):
        node_terminal[i] = -1
        f = 0
        if node_dirichlet[i]:
            f |= _DIRICHLET
        if node_solved[i]:
            f |= _SOLVED
            if not node_dirichlet[i]:
                f |= _FREE
        flags[i] = f
    for t in range(terminal_nodes.shape[0]):
        node_terminal[terminal_nodes[t]] = t
        flags[terminal_nodes[t]] |= _TERMINAL
    return flags


@numba.njit(cache=True, nogil=True, inline="always")
def _is_contact(fa, fb):
    """Whether an edge joins a Dirichlet node to an unknown."""
    return ((fa & _DIRICHLET) != 0 and (fb & _FREE) != 0) or (
        (fb & _DIRICHLET) != 0 and (fa & _FREE) != 0)


@numba.njit(cache=True, nogil=True, inline="always")
def _fixed(f):
    """Whether a node is a Dirichlet node of a solved cluster."""
    return (f & _DIRICHLET) != 0 and (f & _SOLVED) != 0


@numba.njit(cache=True, nogil=True)
def _edge_roles(edge_nodes, edge_junction, node_solved, node_dirichlet, terminal_nodes,
                node_terminal, edge_junction32, edge_a, edge_b):
    n_nodes = node_solved.shape[0]
    n_edges = edge_nodes.shape[0]
    flags = _node_flags(node_solved, node_dirichlet, terminal_nodes, node_terminal)
    # one pass: the int32 copies, the counts, and how many edges with one fixed end meet at
    # each wire node (saturating at 2: only "exactly one" matters)
    touches = np.zeros(n_nodes, dtype=np.uint8)
    n_contacts = 0
    n_terminal_edges = 0
    n_one_end = 0
    for e in range(n_edges):
        a = edge_nodes[e, 0]
        b = edge_nodes[e, 1]
        edge_junction32[e] = edge_junction[e]
        edge_a[e] = a
        edge_b[e] = b
        fa = flags[a]
        fb = flags[b]
        if _is_contact(fa, fb):
            n_contacts += 1
        if ((fa | fb) & _TERMINAL) != 0:
            n_terminal_edges += 1
        if _fixed(fa) != _fixed(fb):
            n_one_end += 1
            w = b if _fixed(fa) else a
            if touches[w] < 2:
                touches[w] += 1
    contact_edge = np.empty(n_contacts, dtype=np.int64)
    contact_node = np.empty(n_contacts, dtype=np.int64)
    terminal_edges = np.empty(n_terminal_edges, dtype=np.int32)
    # the contacts whose current may come from Kirchhoff's law at their wire node: the only
    # edge with one fixed end there, at an unknown that is no terminal (at most n_one_end)
    kcl_edges = np.empty(n_one_end, dtype=np.int32)
    kcl_node = np.empty(n_one_end, dtype=np.int32)
    eligible = np.zeros(n_edges, dtype=np.bool_)
    c = 0
    t = 0
    n_kcl = 0
    for e in range(n_edges):
        a = edge_nodes[e, 0]
        b = edge_nodes[e, 1]
        fa = flags[a]
        fb = flags[b]
        if _is_contact(fa, fb):
            contact_edge[c] = e
            contact_node[c] = a if (fa & _DIRICHLET) != 0 else b
            c += 1
        if ((fa | fb) & _TERMINAL) != 0:
            terminal_edges[t] = e
            t += 1
        if _fixed(fa) != _fixed(fb):
            w = b if _fixed(fa) else a
            fw = flags[w]
            if (fw & _TERMINAL) == 0 and (fw & _FREE) != 0 and touches[w] == 1:
                eligible[e] = True
                kcl_edges[n_kcl] = e
                kcl_node[n_kcl] = w
                n_kcl += 1
    kcl_edges = kcl_edges[:n_kcl].copy()
    kcl_node = kcl_node[:n_kcl].copy()
    kcl_ptr = np.zeros(n_kcl + 1, dtype=np.int64)
    if n_kcl == 0:
        return (contact_edge, contact_node, kcl_edges, kcl_node, kcl_ptr,
                np.empty(0, dtype=np.int64), terminal_edges)
    slot = np.empty(n_nodes, dtype=np.int32)
    for s in range(n_kcl):
        slot[kcl_node[s]] = s
        flags[kcl_node[s]] |= _KCL_NODE
    # the other edges' ends at those nodes, grouped by node (a counting sort: within a node
    # the codes 2 e + end stay ascending, edge order with end a before end b)
    for e in range(n_edges):
        if not eligible[e]:
            a = edge_nodes[e, 0]
            b = edge_nodes[e, 1]
            if (flags[a] & _KCL_NODE) != 0:
                kcl_ptr[slot[a] + 1] += 1
            if (flags[b] & _KCL_NODE) != 0:
                kcl_ptr[slot[b] + 1] += 1
    for s in range(n_kcl):
        kcl_ptr[s + 1] += kcl_ptr[s]
    kcl_codes = np.empty(kcl_ptr[n_kcl], dtype=np.int64)
    fill = kcl_ptr[:n_kcl].copy()
    for e in range(n_edges):
        if not eligible[e]:
            a = edge_nodes[e, 0]
            b = edge_nodes[e, 1]
            if (flags[a] & _KCL_NODE) != 0:
                kcl_codes[fill[slot[a]]] = 2 * e
                fill[slot[a]] += 1
            if (flags[b] & _KCL_NODE) != 0:
                kcl_codes[fill[slot[b]]] = 2 * e + 1
                fill[slot[b]] += 1
    return contact_edge, contact_node, kcl_edges, kcl_node, kcl_ptr, kcl_codes, terminal_edges


@numba.njit(cache=True, nogil=True)
def _order_maps(edge_nodes, free_node, node_dirichlet, contact_edge, node_free, row_a,
                row_b, pos_ab32, pos_ba32, contact_free):
    n_nodes = node_free.shape[0]
    n_free = free_node.shape[0]
    n_edges = edge_nodes.shape[0]
    for i in range(n_nodes):
        node_free[i] = -1
    for k in range(n_free):
        node_free[free_node[k]] = k
    ra = np.empty(n_edges, dtype=np.int64)
    rb = np.empty(n_edges, dtype=np.int64)
    for e in range(n_edges):
        ra[e] = node_free[edge_nodes[e, 0]]
        rb[e] = node_free[edge_nodes[e, 1]]
    indptr, indices, pos_ab, pos_ba, diag_pos = _pattern_and_positions(ra, rb, n_free)
    # off-diagonal entries that more than one edge fills (parallel edges, either way round)
    # are summed apart by the assembly: count the edges at each entry, saturating at 2
    fills = np.zeros(indices.shape[0], dtype=np.uint8)
    for e in range(n_edges):
        a = ra[e]
        b = rb[e]
        loop = edge_nodes[e, 0] == edge_nodes[e, 1]
        row_a[e] = -1 if loop else a
        row_b[e] = -1 if loop else b
        pos_ab32[e] = pos_ab[e]
        pos_ba32[e] = pos_ba[e]
        if a >= 0 and b >= 0 and not loop:
            if fills[pos_ab[e]] < 2:
                fills[pos_ab[e]] += 1
            if fills[pos_ba[e]] < 2:
                fills[pos_ba[e]] += 1
    n_shared = 0
    for e in range(n_edges):
        if row_a[e] >= 0 and row_b[e] >= 0 and fills[pos_ab[e]] > 1:
            n_shared += 1
    shared_edges = np.empty(n_shared, dtype=np.int32)
    s = 0
    if n_shared:
        for e in range(n_edges):
            if row_a[e] >= 0 and row_b[e] >= 0 and fills[pos_ab[e]] > 1:
                shared_edges[s] = e
                s += 1
    for c in range(contact_edge.shape[0]):
        e = contact_edge[c]
        a = edge_nodes[e, 0]
        contact_free[c] = node_free[edge_nodes[e, 1]] if node_dirichlet[a] else node_free[a]
    return indptr, indices, diag_pos, shared_edges


@numba.njit(cache=True, nogil=True)
def _edge_maps(edge_nodes, edge_junction, node_solved, node_dirichlet, terminal_nodes,
               free_node, node_terminal, edge_junction32, edge_a, edge_b, node_free, row_a,
               row_b, pos_ab, pos_ba):
    roles = _edge_roles(edge_nodes, edge_junction, node_solved, node_dirichlet,
                        terminal_nodes, node_terminal, edge_junction32, edge_a, edge_b)
    contact_edge = roles[0]
    contact_free = np.empty(contact_edge.shape[0], dtype=np.int64)
    maps = _order_maps(edge_nodes, free_node, node_dirichlet, contact_edge, node_free, row_a,
                       row_b, pos_ab, pos_ba, contact_free)
    return roles, maps, contact_free


def edge_maps(edge_nodes: np.ndarray, edge_junction: np.ndarray, node_solved: np.ndarray,
              node_dirichlet: np.ndarray, terminal_nodes: np.ndarray, free_node: np.ndarray
              ) -> tuple[EdgeRoles, OrderMaps]:
    """What each edge and node is to the solver's kernels, and their places in the matrix.

    Parameters
    ----------
    edge_nodes : ndarray, shape (E, 2), int
    edge_junction : ndarray, shape (E,), int
        Junction of each edge, -1 for fixed edges.
    node_solved, node_dirichlet : ndarray, shape (N,), bool
        Nodes of clusters that are solved; ideal-source (Dirichlet) terminal nodes.
    terminal_nodes : ndarray, shape (K,), int
        Node of each terminal.
    free_node : ndarray, shape (n,), int
        Network node of each unknown (a solved node that is not Dirichlet), in the
        fill-reducing order.

    Returns
    -------
    EdgeRoles, OrderMaps
    """
    edge_nodes = np.ascontiguousarray(edge_nodes, dtype=np.int64)
    node_solved = np.ascontiguousarray(node_solved, dtype=np.bool_)
    node_dirichlet = np.ascontiguousarray(node_dirichlet, dtype=np.bool_)
    n_nodes = node_solved.shape[0]
    n_edges = edge_nodes.shape[0]
    if edge_nodes.ndim != 2 or edge_nodes.shape[1] != 2 or node_dirichlet.shape != (n_nodes,):
        raise ValueError(f"edge_maps: edge_nodes must have shape (E, 2) and node_dirichlet "
                         f"shape ({n_nodes},) (got {edge_nodes.shape}, "
                         f"{node_dirichlet.shape})")
    node_terminal = np.empty(n_nodes, dtype=np.int64)
    edge_junction32 = np.empty(n_edges, dtype=np.int32)
    edge_a = np.empty(n_edges, dtype=np.int32)
    edge_b = np.empty(n_edges, dtype=np.int32)
    node_free = np.empty(n_nodes, dtype=np.int64)
    row_a = np.empty(n_edges, dtype=np.int32)
    row_b = np.empty(n_edges, dtype=np.int32)
    pos_ab = np.empty(n_edges, dtype=np.int32)
    pos_ba = np.empty(n_edges, dtype=np.int32)
    ((contact_edge, contact_node, kcl_edges, kcl_node, kcl_ptr, kcl_codes, terminal_edges),
     (indptr, indices, diag_pos, shared_edges), contact_free) = _edge_maps(
        edge_nodes, np.ascontiguousarray(edge_junction, dtype=np.int64), node_solved,
        node_dirichlet, np.ascontiguousarray(terminal_nodes, dtype=np.int64),
        np.ascontiguousarray(free_node, dtype=np.int64), node_terminal, edge_junction32,
        edge_a, edge_b, node_free, row_a, row_b, pos_ab, pos_ba)
    return (EdgeRoles(node_terminal, contact_edge, contact_node, kcl_edges, kcl_node, kcl_ptr,
                      kcl_codes, terminal_edges, edge_junction32, edge_a, edge_b),
            OrderMaps(node_free, indptr, indices, diag_pos, row_a, row_b, pos_ab, pos_ba,
                      shared_edges, contact_free))
