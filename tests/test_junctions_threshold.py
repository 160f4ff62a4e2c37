"""`threshold` (Sydney filament-gap model) against hand-integrated lambda(t)."""

import math

import numpy as np
import pytest

from nwn.engine.junctions import make_model

P = dict(v_set=1e-2, v_reset=5e-3, lambda_crit=1e-2, lambda_max=1.5e-2, boost=10.0)


def test_published_defaults():
    model = make_model("threshold", 1, rng=np.random.default_rng(0))
    for key, value in P.items():
        assert model.parameters[key] == value
    assert model.parameters["g_on"] == 7.77e-5
    assert model.parameters["g_off"] == 7.77e-8
    assert model.parameters["mode"] == "tunnelling"


@pytest.mark.parametrize("dt", [1e-4, 2.5e-3, 0.01])
def test_linear_growth_below_saturation_for_both_polarities(dt):
    voltage = np.array([0.3, -0.3, 0.02])
    model = make_model("threshold", 3, rng=np.random.default_rng(0))
    steps = int(round(0.02 / dt))
    for _ in range(steps):
        model.advance(voltage, dt)
    lam = model.get_state()["lambda"]
    t = steps * dt
    expected = (np.abs(voltage) - P["v_set"]) * np.sign(voltage) * t
    expected = np.clip(expected, -P["lambda_max"], P["lambda_max"])
    np.testing.assert_allclose(lam, expected, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(model.state(), np.abs(expected) / P["lambda_max"], rtol=1e-12)


def test_saturates_at_lambda_max_and_holds_between_thresholds():
    model = make_model("threshold", 1, rng=np.random.default_rng(0))
    model.advance(np.array([5.0]), 1.0)
    assert model.get_state()["lambda"][0] == P["lambda_max"]
    model.advance(np.array([7e-3]), 100.0)  # between v_reset and v_set: frozen
    assert model.get_state()["lambda"][0] == P["lambda_max"]


@pytest.mark.parametrize("dt", [1e-3, 0.013])
def test_decay_below_reset_is_linear_and_stops_at_zero(dt):
    voltage = 1e-3
    model = make_model("threshold", 2, initial={"value": 0.8}, rng=np.random.default_rng(0))
    model.set_state({"lambda": np.array([0.012, -0.012])})
    speed = P["boost"] * (P["v_reset"] - voltage)  # V s per s
    for k in range(1, 40):
        model.advance(np.array([voltage, voltage]), dt)
        expected = max(0.012 - speed * k * dt, 0.0)
        lam = model.get_state()["lambda"]
        assert lam[0] == pytest.approx(expected, abs=1e-15)
        assert lam[1] == pytest.approx(-expected, abs=1e-15)


def test_binary_switch_time():
    voltage, dt = 0.11, 1e-3
    t_switch = P["lambda_crit"] / (voltage - P["v_set"])  # 0.1 s from lambda = 0
    model = make_model("threshold", 1, params={"mode": "binary"}, rng=np.random.default_rng(0))
    times_on = []
    for k in range(1, 200):
        model.advance(np.array([voltage]), dt)
        g = model.conductance()[0]
        assert g in (7.77e-5, 7.77e-8)
        if g == 7.77e-5:
            times_on.append(k * dt)
    first = times_on[0]
    assert first >= t_switch - 1e-12 and first < t_switch + dt + 1e-12


def test_tunnelling_conductance_formula():
    model = make_model("threshold", 4, rng=np.random.default_rng(0))
    lam = np.array([0.0, 0.009, 0.0099, 0.011])
    model.set_state({"lambda": lam})
    g = model.conductance()
    # independent evaluation of the published tunnelSwitchL formula
    d = 5.0 * (0.01 - 0.0099) / 0.01
    r_t = 2 * d * math.exp(10.19 * d * 0.81**2) / (0.17 * math.sqrt(0.81) * 4.71307e-5)
    assert g[2] == pytest.approx(1 / (r_t + 1 / 7.77e-5) + 7.77e-8, rel=1e-12)
    assert g[0] == pytest.approx(7.77e-8, rel=1e-9)
    assert g[3] == pytest.approx(7.77e-5 + 7.77e-8, rel=1e-12)
    assert np.all(np.diff(g) > 0)
