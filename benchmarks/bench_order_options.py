"""METIS_NodeND's options: its time against the default's, next to the factor each order gives.

Workload: the JDA networks of ``bench_setup.py`` (``bench_solver.jda_network``, seeded with
the wire count or ``--seeds``), or with ``--film`` the whole_device preset's film at the same
density (``bench_whole_device.py``'s scaling), ordered as ``CircuitSolver`` orders them: the
graph of the reduced Laplacian over the free nodes
(:func:`nwn.engine.solver_ordering._free_graph`), METIS's nested dissection with the fixed
seed, then the elimination-tree postorder.

Each option set of ``OPTION_SETS`` is handed to METIS on top of the defaults and the seed
(through the engine's ctypes call; the indices are pymetis's ``OptionKey``, which mirrors the
``metis.h`` its library was built with); the sets run interleaved, ``--repeats`` times, on
the same graph in the same process.
Printed per size and set:

- METIS's CPU seconds, median (range), and the ratio of medians to the default's;
- the factor of the resulting order, from the engine's symbolic factorization
  (:func:`nwn.engine.supernodal.symbolic_from_matrix`, supernodes relaxed as the solver's):
  entries of L and multiply-adds of one factorization, and the entries of the supernodal
  panels (what each triangular solve of the preconditioner reads: the per-step solve cost),
  as ratios to the default's;
- whether the order was the same permutation on every repeat (METIS's determinism);
- once per size: the CPU seconds of one ``CircuitSolver`` build (both threads: METIS runs on
  a worker) and METIS's share of it, to show where METIS starts to dominate set-up.

Usage::

    python benchmarks/bench_order_options.py [--sizes 10000 100000] [--repeats 3]
        [--seeds 1 2 3 | --film] [--sets default niter1 ...]

(``--sizes 1000000`` takes about a minute per set and several GB of memory.)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_setup import SOURCES, cpu_timed
from bench_solver import jda_network

from nwn.engine import supernodal
from nwn.engine.solver import CircuitSolver
from nwn.engine.solver_ordering import (
    _free_graph,
    _nested_dissection,
    metis_options,
    symmetric_pattern,
)

#: Option sets tried, by name: {pymetis.OptionKey name: value} on top of METIS's defaults.
#: METIS 5.1's NodeND defaults: CTYPE 1 (sorted heavy-edge matching; 0 random), IPTYPE 2
#: (edge separator; 3 grow a node separator), RTYPE 3 (one-sided FM; 2 two-sided), NITER 10,
#: NSEPS 1, UFACTOR 200 (1.2 balance), NO2HOP 0 (2-hop matching where coarsening stalls),
#: COMPRESS 1 (merge vertices of equal adjacency), CCORDER 0 (components apart), PFACTOR 0
#: (no dense-row removal; the electrodes, the only dense rows, are fixed, not free).
OPTION_SETS = {
    "default": {},
    "niter1": {"NITER": 1},
    "niter2": {"NITER": 2},
    "niter3": {"NITER": 3},
    "niter5": {"NITER": 5},
    "rtype2": {"RTYPE": 2},
    "ctype0": {"CTYPE": 0},
    "iptype3": {"IPTYPE": 3},
    "no2hop": {"NO2HOP": 1},
    "compress0": {"COMPRESS": 0},
    "ccorder1": {"CCORDER": 1},
    "ufactor400": {"UFACTOR": 400},
    "niter1+rtype2": {"NITER": 1, "RTYPE": 2},
    "niter2+rtype2": {"NITER": 2, "RTYPE": 2},
    "niter2+no2hop+compress0": {"NITER": 2, "NO2HOP": 1, "COMPRESS": 0},
    "niter1+compress0": {"NITER": 1, "COMPRESS": 0},
    "niter1+ufactor400": {"NITER": 1, "UFACTOR": 400},
    "niter1+compress0+ufactor300": {"NITER": 1, "COMPRESS": 0, "UFACTOR": 300},
    "niter1+no2hop+compress0": {"NITER": 1, "NO2HOP": 1, "COMPRESS": 0},
}


def metis_order(indptr, indices, options):
    """METIS_NodeND's permutation (``perm``) of a graph with ``options`` over the defaults."""
    return _nested_dissection(indptr, indices, options)


