"""Dynamics -> computing: memory capacity and NLT accuracy of the rc_memory_capacity device
against the input's DC offset and against the junctions' noise.

Two sweeps of the preset's reservoir protocol (``nwn.engine.sweep.run_sweep`` with
``nwn.engine.reservoir.sweeps.TaskRunner``; seeds change the wires and the noise):

* offset: ``reservoir.offset`` from below to well above the window the device is tuned for
  (the memory-capacity input spans [offset, offset + 0.6] V, the NLT sine offset +- 0.6 V),
  rate-balance junctions. The attractor state at each offset is measured with ``nwn bridge``
  (:func:`nwn.engine.analysis.bridge.run_bridge`) on the same devices (same seeds): the
  network held at the offset voltage relaxes to its attractor g~(V) (steady conductance
  normalized between all junctions dissolved and all formed) at the rate theta(V). The mean
  input conductance |I/V| of each scored run is kept in the JSON too. The lowest offset is
  1 V: an NLT sine that
  passes within ~10 mV of 0 V stops the solver ("node voltages cannot be resolved"), which
  is the solver's limit, not the task's.
* noise, at the preset's offset (2.2 V): ``rate`` (deterministic), ``filament`` with n_max =
  10, 100, 1000 sites (shot noise ~ 1/n_max), ``ou_jump`` without and with avalanche jumps.

Writes the figure (pyqtgraph, offscreen: :func:`nwn.app.render.rc_figures.write_study_figure`)
and the numbers (JSON) and prints a table. The protocol is shortened to ``--samples`` scored
samples (default 1000, estimator bias of MC 30/199 = 0.15) to fit a laptop; every member is
the same run ``nwn reservoir run --samples`` would make.

Usage::

    python benchmarks/rc_dynamics_study.py [--samples 1000] [--seeds 2] [--noise-seeds 1]
        [--workers 2]
        [-o docs/rc_study.png] [--json docs/rc_study.json] [--work DIR] [--reuse-scores]

A killed study resumes: run it again with the same --work folder. ``--reuse-scores`` keeps
the scores already in the JSON file and only measures what is missing there (the attractor)
and redraws the figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from nwn.engine.reservoir.sweeps import TaskRunner, output_name
from nwn.engine.scenario import JunctionSpec, load_scenario
from nwn.engine.sweep import run_sweep
from nwn.resources import preset_path

TASKS = ("memory-capacity", "nlt")
OFFSETS = (1.0, 1.6, 2.2, 2.8, 3.6, 4.5)
#: The bridge's holds: long against the preset's relaxation (kd0 = 5 /s), on a finer step
#: than the protocol's 0.1 s so that the relaxation rate can be fitted.
BRIDGE = {"hold": 10.0, "relax": 4.0, "dt": 0.02}


def attractor(base, offsets, seeds) -> dict[str, list[float]]:
    """g~ and theta of ``nwn bridge`` at each offset voltage, mean and spread over seeds."""
    from nwn.engine.analysis.bridge import run_bridge

    scenario = dataclasses.replace(base, run=dataclasses.replace(base.run, dt=BRIDGE["dt"]))
    g, theta = [], []
    for seed in seeds:
        result = run_bridge(scenario, list(offsets), hold=BRIDGE["hold"],
                            relax=BRIDGE["relax"], seed=seed)
        g.append([level.attractor for level in result.levels])
        theta.append([level.theta for level in result.levels])
    g, theta = np.array(g), np.array(theta)
    return {"values": list(offsets), "seeds": list(seeds), **BRIDGE,
            "attractor": g.mean(axis=0).tolist(), "attractor_std": g.std(axis=0).tolist(),
            "theta": theta.mean(axis=0).tolist(), "theta_std": theta.std(axis=0).tolist()}


def noise_variants(junction: JunctionSpec) -> list[tuple[str, JunctionSpec]]:
    """(label, junction spec) of each noise variant, all with the preset's kinetics."""
    params = dict(junction.params)

    def spec(model: str, **extra: float) -> JunctionSpec:
        return JunctionSpec(model, {**params, **extra}, junction.spread, junction.initial)

    return [
        ("rate", junction),
        ("filament n_max=10", spec("filament", n_max=10)),
        ("filament n_max=100", spec("filament", n_max=100)),
        ("filament n_max=1000", spec("filament", n_max=1000)),
        ("ou_jump, no jumps", spec("ou_jump", jump_rate=0.0)),
        ("ou_jump, jumps", spec("ou_jump")),
    ]


