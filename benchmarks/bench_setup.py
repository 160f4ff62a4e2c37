"""Setting up the Kirchhoff solver for a fresh network, against library baselines in the same run.

Workload: the JDA networks of ``bench_solver.py`` (7 um wires at 0.3 wires/um^2, left/right
side-bar electrodes, 1 V / ground), junction conductances drawn log-uniformly in
[1e-3, 1e-1] S.

Printed per size, each figure the median and the range over ``--repeats`` runs interleaved
with its baselines (so that the machine's drifts in speed fall on all alike), CPU seconds of
this process (everything timed runs on one thread except spsolve, whose CPU time covers all
its threads):

- ``CircuitSolver`` construction with each fill-reducing order of ``--orders``: today's
  (``metis``: METIS nested dissection, ``nwn.engine.solver_ordering``), the earlier one
  (``legacy``: SuperLU minimum degree from a throw-away LU factorization,
  ``legacy_order.py``), the rejected geometric nested dissection (``geometric``,
  ``geometric_order.py``), METIS with options that trade refinement for speed
  (``metis-fast``: ``niter=1, ufactor=400``), METIS with its defaults at every size
  (``metis-default``: today's order uses ``METIS_QUICK_OPTIONS`` from 50,000 unknowns on,
  ``bench_order_options.py``) and METIS's multiple minimum degree (``mmd``,
  :func:`~nwn.engine.solver_ordering.minimum_degree_order`, the order ``solve_dc`` uses);
  the order alone, and for METIS its parts (the graph handed to METIS, METIS itself, the
  postorder); the fill of each: entries of L
  and multiply-adds of one factorization, as ratios to the first order;
- with ``--steps N``: N solves of drifting conductances with each order's solver,
  interleaved: CPU per solve, CG iterations and factorizations;
- ``solve_dc`` (construction in minimum-degree order, factorization and solve of one DC
  operating point), and the same in the nested-dissection order (what ``solve_dc`` did
  until 2026-12-02), against one plain ``scipy.sparse.linalg.spsolve`` of the same reduced
  system (assembled beforehand, not counted), and against CHOLMOD (scikit-sparse)
  building the system with scipy from the network and factoring it once, when ``sksparse``
  is importable (skipped with a message otherwise: it needs the SuiteSparse headers to
  install);
- the largest difference of ``solve_dc``'s terminal current from spsolve's, relative.

Usage::

    python benchmarks/bench_setup.py [--sizes 2000 10000 100000] [--repeats 3]
        [--orders metis legacy geometric metis-fast mmd metis-default] [--steps 30]
        [--no-spsolve]

(``--sizes 1000000 --orders metis`` adds a million wires: several GB of memory; the legacy
order and spsolve take minutes there.)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp
from bench_solver import jda_network
from bench_step import plain_system
from geometric_order import geometric_order
from legacy_order import legacy_fill_reducing_order
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

from nwn.engine import solver_assembly, supernodal
from nwn.engine.solver import CircuitSolver, solve_dc
from nwn.engine.solver_ordering import (
    METIS_SEED,
    _free_graph,
    _nested_dissection,
    fill_reducing_order,
    metis_options,
    minimum_degree_order,
    symmetric_pattern,
)

SOURCES = {"left": ("voltage", 1.0), "right": ("ground",)}

try:  # optional baseline: scikit-sparse needs SuiteSparse's headers to build
    from sksparse.cholmod import cholesky as cholmod_cholesky
except ImportError as exc:  # pragma: no cover - depends on the machine
    cholmod_cholesky = None
    CHOLMOD_MISSING = str(exc)


def cpu_timed(fn, *args, **kwargs):
    """Wall seconds, CPU seconds of this process, and the result. Everything timed here runs
    on one thread, so on a machine shared with other jobs the CPU seconds are close to what
    the wall time would be on an idle one (cache and memory contention aside)."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, time.process_time() - c0, out


def build(network, order_fn):
    """A CircuitSolver built with ``order_fn`` as the fill-reducing order."""
    saved = solver_assembly.fill_reducing_order
    solver_assembly.fill_reducing_order = order_fn
    try:
        return CircuitSolver(network, SOURCES)
    finally:
        solver_assembly.fill_reducing_order = saved


def source_current(network, g, x):
    """A into the network at the source electrode, from the unknowns of ``plain_system``."""
    edge_g = network.edge_conductance.copy()
    edge_g[network.junction_edge] = g
    a, b = network.edge_nodes.T
    n = network.n_nodes
    _, label = connected_components(sp.coo_matrix((np.ones(a.size), (a, b)), shape=(n, n)),
                                    directed=False)
    source, drain = network.terminal_nodes[:2]
    fixed = np.zeros(n, dtype=bool)
    fixed[[source, drain]] = True
    voltage = np.zeros(n)
    voltage[np.flatnonzero((label == label[source]) & ~fixed)] = x
    voltage[source] = 1.0
    at = (a == source) | (b == source)
    sign = np.where(a[at] == source, 1.0, -1.0)
    return float(np.sum(sign * edge_g[at] * (voltage[a[at]] - voltage[b[at]])))