def factor_of(indptr, indices, order):
    """The postordered order's supernodal pattern: (nnz(L), multiply-adds, panel entries)."""
    order = order[supernodal.etree_postorder(indptr, indices, order)]
    n = order.size
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    keep = rows < indices  # each edge once
    p_indptr, p_indices = symmetric_pattern(position[rows[keep]], position[indices[keep]], n,
                                            diagonal=True)
    pattern = supernodal.symbolic_from_matrix(p_indptr, p_indices)
    return pattern.nnz, pattern.multiply_adds, pattern.panel_size


def spread(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{np.median(v):.3f} ({v.min():.3f}-{v.max():.3f})"


def film_network(n_wires: int):
    """The ``whole_device`` preset's film scaled to ``n_wires`` (as ``bench_whole_device.py``
    builds it), and sources on its first two electrodes."""
    from bench_whole_device import scaled_scenario

    from nwn.engine.build import build_network_from
    from nwn.engine.scenario import parse_scenario

    built = build_network_from(parse_scenario(scaled_scenario(n_wires)))
    first, second = (e.name for e in built.electrodes[:2])
    return built.network, {first: ("voltage", 1.0), second: ("ground",)}


def run_size(n_wires: int, repeats: int, names, seed: int | None) -> None:
    """One network: the JDA network of ``seed``, or with None the whole_device film."""
    if seed is None:
        network, sources = film_network(n_wires)
    else:
        network, sources = jda_network(n_wires, seed=seed)[0], SOURCES
    CircuitSolver(network, sources)  # compile / load the kernels at this size's types
    _, build_cpu, solver = cpu_timed(CircuitSolver, network, sources)
    free = np.sort(solver._system.free_node)
    nnz_engine = solver.nnz_factor
    del solver
    indptr, indices = _free_graph(free, int(network.n_nodes),
                                  np.asarray(network.edge_nodes, dtype=np.int64))
    cpu = {k: [] for k in names}
    first = {}
    same = {k: True for k in names}
    for _ in range(repeats):
        for k in names:
            _, c, order = cpu_timed(metis_order, indptr, indices, OPTION_SETS[k])
            cpu[k].append(c)
            if k not in first:
                first[k] = order
            elif not np.array_equal(order, first[k]):
                same[k] = False
    fill = {k: factor_of(indptr, indices, first[k]) for k in names}
    base = names[0]
    # the set the solver itself uses at this size, if measured, gives the solver's factor
    for k in names:
        if OPTION_SETS[k] == metis_options(free.size) and fill[k][0] != nnz_engine:
            raise AssertionError(f"nnz(L) {fill[k][0]} of {k} is not the solver's {nnz_engine}")
    t_base = np.median(cpu[base])
    label = "whole_device film" if seed is None else f"JDA seed {seed}"
    print(f"{n_wires:>8} wires ({label}) {free.size:>8} unknowns: CircuitSolver build CPU "
          f"{build_cpu:.3f} s, METIS ({base}) {t_base:.3f} s = {t_base / build_cpu:.0%} of "
          f"it (CPU s, median (range) of {repeats}; ratios to {base})")
    for k in names:
        nnz, madds, panel = fill[k]
        print(f"  {k:>24}: METIS {spread(cpu[k])}  time {np.median(cpu[k]) / t_base:.2f}  "
              f"nnz(L) {nnz / fill[base][0]:.3f}  multiply-adds {madds / fill[base][1]:.3f}  "
              f"solve (panel) {panel / fill[base][2]:.3f}  "
              f"{'deterministic' if same[k] else 'NOT deterministic'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=None,
                        help="network seeds per size (default: the wire count, as "
                             "bench_setup.py); fill ratios vary by a few %% between them")
    parser.add_argument("--film", action="store_true",
                        help="the whole_device preset's film at each size instead of the JDA "
                             "networks (its own deposition seed; --seeds is ignored)")
    parser.add_argument("--sets", nargs="+", default=list(OPTION_SETS),
                        choices=list(OPTION_SETS), help="option sets; ratios are to the first")
    opts = parser.parse_args()
    t0 = time.perf_counter()
    for n in opts.sizes:
        for seed in [None] if opts.film else opts.seeds or [n]:
            run_size(n, opts.repeats, opts.sets, seed)
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