def summary(result, key_dim: str | None) -> dict[str, list[float]]:
    """Mean and spread over seeds of each task's score and of the input conductance."""
    data = result.dataset
    out: dict[str, list[float]] = {}
    for name in [output_name(t) for t in TASKS] + [output_name(TASKS[0], "input_conductance")]:
        values = data[name]
        axis = [d for d in values.dims if d == "seed"]
        out[name] = np.atleast_1d(values.mean(dim=axis).values).tolist()
        out[name + "_std"] = np.atleast_1d(values.std(dim=axis).values).tolist()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=2, help="seeds of the offset sweep")
    parser.add_argument("--noise-seeds", type=int, default=1, help="seeds of each noise variant")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-o", "--output", default="docs/rc_study.png")
    parser.add_argument("--json", default="docs/rc_study.json")
    parser.add_argument("--work", default=None, help="folder for the sweep files")
    parser.add_argument("--reuse-scores", action="store_true",
                        help="keep the scores in --json; measure only what is missing")
    args = parser.parse_args()

    base = load_scenario(preset_path("rc_memory_capacity"))
    seeds = list(range(args.seeds))
    start = time.perf_counter()
    if args.reuse_scores:
        numbers = json.loads(Path(args.json).read_text())
    else:
        numbers = scores(base, args, seeds)
    if not args.reuse_scores or "attractor" not in numbers:
        numbers["attractor"] = attractor(base, numbers["offset"]["values"], numbers["seeds"])
    numbers.setdefault("seconds", round(time.perf_counter() - start, 1))
    Path(args.json).write_text(json.dumps(numbers, indent=1))
    from nwn.app.render.rc_figures import write_study_figure

    write_study_figure(args.output, numbers)
    mc, nlt = output_name(TASKS[0]), output_name(TASKS[1])
    g = output_name(TASKS[0], "input_conductance")
    print(f"{'offset (V)':<22s} {'MC':>14s} {'NLT accuracy':>16s} {'|I/V| (S)':>10s} "
          f"{'g~ (bridge)':>16s} {'theta (1/s)':>11s}")
    off, bridge = numbers["offset"], numbers["attractor"]
    noise = numbers["noise"]
    for k, value in enumerate(off["values"]):
        print(f"{value:<22g} {off[mc][k]:8.3f} +- {off[mc + '_std'][k]:.3f} "
              f"{off[nlt][k]:9.3f} +- {off[nlt + '_std'][k]:.3f} {off[g][k]:10.3g} "
              f"{bridge['attractor'][k]:8.4f} +- {bridge['attractor_std'][k]:.4f} "
              f"{bridge['theta'][k]:11.3g}")
    print(f"{'junctions (2.2 V)':<22s}")
    for k, label in enumerate(noise["labels"]):
        print(f"{label:<22s} {noise[mc][k]:8.3f} +- {noise[mc + '_std'][k]:.3f} "
              f"{noise[nlt][k]:9.3f} +- {noise[nlt + '_std'][k]:.3f} {noise[g][k]:10.3g}")
    print(f"MC estimator bias {numbers['bias_mc']:.3f}; {numbers['seconds']} s; "
          f"wrote {args.output} and {args.json}")


def scores(base, args, seeds) -> dict:
    """Run the offset and noise sweeps (resuming from ``--work``); their summaries."""
    from distributed import Client, LocalCluster

    runner = TaskRunner(TASKS, {}, args.samples)
    work = Path(args.work or tempfile.mkdtemp(prefix="rc_study_"))
    work.mkdir(parents=True, exist_ok=True)
    numbers: dict[str, object] = {"samples": args.samples, "seeds": seeds,
                                  "noise_seeds": list(range(args.noise_seeds)),
                                  "bias_mc": 30 / (args.samples - int(0.8 * args.samples) - 1)}
    with LocalCluster(n_workers=args.workers, threads_per_worker=1) as cluster, \
            Client(cluster) as client:
        offset = run_sweep(base, {"reservoir.offset": list(OFFSETS)}, seeds, client=client,
                           output=work / "offset.h5", runner=runner)
        with offset:
            numbers["offset"] = {"values": list(OFFSETS), **summary(offset, "reservoir.offset")}
        noise: dict[str, object] = {"labels": []}
        for label, junction in noise_variants(base.junction):
            variant = dataclasses.replace(base, junction=junction)
            slug = label.replace(" ", "_").replace(",", "").replace("=", "")
            result = run_sweep(variant, None, list(range(args.noise_seeds)), client=client,
                               output=work / f"noise_{slug}.h5", runner=runner)
            with result:
                row = summary(result, None)
            noise["labels"].append(label)
            for key, value in row.items():
                noise.setdefault(key, []).append(value[0])
        numbers["noise"] = noise
    return numbers


if __name__ == "__main__":
    main()
