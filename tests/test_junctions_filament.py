"""`filament` model: exact binomial law, mean = `rate`, noise ~ 1/n_max, avalanche jumps."""

import numpy as np
from scipy import stats

from nwn.engine.junctions import make_model

# kP = 3 /s, kD = 2 /s at any voltage: theta = 5 /s, attractor 0.6
FLAT = dict(kp0=3.0, kd0=2.0, eta_p=0.0, eta_d=0.0)


def _exact_pmf(n0, n_max, t, theta=5.0, target=0.6):
    """Law of n(t) from n0: filled sites survive with p_stay, empty ones fill with p_fill."""
    decay = np.exp(-theta * t)
    p_stay = target + (1 - target) * decay
    p_fill = target * (1 - decay)
    pmf_a = stats.binom.pmf(np.arange(n0 + 1), n0, p_stay)
    pmf_b = stats.binom.pmf(np.arange(n_max - n0 + 1), n_max - n0, p_fill)
    mean = n0 * p_stay + (n_max - n0) * p_fill
    var = n0 * p_stay * (1 - p_stay) + (n_max - n0) * p_fill * (1 - p_fill)
    return np.convolve(pmf_a, pmf_b), mean, var


def _run(n_max, n0, m, dt, steps, seed, **params):
    model = make_model("filament", m, params={**FLAT, "n_max": n_max, **params},
                       initial={"value": n0 / n_max}, rng=np.random.default_rng(seed))
    for _ in range(steps):
        model.advance(np.zeros(m), dt)
    return model


def test_ensemble_law_mean_and_variance_for_any_dt():
    n_max, n0, m, t = 20, 5, 40000, 0.2
    pmf, mean, var = _exact_pmf(n0, n_max, t)
    rate = make_model("rate", 1, params=FLAT, initial={"value": n0 / n_max},
                      rng=np.random.default_rng(0))
    rate.advance(np.zeros(1), t)
    assert abs(mean / n_max - rate.state()[0]) < 1e-12  # the derivation's mean is `rate`
    for dt, steps in [(0.02, 10), (0.2, 1)]:
        n = np.rint(_run(n_max, n0, m, dt, steps, seed=int(dt * 100)).state() * n_max)
        assert abs(n.mean() - mean) < 5 * np.sqrt(var / m)
        assert abs(n.var() / var - 1) < 5 * np.sqrt(2 / m)
        observed = np.bincount(n.astype(int), minlength=n_max + 1)
        expected = pmf * m
        keep = expected > 5
        chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
        assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4


def test_conductance_is_quantized():
    model = _run(10, 3, 200, 0.05, 3, seed=1, g_min=1e-4, g_max=1e-2)
    g = model.conductance()
    sites = (g - 1e-4) / (1e-2 - 1e-4) * 10
    np.testing.assert_allclose(sites, np.rint(sites), atol=1e-9)


def test_large_n_max_converges_to_rate_with_binomial_noise():
    voltage, dt, steps, m = 0.8, 0.05, 20, 400  # default kinetics, x~ ~ 0.6 at 0.8 V
    rate = make_model("rate", m, rng=np.random.default_rng(0))
    for _ in range(steps):
        rate.advance(np.full(m, voltage), dt)
    rms = {}
    for n_max in (100, 10_000, 1_000_000):
        model = make_model("filament", m, params={"n_max": n_max}, rng=np.random.default_rng(3))
        for _ in range(steps):
            model.advance(np.full(m, voltage), dt)
        rms[n_max] = np.sqrt(np.mean((model.state() - rate.state()) ** 2))
    # standard deviation of x = n/n_max from 0 is sqrt(x~... ) / sqrt(n_max): ratio 10 per 100x
    assert rms[1_000_000] < 2e-3
    assert 6 < rms[100] / rms[10_000] < 16
    assert 6 < rms[10_000] / rms[1_000_000] < 16


def test_avalanche_jump_count_is_poisson_parity():
    # frozen kinetics (rates ~1e-300 /s), jumps of exactly 10 sites: the number of jumps K has
    # the parity of the displacement/10, and P(K odd) = (1 - exp(-2 E t)) / 2 exactly.
    m, n_max, rate_e = 40000, 1000, 1.0
    params = dict(kp0=1e-300, kd0=1e-300, eta_p=0.0, eta_d=0.0, n_max=n_max,
                  jump_rate=rate_e, jump_min=0.01, jump_max=0.01)
    for dt, steps in [(0.5, 1), (0.05, 10)]:
        model = make_model("filament", m, params=params, initial={"value": 0.5},
                           rng=np.random.default_rng(steps))
        for _ in range(steps):
            model.advance(np.zeros(m), dt)
        moves = (model.get_state()["n"] - 500) // 10
        assert np.all((model.get_state()["n"] - 500) % 10 == 0)
        p_odd = (1 - np.exp(-2 * rate_e * dt * steps)) / 2
        observed = np.mean(moves % 2 == 1)
        assert abs(observed - p_odd) < 5 * np.sqrt(p_odd * (1 - p_odd) / m)
