"""Nugent-Molter metastable switches (``mss``): mean against the rate equation, variance
against the binomial, rates against the published law, and the dt << t_c limit that
conn2res steps with."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nwn.engine.junctions import make_model
from nwn.engine.junctions.mss import thermal_voltage

M = 4000                      # junctions sampled at once, all at the same voltage


def model(n_switches=200, x0=0.3, seed=1, **params):
    return make_model("mss", M, params={"n_switches": n_switches, **params},
                      initial={"value": x0}, rng=np.random.default_rng(seed))


def law(voltage):
    """r_A, r_B written out from Nugent & Molter (2014), defaults."""
    v_t = 1.380649e-23 * 298.0 / 1.602176634e-19
    on = 1.0 / 0.32e-3 / (1.0 + math.exp(-(voltage - 0.17) / v_t))
    off = 1.0 / 0.32e-3 * (1.0 - 1.0 / (1.0 + math.exp(-(voltage + 0.22) / v_t)))
    return on, off


@pytest.mark.parametrize("voltage", [-0.3, -0.02, 0.0, 0.15, 0.25])
def test_rates_are_the_published_law(voltage):
    on, off = model().rates(voltage)
    assert on[0] == pytest.approx(law(voltage)[0], rel=1e-12)
    assert off[0] == pytest.approx(law(voltage)[1], rel=1e-12)
    assert thermal_voltage(298.0) == pytest.approx(0.025680, rel=1e-4)


@pytest.mark.parametrize("voltage, dt, steps", [(-0.02, 0.1, 5), (0.16, 2e-4, 3),
                                                (-0.3, 1e-4, 2)])
def test_mean_follows_the_rate_equation_and_variance_the_binomial(voltage, dt, steps):
    n_max, x0 = 200, 0.3
    junctions = model(n_max, x0)
    on, off = law(voltage)
    theta, target = on + off, on / (on + off)
    for _ in range(steps - 1):
        junctions.advance(np.full(M, voltage), dt)
    before = junctions.state() * n_max                # N_B at the start of the last step
    junctions.advance(np.full(M, voltage), dt)
    after = junctions.state() * n_max
    # mean: the rate equation's exact solution from x0
    t = steps * dt
    mean = n_max * (target + (x0 - target) * math.exp(-theta * t))
    spread = after.std() / math.sqrt(M)
    assert abs(after.mean() - mean) < 5 * spread + 1e-9
    # variance of the last step given its start: the sum of the two binomials
    decay = math.exp(-theta * dt)
    p_on, p_stay = target * (1 - decay), target + (1 - target) * decay
    expected = (before * p_stay * (1 - p_stay) + (n_max - before) * p_on * (1 - p_on)).mean()
    residual = after - (before * p_stay + (n_max - before) * p_on)
    assert residual.var() == pytest.approx(expected, rel=5 * math.sqrt(2.0 / M))
    assert abs(residual.mean()) < 5 * math.sqrt(expected / M)


def test_stationary_state_is_binomial():
    """Held long at one voltage, N_B ~ Binomial(N, x~) whatever the start."""
    n_max, voltage = 100, -0.02
    junctions = model(n_max, 0.9)
    on, off = law(voltage)
    target = on / (on + off)
    junctions.advance(np.full(M, voltage), 20.0 / (on + off))   # 20 relaxation times, 1 step
    n = junctions.state() * n_max
    assert n.mean() == pytest.approx(n_max * target, abs=5 * math.sqrt(n_max / M))
    assert n.var() == pytest.approx(n_max * target * (1 - target), rel=5 * math.sqrt(2.0 / M))


def test_conn2res_step_is_the_small_dt_limit():
    """conn2res turns switches on with probability (dt/t_c) / (1 + e^-(V-v_A)/V_T) per step;
    the exact p_on agrees to first order in dt."""
    voltage, dt = 0.2, 1e-7
    on, off = law(voltage)
    theta = on + off
    p_on = on / theta * (1 - math.exp(-theta * dt))
    conn2res = dt / 0.32e-3 / (1 + math.exp(-(voltage - 0.17) / thermal_voltage(298.0)))
    assert p_on == pytest.approx(conn2res, rel=1e-3)


def test_conductance_counts_switches():
    junctions = make_model("mss", 3, params={"n_switches": 10}, initial={"value": 0.0},
                           rng=np.random.default_rng(0))
    junctions.set_state({"n": np.array([0, 4, 10]), "rng": junctions.get_state()["rng"]})
    np.testing.assert_allclose(junctions.conductance(),
                               [0.91e-3, 0.91e-3 + 0.4 * (8.7e-3 - 0.91e-3), 8.7e-3])
    default = make_model("mss", 2, rng=np.random.default_rng(0))
    assert default.state() == pytest.approx([0.2, 0.2])