def solve_dc_nested(network, g):
    """What ``solve_dc`` did before it ordered by minimum degree: set-up in the default
    (nested-dissection) order and one solve."""
    return CircuitSolver(network, SOURCES).solve(g)


def cholmod_dc(network, g):
    """Build the reduced system with scipy from the network, factor it once, solve."""
    matrix, rhs = plain_system(network, g, 1.0)
    factor = cholmod_cholesky(matrix.tocsc())
    return factor(rhs)


def metis_parts(free_natural, n_nodes, edge_nodes):
    """:func:`fill_reducing_order`'s steps one by one: CPU seconds of the graph handed to METIS,
    of METIS itself and of the postorder, and the order (checked equal to the engine's)."""
    import pymetis

    c0 = time.process_time()
    n_free = free_natural.size
    index = np.full(n_nodes, -1, dtype=np.int64)
    index[free_natural] = np.arange(n_free)
    indptr, indices = symmetric_pattern(index[edge_nodes[:, 0]], index[edge_nodes[:, 1]],
                                        n_free, diagonal=False)
    width = pymetis.zero_copy_dtype()
    adjacency = pymetis.CSRAdjacency(indptr.astype(width), indices.astype(width))
    c1 = time.process_time()
    options = {k.lower(): v for k, v in metis_options(n_free).items()}
    order, _ = pymetis.nested_dissection(adjacency=adjacency,
                                         options=pymetis.Options(seed=METIS_SEED, **options))
    order = np.asarray(order, dtype=np.int64)
    c2 = time.process_time()
    order = order[supernodal.etree_postorder(indptr, indices, order)]
    c3 = time.process_time()
    return (c1 - c0, c2 - c1, c3 - c2), order


def metis_fast_order(free_natural, n_nodes, edge_nodes):
    """METIS with one refinement iteration per level and a looser balance."""
    import pymetis

    n_free = free_natural.size
    index = np.full(n_nodes, -1, dtype=np.int64)
    index[free_natural] = np.arange(n_free)
    indptr, indices = symmetric_pattern(index[edge_nodes[:, 0]], index[edge_nodes[:, 1]],
                                        n_free, diagonal=False)
    width = pymetis.zero_copy_dtype()
    order, _ = pymetis.nested_dissection(
        adjacency=pymetis.CSRAdjacency(indptr.astype(width), indices.astype(width)),
        options=pymetis.Options(seed=METIS_SEED, niter=1, ufactor=400))
    order = np.asarray(order, dtype=np.int64)
    return order[supernodal.etree_postorder(indptr, indices, order)]


def metis_default_order(free_natural, n_nodes, edge_nodes):
    """METIS with its defaults at every size (the engine's order up to 2026-12-02; it now
    uses ``METIS_QUICK_OPTIONS`` from ``METIS_QUICK_MIN_NODES`` unknowns on)."""
    indptr, indices = _free_graph(free_natural, n_nodes, edge_nodes)
    order = _nested_dissection(indptr, indices, {})
    return order[supernodal.etree_postorder(indptr, indices, order)]


def order_functions(network, names):
    table = {"metis": fill_reducing_order, "legacy": legacy_fill_reducing_order,
             "metis-fast": metis_fast_order, "mmd": minimum_degree_order,
             "metis-default": metis_default_order}
    out = {}
    for name in names:
        out[name] = (geometric_order(network.node_position) if name == "geometric"
                     else table[name])
    return out


def spread(values, digits=3) -> str:
    """``median (min-max)`` of a list of seconds."""
    v = np.asarray(values, dtype=float)
    return f"{np.median(v):.{digits}f} ({v.min():.{digits}f}-{v.max():.{digits}f})"


def drifting(g0, rate, steps):
    """Conductances of ``steps`` solves, each a little further from ``g0``."""
    return [g0 * np.exp(rate * 0.02 * k) for k in range(steps)]


