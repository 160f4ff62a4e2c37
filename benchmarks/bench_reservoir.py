"""The memory-capacity protocol on the ``rc_memory_capacity`` preset against bare time steps.

Whole protocol: :func:`nwn.engine.reservoir.experiment.run_reservoir` as ``nwn reservoir run``
calls it (task input, sample-and-hold drive, network build, simulation with the feature
recorder, ridge readout and scoring of every delay). Baseline, in the same process: the same
driven scenario built with :func:`nwn.engine.build.build_simulation` and advanced by the same
number of steps with no recorder (``Simulation.step``). The two alternate ``--repeats`` times
and the fastest of each is printed (process CPU time, the fair figure on a shared machine, and
wall time), with the overhead of the whole protocol over the bare steps (target: <= 5 %). On a
loaded machine that ratio scatters by several per cent between runs, so the protocol's own work
is also timed directly: the feature recorder's calls inside the run and the readout.

Usage::

    python benchmarks/bench_reservoir.py [--samples 3000] [--repeats 2] [--preset NAME]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from nwn.engine.build import build_simulation
from nwn.engine.reservoir import experiment
from nwn.engine.reservoir.experiment import driven_scenario, run_reservoir
from nwn.engine.reservoir.tasks import make_input, score_task
from nwn.engine.scenario import load_scenario
from nwn.resources import preset_path


def clock() -> tuple[float, float]:
    """(wall, process CPU) seconds: CPU time is the fairer figure on a shared machine."""
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    now = clock()
    return now[0] - start[0], now[1] - start[1]


class TimedRecorder(experiment.FeatureRecorder):
    """The feature recorder, timing its own calls (CPU seconds in ``spent``)."""

    spent = 0.0

    def record(self, *args) -> None:
        start = time.process_time()
        super().record(*args)
        TimedRecorder.spent += time.process_time() - start


def bare_steps(scenario, n_steps: int) -> tuple[float, float]:
    """(wall, CPU) s to build the driven scenario and advance ``n_steps`` with no recorder."""
    spec = scenario.reservoir
    u, _ = make_input(spec.task, spec.washout + spec.samples, 0)
    start = clock()
    simulation = build_simulation(driven_scenario(scenario, spec, u))
    simulation.step(n_steps)
    return since(start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="rc_memory_capacity")
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    import dataclasses

    scenario = load_scenario(preset_path(args.preset))
    spec = dataclasses.replace(scenario.reservoir, samples=args.samples)
    scenario = dataclasses.replace(scenario, reservoir=spec)
    per_sample = spec.steps_per_sample(scenario.run.dt)
    n_steps = (spec.washout + spec.samples) * per_sample - 1  # the last read's step
    whole, bare = [], []
    experiment.FeatureRecorder = TimedRecorder  # run_reservoir looks it up at call time
    for _ in range(args.repeats):
        bare.append(bare_steps(scenario, n_steps))
        start = clock()
        TimedRecorder.spent = 0.0
        run = run_reservoir(scenario)
        whole.append(since(start))
        recording = TimedRecorder.spent
    start = clock()
    score_task(spec.task, run.u, run.features)
    readout = since(start)[1]
    network = build_simulation(scenario).network
    print(f"preset {args.preset}: {len(network.wires)} wires, {network.n_junctions} junctions, "
          f"{spec.washout} + {spec.samples} samples x {per_sample} steps = {n_steps} steps, "
          f"{run.features.shape[0]} features")
    for label, times in (("bare build + steps", bare), ("whole MC protocol", whole)):
        print(f"{label:<28s} CPU {min(t[1] for t in times):7.2f} s   wall "
              f"{min(t[0] for t in times):7.2f} s   (runs, wall: "
              f"{', '.join(f'{t[0]:.2f}' for t in times)})")
    print(f"{'  of which feature reads':<28s} CPU {recording * 1e3:7.1f} ms "
          f"(timed inside the run, {n_steps} calls)")
    print(f"{'  of which readout + score':<28s} CPU {readout * 1e3:7.1f} ms")
    own = (recording + readout) / min(t[1] for t in bare)
    print(f"the protocol's own work (reads + readout) over the bare steps: {100 * own:.2f} %")
    for k, clock_name in ((1, "CPU"), (0, "wall")):
        ratio = min(t[k] for t in whole) / min(t[k] for t in bare)
        print(f"overhead of the protocol over bare steps ({clock_name}): "
              f"{100 * (ratio - 1):+.1f} %  (target <= 5 %)")
    k = run.electrode_names.index(spec.inputs[0])
    conductance = np.mean(np.abs(run.electrode_current[k]) / np.abs(run.electrode_voltage[k]))
    print(f"memory capacity {run.result.score:.4f} (bias {run.result.details['bias']:.3f}), "
          f"MC(1..5) = {', '.join(f'{v:.3f}' for v in run.result.per_delay[:5])}; "
          f"mean input conductance |I/V| = {conductance:.3g} S")


if __name__ == "__main__":
    main()
