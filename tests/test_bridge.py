"""From agents to the lumped law: the bridge and ensembles, against exact references."""

import math

import numpy as np
import pytest
from scenarios import two_terminal

from nwn.engine.analysis.bridge import fit_relaxation, run_bridge
from nwn.engine.ensemble import run_ensemble
from nwn.engine.scenario import parse_scenario
from nwn.geometry import Wires, save_wires
from nwn.geometry.checks import InputError

UM = 1e-6
RATE = {"kp0": 1e-4, "eta_p": 10.0, "kd0": 0.5, "eta_d": 1.0, "g_min": 1e-3, "g_max": 0.1}

SINGLE = """
seed = 1
[network]
box = [10e-6, 10e-6]
wire_file = "pair.npz"
contact_resistance = 1e-5
[[electrodes]]
name = "left"
shape = {type = "rectangle", bounds = [0.0, 4e-6, 1e-6, 6e-6]}
source = {kind = "voltage", waveform = {kind = "dc", value = 1.0}}
[[electrodes]]
name = "bottom"
shape = {type = "rectangle", bounds = [4e-6, 0.0, 6e-6, 1e-6]}
source = {kind = "ground"}
[junction]
model = "rate"
params = {kp0 = 1e-4, eta_p = 10.0, kd0 = 0.5, eta_d = 1.0, g_min = 1e-3, g_max = 0.1}
[run]
dt = 1e-2
duration = 1.0
"""


@pytest.fixture
def single_junction(tmp_path):
    """A device with exactly one junction between its two electrodes."""
    endpoints = np.array([[[0.5, 5.0], [9.5, 5.0]], [[5.0, 0.5], [5.0, 9.5]]]) * UM
    save_wires(tmp_path / "pair.npz", Wires.from_endpoints(endpoints, diameter=60e-9))
    return parse_scenario(SINGLE, base_dir=tmp_path)


def test_fit_relaxation_recovers_an_exponential():
    t = np.linspace(0, 10, 501)
    g = 3e-5 + (1e-5 - 3e-5) * np.exp(-t / 2.5)
    (g_ss, g0, tau), errors = fit_relaxation(t, g)
    assert g_ss == pytest.approx(3e-5, rel=1e-8)
    assert g0 == pytest.approx(1e-5, rel=1e-8)
    assert tau == pytest.approx(2.5, rel=1e-8)


def test_single_junction_device_gives_back_the_junction_law(single_junction):
    """With one junction and negligible contacts, the network's lumped law *is* the junction's."""
    voltages = [0.6, 0.7, 0.8, 0.9]
    result = run_bridge(single_junction, voltages, hold=25.0, relax=2.0)
    contacts = 2e-5  # ohm, in series with the junction
    assert result.g_low == pytest.approx(1 / (1 / RATE["g_min"] + contacts), rel=1e-9)
    assert result.g_high == pytest.approx(1 / (1 / RATE["g_max"] + contacts), rel=1e-9)
    for level in result.levels:
        kp = RATE["kp0"] * math.exp(RATE["eta_p"] * level.voltage)
        kd = RATE["kd0"] * math.exp(-RATE["eta_d"] * level.voltage)
        assert level.theta == pytest.approx(kp + kd, rel=1e-3)
        assert level.attractor == pytest.approx(kp / (kp + kd), rel=1e-3)
        assert level.n_jumps == 0 or level.sigma < 1e-6  # deterministic: no noise
    law = result.lumped
    assert law["used"] == voltages
    for key in ("kp0", "kd0"):
        assert law[key] == pytest.approx(RATE[key], rel=5e-3)
    for key in ("eta_p", "eta_d"):
        assert law[key] == pytest.approx(RATE[key], rel=1e-3)


def test_bridge_refuses_a_scenario_without_one_source_and_one_ground(single_junction):
    import dataclasses

    from nwn.engine.scenario import SourceSpec

    floating = dataclasses.replace(
        single_junction, electrodes=(single_junction.electrodes[0], dataclasses.replace(
            single_junction.electrodes[1], source=SourceSpec("floating"))))
    with pytest.raises(InputError, match="exactly one voltage-driven and one grounded"):
        run_bridge(floating, [1.0], hold=1.0, relax=1.0)
    with pytest.raises(InputError, match="voltages must list at least one"):
        run_bridge(single_junction, [], hold=1.0, relax=1.0)


ENSEMBLE = two_terminal(seed=4, n_wires=150, waveform='{kind = "dc", value = 4.0}',
                        model="MODEL", dt=1e-2, duration=0.2)


def test_ensemble_of_a_deterministic_device_has_zero_spread():
    scenario = parse_scenario(ENSEMBLE.replace("MODEL", "rate"))
    result = run_ensemble(scenario, [0, 1, 2], vary="dynamics")
    assert result.conductance.shape == (3, 21)
    assert np.all(result.conductance == result.conductance[0])
    assert np.all(result.std < 1e-12 * result.mean)


def test_ensemble_spread_comes_from_the_junction_noise_or_the_devices():
    stochastic = parse_scenario(ENSEMBLE.replace("MODEL", "filament"))
    same_device = run_ensemble(stochastic, [0, 1, 2, 3], vary="dynamics")
    assert np.all(same_device.conductance[:, 0] == same_device.conductance[0, 0])
    assert same_device.std[-1] > 0
    devices = run_ensemble(parse_scenario(ENSEMBLE.replace("MODEL", "ohmic")), [0, 1, 2],
                           vary="all")
    # Different wires -> different static conductances, each constant in time.
    assert len(set(devices.conductance[:, 0])) == 3
    assert np.all(devices.conductance == devices.conductance[:, :1])
