"""The rc_memory_capacity preset: a 16-pad device like the measured one, in its range."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nwn.engine.reservoir.experiment import run_reservoir
from nwn.engine.scenario import load_scenario
from nwn.resources import preset_path


def test_preset_is_a_16_pad_grid_with_one_input_and_one_ground():
    scenario = load_scenario(preset_path("rc_memory_capacity"))
    kinds = [e.source.kind for e in scenario.electrodes]
    assert len(kinds) == 16 and kinds.count("floating") == 14
    assert scenario.electrode("pad1").source.kind == "voltage"
    assert scenario.electrode("pad10").source.kind == "ground"
    spec = scenario.reservoir
    assert spec.inputs == ("pad1",) and spec.samples == 3000 and spec.hold == 0.2
    assert spec.offset[0] == 2.2 and spec.offset[0] + spec.amplitude[0] == pytest.approx(2.8)
    centres = np.array([[(e.shape["bounds"][0] + e.shape["bounds"][2]) / 2,
                         (e.shape["bounds"][1] + e.shape["bounds"][3]) / 2]
                        for e in scenario.electrodes])
    assert len(np.unique(centres[:, 0].round(9))) == 4 == len(np.unique(centres[:, 1].round(9)))


def test_preset_conductance_is_in_the_measured_range():
    # The measured device draws about 0.3 mA at 2.6 V: |I/V| = 1.15e-4 S between input and
    # ground. A short run of the preset (kernel rank needs no minimum length) reads the same.
    scenario = load_scenario(preset_path("rc_memory_capacity"))
    scenario = dataclasses.replace(scenario, reservoir=dataclasses.replace(
        scenario.reservoir, samples=40, washout=20))
    run = run_reservoir(scenario, task="kernel-rank")
    assert run.features.shape == (14, 40)
    conductance = np.abs(run.electrode_current[0]) / run.electrode_voltage[0]
    assert 5e-5 < np.mean(conductance) < 2.5e-4
    assert run.result.score >= 2  # the pads are not all one linear function of the input
