"""The reduced system's edge maps (numba kernels, :mod:`nwn.engine.solver_edge_maps`) against
the numpy formulation they replaced, kept here as the reference.

Every array :class:`~nwn.engine.solver_assembly.ReducedSystem` builds must be exactly what the
numpy passes gave (same dtype, same values, same order): the solver's results are pinned bit
for bit (tests/test_solver.py). The networks have self-loops, parallel edges sharing an
off-diagonal entry, fixed wire edges, ideal and series-resistance voltage sources, a current
source, a floating electrode, an edge between two terminals, and clusters left unsolved
(one touched only by the floating electrode, one touching no electrode).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_solver import random_network

from nwn.engine import solver_kernels as _k
from nwn.engine.solver_assembly import ReducedSystem
from nwn.engine.solver_edge_maps import edge_maps
from nwn.engine.solver_ordering import fill_reducing_order, pattern_and_positions
from nwn.engine.solver_topology import find_topology
from nwn.engine.sources import Source, as_source
from nwn.geometry.network import EDGE_CONTACT, EDGE_JUNCTION, EDGE_WIRE, Network


def reference_maps(network, topology):
    """The arrays of ReducedSystem.__init__ as its numpy formulation (before the kernels)
    computed them, by attribute name."""
    n_nodes = int(network.n_nodes)
    edge_nodes = np.ascontiguousarray(network.edge_nodes, dtype=np.int64)
    edge_junction = np.ascontiguousarray(network.edge_junction, dtype=np.int64)
    edge_conductance = np.ascontiguousarray(network.edge_conductance, dtype=np.float64)
    node_solved = topology.node_solved
    node_dirichlet = topology.node_dirichlet
    terminal_nodes = topology.terminal_nodes
    n_terms = terminal_nodes.shape[0]

    free_natural = np.flatnonzero(node_solved & ~node_dirichlet)
    n_free = free_natural.size
    free_node = free_natural[fill_reducing_order(free_natural, n_nodes, edge_nodes)]
    node_free = np.full(n_nodes, -1, dtype=np.int64)
    node_free[free_node] = np.arange(n_free, dtype=np.int64)

    ra = node_free[edge_nodes[:, 0]]
    rb = node_free[edge_nodes[:, 1]]
    indptr, indices, edge_offdiag_ab, edge_offdiag_ba, diag_pos = pattern_and_positions(
        ra, rb, n_free)

    node_terminal = np.full(n_nodes, -1, dtype=np.int64)
    node_terminal[terminal_nodes] = np.arange(n_terms, dtype=np.int64)

    dir_a = node_dirichlet[edge_nodes[:, 0]]
    dir_b = node_dirichlet[edge_nodes[:, 1]]
    contact = np.flatnonzero((dir_a & (rb >= 0)) | (dir_b & (ra >= 0)))
    source_end = np.where(dir_a[contact], edge_nodes[contact, 0], edge_nodes[contact, 1])
    series = np.flatnonzero((topology.terminal_series_g > 0)
                            & (node_free[terminal_nodes] >= 0))
    out = {"_contact_edge": contact, "_contact_node": source_end, "_series_terms": series}
    out["contact_free"] = np.concatenate([
        np.where(dir_a[contact], rb[contact], ra[contact]),
        node_free[terminal_nodes[series]]]).astype(np.int64)
    out["contact_term"] = np.concatenate([node_terminal[source_end], series]).astype(np.int64)
    out["contact_g"] = np.zeros(out["contact_free"].size)
    out["contact_v"] = np.zeros(out["contact_free"].size)
    out["contact_g"][contact.size:] = topology.terminal_series_g[series]
    out["_current_terms"] = np.flatnonzero((topology.terminal_kind == _k.KIND_CURRENT)
                                           & topology.node_solved[terminal_nodes])

    fixed_a = node_dirichlet[edge_nodes[:, 0]] & node_solved[edge_nodes[:, 0]]
    fixed_b = node_dirichlet[edge_nodes[:, 1]] & node_solved[edge_nodes[:, 1]]
    one_end = fixed_a ^ fixed_b
    wire_end = np.where(fixed_a, edge_nodes[:, 1], edge_nodes[:, 0])
    touches = np.bincount(wire_end[one_end], minlength=n_nodes)
    eligible = (one_end & (node_terminal[wire_end] < 0) & (node_free[wire_end] >= 0)
                & (touches[wire_end] == 1))
    edge_kcl_node = np.where(eligible, wire_end, -1).astype(np.int64)

    loop = edge_nodes[:, 0] == edge_nodes[:, 1]
    both = (ra >= 0) & (rb >= 0) & ~loop
    fills = np.bincount(np.concatenate([edge_offdiag_ab[both], edge_offdiag_ba[both]]),
                        minlength=indices.size)
    shared = both.copy()
    shared[both] = fills[edge_offdiag_ab[both]] > 1
    out["_edges"] = (np.ascontiguousarray(edge_conductance),) + tuple(
        np.ascontiguousarray(a, dtype=np.int32) for a in (
            edge_junction, np.where(loop, -1, ra), np.where(loop, -1, rb),
            edge_nodes[:, 0], edge_nodes[:, 1], edge_offdiag_ab, edge_offdiag_ba,
            np.flatnonzero(shared)))
    out["_edge_nodes"] = edge_nodes
    kcl_edges = np.flatnonzero(edge_kcl_node >= 0)
    kcl_node = edge_kcl_node[kcl_edges]
    slot = np.full(n_nodes, -1, dtype=np.int64)
    slot[kcl_node] = np.arange(kcl_edges.size)
    others = edge_kcl_node < 0
    ends = np.stack([np.where(others, slot[edge_nodes[:, 0]], -1),
                     np.where(others, slot[edge_nodes[:, 1]], -1)], axis=1).ravel()
    codes = np.flatnonzero(ends >= 0)
    by_slot = np.argsort(ends[codes], kind="stable")
    out["_kcl"] = (kcl_edges.astype(np.int32), kcl_node.astype(np.int32),
                   np.concatenate([[0], np.cumsum(np.bincount(
                       ends[codes], minlength=kcl_edges.size))]).astype(np.int64),
                   codes[by_slot].astype(np.int64))
    out["_terminal_edges"] = np.flatnonzero(
        (node_terminal[edge_nodes[:, 0]] >= 0) | (node_terminal[edge_nodes[:, 1]] >= 0)
    ).astype(np.int32)
    out["_node_terminal"] = node_terminal
    out["_terminal_free"] = node_free[terminal_nodes].copy()
    out["_terminal_solved"] = node_solved[terminal_nodes].copy()
    out["free_node"] = free_node.astype(np.int64)
    out["node_free"] = node_free
    out["indptr"] = indptr
    out["indices"] = indices
    out["diag_pos"] = diag_pos
    out["data"] = np.zeros(indices.size, dtype=np.float64)
    out["rhs"] = np.zeros(n_free, dtype=np.float64)
    out["_diagonal"] = np.zeros(n_free, dtype=np.float64)
    out["_edge_g"] = np.zeros(edge_nodes.shape[0], dtype=np.float64)
    out["_node_fixed_voltage"] = np.zeros(n_nodes, dtype=np.float64)
    return out


def assert_identical(name, got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), name
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_identical(f"{name}[{k}]", g, w)
        return
    assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    np.testing.assert_array_equal(got, want, err_msg=name)


def check_against_reference(network, sources):
    topology = find_topology(network, tuple(as_source(s, "s") for s in sources))
    system = ReducedSystem(network, topology)
    reference = reference_maps(network, topology)
    for name, want in reference.items():
        assert_identical(name, getattr(system, name), want)
    return system, reference


def film_network(seed, n_wires=60):
    """A JDA network with self-loops, repeated junctions, fixed wire edges, five electrodes
    (the floating one alone on a cluster of its own, and joined to the voltage terminal by an
    edge), a cluster touching no electrode, and wire nodes touched by two electrodes."""
    rng = np.random.default_rng(seed)
    main = n_wires - 10  # wires 0..main-1 the driven cluster, then two clusters of 5
    m = int(rng.integers(main, 3 * main))
    edges = rng.integers(0, main, (m, 2))
    edges[rng.integers(0, m, m // 8)] = edges[0]  # parallel edges: a shared off-diagonal
    loops = rng.integers(0, main, 4)
    edges = np.concatenate([edges, np.stack([loops, loops], axis=1),
                            [[main + i, main + i + 1] for i in range(4)],
                            [[main + 5 + i, main + 6 + i] for i in range(4)],
                            [[main + 7, main + 7]]])
    n_junctions = edges.shape[0]
    wire_edges = rng.integers(0, main, (main // 4, 2))
    terminal = {name: n_wires + k for k, name in enumerate(("v", "vs", "g", "i", "f"))}
    contacts = []
    for name in ("v", "vs", "g", "i"):
        for w in rng.choice(main, int(rng.integers(1, 5)), replace=False):
            contacts.append((terminal[name], int(w)))
    contacts.append((int(rng.integers(0, main)), terminal["g"]))  # wire end first
    contacts.append((terminal["f"], main + 2))  # the floating electrode's own cluster
    contacts.append((terminal["f"], terminal["v"]))  # terminal to terminal
    contacts = np.array(contacts, dtype=np.int64)
    edge_nodes = np.concatenate([edges, wire_edges, contacts]).astype(np.int64)
    n_edges = edge_nodes.shape[0]
    kind = np.r_[np.full(n_junctions, EDGE_JUNCTION), np.full(len(wire_edges), EDGE_WIRE),
                 np.full(len(contacts), EDGE_CONTACT)].astype(np.int8)
    conductance = np.r_[np.full(n_junctions, np.nan),
                        rng.uniform(0.5, 2.0, n_edges - n_junctions)]
    n_nodes = n_wires + len(terminal)
    return Network(
        mode="jda", n_nodes=n_nodes, edge_nodes=edge_nodes, edge_kind=kind,
        edge_conductance=conductance, junction_edge=np.arange(n_junctions, dtype=np.int64),
        edge_junction=np.r_[np.arange(n_junctions), np.full(n_edges - n_junctions, -1)]
        .astype(np.int64),
        node_wire=np.r_[np.arange(n_wires), np.full(len(terminal), -1)].astype(np.int64),
        node_position=np.zeros((n_nodes, 2)),
        terminal_nodes=np.array(list(terminal.values()), dtype=np.int64),
        electrode_names=tuple(terminal), component=np.zeros(n_nodes, dtype=np.int64))


FILM_SOURCES = (Source("voltage", 1.0), Source("voltage", 0.5, series_resistance=20.0),
                Source("ground"), Source("current", 1e-3), Source("floating"))


@pytest.mark.parametrize("seed", range(8))
def test_film_maps_equal_the_numpy_formulation(seed):
    network = film_network(seed)
    system, reference = check_against_reference(network, FILM_SOURCES)
    # the cases are there: unsolved clusters, self-loops, shared entries, KCL contacts,
    # a series resistance and a current source among the terminals
    assert not np.all(system.topology.node_solved)
    edges = network.edge_nodes
    assert np.any((edges[:, 0] == edges[:, 1]) & system.topology.node_solved[edges[:, 0]])
    assert system._edges[8].size > 0
    assert system._kcl[0].size > 0 and system._kcl[3].size > 0
    assert system._series_terms.size == 1 and system._current_terms.size == 1


@pytest.mark.parametrize("seed", [31, 5, 17])
def test_random_geometric_maps_equal_the_numpy_formulation(seed):
    network, _ = random_network(seed, n=150, radius=0.15)
    check_against_reference(network, (("voltage", 1.0, 40.0), ("ground",),
                                      ("current", 2e-3), ("floating",)))
    # all ideal: every pad's contacts are Dirichlet contacts
    check_against_reference(network, (("voltage", 1.0), ("ground",), ("voltage", -1.0),
                                      ("ground",)))


def two_terminal_network(edge_nodes, n_wire_nodes):
    """Contacts only: wire nodes 0..n-1, terminals 'a' and 'b' after them."""
    edge_nodes = np.asarray(edge_nodes, dtype=np.int64).reshape(-1, 2)
    n_nodes = n_wire_nodes + 2
    n_edges = edge_nodes.shape[0]
    return Network(
        mode="jda", n_nodes=n_nodes, edge_nodes=edge_nodes,
        edge_kind=np.full(n_edges, EDGE_CONTACT, dtype=np.int8),
        edge_conductance=np.linspace(1.0, 2.0, n_edges),
        junction_edge=np.zeros(0, dtype=np.int64),
        edge_junction=np.full(n_edges, -1, dtype=np.int64),
        node_wire=np.r_[np.arange(n_wire_nodes), [-1, -1]].astype(np.int64),
        node_position=np.zeros((n_nodes, 2)),
        terminal_nodes=np.array([n_wire_nodes, n_wire_nodes + 1], dtype=np.int64),
        electrode_names=("a", "b"), component=np.zeros(n_nodes, dtype=np.int64))


def test_small_networks_equal_the_numpy_formulation():
    check_against_reference(film_network(0, n_wires=16), FILM_SOURCES)
    ideal = (("voltage", 1.0), ("ground",))
    # one unknown between the terminals (the wire node's two contacts: no KCL contact)
    system, _ = check_against_reference(two_terminal_network([[1, 0], [0, 2]], 1), ideal)
    assert system.n_free == 1 and system._kcl[0].size == 0
    # no unknown at all: parallel edges between the two terminals
    system, _ = check_against_reference(two_terminal_network([[0, 1], [0, 1]], 0), ideal)
    assert system.n_free == 0
    # a series resistance makes the terminal an unknown
    check_against_reference(two_terminal_network([[1, 0], [0, 2]], 1),
                            (("voltage", 1.0, 5.0), ("ground",)))


def test_kernels_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="node_dirichlet"):
        edge_maps(np.zeros((3, 2), dtype=np.int64), np.zeros(3), np.ones(4, dtype=bool),
                  np.ones(3, dtype=bool), np.zeros(1), np.zeros(0))
    with pytest.raises(ValueError, match="edge_nodes"):
        edge_maps(np.zeros((3, 3), dtype=np.int64), np.zeros(3), np.ones(4, dtype=bool),
                  np.ones(4, dtype=bool), np.zeros(1), np.zeros(0))

