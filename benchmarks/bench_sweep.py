"""Sweep scaling: 16 members serially in this process, then on an embedded 2-worker cluster.

Both in the same run, on the same members (one preset over 16 seeds). Prints:

* the speed-up, serial wall time / sweep wall time (target >= 1.7x on 2 free cores), with and
  without the cluster's start-up;
* the engine's per-member overhead: (sweep wall time x workers - sum of member run times) /
  members, as a fraction of the mean member run time (target <= 5 % for members >= 2 s);
* each member's run time serially and on the cluster (contention on a shared machine shows
  up there), and the load average before and after (other processes on the machine);
* each member's CPU time serially and on the cluster, split there into the member's thread
  and the rest of its worker process (Dask's periodic work): a measure of Dask's cost in the
  workers that hardly depends on the load.

Numba kernels are compiled (or loaded from cache) before timing, here and on every worker.
``--dask-periodic default`` runs the cluster with Dask's own intervals for its periodic work
(only the profiler off, as before ``QUIET_WORKERS``), to compare with the quiet workers.

Usage::

    python benchmarks/bench_sweep.py                          # two_terminal_pulse, 16 seeds
    python benchmarks/bench_sweep.py --members 4 --duration 1 # quick
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path


def _warm(scenario):
    """Compile (or load) the kernels a member uses, on a very short run."""
    from nwn.engine.sweep import default_runner

    short = dataclasses.replace(scenario, run=dataclasses.replace(
        scenario.run, duration=5 * scenario.run.dt))
    default_runner(short)
    return os.getpid()


def timed_member(scenario):
    """The default member, with the CPU time it took: of its whole process (the member and
    whatever else that process ran meanwhile, e.g. Dask's periodic work in a worker) and of
    its own thread. CPU time, unlike wall time, hardly depends on how busy the machine is."""
    import numpy as np

    from nwn.engine.sweep import default_runner

    process, thread = time.process_time(), time.thread_time()
    out = default_runner(scenario)
    out["cpu_process"] = np.asarray(time.process_time() - process)
    out["cpu_thread"] = np.asarray(time.thread_time() - thread)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="two_terminal_pulse")
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=float, help="override run.duration (s)")
    parser.add_argument("--dask-periodic", choices=("quiet", "default"), default="quiet",
                        help="the engine's quiet worker settings, or Dask's default intervals")
    args = parser.parse_args()

    import numpy as np

    from nwn.engine.scenario import load_scenario
    from nwn.engine.sweep import cluster as cluster_module
    from nwn.engine.sweep import default_runner, run_sweep
    from nwn.engine.sweep.cluster import connect
    from nwn.resources import preset_path

    if args.dask_periodic == "default":
        cluster_module.QUIET_WORKERS = {"distributed.worker.profile.enabled": False}

    scenario = load_scenario(preset_path(args.preset))
    if args.duration:
        scenario = dataclasses.replace(scenario, run=dataclasses.replace(
            scenario.run, duration=args.duration))
    seeds = list(range(args.members))
    load_before = os.getloadavg()
    print(f"{args.preset}: {args.members} members of {scenario.run.n_steps} steps; "
          f"{os.cpu_count()} cores, load average {load_before[0]:.2f} (1 min)")

    _warm(scenario)
    serial_times, serial_cpu = [], []
    started = time.perf_counter()
    for seed in seeds:
        t0 = time.perf_counter()
        serial_cpu.append(float(timed_member(dataclasses.replace(scenario, seed=seed))
                                ["cpu_process"]))
        serial_times.append(time.perf_counter() - t0)
    serial_wall = time.perf_counter() - started
    # Dask's nannies start workers with OMP/OPENBLAS/MKL_NUM_THREADS=1; this process may use
    # more BLAS threads. The same members with one BLAS thread, for a like-for-like member time.
    single = []
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scipy's stack
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(1):
            for seed in seeds[:4]:
                t0 = time.perf_counter()
                default_runner(dataclasses.replace(scenario, seed=seed))
                single.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    connection = connect(workers=args.workers)  # the embedded cluster run_sweep starts
    client = connection.client
    client.wait_for_workers(args.workers)
    startup = time.perf_counter() - t0
    try:
        client.run(_warm, scenario)
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            result = run_sweep(scenario, None, seeds, client=client, runner=timed_member,
                               output=Path(folder) / "bench.h5")
            sweep_wall = time.perf_counter() - started
            with result:
                member_times = np.asarray(result.members["wall_time"].values, dtype=float)
                cpu_process = np.asarray(result.dataset["cpu_process"].values, dtype=float)
                cpu_thread = np.asarray(result.dataset["cpu_thread"].values, dtype=float)
                assert result.n_done == args.members, result.failures()
    finally:
        closing = time.perf_counter()
        connection.close()
        close_time = time.perf_counter() - closing
    load_after = os.getloadavg()

    mean_serial = statistics.mean(serial_times)
    mean_member = float(member_times.mean())
    overhead = (sweep_wall * args.workers - member_times.sum()) / args.members
    print(f"serial (baseline, this process): {serial_wall:8.2f} s   "
          f"member {mean_serial:.2f} s mean ({min(serial_times):.2f}-{max(serial_times):.2f})")
    print(f"sweep, {args.workers} workers:            {sweep_wall:8.2f} s   "
          f"member {mean_member:.2f} s mean ({member_times.min():.2f}-"
          f"{member_times.max():.2f}); cluster start-up {startup:.2f} s, "
          f"close {close_time:.2f} s ({args.dask_periodic} Dask periodic work)")
    print(f"speed-up: {serial_wall / sweep_wall:.2f}x (target >= 1.7x on {args.workers} cores); "
          f"{serial_wall / (sweep_wall + startup + close_time):.2f}x counting start-up and "
          f"close")
    print(f"engine overhead per member: {overhead * 1e3:.0f} ms = "
          f"{100 * overhead / mean_member:.1f} % of a member's run (target <= 5 %)")
    print(f"member slow-down on the cluster vs serial: {mean_member / mean_serial:.2f}x "
          f"(contention for the cores)")
    print(f"CPU per member: serial {statistics.mean(serial_cpu):.3f} s; on the cluster "
          f"{cpu_process.mean():.3f} s for its worker process, {cpu_thread.mean():.3f} s of it "
          f"in the member's thread ({cpu_process.mean() / statistics.mean(serial_cpu):.3f}x "
          f"serial; Dask's own threads {cpu_process.mean() - cpu_thread.mean():.3f} s)")
    if single:
        same = statistics.mean(single) / statistics.mean(serial_times[:len(single)])
        print(f"the first {len(single)} members serially with one BLAS thread, as the workers "
              f"run: {same:.2f}x the time with this process's BLAS threads")
    print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
