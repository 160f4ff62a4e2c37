"""`rate` model against the analytic solution of dx/dt = kP(1-x) - kD x."""

import numpy as np
import pytest

from nwn.engine.junctions import make_model

DEFAULTS = dict(kp0=1e-4, eta_p=10.0, kd0=0.5, eta_d=1.0)


def _analytic(x0, voltage, t, kp0, eta_p, kd0, eta_d):
    kp = kp0 * np.exp(eta_p * abs(voltage))
    kd = kd0 * np.exp(-eta_d * abs(voltage))
    theta = kp + kd
    target = kp / theta
    return target + (x0 - target) * np.exp(-theta * t)


def test_published_defaults():
    model = make_model("rate", 1, rng=np.random.default_rng(0))
    assert model.parameters == {**DEFAULTS, "g_min": 1e-3, "g_max": 0.1}
    assert model.name == "rate" and model.n_junctions == 1


@pytest.mark.parametrize("dt", [1e-4, 3e-3, 0.05, 0.7, 5.0])
@pytest.mark.parametrize("voltage", [0.0, 0.5, -0.8, 1.3])
def test_single_junction_equals_analytic_for_any_dt(dt, voltage):
    x0 = 0.2
    model = make_model("rate", 1, initial={"value": x0}, rng=np.random.default_rng(0))
    steps = 20
    for k in range(1, steps + 1):
        model.advance(np.array([voltage]), dt)
        expected = _analytic(x0, voltage, k * dt, **DEFAULTS)
        assert model.state()[0] == pytest.approx(expected, rel=1e-12, abs=1e-14)
    g = model.conductance()[0]
    x = model.state()[0]
    assert g == pytest.approx(1e-3 * (1 - x) + 0.1 * x, rel=1e-14)


def test_many_junctions_each_follow_their_own_voltage():
    voltage = np.linspace(-2.0, 2.0, 41)
    model = make_model("rate", voltage.size, initial={"value": 0.5},
                       rng=np.random.default_rng(0))
    for _ in range(7):
        model.advance(voltage, 0.013)
    expected = [_analytic(0.5, v, 7 * 0.013, **DEFAULTS) for v in voltage]
    np.testing.assert_allclose(model.state(), expected, rtol=1e-12)


def test_huge_voltage_saturates_without_nan():
    model = make_model("rate", 3, rng=np.random.default_rng(0))
    model.advance(np.array([1e3, -1e4, 80.0]), 1e-3)
    np.testing.assert_array_equal(model.state(), [1.0, 1.0, 1.0])
    np.testing.assert_allclose(model.conductance(), 0.1)


def test_conductance_out_is_filled_in_place():
    model = make_model("rate", 4, initial={"value": 1.0}, rng=np.random.default_rng(0))
    out = np.zeros(4)
    assert model.conductance(out=out) is out
    np.testing.assert_allclose(out, 0.1)
