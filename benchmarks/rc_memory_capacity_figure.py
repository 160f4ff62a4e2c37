"""README figure: memory capacity MC(tau) of the measured 16-pad device and of the preset.

Scores the shipped INRiM recording (input pad 8, ground pad 17) and simulates the
``rc_memory_capacity`` preset (3000 samples), both with the RCbench defaults, and draws both
MC(tau) curves with the estimator's bias on one figure (pyqtgraph, offscreen:
:func:`nwn.app.render.rc_figures.write_memory_capacity_figure`). Prints the figures README
quotes.

Usage::

    python benchmarks/rc_memory_capacity_figure.py [-o docs/rc_memory_capacity.png]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from nwn.engine.reservoir import read_recording, score_recording
from nwn.engine.reservoir.experiment import run_reservoir
from nwn.engine.scenario import load_scenario
from nwn.resources import preset_path, validation_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="docs/rc_memory_capacity.png")
    args = parser.parse_args()
    measured = score_recording(read_recording(
        validation_path("inrim2024_memory_capacity_pad129M.txt")), "memory-capacity", "8",
        ["17"])
    start = time.perf_counter()
    simulated = run_reservoir(load_scenario(preset_path("rc_memory_capacity")))
    elapsed = time.perf_counter() - start
    sim = simulated.result
    k = simulated.electrode_names.index("pad1")
    conductance = float(np.mean(np.abs(simulated.electrode_current[k])
                                / simulated.electrode_voltage[k]))
    from nwn.app.render.rc_figures import write_memory_capacity_figure

    write_memory_capacity_figure(
        args.output, [(f"measured (INRiM Pad129M): MC = {measured.score:.3f}",
                       measured.per_delay),
                      (f"simulated (rc_memory_capacity): MC = {sim.score:.3f}", sim.per_delay)],
        bias_per_delay=1 / (measured.details["test_samples"] - 1),
        x_label="delay τ (samples of 0.2 s)",
        title="Memory capacity, 14 floating-pad voltages, RCbench settings")
    print(json.dumps({
        "measured": {"score": measured.score, "per_delay": measured.per_delay[:10]},
        "simulated": {"score": sim.score, "per_delay": sim.per_delay[:10],
                      "bias": sim.details["bias"], "input_conductance_S": conductance,
                      "seconds": round(elapsed, 1)},
    }, indent=1))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
