"""The solver setup's fast kernels against the slower paths they replace, on random inputs.

Each new kernel must give exactly what the earlier composition gave (the solver's results are
pinned bit for bit): the supernodal structure straight from the matrix against L's full
pattern (:func:`~nwn.engine.supernodal.ldl_symbolic` then
:func:`~nwn.engine.supernodal.symbolic`), the pattern with entry positions against
:func:`~nwn.engine.solver_ordering.symmetric_pattern` then binary searches, the clusters
against scipy's graph traversal.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from nwn.engine import supernodal
from nwn.engine.solver_ordering import (
    entry_positions,
    fill_reducing_order,
    pattern_and_positions,
    symmetric_pattern,
)
from nwn.engine.solver_topology import find_topology
from nwn.engine.sources import Source
from nwn.geometry.network import EDGE_CONTACT, EDGE_JUNCTION, Network

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


def random_graph(n, m, seed, *, hub=False):
    """m random edges on n nodes, with repeated edges and self-loops; ``hub``: node 0 also
    touches most nodes (a row longer than the insertion-sorted ones)."""
    rng = np.random.default_rng(seed)
    edges = rng.integers(0, n, (m, 2))
    if m:
        edges[rng.integers(0, m, max(m // 10, 1))] = edges[0]  # repeats
    if hub and n > 1:
        others = rng.permutation(n)[: max(n - 2, 1)]
        edges = np.concatenate([edges, np.stack([np.zeros_like(others), others], axis=1)])
    return edges


def old_symbolic(indptr, indices, relax):
    lp, li = supernodal.ldl_symbolic(indptr, indices)[:2]
    return supernodal.symbolic(lp, li, relax=relax)


def assert_same_pattern(a, b):
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, field.name
            np.testing.assert_array_equal(x, y, err_msg=field.name)
        else:
            assert type(x) is type(y) and x == y, field.name


def solver_pattern(edges, n):
    """The pattern the solver factorizes: nested dissection, postordered, diagonal."""
    order = fill_reducing_order(np.arange(n), n, edges)
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    return symmetric_pattern(position[edges[:, 0]], position[edges[:, 1]], n, diagonal=True)


@SETTINGS
@given(n=st.integers(0, 400), degree=st.floats(0.0, 6.0), seed=st.integers(0, 2**31),
       relax=st.booleans(), hub=st.booleans())
def test_supernodes_from_the_matrix_equal_those_from_the_factor_pattern(n, degree, seed,
                                                                        relax, hub):
    edges = random_graph(n, int(degree * n), seed, hub=hub).reshape(-1, 2)
    if n <= 2:  # the order needs no METIS below three nodes
        ab = symmetric_pattern(edges[:, 0], edges[:, 1], n, diagonal=True)
    else:
        ab = solver_pattern(edges, n)
    assert_same_pattern(supernodal.symbolic_from_matrix(*ab, relax=relax),
                        old_symbolic(*ab, relax))


@pytest.mark.parametrize("shuffle", [False, True], ids=["natural", "random order"])
def test_supernodes_from_the_matrix_on_a_grid_and_without_postorder(shuffle):
    # a grid in its natural (banded) order has long nested chains; a random order of a
    # random graph postordered by etree_postorder is the other extreme
    side = 25
    idx = np.arange(side * side).reshape(side, side)
    edges = np.stack([np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()],
                      np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]], axis=1)
    n = side * side
    if shuffle:
        perm = np.random.default_rng(4).permutation(n)
        edges = perm[edges]
        indptr, indices = symmetric_pattern(edges[:, 0], edges[:, 1], n, diagonal=True)
        post = supernodal.etree_postorder(indptr, indices)
        position = np.empty(n, dtype=np.int64)
        position[post] = np.arange(n)
        edges = position[edges]
    ab = symmetric_pattern(edges[:, 0], edges[:, 1], n, diagonal=False)  # no diagonal
    for relax in (True, False):
        assert_same_pattern(supernodal.symbolic_from_matrix(*ab, relax=relax),
                            old_symbolic(*ab, relax))


@SETTINGS
@given(n=st.integers(0, 300), degree=st.floats(0.0, 8.0), seed=st.integers(0, 2**31),
       hub=st.booleans())
def test_pattern_and_positions_equal_the_pattern_then_binary_searches(n, degree, seed, hub):
    rng = np.random.default_rng(seed)
    edges = random_graph(max(n, 1), int(degree * n), seed, hub=hub).reshape(-1, 2)
    # some ends are not unknowns (-1), as for edges to eliminated or excluded nodes
    edges = np.where(rng.uniform(size=edges.shape) < 0.1, -1, edges) if n else edges[:0]
    ra, rb = edges[:, 0], edges[:, 1]
    indptr, indices, pos_ab, pos_ba, diag_pos = pattern_and_positions(ra, rb, n)
    ref_indptr, ref_indices = symmetric_pattern(ra, rb, n, diagonal=True)
    for got, ref in ((indptr, ref_indptr), (indices, ref_indices)):
        assert got.dtype == ref.dtype
        np.testing.assert_array_equal(got, ref)
    both = (ra >= 0) & (rb >= 0) & (ra != rb)
    np.testing.assert_array_equal(
        pos_ab, np.where(both, entry_positions(ref_indptr, ref_indices, ra, rb), -1))
    np.testing.assert_array_equal(
        pos_ba, np.where(both, entry_positions(ref_indptr, ref_indices, rb, ra), -1))
    diagonal = np.arange(n)
    np.testing.assert_array_equal(
        diag_pos, entry_positions(ref_indptr, ref_indices, diagonal, diagonal))


def test_long_rows_are_sorted_too():
    # a node with 200 neighbours in random order (an electrode's node): past insertion sort
    rng = np.random.default_rng(3)
    n = 201
    others = rng.permutation(np.arange(1, n))
    indptr, indices = symmetric_pattern(np.zeros(others.size, dtype=int), others, n,
                                        diagonal=True)
    np.testing.assert_array_equal(indices[indptr[0]:indptr[1]], np.arange(n))


def chain_network(n_wires, edges, seed):
    """A JDA network of ``n_wires`` wires joined by ``edges``, with electrode 'a' on wire 0
    and 'b' on the last wire, and a floating electrode 'c' on a random wire."""
    rng = np.random.default_rng(seed)
    t = n_wires
    contacts = np.array([[t, 0], [t + 1, n_wires - 1], [t + 2, rng.integers(n_wires)]])
    edge_nodes = np.concatenate([edges, contacts]).astype(np.int64)
    m = edges.shape[0]
    kind = np.r_[np.full(m, EDGE_JUNCTION), np.full(3, EDGE_CONTACT)].astype(np.int8)
    return Network(
        mode="jda", n_nodes=n_wires + 3, edge_nodes=edge_nodes, edge_kind=kind,
        edge_conductance=np.r_[np.full(m, np.nan), np.full(3, 1e3)],
        junction_edge=np.arange(m, dtype=np.int64),
        edge_junction=np.r_[np.arange(m), np.full(3, -1)].astype(np.int64),
        node_wire=np.r_[np.arange(n_wires), np.full(3, -1)].astype(np.int64),
        node_position=np.zeros((n_wires + 3, 2)), terminal_nodes=np.arange(t, t + 3),
        electrode_names=("a", "b", "c"), component=np.zeros(n_wires + 3, dtype=np.int64),
    )


@pytest.mark.parametrize("seed", range(6))
def test_clusters_are_numbered_as_scipy_numbers_them(seed):
    rng = np.random.default_rng(seed)
    n_wires = int(rng.integers(5, 200))
    edges = rng.integers(0, n_wires, (int(rng.integers(0, 2 * n_wires)), 2))
    network = chain_network(n_wires, edges, seed)
    topology = find_topology(network, (Source("voltage", 1.0), Source("ground"),
                                       Source("floating")))
    adjacency = sp.coo_matrix((np.ones(network.edge_nodes.shape[0]),
                               tuple(network.edge_nodes.T)),
                              shape=(network.n_nodes,) * 2)
    n_comp, label = connected_components(adjacency, directed=False)
    assert topology.n_components == n_comp
    reached = np.isin(label, label[network.terminal_nodes[:2]])
    np.testing.assert_array_equal(topology.node_solved, reached)
    excluded = [c.label for c in topology.excluded_components]
    assert excluded == [c for c in range(n_comp) if not reached[label == c].any()]
    for c in topology.excluded_components:
        members = np.flatnonzero(label == c.label)
        assert c.n_nodes == members.size
        assert c.n_wires == np.count_nonzero(network.node_wire[members] >= 0)
