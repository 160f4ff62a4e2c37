"""The CG kernels, the assembly and the factorization against the ones they replaced, same
run, and that the results are the same bit for bit.

Workload: ``bench_limit.py``'s (the reference workload of ``bench_solver.py`` at the default
tolerance). After ``--settle`` steps the inputs of the next ``--steps`` calls of the CG kernel
(``solver_kernels.pcg``) and of the value assembly (``solver_kernels.assemble``) are recorded,
and each is replayed ``--repeats`` times through

- the kernels as they are (``_matvec``, ``_matvec_dot``: unsigned indices and prefetches;
  ``supernodal.solve``: the same);
- the earlier ones, kept in ``tests/test_cg_kernels.py`` as the references the tests hold
  the new ones to: the plain row loop and the earlier solves, the whole CG compiled with
  them in place of the new ones (``pcg``'s own code is the same on both sides), and the
  assembly compiled with its prefetches made no-ops, and the earlier factorization
  (``reference_factorize``, signed offsets and row slices) on the first recorded matrix,

alternating which side runs first. Printed per size: the product with A and the solve pair
alone (each after a 32 MB copy, so that its arrays come from memory, as at 100,000 wires in
CG, where the other kernel's have streamed through the cache in between), and the whole CG
call; medians of each side in ms, the ratio of
the medians and the range of the per-repeat ratios; the assembly likewise, each call after
a 32 MB copy (in a step the CG's arrays have just streamed through the cache); and that every
output (iterations, measures, x; the matrix values, right-hand side and conductances) is
identical.

Usage::

    python benchmarks/bench_cg_kernels.py [--sizes 10000 100000] [--steps 5] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types
from pathlib import Path

import numba
import numpy as np
from bench_solver import rate_step, settled_run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_cg_kernels as reference  # noqa: E402

from nwn.engine import solver_kernels, supernodal  # noqa: E402

#: Positions in pcg's arguments of the arrays a step rewrites (matrix values, right-hand
#: side, x, the panels and 1/D): copied when recorded, the others are shared.
_STEP_ARRAYS = (2, 3, 4, 9, 10)


def _recompiled(kernel, **names):
    """``kernel``'s code compiled again with some of the globals it calls replaced."""
    py = kernel.py_func
    globals_ = dict(py.__globals__, **names)
    return numba.njit(nogil=True)(types.FunctionType(py.__code__, globals_, py.__name__))


@numba.njit(inline="always")
def _no_prefetch(array, index):
    pass


def earlier_assemble():
    """``assemble`` compiled without its prefetches, as it was."""
    return _recompiled(solver_kernels.assemble, prefetch=_no_prefetch)


def earlier_pcg():
    """``pcg`` (and the residual kernel it calls) compiled with the earlier product and
    solves in place of the new ones."""
    residual = _recompiled(solver_kernels._residual, _matvec=reference.reference_matvec)
    return _recompiled(solver_kernels.pcg, _matvec=reference.reference_matvec,
                       _matvec_dot=reference.reference_matvec_dot,
                       ldl_solve=reference.reference_solve, _residual=residual)


def recorded_calls(n_wires: int, settle: int, steps: int) -> tuple[list, list, object]:
    """The arguments of pcg's and of the assembly's calls in ``steps`` steps after
    ``settle``, and the factor's supernodal pattern."""
    network, solver, x, g, args, sol = settled_run(n_wires, settle)
    calls = []
    assemblies = []
    pcg, assemble = solver_kernels.pcg, solver_kernels.assemble

    def record(*call):
        calls.append(tuple(a.copy() if i in _STEP_ARRAYS else a for i, a in enumerate(call)))
        return pcg(*call)

    def record_assembly(*call):
        assemblies.append(tuple(a.copy() if isinstance(a, np.ndarray) else a for a in call))
        return assemble(*call)

    solver_kernels.pcg, solver_kernels.assemble = record, record_assembly
    try:
        for _ in range(steps):
            sol = solver.solve(g, out=sol)
            rate_step(x, sol.node_voltage, *args, g)
    finally:
        solver_kernels.pcg, solver_kernels.assemble = pcg, assemble
    print(f"{n_wires:>8} wires {solver.n_free:>8} unknowns, {len(calls)} CG calls recorded "
          f"after {settle} steps; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} "
          f"cores")
    return calls, assemblies, solver._preconditioner.pattern


def report(name: str, old: list, new: list, repeats: int) -> None:
    old = np.array(old).reshape(repeats, -1)
    new = np.array(new).reshape(repeats, -1)
    per_repeat = np.median(new, axis=1) / np.median(old, axis=1)
    print(f"         {name:<11} earlier {np.median(old) * 1e3:7.3f} ms  now "
          f"{np.median(new) * 1e3:7.3f} ms  ratio {np.median(new) / np.median(old):.3f} "
          f"(per repeat {per_repeat.min():.3f}-{per_repeat.max():.3f})")


