"""Stochastic measures against exact OU and bounded power-law references."""

import numpy as np
import pytest

from nwn.engine.analysis.stochastic import (
    autocorrelation,
    bounded_power_law_loglik,
    detect_jumps,
    fit_bounded_power_law,
    fit_drift_line,
    fit_lorentzian,
    jump_rate,
    kramers_moyal,
    ou_noise_sigma,
    power_spectrum,
    waiting_times,
)
from nwn.engine.lumped import LumpedParameters, bounded_power_law_sample, simulate_lumped

THETA, SIGMA, MEAN = 2.0, 0.3, 0.4


def _ou(n, dt, seed):
    """Exact OU samples by the closed-form transition (independent of the lumped solver)."""
    rng = np.random.default_rng(seed)
    decay = np.exp(-THETA * dt)
    spread = SIGMA * np.sqrt((1 - decay**2) / (2 * THETA))
    x = np.empty(n)
    x[0] = MEAN
    noise = rng.standard_normal(n) * spread
    for i in range(1, n):
        x[i] = MEAN + (x[i - 1] - MEAN) * decay + noise[i]
    return np.arange(n) * dt, x


def test_kramers_moyal_drift_of_ou_is_linear_with_slope_minus_theta():
    dt = 0.01
    t, x = _ou(400_000, dt, seed=1)
    km = kramers_moyal(x, t, bins=15)
    line = fit_drift_line(km)
    exact_slope = -(1 - np.exp(-THETA * dt)) / dt  # finite-dt OU drift slope
    assert line.slope == pytest.approx(exact_slope, abs=4 * line.slope_error)
    assert line.slope_error < 0.05 * THETA
    assert line.theta == pytest.approx(THETA, rel=0.06)
    assert line.fixed_point == pytest.approx(MEAN, abs=0.01)
    # Linear: residuals of the drift bins about the line are consistent with their errors.
    ok = np.isfinite(km.drift)
    chi2 = np.sum(((km.drift[ok] - (line.slope * km.centers[ok] + line.intercept))
                   / km.drift_error[ok]) ** 2)
    assert chi2 / (ok.sum() - 2) < 3.0
    # Diffusion D2 = sigma^2/2 (finite-dt factor (1 - e^{-2 theta dt}) / (2 theta dt)).
    factor = (1 - np.exp(-2 * THETA * dt)) / (2 * THETA * dt)
    np.testing.assert_allclose(np.nanmedian(km.diffusion), SIGMA**2 / 2 * factor, rtol=0.05)


def test_ou_noise_sigma_from_innovations():
    dt = 0.05
    t, x = _ou(50_000, dt, seed=2)
    innovations = (x[1:] - MEAN) - (x[:-1] - MEAN) * np.exp(-THETA * dt)
    assert ou_noise_sigma(innovations, THETA, dt) == pytest.approx(SIGMA, rel=0.02)
    assert ou_noise_sigma(innovations, THETA, dt, robust=True) == pytest.approx(SIGMA, rel=0.03)


def test_power_law_mle_recovers_exponent_with_interval():
    rng = np.random.default_rng(3)
    for alpha in (1.5, 2.78):
        sizes = bounded_power_law_sample(alpha, 1e-3, 1e-1, rng.random(4000))
        fit = fit_bounded_power_law(sizes, a_min=1e-3, a_max=1e-1)
        assert fit.low < alpha < fit.high
        assert fit.high - fit.low < 0.15
        # The interval ends are where the log-likelihood drops by 1.92.
        peak = bounded_power_law_loglik(fit.alpha, sizes, 1e-3, 1e-1)
        drop = peak - bounded_power_law_loglik(fit.low, sizes, 1e-3, 1e-1)
        assert drop == pytest.approx(1.92, abs=0.01)


def test_jump_detection_recovers_rate_and_exponent_on_synthetic_trace():
    # OU with rare, large jumps: sizes 40-400 noise steps, so detection at 5 sigma is complete.
    p = LumpedParameters(kp0=0.05, eta_p=0.0, kd0=0.05, eta_d=0.0, g_min=1e-6, g_max=1e-4,
                         sigma=2e-4, jump_rate=0.5, alpha=2.2, a_min=8e-4, a_max=8e-3, g0=0.5)
    dt = 0.01
    t = np.arange(0.0, 4000.0, dt)
    trace = simulate_lumped(p, t, np.zeros(t.size), solver="jumps", rng=4)
    theta = p.theta(0.0)
    innovations = (trace.g[1:] - 0.5) - (trace.g[:-1] - 0.5) * np.exp(-theta * dt)
    jumps = detect_jumps(innovations, t, threshold=5.0)
    true_n = trace.jump_times.size
    # Two jumps in one step count once; the rest are found, with no false alarms to speak of.
    assert jumps.times.size == pytest.approx(true_n, rel=0.03)
    rate, low, high = jump_rate(jumps.times.size, t[-1] - t[0])
    assert low < p.jump_rate < high
    fit = fit_bounded_power_law(jumps.amplitudes, a_min=p.a_min, a_max=p.a_max)
    assert fit.low < p.alpha < fit.high
    assert fit.alpha == pytest.approx(p.alpha, abs=0.2)
    waits, wait_rate, p_value = waiting_times(jumps.times)
    assert wait_rate == pytest.approx(p.jump_rate, rel=0.1)
    assert p_value > 0.01


def test_psd_of_ou_is_lorentzian_with_corner_theta_over_2pi():
    dt = 0.02
    t, x = _ou(200_000, dt, seed=5)
    spectrum = power_spectrum(x, dt, segment=4096)
    s0, corner = fit_lorentzian(spectrum, f_max=2.5)
    assert corner == pytest.approx(THETA / (2 * np.pi), rel=0.1)
    assert s0 == pytest.approx(2 * SIGMA**2 / THETA**2, rel=0.1)


def test_autocorrelation_of_ou_is_exponential():
    dt = 0.02
    t, x = _ou(200_000, dt, seed=6)
    acf = autocorrelation(x, max_lag=100)
    lags = np.arange(101) * dt
    np.testing.assert_allclose(acf[:60], np.exp(-THETA * lags[:60]), atol=0.03)
    assert acf[0] == 1.0


def test_jump_rate_interval_is_the_exact_poisson_one():
    rate, low, high = jump_rate(10, 100.0)
    assert rate == 0.1
    # Garwood 95 % interval for 10 events: [4.795, 18.39].
    assert low * 100 == pytest.approx(4.795, abs=1e-3)
    assert high * 100 == pytest.approx(18.39, abs=1e-2)


def test_resolution_floor_stops_last_digit_changes_counting_as_jumps():
    """A slow signal recorded with few digits: most increments are exactly zero."""
    from nwn.engine.analysis.stochastic import data_resolution, detect_jumps

    rng = np.random.default_rng(3)
    t = np.arange(3001) * 0.05
    true = 1.0 + 1e-4 * np.cumsum(rng.normal(size=t.size))
    recorded = np.round(true, 3)  # three decimals, like an instrument's text export
    assert data_resolution(recorded) == pytest.approx(1e-3)
    increments = np.diff(recorded)
    spurious = detect_jumps(increments, t, threshold=5.0)
    assert spurious.index.size > 50  # the robust noise collapsed to zero
    honest = detect_jumps(increments, t, threshold=5.0, resolution=data_resolution(recorded))
    assert honest.index.size == 0
