"""The solver's edge maps: the numba kernels against the numpy passes they replaced, same run.

Workload: the ``whole_device`` film (``bench_whole_device.py``) at ``--n-wires`` wires
(default 1,000,000; same density), its sources as the preset drives them. The fill-reducing
order is computed once and handed to both sides, so that only what follows it is timed:
``ReducedSystem`` (its edge maps built by ``nwn.engine.solver_edge_maps``) against the numpy
formulation it used before, kept as ``reference_maps`` in ``tests/test_solver_edge_maps.py``,
interleaved ``--repeats`` times. Printed: CPU and wall seconds of each (range over the
repeats), the ratio of the medians, and that every array is identical.

Usage::

    python benchmarks/bench_edge_maps.py [--n-wires 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_solver_edge_maps as reference  # noqa: E402
from bench_whole_device import scaled_scenario  # noqa: E402

from nwn.engine import solver_assembly  # noqa: E402
from nwn.engine.build import build_network_from, make_drives  # noqa: E402
from nwn.engine.scenario import parse_scenario  # noqa: E402
from nwn.engine.solver_topology import find_topology  # noqa: E402
from nwn.engine.sources import Source  # noqa: E402


def film(n_wires: int):
    """The scaled whole_device network and its topology under the preset's sources."""
    scenario = parse_scenario(scaled_scenario(n_wires))
    network = build_network_from(scenario).network
    drives = make_drives(scenario)
    sources = tuple(drives.get(name, Source("floating")) for name in network.electrode_names)
    return network, find_topology(network, sources)


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-wires", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    network, topology = film(args.n_wires)
    free = np.flatnonzero(topology.node_solved & ~topology.node_dirichlet)
    order, _, order_cpu = timed(lambda: solver_assembly.fill_reducing_order(
        free, network.n_nodes, np.ascontiguousarray(network.edge_nodes, dtype=np.int64)))
    # both sides get the order computed above (the same function either would call)
    solver_assembly.fill_reducing_order = lambda *_: order
    reference.fill_reducing_order = lambda *_: order
    times = {"kernels": [], "numpy": []}
    for repeat in range(args.repeats):
        sides = ("kernels", "numpy") if repeat % 2 == 0 else ("numpy", "kernels")
        for side in sides:
            if side == "kernels":
                system, wall, cpu = timed(
                    lambda: solver_assembly.ReducedSystem(network, topology))
            else:
                want, wall, cpu = timed(lambda: reference.reference_maps(network, topology))
            times[side].append((wall, cpu))
    for name, array in want.items():
        reference.assert_identical(name, getattr(system, name), array)
    print(f"{args.n_wires:,} wires, {network.edge_nodes.shape[0]:,} edges, "
          f"{system.n_free:,} unknowns; the order alone {order_cpu:.2f} s CPU (not timed "
          f"below); {len(want)} arrays identical")
    for side, rows in times.items():
        rows = np.array(rows)
        print(f"  {side:8s} CPU {rows[:, 1].min():.3f}-{rows[:, 1].max():.3f} s  wall "
              f"{rows[:, 0].min():.3f}-{rows[:, 0].max():.3f} s")
    kernels, numpy = (np.median(np.array(times[k])[:, 1]) for k in ("kernels", "numpy"))
    print(f"  kernels / numpy (CPU medians): {kernels / numpy:.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
