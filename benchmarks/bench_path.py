"""The lowest-resistance path: the compiled Dijkstra against scipy's, same run.

Workload: the ``whole_device`` network (``bench_whole_device.py``) at each of ``--n-wires``
(same density), between its first two electrodes, with the conductances of before a run (every
junction alike: ties everywhere) and of a run under way (junction conductances drawn
log-uniformly over 1e-7..1e-3 S, seeded). The new side is
:func:`nwn.app.models.scene.lowest_resistance_path` on the kept :class:`PathGraph`; the old
one what it did before: the same lightest edge per node pair (the old kernel's rule), a
``coo_matrix -> csr`` of their resistances and ``scipy.sparse.csgraph.dijkstra``, interleaved
``--repeats`` times. Printed per size: wall seconds of one path (range over the repeats), the
ratio of the medians, and the longest the interpreter lock was held during one (the longest gap
of a thread ticking every millisecond meanwhile: what the studio's GUI thread would wait);
and that both paths have the same resistance (the same edges where it is unique).

Usage::

    python benchmarks/bench_path.py [--n-wires 100000 1000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
from bench_whole_device import scaled_scenario

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from gil_support import Ticker  # noqa: E402

from nwn.app.models import path_kernels
from nwn.app.models.scene import PathGraph, lowest_resistance_path
from nwn.engine.build import build_network_from
from nwn.engine.scenario import parse_scenario


def scipy_path(network, conductance, source, target, graph):
    """The path as found before the compiled Dijkstra: scipy's, on a CSR made per call."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    start, end = network.terminal(source), network.terminal(target)
    k = graph.pair_start.size - 1
    chosen, resistance = np.empty(k, dtype=np.int64), np.empty(k)
    path_kernels.pair_resistance(graph.pairs.order, graph.pair_start, conductance, chosen,
                                 resistance)
    keys = graph.pairs.key[graph.pair_start[:-1]][chosen >= 0]
    edges = chosen[chosen >= 0]
    n = network.n_nodes
    a, b = network.edge_nodes[edges, 0], network.edge_nodes[edges, 1]
    matrix = coo_matrix((1.0 / conductance[edges], (a, b)), shape=(n, n)).tocsr()
    _, predecessors = dijkstra(matrix, directed=False, indices=start, return_predecessors=True)
    if predecessors[end] < 0:
        return np.zeros(0, dtype=np.int64)
    nodes = [int(end)]
    while nodes[-1] != start:
        nodes.append(int(predecessors[nodes[-1]]))
    nodes = np.asarray(nodes[::-1], dtype=np.int64)
    lo, hi = np.minimum(nodes[:-1], nodes[1:]), np.maximum(nodes[:-1], nodes[1:])
    return np.asarray(edges[np.searchsorted(keys, lo * n + hi)], dtype=np.int64)


def watched(function):
    """``function()``, its wall seconds and the longest gap (s) of a 1 ms ticker meanwhile."""
    with Ticker(settle=0.02) as ticker:
        start = time.perf_counter()
        result = function()
        end = time.perf_counter()
    return result, end - start, ticker.longest_gap(start, end)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-wires", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for n_wires in args.n_wires:
        network = build_network_from(parse_scenario(scaled_scenario(n_wires))).network
        source, target = network.electrode_names[:2]
        started = time.perf_counter()
        graph = PathGraph.of(network)
        built = time.perf_counter() - started
        before = np.array(network.edge_conductance, dtype=np.float64, copy=True)
        before[np.isnan(before)] = 1.0
        during = before.copy()
        rng = np.random.default_rng(5)
        junctions = np.asarray(network.junction_edge)
        during[junctions] = 10.0 ** rng.uniform(-7, -3, junctions.size)
        lowest_resistance_path(network, before, source, target, graph=graph)  # compile/load
        print(f"{n_wires:,} wires: {network.n_nodes:,} nodes, {network.edge_nodes.shape[0]:,} "
              f"edges, {graph.pair_start.size - 1:,} node pairs; PathGraph built once in "
              f"{built:.2f} s")
        for label, conductance in (("before a run (ties)", before), ("during a run", during)):
            runs = {"numba": [], "scipy": []}
            paths = {}
            for repeat in range(args.repeats):
                for side in ("numba", "scipy") if repeat % 2 == 0 else ("scipy", "numba"):
                    if side == "numba":
                        call = partial(lowest_resistance_path, network, conductance, source,
                                       target, graph=graph)
                    else:
                        call = partial(scipy_path, network, conductance, source, target, graph)
                    paths[side], wall, gap = watched(call)
                    runs[side].append((wall, gap))
            length = {side: float(np.sum(1.0 / conductance[p])) for side, p in paths.items()}
            same = np.array_equal(paths["numba"], paths["scipy"])
            assert np.isclose(length["numba"], length["scipy"], rtol=1e-12, atol=0), length
            for side in ("scipy", "numba"):
                walls = [w for w, _ in runs[side]]
                gaps = [g for _, g in runs[side]]
                print(f"  {label:20s} {side}: {min(walls):.3f}-{max(walls):.3f} s a path, "
                      f"lock held up to {max(gaps) * 1e3:.0f} ms")
            ratio = (statistics.median(w for w, _ in runs["scipy"])
                     / statistics.median(w for w, _ in runs["numba"]))
            print(f"  {label:20s} scipy/numba {ratio:.2f}x; {paths['numba'].size} edges, "
                  f"{length['numba']:.6g} Ohm both, "
                  f"{'the same edges' if same else 'other edges of equal resistance'}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
