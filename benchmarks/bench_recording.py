"""What recording costs: the same run bare, with each recorder, and read back.

One seeded preset run (``two_terminal_pulse`` by default) from the same pristine state, with
no recorder (the baseline), a :class:`TraceRecorder`, a :class:`StateMonitor` on 100
junctions, an :class:`HDF5Recorder` writing a file and one keeping it in memory (what
``nwn.engine.run`` does without ``output``). Each case is repeated ``--repeats`` times,
interleaved, and the best wall time is printed with its ratio to the bare run; then the time to
open the file and read every dataset through :func:`nwn.engine.load_results`.

Usage::

    python benchmarks/bench_recording.py [--preset two_terminal_pulse] [--duration 2.0]
                                         [--repeats 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from nwn.engine import HDF5Recorder, StateMonitor, TraceRecorder, build_simulation, load_results
from nwn.engine.results import DATASETS
from nwn.engine.runner import override, resolve_scenario


def timed_run(scenario, make_recorders) -> float:
    recorders = make_recorders()
    simulation = build_simulation(scenario, recorders=recorders)
    start = time.perf_counter()
    simulation.run(scenario.run.duration)
    for recorder in recorders:
        if isinstance(recorder, HDF5Recorder):
            recorder.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="two_terminal_pulse")
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario, text = resolve_scenario(args.preset)
    scenario, text = override(scenario, text, duration=args.duration)
    folder = Path(tempfile.mkdtemp())
    path = folder / "bench.h5"
    cases = {
        "bare (baseline)": lambda: [],
        "TraceRecorder": lambda: [TraceRecorder()],
        "StateMonitor, 100 junctions": lambda: [StateMonitor(junctions=list(range(100)))],
        "HDF5Recorder to a file": lambda: [HDF5Recorder.for_scenario(path, scenario,
                                                                     scenario_text=text)],
        "HDF5Recorder in memory": lambda: [HDF5Recorder.for_scenario(None, scenario,
                                                                     scenario_text=text)],
    }
    timed_run(scenario, lambda: [])  # compile the kernels before timing anything
    best = {name: float("inf") for name in cases}
    for _ in range(args.repeats):
        for name, make in cases.items():
            best[name] = min(best[name], timed_run(scenario, make))
    steps = scenario.run.n_steps
    base = best["bare (baseline)"]
    print(f"{args.preset}, {steps} steps, record_every={scenario.run.record_every}, "
          f"junction_every={scenario.run.junction_every}, "
          f"snapshot_every={scenario.run.snapshot_every}; best of {args.repeats}")
    for name, seconds in best.items():
        print(f"  {name:30s} {1e3 * seconds / steps:7.3f} ms/step   x{seconds / base:5.2f}")
    start = time.perf_counter()
    with load_results(path, lazy=False) as results:
        rows = sum(results[d.path].size for d in DATASETS)
    read = time.perf_counter() - start
    print(f"  read back ({path.stat().st_size / 2**20:.1f} MiB, {rows} values): "
          f"{1e3 * read:.0f} ms, x{read / base:.2f} of the bare run")


if __name__ == "__main__":
    main()
