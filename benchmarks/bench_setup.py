"""Setting up the Kirchhoff solver for a fresh network, against library baselines in the same run.

Workload: the JDA networks of ``bench_solver.py`` (7 um wires at 0.3 wires/um^2, left/right
side-bar electrodes, 1 V / ground), junction conductances drawn log-uniformly in
[1e-3, 1e-1] S.

Printed per size, each time the median over ``--repeats`` runs interleaved with its baseline
(so that the machine's drifts in speed fall on both alike):

- ``CircuitSolver`` construction with today's fill-reducing order (METIS nested dissection,
  ``nwn.engine.solver_ordering``) and with the earlier one (SuperLU minimum degree obtained
  from a throw-away LU factorization, ``legacy_order.py``), the seconds of the order alone,
  and the fill of each: entries of L and multiply-adds of one factorization;
- ``solve_dc`` (construction, factorization and solve of one DC operating point) against one
  plain ``scipy.sparse.linalg.spsolve`` of the same reduced system (assembled beforehand, not
  counted), and against CHOLMOD (scikit-sparse) building the system with scipy from the
  network and factoring it once, when ``sksparse`` is importable (skipped with a message
  otherwise: it needs the SuiteSparse headers to install);
- the largest difference of ``solve_dc``'s terminal current from spsolve's, relative.

Usage::

    python benchmarks/bench_setup.py [--sizes 2000 10000 100000] [--repeats 3]

(``--sizes ... 1000000`` adds a million wires: about 8 GB of memory and minutes.)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp
from bench_solver import jda_network
from bench_step import plain_system
from legacy_order import legacy_fill_reducing_order
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

from nwn.engine import solver_assembly
from nwn.engine.solver import CircuitSolver, solve_dc
from nwn.engine.solver_ordering import fill_reducing_order

SOURCES = {"left": ("voltage", 1.0), "right": ("ground",)}

try:  # optional baseline: scikit-sparse needs SuiteSparse's headers to build
    from sksparse.cholmod import cholesky as cholmod_cholesky
except ImportError as exc:  # pragma: no cover - depends on the machine
    cholmod_cholesky = None
    CHOLMOD_MISSING = str(exc)


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


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


def cholmod_dc(network, g):
    """Build the reduced system with scipy from the network, factor it once, solve."""
    matrix, rhs = plain_system(network, g, 1.0)
    factor = cholmod_cholesky(matrix.tocsc())
    return factor(rhs)


def run_size(n_wires: int, repeats: int) -> None:
    t0 = time.perf_counter()
    network, _ = jda_network(n_wires, seed=n_wires)
    t_net = time.perf_counter() - t0
    rng = np.random.default_rng(7)
    g = 10 ** rng.uniform(-3, -1, network.n_junctions)
    builds = {"new": [], "legacy": []}
    cpu = {"new": [], "legacy": []}
    orders = {"new": [], "legacy": []}
    dc, sp_times, chol = [], [], []
    dc_cpu, sp_cpu = [], []
    solvers = {"new": CircuitSolver(network, SOURCES)}
    # the order's inputs as the solver passes them
    free = np.sort(solvers["new"]._system.free_node)
    n_nodes, edge_nodes = int(network.n_nodes), np.asarray(network.edge_nodes, dtype=np.int64)
    for _ in range(repeats):
        for key, fn in (("new", fill_reducing_order), ("legacy", legacy_fill_reducing_order)):
            t, c, solvers[key] = cpu_timed(build, network, fn)
            builds[key].append(t)
            cpu[key].append(c)
            orders[key].append(timed(fn, free, n_nodes, edge_nodes)[0])
        t, c, dc_sol = cpu_timed(solve_dc, network, g, SOURCES)
        dc.append(t)
        dc_cpu.append(c)
        solver = solvers["new"]
        solver.solve(g)
        matrix, rhs = plain_system(network, g, 1.0)
        matrix = matrix.tocsc()
        t, c, x_sp = cpu_timed(spsolve, matrix, rhs)
        sp_times.append(t)
        sp_cpu.append(c)
        if cholmod_cholesky is not None:
            chol.append(timed(cholmod_dc, network, g)[0])
    current_dc = dc_sol.terminal_current["left"]
    current_sp = source_current(network, g, x_sp)
    error = abs(current_dc - current_sp) / abs(current_sp)
    fill = {k: (s.nnz_factor, s._preconditioner.pattern.multiply_adds)
            for k, s in solvers.items()}
    med = {k: float(np.median(v)) for k, v in builds.items()}
    omed = {k: float(np.median(v)) for k, v in orders.items()}
    cmed = {k: float(np.median(v)) for k, v in cpu.items()}
    t_dc = float(np.median(dc))
    t_sp = float(np.median(sp_times))
    print(f"{n_wires:>8} wires {network.n_junctions:>8} junctions {solvers['new'].n_free:>8} "
          f"unknowns  (network built in {t_net:.1f} s; medians of {repeats})")
    print(f"         build {med['new']:.3f} s (order {omed['new']:.3f} s)  | with the "
          f"SuperLU order {med['legacy']:.3f} s (order {omed['legacy']:.3f} s)  "
          f"ratio {med['new'] / med['legacy']:.2f}")
    print(f"         build CPU time {cmed['new']:.3f} s | with the SuperLU order "
          f"{cmed['legacy']:.3f} s  ratio {cmed['new'] / cmed['legacy']:.2f}")
    print(f"         fill nnz(L) {fill['new'][0]:,} vs {fill['legacy'][0]:,} "
          f"(ratio {fill['new'][0] / fill['legacy'][0]:.3f}); multiply-adds ratio "
          f"{fill['new'][1] / fill['legacy'][1]:.3f}")
    line = (f"         solve_dc {t_dc:.3f} s | spsolve {t_sp:.3f} s  ratio "
            f"{t_dc / t_sp:.2f}")
    if chol:
        t_ch = float(np.median(chol))
        line += f" | CHOLMOD (scipy build + factor + solve) {t_ch:.3f} s  ratio {t_dc / t_ch:.2f}"
    print(line)
    print(f"         CPU time: solve_dc {np.median(dc_cpu):.3f} s | spsolve "
          f"{np.median(sp_cpu):.3f} s (all its threads)  ratio "
          f"{np.median(dc_cpu) / np.median(sp_cpu):.2f}")
    print(f"         terminal current: solve_dc vs spsolve {error:.1e} relative")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000, 100000])
    parser.add_argument("--repeats", type=int, default=3)
    opts = parser.parse_args()
    if cholmod_cholesky is None:
        print(f"CHOLMOD baseline skipped: scikit-sparse not importable ({CHOLMOD_MISSING})")
    solve_dc(jda_network(300, seed=1)[0], 1e-2, SOURCES)  # compile / load the kernels
    for n in opts.sizes:
        run_size(n, opts.repeats)


if __name__ == "__main__":
    main()