def time_assembly(assemblies: list, repeats: int, old_assemble) -> None:
    """The assembly with and without its prefetches, on copies of the recorded calls."""
    sides = {"old": old_assemble, "new": solver_kernels.assemble}
    copies = {side: [tuple(a.copy() if isinstance(a, np.ndarray) else a for a in call)
                     for call in assemblies] for side in sides}
    flush = np.ones(4 * 2**20), np.empty(4 * 2**20)
    times = {side: [] for side in sides}
    for repeat in range(repeats):
        for k in range(len(assemblies)):
            for side in (("old", "new") if repeat % 2 == 0 else ("new", "old")):
                np.copyto(flush[1], flush[0])
                t0 = time.perf_counter()
                sides[side](*copies[side][k])
                times[side].append(time.perf_counter() - t0)
    for old, new in zip(copies["old"], copies["new"], strict=True):
        if any(a.tobytes() != b.tobytes() for a, b in zip(old, new, strict=True)
               if isinstance(a, np.ndarray)):
            raise AssertionError("the assembly's result differs from the earlier one")
    report("assembly", times["old"], times["new"], repeats)


def time_factorization(call: tuple, pattern, repeats: int) -> None:
    """The factorization and the earlier one of a recorded call's matrix (float32 panels)."""
    indptr, indices, data = call[:3]
    n = call[3].size
    sides = {"old": reference.reference_factorize, "new": supernodal._factorize}
    outputs = {}
    times = {side: [] for side in sides}
    for repeat in range(repeats):
        for side in (("old", "new") if repeat % 2 == 0 else ("new", "old")):
            values = np.zeros(pattern.panel_size, dtype=np.float32)
            inv_diag = np.zeros(n)
            work = supernodal.work_arrays(pattern, n)
            t0 = time.perf_counter()
            bad = sides[side](indptr, indices, data, pattern.start, pattern.panel_ptr,
                              pattern.row_ptr, pattern.rows, pattern.parent, values, inv_diag,
                              *work)
            times[side].append(time.perf_counter() - t0)
            outputs[side] = (int(bad), values.tobytes(), inv_diag.tobytes())
    if outputs["old"] != outputs["new"]:
        raise AssertionError("the factorization's result differs from the earlier one")
    report("factorize", times["old"], times["new"], repeats)


def run_size(n_wires: int, settle: int, steps: int, repeats: int, old_pcg,
             old_assemble) -> None:
    calls, assemblies, pattern = recorded_calls(n_wires, settle, steps)
    # bit for bit: every output of the whole CG call, and each kernel on the first call
    for call in calls:
        outputs = []
        for pcg in (old_pcg, solver_kernels.pcg):
            x = call[4].copy()
            outputs.append((pcg(*call[:4], x, *call[5:]), x.tobytes()))
        if outputs[0] != outputs[1]:
            raise AssertionError("the CG kernels' results differ from the earlier ones")
    indptr, indices, data, rhs = calls[0][:4]
    factor = calls[0][5:11]  # the pattern, panels and 1/D (then the scratch)
    n = rhs.size
    r = np.random.default_rng(0).normal(size=n)
    products = {side: np.empty(n) for side in ("old", "new")}
    solutions = {side: np.empty(n) for side in ("old", "new")}
    kernels = {"old": (reference.reference_matvec, reference.reference_solve),
               "new": (solver_kernels._matvec, supernodal.solve)}
    times = {key: [] for key in ("matvec old", "matvec new", "solve old", "solve new",
                                 "pcg old", "pcg new")}
    pcgs = {"old": old_pcg, "new": solver_kernels.pcg}
    x = np.empty(n)
    flush = np.ones(4 * 2**20), np.empty(4 * 2**20)
    for repeat in range(repeats):
        sides = ("old", "new") if repeat % 2 == 0 else ("new", "old")
        for _ in range(4):
            for side in sides:
                matvec, solve = kernels[side]
                np.copyto(flush[1], flush[0])
                t0 = time.perf_counter()
                solve(*factor, r, solutions[side], calls[0][11])
                t1 = time.perf_counter()
                np.copyto(flush[1], flush[0])
                t2 = time.perf_counter()
                matvec(indptr, indices, data, solutions[side], products[side])
                t3 = time.perf_counter()
                times[f"solve {side}"].append(t1 - t0)
                times[f"matvec {side}"].append(t3 - t2)
        for call in calls:
            for side in sides:
                np.copyto(x, call[4])
                t0 = time.perf_counter()
                pcgs[side](*call[:4], x, *call[5:])
                times[f"pcg {side}"].append(time.perf_counter() - t0)
    for key in ("solve", "matvec"):
        outputs = products if key == "matvec" else solutions
        if outputs["old"].tobytes() != outputs["new"].tobytes():
            raise AssertionError(f"the {key} kernel's result differs from the earlier one")
    print(f"         every output identical bit for bit ({len(calls)} CG calls, the product "
          f"and the solve pair); medians over {repeats} repeats:")
    report("A x", times["matvec old"], times["matvec new"], repeats)
    report("solve pair", times["solve old"], times["solve new"], repeats)
    report("CG call", times["pcg old"], times["pcg new"], repeats)
    time_assembly(assemblies, repeats, old_assemble)
    time_factorization(calls[0], pattern, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--settle", type=int, default=60)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    old_pcg, old_assemble = earlier_pcg(), earlier_assemble()
    for n in args.sizes:
        run_size(n, args.settle, args.steps, args.repeats, old_pcg, old_assemble)


if __name__ == "__main__":
    main()
