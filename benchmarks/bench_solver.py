"""Benchmark of the Kirchhoff solver against one plain ``scipy.sparse.linalg.spsolve``.

Reference workload (issue 3): JDA networks of 7 um wires at 0.3 wires/um^2 in a square box,
left/right side-bar electrodes (voltage / ground), DC bias, junction conductances evolving
under the ``rate`` model (kp0 = 1e-4 /s, eta_p = 10 /V, kd0 = 0.5 /s, eta_d = 1 /V,
G in [1e-3, 1e-1] S), one exact exponential step of dt per solve.

Prints, per size: the per-step time of ``CircuitSolver.solve`` and its split (value assembly,
CG, amortized refactorization, scatter of voltages/currents), the time of the rate update
(stand-in for the junction agents), CG iterations per step, and the ratio of the whole step
to one plain ``spsolve`` of the same reduced system timed in the same process.

Usage::

    python benchmarks/bench_solver.py [--sizes 500 2000 10000] [--big] [--steps 200]
                                      [--candidates]

``--big`` adds 100,000 wires; ``--candidates`` also times the alternatives the solver was
chosen against: (c) ``splu`` every step with the fixed fill-reducing order and (b)
Jacobi-preconditioned CG, warm-started.
"""

from __future__ import annotations

import argparse
import math
import time

import numba
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.linalg import splu, spsolve

from nwn.engine.solver import CircuitSolver
from nwn.geometry.network import EDGE_CONTACT, EDGE_JUNCTION, Network

LENGTH = 7e-6  # m
DENSITY = 0.3e12  # wires per m^2
BAR = 1e-6  # m, width of the side-bar electrodes inside the box
CONTACT_G = 1.0  # S, wire-electrode contact
FIELD = 0.15e6  # V/m, DC bias over the box width
DT = 2e-3  # s
RATE = dict(kp0=1e-4, eta_p=10.0, kd0=0.5, eta_d=1.0, g_min=1e-3, g_max=1e-1)