def run_size(n_wires: int, repeats: int, names, steps: int, with_spsolve: bool) -> None:
    t0 = time.perf_counter()
    network, _ = jda_network(n_wires, seed=n_wires)
    t_net = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    g = 10 ** rng.uniform(-3, -1, network.n_junctions)
    fns = order_functions(network, names)
    builds = {k: [] for k in fns}
    orders = {k: [] for k in fns}
    parts = []
    dc_cpu, dc_nested_cpu, sp_cpu, chol = [], [], [], []
    solvers = {k: build(network, fn) for k, fn in fns.items()}  # (and compile the kernels)
    # the order's inputs as the solver passes them
    free = np.sort(solvers[names[0]]._system.free_node)
    n_nodes, edge_nodes = int(network.n_nodes), np.asarray(network.edge_nodes, dtype=np.int64)
    matrix, rhs = plain_system(network, g, 1.0)
    matrix = matrix.tocsc()
    x_sp = None
    for _ in range(repeats):
        for key, fn in fns.items():
            _, c, solvers[key] = cpu_timed(build, network, fn)
            builds[key].append(c)
            orders[key].append(cpu_timed(fn, free, n_nodes, edge_nodes)[1])
        split, order = metis_parts(free, n_nodes, edge_nodes)
        if not np.array_equal(order, fill_reducing_order(free, n_nodes, edge_nodes)):
            raise AssertionError("metis_parts is not the engine's order")
        parts.append(split)
        _, c, dc_sol = cpu_timed(solve_dc, network, g, SOURCES)
        dc_cpu.append(c)
        dc_nested_cpu.append(cpu_timed(solve_dc_nested, network, g)[1])
        if with_spsolve:
            _, c, x_sp = cpu_timed(spsolve, matrix, rhs)
            sp_cpu.append(c)
        if cholmod_cholesky is not None:
            chol.append(cpu_timed(cholmod_dc, network, g)[1])
    first = names[0]
    fill = {k: (s.nnz_factor, s._preconditioner.pattern.multiply_adds)
            for k, s in solvers.items()}
    print(f"{n_wires:>8} wires {network.n_junctions:>8} junctions {solvers[first].n_free:>8} "
          f"unknowns  (network built in {t_net:.1f} s; CPU s, median (range) of {repeats})")
    for k in fns:
        ratio = np.median(builds[k]) / np.median(builds[first])
        print(f"  {k:>10}: build {spread(builds[k])}  order {spread(orders[k])}  build ratio "
              f"{ratio:.2f}  nnz(L) {fill[k][0]:,} ({fill[k][0] / fill[first][0]:.3f})  "
              f"multiply-adds {fill[k][1] / fill[first][1]:.3f}")
    parts = np.asarray(parts)
    print(f"              METIS order's parts: graph {spread(parts[:, 0])}  METIS "
          f"{spread(parts[:, 1])}  postorder {spread(parts[:, 2])}")
    if steps:
        run_steps(network, solvers, g, steps)
    line = (f"  solve_dc CPU {spread(dc_cpu, 4)} (in nested-dissection order "
            f"{spread(dc_nested_cpu, 4)}, ratio "
            f"{np.median(dc_cpu) / np.median(dc_nested_cpu):.2f})")
    if with_spsolve:
        line += (f" | spsolve CPU {spread(sp_cpu, 4)} (all its threads)  ratio "
                 f"{np.median(dc_cpu) / np.median(sp_cpu):.2f} "
                 f"({min(a / b for a, b in zip(dc_cpu, sp_cpu, strict=True)):.2f}-"
                 f"{max(a / b for a, b in zip(dc_cpu, sp_cpu, strict=True)):.2f} per repeat)")
    if chol:
        line += (f" | CHOLMOD (scipy build + factor + solve) {spread(chol)}  ratio "
                 f"{np.median(dc_cpu) / np.median(chol):.2f}")
    print(line)
    if x_sp is not None:
        current_dc = dc_sol.terminal_current["left"]
        current_sp = source_current(network, g, x_sp)
        print(f"  terminal current: solve_dc vs spsolve "
              f"{abs(current_dc - current_sp) / abs(current_sp):.1e} relative")


def run_steps(network, solvers, g0, steps):
    """Each solver through the same drifting conductances, interleaved step by step."""
    rate = np.random.default_rng(11).normal(0.0, 3.0, g0.size)
    cpu = {k: [] for k in solvers}
    iterations = {k: 0 for k in solvers}
    for s in solvers.values():
        s.reset()
        s.timings.update(factorize=0.0, factorizations=0)
    for g in drifting(g0, rate, steps):
        for k, s in solvers.items():
            _, c, sol = cpu_timed(s.solve, g)
            cpu[k].append(c)
            iterations[k] += sol.iterations
    first = next(iter(solvers))
    for k, s in solvers.items():
        n_f = max(s.timings["factorizations"], 1)
        print(f"  {k:>10}: {steps} solves: CPU per solve {spread(cpu[k], 4)}  ratio "
              f"{np.median(cpu[k]) / np.median(cpu[first]):.2f}; total "
              f"{np.sum(cpu[k]):.3f} s ({np.sum(cpu[k]) / np.sum(cpu[first]):.2f}); "
              f"CG iterations {iterations[k] / steps:.2f}/solve; "
              f"{s.timings['factorizations']} factorizations, "
              f"{s.timings['factorize'] / n_f * 1e3:.1f} ms each (wall)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000, 100000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--orders", nargs="+", default=["metis", "legacy"],
                        choices=["metis", "legacy", "geometric", "metis-fast", "mmd",
                                 "metis-default"],
                        help="fill-reducing orders to build with; ratios are to the first")
    parser.add_argument("--steps", type=int, default=0,
                        help="solves of drifting conductances per order (0: none)")
    parser.add_argument("--no-spsolve", action="store_true",
                        help="leave out the spsolve baseline (minutes at a million wires)")
    opts = parser.parse_args()
    if cholmod_cholesky is None:
        print(f"CHOLMOD baseline skipped: scikit-sparse not importable ({CHOLMOD_MISSING})")
    solve_dc(jda_network(300, seed=1)[0], 1e-2, SOURCES)  # compile / load the kernels
    for n in opts.sizes:
        run_size(n, opts.repeats, opts.orders, opts.steps, not opts.no_spsolve)


if __name__ == "__main__":
    main()
