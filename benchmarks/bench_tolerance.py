"""Whole simulation steps with the solver's default tolerance against its earlier criterion.

Workload: the reference workload of ``bench_step.py`` (7 um wires at 0.3 wires/um^2, side-bar
electrodes, DC 0.15 V/um, ``rate`` junctions, a ``TraceRecorder``), built through the public
API. Two simulations of the same network and the same initial state run side by side in one
process: one with ``solver_tolerance`` at its default, one with ``"legacy"`` (the earlier
stopping test max|M^-1 r| <= 1e-13 max|v|, linear extrapolation and the renewal rule alone,
as the solver was before). Their steps are interleaved in chunks (order alternating), so the
machine's drifts in speed fall on both alike.

Printed per size: each one's whole step (ms), CG iterations and factorizations per step, the
ratio legacy / default (the speed-up), and how far the default's terminal current and
node voltages are from the legacy run's at the end (relative), since both follow the same
trajectory to within their tolerances.

With ``--cholmod`` (optional: scikit-sparse importable; benchmarks/README.md says how to
install it), per size also the issue's library baseline for the per-step solve: on the
default run's own assembled system of every step, scipy's CG preconditioned with a stale
simplicial CHOLMOD factor (refactorized when a solve takes more than ``CHOLMOD_REFACTOR``
iterations), warm-started from its previous solution, stopping at a relative residual of
1e-10; its CG time per step next to nwn's CG time on the same systems, and how far its
solution is from nwn's (relative).

Usage::

    python benchmarks/bench_tolerance.py [--sizes 10000 100000] [--steps 200] [--chunk 5]
                                         [--settle 60] [--tolerance 1e-11] [--cholmod]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_step import FIELD, build

from nwn.engine.junctions import make_model
from nwn.engine.recording import TraceRecorder
from nwn.engine.simulation import Simulation
from nwn.engine.solver_tolerance import DEFAULT_TOLERANCE, LEGACY
from nwn.engine.sources import Source
from nwn.engine.stimuli import make_stimulus


def simulation(network, side, tolerance):
    model = make_model("rate", network.n_junctions, rng=np.random.default_rng(1),
                       initial={"uniform": [0.0, 0.05]})
    left, right = network.electrode_names[:2]
    drives = {left: Source("voltage", make_stimulus({"kind": "dc", "value": FIELD * side})),
              right: Source("ground")}
    return Simulation(network, model, drives, dt=2e-3, recorders=[TraceRecorder()],
                      solver_tolerance=tolerance)


def run_size(n_wires: int, steps: int, chunk: int, settle: int, tolerance) -> None:
    network, side = build(n_wires, seed=n_wires)
    sims = {"default": simulation(network, side, tolerance),
            "legacy": simulation(network, side, LEGACY)}
    for sim in sims.values():
        sim.run(settle * sim.dt)  # compiled, past the first transient
    spent = dict.fromkeys(sims, 0.0)
    counts = {k: dict(s.solver.timings) for k, s in sims.items()}
    rounds = max(1, steps // chunk)
    keys = list(sims)
    for r in range(rounds):
        for key in (keys if r % 2 == 0 else keys[::-1]):
            sim = sims[key]
            t0 = time.perf_counter()
            sim.run(chunk * sim.dt)
            spent[key] += time.perf_counter() - t0
    n_steps = rounds * chunk
    print(f"{n_wires:>8} wires {network.n_junctions:>8} junctions  ({n_steps} steps after "
          f"{settle} settling steps, interleaved in chunks of {chunk})")
    for key, sim in sims.items():
        tm = {k: (v - counts[key][k]) / n_steps for k, v in sim.solver.timings.items()}
        name = f"{key} ({sim.solver.tolerance.name!r})"
        step = spent[key] / n_steps
        rest = step - tm["assembly"] - tm["solve"] - tm["factorize"] - tm["scatter"]
        print(f"         {name:<22} whole step {step * 1e3:8.2f} ms = "
              f"assembly {tm['assembly'] * 1e3:.2f} + CG {tm['solve'] * 1e3:.2f} + "
              f"factorize {tm['factorize'] * 1e3:.2f} + scatter {tm['scatter'] * 1e3:.2f} + "
              f"agents/recording {rest * 1e3:.2f} ms;  "
              f"{tm['iterations']:.2f} CG it/step, {tm['factorizations']:.3f} "
              f"factorizations/step")
    print(f"         speed-up legacy / default = {spent['legacy'] / spent['default']:.2f}")
    a = sims["default"].snapshot()
    b = sims["legacy"].snapshot()
    current = abs(a.terminal_current[0] - b.terminal_current[0]) / abs(b.terminal_current[0])
    voltage = np.nanmax(np.abs(a.node_voltage - b.node_voltage)) / np.nanmax(
        np.abs(b.node_voltage))
    print(f"         after {settle + n_steps} steps: terminal current differs by "
          f"{current:.1e}, node voltages by {voltage:.1e} (relative)")


#: CG iterations above which the CHOLMOD baseline refactorizes (a stale factor's cost)
CHOLMOD_REFACTOR = 10


def cholmod_pcg(network, side, steps: int, settle: int, tolerance) -> None:
    """The per-step solve against CG with a stale CHOLMOD factor, on the same systems."""
    try:
        from sksparse.cholmod import cholesky
    except ImportError as error:
        print(f"         CHOLMOD baseline skipped: scikit-sparse not importable ({error})")
        return
    from scipy.sparse import csr_matrix
    from scipy.sparse.linalg import LinearOperator, cg

    sim = simulation(network, side, tolerance)
    sim.run(settle * sim.dt)
    system = sim.solver._system  # the reduced system nwn assembled for its last step
    n = system.n_free
    factor, x = None, None
    nwn_cg, chol_cg, chol_factor, iterations, refactors, differences = [], [], [], [], 0, []
    for _ in range(steps):
        before = sim.solver.timings["solve"]
        sim.run(sim.dt)  # nwn's step: assembles, solves (timed by its counters)
        nwn_cg.append(sim.solver.timings["solve"] - before)
        matrix = csr_matrix((system.data, system.indices, system.indptr), shape=(n, n))
        rhs = system.rhs.copy()
        t0 = time.process_time()
        if factor is None:
            factor = cholesky(matrix.tocsc(), mode="simplicial")  # as in the issue
            refactors += 1
        chol_factor.append(time.process_time() - t0)
        count = [0]

        def counted(v, f=factor, count=count):
            count[0] += 1
            return f(v)

        t0 = time.process_time()
        x, info = cg(matrix, rhs, x0=x, rtol=1e-10, atol=0.0,
                     M=LinearOperator((n, n), matvec=counted, dtype=np.float64))
        chol_cg.append(time.process_time() - t0)
        iterations.append(count[0])
        if info != 0 or count[0] > CHOLMOD_REFACTOR:
            factor = None  # refactorized before the next step (counted there)
        nwn_x = sim.snapshot().node_voltage[system.free_node]
        differences.append(float(np.max(np.abs(x - nwn_x)) / np.max(np.abs(nwn_x))))
    nwn_ms, chol_ms = 1e3 * np.median(nwn_cg), 1e3 * np.median(chol_cg)
    print(f"         CHOLMOD-preconditioned CG (stale simplicial factor, rtol 1e-10), "
          f"{steps} steps: CG {chol_ms:.2f} ms (median), {np.mean(iterations):.2f} preconditioner "
          f"applications/step, {refactors} factorizations "
          f"({1e3 * sum(chol_factor) / steps:.2f} ms/step); nwn's CG on the same systems "
          f"{nwn_ms:.2f} ms: nwn / CHOLMOD = {nwn_ms / chol_ms:.2f}; solutions differ by "
          f"{max(differences):.1e} (relative, largest)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--chunk", type=int, default=5)
    parser.add_argument("--settle", type=int, default=60)
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    parser.add_argument("--cholmod", action="store_true",
                        help="also CG with a stale CHOLMOD factor on the same systems")
    args = parser.parse_args()
    for n in args.sizes:
        steps = args.steps if n <= 20000 else max(args.chunk * 2, args.steps // 2)
        run_size(n, steps, args.chunk, args.settle, args.tolerance)
        if args.cholmod:
            network, side = build(n, seed=n)
            cholmod_pcg(network, side, steps, args.settle, args.tolerance)


if __name__ == "__main__":
    main()