def jda_network(n_wires: int, seed: int) -> tuple[Network, float]:
    """Random 7 um sticks at 0.3 /um^2 with left/right bar electrodes, as a JDA Network
    (and the box side, m)."""
    rng = np.random.default_rng(seed)
    side = math.sqrt(n_wires / DENSITY)
    centre = rng.uniform(0.0, side, (n_wires, 2))
    angle = rng.uniform(0.0, math.pi, n_wires)
    half = 0.5 * LENGTH * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    ends = np.stack([centre - half, centre + half], axis=1)
    lines = shapely.linestrings(ends)
    a, b = shapely.STRtree(lines).query(lines, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    xmin = ends[:, :, 0].min(axis=1)
    xmax = ends[:, :, 0].max(axis=1)
    left = np.flatnonzero(xmin <= BAR)
    right = np.flatnonzero(xmax >= side - BAR)
    t_left, t_right = n_wires, n_wires + 1
    m = a.size
    edge_nodes = np.concatenate([
        np.stack([a, b], axis=1),
        np.stack([np.full(left.size, t_left), left], axis=1),
        np.stack([np.full(right.size, t_right), right], axis=1),
    ]).astype(np.int64)
    n_edges = edge_nodes.shape[0]
    kind = np.full(n_edges, EDGE_CONTACT, dtype=np.int8)
    kind[:m] = EDGE_JUNCTION
    conductance = np.full(n_edges, CONTACT_G)
    conductance[:m] = np.nan
    edge_junction = np.full(n_edges, -1, dtype=np.int64)
    edge_junction[:m] = np.arange(m)
    position = np.concatenate([centre, [[0.0, side / 2], [side, side / 2]]])
    return Network(
        mode="jda", n_nodes=n_wires + 2, edge_nodes=edge_nodes, edge_kind=kind,
        edge_conductance=conductance, junction_edge=np.arange(m, dtype=np.int64),
        edge_junction=edge_junction, electrode_names=("left", "right"),
        terminal_nodes=np.array([t_left, t_right], dtype=np.int64),
        node_position=position,
        node_wire=np.concatenate([np.arange(n_wires), [-1, -1]]).astype(np.int64),
        component=np.zeros(n_wires + 2, dtype=np.int64),
    ), side


@numba.njit(cache=True)
def rate_step(x, node_voltage, edge_nodes, junction_edge, dt, kp0, eta_p, kd0, eta_d,
              g_min, g_max, g_out):
    """Exact exponential step of dx/dt = kP(1-x) - kD x per junction; writes G."""
    for j in range(x.shape[0]):
        e = junction_edge[j]
        v = abs(node_voltage[edge_nodes[e, 0]] - node_voltage[edge_nodes[e, 1]])
        if not math.isfinite(v):
            v = 0.0  # a junction of a cluster touching no electrode (NaN voltages): no field
        kp = kp0 * math.exp(eta_p * v)
        kd = kd0 * math.exp(-eta_d * v)
        theta = kp + kd
        target = kp / theta
        x[j] = target + (x[j] - target) * math.exp(-theta * dt)
        g_out[j] = g_min * (1.0 - x[j]) + g_max * x[j]


def settled_run(n_wires: int, settle: int):
    """The reference workload ``settle`` steps in: the network, its solver (default
    settings), the junction states x (M,) and conductances g (M,) S (updated in place by
    :func:`rate_step`), rate_step's other arguments and the last Solution."""
    network, side = jda_network(n_wires, seed=n_wires)
    solver = CircuitSolver(network, {"left": ("voltage", FIELD * side), "right": ("ground",)})
    x = np.random.default_rng(1).uniform(0.0, 0.05, network.n_junctions)
    g = RATE["g_min"] * (1 - x) + RATE["g_max"] * x
    args = (network.edge_nodes, network.junction_edge, DT, RATE["kp0"], RATE["eta_p"],
            RATE["kd0"], RATE["eta_d"], RATE["g_min"], RATE["g_max"])
    sol = solver.solve(g)
    for _ in range(settle):
        sol = solver.solve(g, out=sol)
        rate_step(x, sol.node_voltage, *args, g)
    return network, solver, x, g, args, sol


@numba.njit(cache=True)
def jacobi_pcg(indptr, indices, data, rhs, x, rtol, max_iterations):
    """Warm-started Jacobi-preconditioned CG (candidate (b)), same stopping test."""
    n = rhs.shape[0]
    r = np.empty(n)
    z = np.empty(n)
    p = np.empty(n)
    q = np.empty(n)
    inv_diag = np.empty(n)
    for i in range(n):
        s = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
            if indices[k] == i:
                inv_diag[i] = 1.0 / data[k]
        r[i] = rhs[i] - s
        z[i] = r[i] * inv_diag[i]
        p[i] = z[i]
    rz = np.dot(r, z)
    it = 0
    while it < max_iterations:
        if np.max(np.abs(r)) <= rtol * np.max(np.abs(rhs)):
            break
        for i in range(n):
            s = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                s += data[k] * p[indices[k]]
            q[i] = s
        alpha = rz / np.dot(p, q)
        x += alpha * p
        r -= alpha * q
        z[:] = r * inv_diag
        rz_new = np.dot(r, z)
        p[:] = z + (rz_new / rz) * p
        rz = rz_new
        it += 1
    return it


def reduced_system(solver: CircuitSolver):
    n = solver.n_free
    system = solver._system  # the reduced system as the solver assembled it this step
    matrix = sp.csc_matrix((system.data.copy(), system.indices, system.indptr), shape=(n, n))
    return matrix, system.rhs.copy()


def time_spsolve(matrix, rhs, repeats: int) -> float:
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        spsolve(matrix, rhs)
        best.append(time.perf_counter() - t0)
    return float(np.median(best))


def run_size(n_wires: int, steps: int, candidates: bool, refactor: int) -> None:
    network, side = jda_network(n_wires, seed=n_wires)
    bias = FIELD * side
    t0 = time.perf_counter()
    solver = CircuitSolver(network, {"left": ("voltage", bias), "right": ("ground",)},
                           refactor_iterations=refactor)
    t_build = time.perf_counter() - t0
    m = network.n_junctions
    x = np.random.default_rng(1).uniform(0.0, 0.05, m)
    g = RATE["g_min"] * (1 - x) + RATE["g_max"] * x
    args = (network.edge_nodes, network.junction_edge, DT, RATE["kp0"], RATE["eta_p"],
            RATE["kd0"], RATE["eta_d"], RATE["g_min"], RATE["g_max"])
    sol = solver.solve(g)
    warm = min(20, steps)
    for _ in range(warm):  # jit warm-up and first factorization out of the timing
        sol = solver.solve(g, out=sol)
        rate_step(x, sol.node_voltage, *args, g)
    for key in solver.timings:
        solver.timings[key] = 0 * solver.timings[key]
    t_agents = 0.0
    g_start = g.copy()
    t0 = time.perf_counter()
    for _ in range(steps):
        solver.solve(g, out=sol)
        ta = time.perf_counter()
        rate_step(x, sol.node_voltage, *args, g)
        t_agents += time.perf_counter() - ta
    t_total = (time.perf_counter() - t0) / steps
    tm = solver.timings
    matrix, rhs = reduced_system(solver)
    t_sp = time_spsolve(matrix, rhs, 3 if n_wires > 20000 else 7)
    drift = np.max(np.abs(np.log(g / g_start)))
    ms = 1e3 / steps
    print(f"{n_wires:>7} wires {m:>7} junctions {solver.n_free:>7} unknowns  "
          f"build {t_build * 1e3:7.1f} ms  spsolve {t_sp * 1e3:8.2f} ms")
    print(f"        step {t_total * 1e3:8.3f} ms = assembly {tm['assembly'] * ms:.3f} + CG "
          f"{tm['solve'] * ms:.3f} + refactor {tm['factorize'] * ms:.3f} + scatter "
          f"{tm['scatter'] * ms:.3f} + agents {t_agents * ms:.3f} ms | "
          f"{tm['iterations'] / steps:.1f} it/step, {tm['factorizations']} refactor in {steps} "
          f"steps, max |ln G/G0| {drift:.2f}")
    print(f"        ratio step / spsolve = {t_total / t_sp:.3f}   "
          f"(solve only {(t_total - t_agents / steps) / t_sp:.3f})")
    if candidates:
        run_candidates(solver, network, x, g, args, steps, t_sp)


def run_candidates(solver, network, x, g, args, steps, t_sp) -> None:
    """Time (c) splu every step in the fixed order and (b) Jacobi-PCG on the same drift."""
    n = solver.n_free
    x = x.copy()
    g = g.copy()
    sol = solver.solve(g)
    v_splu = 0.0
    v_jac = 0.0
    it_jac = 0
    xj = solver._x.copy()
    matrix, rhs = reduced_system(solver)
    indptr, indices = matrix.indptr, matrix.indices
    jacobi_pcg(indptr, indices, matrix.data, rhs, xj.copy(), 1e-13, 2)  # jit
    n_cand = max(5, steps // 4)
    for _ in range(n_cand):
        solver.solve(g, out=sol)
        matrix, rhs = reduced_system(solver)
        t0 = time.perf_counter()
        lu = splu(matrix, permc_spec="NATURAL", diag_pivot_thresh=0.0,
                  options=dict(SymmetricMode=True))
        lu.solve(rhs)
        v_splu += time.perf_counter() - t0
        t0 = time.perf_counter()
        it_jac += jacobi_pcg(indptr, indices, matrix.data, rhs, xj, 1e-13, 100 * n)
        v_jac += time.perf_counter() - t0
        rate_step(x, sol.node_voltage, *args, g)
    print(f"        candidates: (c) splu/step {v_splu / n_cand * 1e3:.2f} ms "
          f"(x{v_splu / n_cand / t_sp:.2f} spsolve); (b) Jacobi-PCG "
          f"{v_jac / n_cand * 1e3:.2f} ms, {it_jac / n_cand:.0f} it/step "
          f"(x{v_jac / n_cand / t_sp:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--big", action="store_true", help="add 100,000 wires")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--refactor", type=int, default=8,
                        help="refactor_iterations of the solver")
    parser.add_argument("--candidates", action="store_true")
    opts = parser.parse_args()
    sizes = list(opts.sizes) + ([100_000] if opts.big else [])
    for n in sizes:
        steps = opts.steps if n <= 20000 else max(10, opts.steps // 10)
        run_size(n, steps, opts.candidates, opts.refactor)


if __name__ == "__main__":
    main()
