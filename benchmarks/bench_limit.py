"""How close the solver's per-step work runs to this machine's memory-bandwidth floor.

Workload: the reference workload of ``bench_solver.py`` (JDA networks of 7 um wires at
0.3 wires/um^2, side-bar electrodes, DC bias, ``rate`` junctions stepped by an exact
exponential update), at the solver's default tolerance, after ``--settle`` steps.

For the measured steps the script counts the bytes a step must stream from memory at the
least, from the sizes of the solver's own arrays:

- each triangular solve pair (forward and backward, once per CG iteration plus once for the
  initial residual) reads L's panels (float32), its row indices (int32) and supernode
  pointers twice, and streams r, z and 1/D;
- each product with A (once per iteration plus once for the initial residual; the true
  residual's recomputation at the end is skipped where a rounding bound shows that it
  passes, so it is not part of the least) reads the CSR pointers, column indices (int32)
  and values (float64) and writes one vector;
- each iteration's vector updates and convergence test stream about 16 vectors of n float64;
- the value assembly reads the per-edge arrays and the junction conductances and writes the
  matrix values, the right-hand side and the diagonal's sums; the scatter reads the voltages
  and edge arrays and writes node voltages, edge currents and junction voltages.

Gathers of the solution vector at the matrix's and L's row indices are not counted: at
100,000 wires the vectors (0.8 MB each) stay in cache. The floor is those bytes over the
single-core bandwidth of a numpy stream copy (``np.copyto`` of 128 MiB, read + write counted),
measured before every step so that both see the same load; each step's measured time over its
own floor is a ratio, and the median and quartiles over the steps are printed. Steps that
factorize are left out (the factorization is compute, not streaming).

Usage::

    python benchmarks/bench_limit.py [--sizes 100000] [--steps 40] [--settle 60]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_solver import rate_step, settled_run

from nwn.engine.solver import CircuitSolver

#: Vectors of n float64 streamed by one CG iteration's updates and convergence test: p.q
#: taken while A p is formed (p read once more, 1), x += a p and r -= a q with max|x| and
#: max|r| (4 read, 2 written), r.z with max|z| (2), p = z + b p (2 read, 1 written).
ITERATION_VECTORS = 12


class Copier:
    """A numpy stream copy of ``n_bytes``: bytes per second, read + write counted."""

    def __init__(self, n_bytes: int = 128 * 2**20):
        self.a = np.ones(n_bytes // 8)
        self.b = np.empty_like(self.a)
        np.copyto(self.b, self.a)

    def bandwidth(self) -> float:
        t0 = time.perf_counter()
        np.copyto(self.b, self.a)
        return 2.0 * self.a.nbytes / (time.perf_counter() - t0)


def stream_bytes(solver: CircuitSolver) -> dict:
    """Bytes streamed at the least by one solve pair, one product with A, one iteration's
    vector work, one assembly and one scatter."""
    system = solver._system
    pattern = solver._preconditioner.pattern
    n = solver.n_free
    panels = solver._preconditioner.panels
    supernodes = pattern.n_supernodes
    solve = (2 * (panels.nbytes + pattern.rows.nbytes + 3 * 8 * supernodes)
             + 5 * 8 * n)  # r read, z written, 1/D and z scaled, z in the backward pass
    matvec = system.indptr.nbytes + system.indices.nbytes + system.data.nbytes + 8 * n
    edges = sum(a.nbytes for a in system._edges) + system._edge_g.nbytes
    network = solver.network
    # the values written once, the right-hand side and the diagonal's sums
    assembly = edges + 8 * network.n_junctions + system.data.nbytes + 2 * 8 * n
    # edge ends and junctions (int32) and conductances read, edge currents and junction
    # voltages written, node voltages written and the solution read
    ends = system._edges[4].nbytes + system._edges[5].nbytes + system._edges[1].nbytes
    scatter = (ends + system._edge_g.nbytes + 8 * network.n_edges + 8 * network.n_junctions
               + 8 * network.n_nodes + 8 * n)
    return dict(solve=solve, matvec=matvec, iteration=ITERATION_VECTORS * 8 * n,
                assembly=assembly, scatter=scatter)


def run_size(n_wires: int, steps: int, settle: int, copier: Copier) -> None:
    network, solver, x, g, args, sol = settled_run(n_wires, settle)
    b = stream_bytes(solver)
    rows = []  # per step: bandwidth next to it, CG and solve() times, bytes of each
    tm = solver.timings
    for _ in range(steps):
        bandwidth = copier.bandwidth()  # measured between the steps, under the same load
        before = dict(tm)
        solver.solve(g, out=sol)
        rate_step(x, sol.node_voltage, *args, g)
        if tm["factorizations"] != before["factorizations"]:
            continue  # the factorization's work is not streaming: those steps are left out
        its = tm["iterations"] - before["iterations"]
        cg_bytes = (its + 1) * (b["solve"] + b["matvec"]) + its * b["iteration"]
        t_cg = tm["solve"] - before["solve"]
        t_all = t_cg + tm["assembly"] - before["assembly"] + tm["scatter"] - before["scatter"]
        rows.append((bandwidth, its, t_cg, cg_bytes, t_all,
                     cg_bytes + b["assembly"] + b["scatter"]))
    bw, its, t_cg, cg_bytes, t_all, all_bytes = map(np.array, zip(*rows, strict=True))
    ratio_cg = t_cg / (cg_bytes / bw)
    ratio_all = t_all / (all_bytes / bw)
    mb = 1e-6
    print(f"{n_wires:>8} wires {network.n_junctions:>8} junctions {solver.n_free:>8} unknowns"
          f"  ({len(rows)} steps without a factorization, after {settle}; "
          f"{its.mean():.2f} CG it/step)")
    print(f"         per pass: solve pair {b['solve'] * mb:.1f} MB, A x {b['matvec'] * mb:.1f} "
          f"MB, iteration vectors {b['iteration'] * mb:.1f} MB, assembly "
          f"{b['assembly'] * mb:.1f} MB, scatter {b['scatter'] * mb:.1f} MB; stream copy "
          f"{np.median(bw) / 1e9:.2f} GB/s (median, {bw.min() / 1e9:.2f}-{bw.max() / 1e9:.2f})")
    print(f"         CG:          {np.median(cg_bytes) * mb:7.1f} MB/step  floor "
          f"{np.median(cg_bytes / bw) * 1e3:7.2f} ms  measured {np.median(t_cg) * 1e3:7.2f} ms"
          f"  ratio {np.median(ratio_cg):.2f} (median; quartiles "
          f"{np.percentile(ratio_cg, 25):.2f}-{np.percentile(ratio_cg, 75):.2f})")
    print(f"         solve() all: {np.median(all_bytes) * mb:7.1f} MB/step  floor "
          f"{np.median(all_bytes / bw) * 1e3:7.2f} ms  measured {np.median(t_all) * 1e3:7.2f} "
          f"ms  ratio {np.median(ratio_all):.2f} (median; quartiles "
          f"{np.percentile(ratio_all, 25):.2f}-{np.percentile(ratio_all, 75):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100000])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--settle", type=int, default=60)
    args = parser.parse_args()
    copier = Copier()
    for n in args.sizes:
        run_size(n, args.steps, args.settle, copier)


if __name__ == "__main__":
    main()
