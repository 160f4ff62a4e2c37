"""The lumped OU-with-jumps model: published numbers, exact solvers, statistics of noise/jumps."""

import numpy as np
import pytest

from nwn.engine.analysis.stochastic import fit_bounded_power_law
from nwn.engine.lumped import LumpedParameters, bounded_power_law_sample, simulate_lumped
from nwn.geometry.checks import InputError

PUBLISHED = LumpedParameters.milano2025()


def test_published_numbers_at_3p6_volts():
    p = PUBLISHED
    assert p.initial_conductance == pytest.approx(1.23364e-5, rel=1e-12)
    assert p.tau(3.6) == pytest.approx(8.6, rel=0.01)
    assert p.steady_conductance(3.6) == pytest.approx(3.24e-5, rel=0.01)
    assert p.stationary_std(3.6) == pytest.approx(4.5e-8, rel=0.02)
    assert p.jump_rate == pytest.approx(0.082, rel=0.01)
    assert p.a_min == pytest.approx(6.37e-4, rel=1e-3)
    assert p.a_max == pytest.approx(1.019e-2, rel=1e-3)
    # Effective threshold where the attractor is 1/2: ln(kd0/kp0) / (eta_p + eta_d) = 3.64 V.
    v_star = np.log(p.kd0 / p.kp0) / (p.eta_p + p.eta_d)
    assert v_star == pytest.approx(3.64, abs=0.01)
    assert p.attractor(v_star) == pytest.approx(0.5, abs=1e-12)


def test_deterministic_matches_analytic_piecewise_solution():
    p = PUBLISHED
    t = np.linspace(0.0, 60.0, 601)
    volts = np.where(t <= 30.0, 3.6, 1.0)
    trace = simulate_lumped(p, t, volts)
    # Independent closed form, segment by segment.
    g1 = p.attractor(3.6) + (p.g0 - p.attractor(3.6)) * np.exp(-p.theta(3.6) * t)
    g_switch = g1[t <= 30.0][-1]
    g2 = p.attractor(1.0) + (g_switch - p.attractor(1.0)) * np.exp(-p.theta(1.0) * (t - 30.0))
    expected = np.where(t <= 30.0, g1, g2)
    np.testing.assert_allclose(trace.g, expected, rtol=1e-12, atol=1e-14)
    # From G(0) = 1.234e-5 S: after one tau at 3.6 V, 1 - 1/e of the way to G_ss = 3.24e-5 S.
    at_tau = np.interp(p.tau(3.6), t, trace.conductance)
    frac = (at_tau - p.initial_conductance) / (p.steady_conductance(3.6) - p.initial_conductance)
    assert frac == pytest.approx(1 - np.exp(-1), rel=1e-3)


def test_noise_solver_stationary_std_and_seeding():
    p = PUBLISHED
    t = np.arange(0.0, 40000.0, 0.6295)
    volts = np.full(t.size, 3.6)
    a = simulate_lumped(p, t, volts, solver="noise", rng=3)
    b = simulate_lumped(p, t, volts, solver="noise", rng=3)
    np.testing.assert_array_equal(a.conductance, b.conductance)
    tail = a.conductance[200:]
    # ~8000 correlation times: the std is known to ~1 %.
    assert tail.std() == pytest.approx(4.5e-8, rel=0.05)
    assert tail.mean() == pytest.approx(3.24e-5, rel=0.002)


def test_jump_solver_rate_sizes_and_direction_bias():
    p = PUBLISHED
    t = np.arange(0.0, 20000.0, 0.6295)
    volts = np.full(t.size, 3.6)
    trace = simulate_lumped(p, t, volts, solver="jumps", rng=11)
    n = trace.jump_times.size
    # ~1650 expected jumps, Poisson spread ~2.5 %.
    assert n / t[-1] == pytest.approx(0.08243, rel=0.08)
    assert np.all(np.diff(trace.jump_times) >= 0)
    amplitudes = np.abs(trace.jump_sizes)
    assert amplitudes.min() >= p.a_min and amplitudes.max() <= p.a_max
    fit = fit_bounded_power_law(amplitudes, a_min=p.a_min, a_max=p.a_max)
    assert fit.low < 2.78 < fit.high
    assert fit.alpha == pytest.approx(2.78, abs=0.15)


def test_jump_direction_biased_towards_attractor():
    # Far from the attractor and with slow relaxation the up-probability is
    # 1/2 + (x - g)/(2 (1 + 2 a_max)) ~ 0.5 + 0.45/2.04.
    p = LumpedParameters(kp0=1e-4, eta_p=0.0, kd0=1e-4, eta_d=0.0, g_min=1e-6, g_max=1e-5,
                         sigma=0.0, jump_rate=5.0, alpha=2.0, a_min=1e-6, a_max=2e-6, g0=0.05)
    t = np.linspace(0.0, 400.0, 4001)
    trace = simulate_lumped(p, t, np.zeros(t.size), solver="jumps", rng=5)
    up = np.mean(trace.jump_sizes > 0)
    expected = 0.5 + (0.5 - 0.05) / (2 * (1 + 2 * p.a_max))
    assert up == pytest.approx(expected, abs=0.03)


def test_bounded_power_law_sampler_matches_cdf():
    u = np.linspace(0.0, 1.0, 11)
    a = bounded_power_law_sample(2.5, 1.0, 10.0, u)
    cdf = (a ** -1.5 - 1.0) / (10.0 ** -1.5 - 1.0)
    np.testing.assert_allclose(cdf, u, atol=1e-12)


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="g_max must be > g_min"):
        LumpedParameters(kp0=1, eta_p=1, kd0=1, eta_d=1, g_min=2e-3, g_max=1e-3)
    with pytest.raises(InputError, match="solver must be one of"):
        simulate_lumped(PUBLISHED, [0, 1], [1, 1], solver="euler")
    with pytest.raises(InputError, match="strictly increasing"):
        simulate_lumped(PUBLISHED, [0, 1, 1], [1, 1, 1])
