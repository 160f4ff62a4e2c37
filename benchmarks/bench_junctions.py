"""Junction detection speed and memory at n l^2 = 14.7, against a brute-force baseline.

Each (size, method) runs in a fresh child process so that its peak resident memory
(``resource.getrusage``) belongs to that run alone; ``tracemalloc`` adds the peak of the
arrays numpy allocates (GEOS memory is not seen by tracemalloc, only by the RSS figure).
The baseline is a vectorized O(N^2) numpy segment test (float orientation signs, all pairs
in row blocks), run in the same child on the sizes where it fits in time (``--baseline-max``).

Usage::

    python benchmarks/bench_junctions.py                      # 10k, 100k, 1M
    python benchmarks/bench_junctions.py --sizes 2000 10000   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

DENSITY_RATIO = 14.7
LENGTH = 10e-6


def make_wires(n: int, seed: int = 0):
    from nwn.geometry import drop_wires

    side = np.sqrt(n * LENGTH**2 / DENSITY_RATIO)
    return drop_wires(n, box=(side, side), length=LENGTH, rng=seed)


def brute_force_count(endpoints: np.ndarray, block: int = 256) -> int:
    """Junctions by testing every pair, vectorized over row blocks (float signs)."""
    a, b = endpoints[:, 0], endpoints[:, 1]
    n = len(endpoints)
    total = 0

    def orient(p, q, r):
        return np.sign((q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1])
                       - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0]))

    for start in range(0, n, block):
        rows = slice(start, min(start + block, n))
        pa, pb = a[rows, None], b[rows, None]
        o1, o2 = orient(pa, pb, a[None]), orient(pa, pb, b[None])
        o3, o4 = orient(a[None], b[None], pa), orient(a[None], b[None], pb)
        meet = (o1 * o2 <= 0) & (o3 * o4 <= 0)
        index = np.arange(start, rows.stop)[:, None]
        total += int(np.count_nonzero(meet & (np.arange(n)[None] > index)))
    return total


def child(n: int, method: str, repeats: int, baseline: bool) -> dict:
    from nwn.geometry import find_junctions

    find_junctions(make_wires(1000, seed=1), method=method)  # load numba caches / warm GEOS
    wires = make_wires(n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        junctions = find_junctions(wires, method=method)
        times.append(time.perf_counter() - start)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {
        "n": n, "method": method, "best_s": min(times), "median_s": float(np.median(times)),
        "junctions": len(junctions), "per_wire": 2 * len(junctions) / n,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mib": rss_before / 1024, "numpy_peak_mib": traced_peak / 2**20,
    }
    if baseline:
        start = time.perf_counter()
        result["baseline_junctions"] = brute_force_count(wires.endpoints)
        result["baseline_s"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=["grid", "strtree"],
                        choices=["grid", "strtree"])
    parser.add_argument("--repeats", type=int, default=5, help="runs per size below 1M")
    parser.add_argument("--baseline-max", type=int, default=10_000,
                        help="largest size for the O(N^2) baseline")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, method, repeats, baseline = args.child
        print(json.dumps(child(int(n), method, int(repeats), baseline == "1")))
        return

    print(f"junction detection at n l^2 = {DENSITY_RATIO}, l = {LENGTH * 1e6:g} um, "
          f"{os.cpu_count()} CPUs; times are best of the repeats (median in brackets)")
    print("(quoted, not run: mnns 1.0.5 needs 8.4 s for 10k wires with a pairwise loop)")
    header = (f"{'wires':>9} {'method':>8} {'time':>10} {'(median)':>10} {'junctions':>10} "
              f"{'per wire':>8} {'peak RSS':>9} {'numpy pk':>9} {'baseline':>10} {'speed-up':>9}")
    print(header)
    for n in args.sizes:
        baseline_done = False
        for method in args.methods:
            repeats = args.repeats if n < 1_000_000 else 1
            run_baseline = n <= args.baseline_max and not baseline_done
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(n), method, str(repeats),
                 "1" if run_baseline else "0"],
                check=True, capture_output=True, text=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            if run_baseline:
                baseline_done = True
                base_s, base_count = result["baseline_s"], result["baseline_junctions"]
                if base_count != result["junctions"]:
                    print(f"  note: baseline found {base_count} junctions (float signs)")
            if n <= args.baseline_max:
                base = f"{base_s:9.3f}s"
                ratio = f"{base_s / result['best_s']:8.0f}x"
            else:
                base, ratio = f"{'-':>10}", f"{'-':>9}"
            print(f"{n:>9} {method:>8} {result['best_s']:9.4f}s {result['median_s']:9.4f}s "
                  f"{result['junctions']:>10} {result['per_wire']:8.3f} "
                  f"{result['peak_rss_mib']:7.0f}Mi {result['numpy_peak_mib']:7.0f}Mi "
                  f"{base} {ratio}")
    print(f"expected junctions per wire in an infinite film: 2 n l^2 / pi = "
          f"{2 * DENSITY_RATIO / np.pi:.3f} (finite boxes lose some at the edges)")


if __name__ == "__main__":
    main()
