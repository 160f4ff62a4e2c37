"""The compiled lowest-resistance path (:mod:`nwn.app.models.path_kernels`) against scipy's
Dijkstra: the same edges where the shortest path is unique, as short a path on ties."""


import numpy as np
import pytest
from gil_support import ticks_during_calls
from path_support import assert_shortest, scipy_path

from nwn.app.models import path_kernels
from nwn.app.models.scene import PathGraph, lowest_resistance_path
from nwn.geometry.network import Network


def _random_network(rng, n_nodes, n_edges, *, parallel=0):
    """A random graph on ``n_nodes`` (a chain through them, so mostly connected, plus random
    edges and ``parallel`` repeats of existing ones, some reversed); terminals 0 and N - 1."""
    chain = np.stack([np.arange(n_nodes - 1), np.arange(1, n_nodes)], axis=1)
    chain = chain[rng.random(n_nodes - 1) < 0.7]  # gaps: the path has to go around
    extra = rng.integers(0, n_nodes, (n_edges, 2))
    edges = np.concatenate([chain, extra[extra[:, 0] != extra[:, 1]]])
    if parallel:
        again = edges[rng.integers(0, len(edges), parallel)]
        flip = rng.random(parallel) < 0.5
        again[flip] = again[flip][:, ::-1]
        edges = np.concatenate([edges, again])
    edges = edges[rng.permutation(len(edges))].astype(np.int64)
    return Network(mode="jda", n_nodes=n_nodes, edge_nodes=edges,
                   edge_kind=np.zeros(len(edges), np.int8),
                   edge_conductance=np.ones(len(edges)), junction_edge=np.arange(len(edges)),
                   edge_junction=np.arange(len(edges)), electrode_names=("a", "b"),
                   terminal_nodes=np.array([0, n_nodes - 1]),
                   node_position=np.zeros((n_nodes, 2)), node_wire=np.arange(n_nodes),
                   component=np.zeros(n_nodes, np.int64))


@pytest.mark.parametrize("seed", range(6))
def test_unique_shortest_paths_are_scipys_edges(seed):
    rng = np.random.default_rng(100 + seed)
    n = [30, 200, 2000][seed % 3]
    network = _random_network(rng, n, 2 * n, parallel=n // 4)
    graph = PathGraph.of(network)
    for trial in range(4):
        conductance = rng.uniform(1e-6, 1e-3, network.edge_nodes.shape[0])
        if trial % 2:  # unusable edges: left out
            conductance[rng.random(conductance.size) < 0.15] = rng.choice([0.0, np.nan])
        for pair in (("a", "b"), ("b", "a")):
            path = lowest_resistance_path(network, conductance, *pair, graph=graph)
            assert_shortest(network, conductance, *pair, path, same_edges=True)


@pytest.mark.parametrize("seed", range(4))
def test_tied_paths_are_as_short_as_scipys(seed):
    rng = np.random.default_rng(200 + seed)
    n = [50, 500, 3000, 300][seed]
    network = _random_network(rng, n, 2 * n, parallel=n // 3)
    graph = PathGraph.of(network)
    n_edges = network.edge_nodes.shape[0]
    for conductance in (np.full(n_edges, 1e-6),  # every junction alike: the pre-run path
                        rng.choice([1e-6, 2e-6, 4e-6, 0.0, np.nan], n_edges)):
        for pair in (("a", "b"), ("b", "a")):
            path = lowest_resistance_path(network, conductance, *pair, graph=graph)
            assert_shortest(network, conductance, *pair, path, same_edges=False)
            # deterministic: the same path again, and with the structure made afresh
            np.testing.assert_array_equal(
                lowest_resistance_path(network, conductance, *pair), path)


def test_not_connected_is_empty():
    rng = np.random.default_rng(7)
    network = _random_network(rng, 400, 800)
    conductance = rng.uniform(1.0, 2.0, network.edge_nodes.shape[0])
    ends = network.edge_nodes
    conductance[(ends == 0).any(axis=1)] = 0.0  # terminal a cut off
    assert scipy_path(network, conductance, "a", "b")[0].size == 0
    path = lowest_resistance_path(network, conductance, "a", "b")
    assert path.dtype == np.int64 and path.size == 0
    conductance[:] = np.nan
    assert lowest_resistance_path(network, conductance, "b", "a").size == 0


def test_ties_go_to_the_lower_node_index():
    # a square 0-1-3 / 0-2-3 of equal resistances: node 1 is settled before node 2, and 3 is
    # reached first (and only strictly shorter paths replace a predecessor) through it
    edges = np.array([(0, 2), (0, 1), (2, 3), (1, 3)], dtype=np.int64)
    network = Network(mode="jda", n_nodes=4, edge_nodes=edges, edge_kind=np.zeros(4, np.int8),
                      edge_conductance=np.ones(4), junction_edge=np.arange(4),
                      edge_junction=np.arange(4), electrode_names=("a", "b"),
                      terminal_nodes=np.array([0, 3]), node_position=np.zeros((4, 2)),
                      node_wire=np.arange(4), component=np.zeros(4, np.int64))
    assert lowest_resistance_path(network, np.ones(4), "a", "b").tolist() == [1, 3]
    assert lowest_resistance_path(network, np.ones(4), "b", "a").tolist() == [3, 1]


def test_bad_arguments_are_refused():
    graph = PathGraph.of(_random_network(np.random.default_rng(1), 10, 10))
    k = graph.pair_start.size - 1
    args = (graph.indptr, graph.neighbor, graph.pair, np.arange(k), np.ones(k))
    with pytest.raises(ValueError, match="start, end: 0, 10 not both nodes in 0..9"):
        path_kernels.dijkstra_path(*args, 0, 10)
    with pytest.raises(ValueError, match="weight: shape"):
        path_kernels.dijkstra_path(*args[:4], np.ones(k + 1), 0, 9)
    assert path_kernels.dijkstra_path(*args, 4, 4).size == 0


def test_the_path_releases_the_gil():
    """A Python thread keeps running while the path is found on a 200,000-node graph."""
    rng = np.random.default_rng(11)
    network = _random_network(rng, 200_000, 400_000, parallel=20_000)
    graph = PathGraph.of(network)
    conductance = rng.uniform(1e-6, 1e-3, network.edge_nodes.shape[0])
    assert lowest_resistance_path(network, conductance, "a", "b", graph=graph).size
    during, calls, elapsed = ticks_during_calls(
        lambda: lowest_resistance_path(network, conductance, "a", "b", graph=graph))
    # Released, the counter ticked 303 times in 6 calls (0.34 s, load 1.1); through scipy's
    # Dijkstra on the same graph, which holds the lock but in its numpy set-up, 32 times in 5
    # calls: so besides tests/test_solver_ordering.py's 20 ticks and 4 a call, 0.2 of the
    # ticks an idle counter makes (0.76 of them at load 8 in that test)
    assert during >= max(20, 4 * calls, 0.2 * elapsed / 0.001), (during, calls, elapsed)


def test_the_warm_up_compiles_the_path_kernels():
    """In a fresh process (nothing compiled yet), the launch warm-up's path step compiles
    (or loads from numba's cache) every path kernel."""
    import subprocess
    import sys

    code = ("from nwn.app.models import path_kernels, warmup\n"
            "kernels = [path_kernels.pair_adjacency, path_kernels.pair_resistance,\n"
            "           path_kernels._dijkstra, path_kernels._walk_back]\n"
            "assert not any(k.signatures for k in kernels)\n"
            "warmup._warm_path()\n"
            "print([len(k.signatures) for k in kernels])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[1,", "1,", "1,", "1]"]
