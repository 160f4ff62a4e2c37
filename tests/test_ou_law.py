"""The OU-with-jumps law written once: closed forms, limits, clipping, and both users agree."""

import numpy as np
import pytest

from nwn.engine import ou_law
from nwn.engine.junctions import random_streams as rs
from nwn.engine.lumped import bounded_power_law_sample


def _closed_form_quantile(alpha, a_min, a_max, u):
    # The textbook inverse CDF, unclipped, as engine/lumped.py computed it before.
    e = 1.0 - alpha
    return (a_min**e + u * (a_max**e - a_min**e)) ** (1.0 / e)


@pytest.mark.parametrize("alpha, a_min, a_max, u", [
    (0.5, 1e-3, 1e-1, 0.0),                 # rounds below a_min
    (2.78, 0.01, 0.0100001, 1.0 - 2**-53),  # rounds above a_max
])
def test_power_law_sizes_are_clipped_to_the_support(alpha, a_min, a_max, u):
    # The two samplers disagreed here: the junction one clipped, the lumped one did not. A
    # size outside [a_min, a_max] has zero probability under the law, so clipping is right.
    raw = _closed_form_quantile(alpha, a_min, a_max, u)
    assert raw < a_min or raw > a_max  # the closed form really leaves the support
    for value in (ou_law.bounded_power_law_quantile(alpha, a_min, a_max, u),
                  bounded_power_law_sample(alpha, a_min, a_max, np.array([u]))[0]):
        assert a_min <= value <= a_max
        assert value == pytest.approx(raw, rel=1e-12)


def test_lumped_and_junction_samplers_are_one_law():
    # Same uniforms in, bit-identical sizes out: the junction stream's sampler and the lumped
    # model's array front end call the same quantile.
    state = np.array([11, 22, 33, 44], dtype=np.uint64)
    raw = np.empty(5000, dtype=np.uint64)
    rs.fill_u64(state.copy(), raw)
    uniforms = (raw >> np.uint64(11)).astype(np.float64) * 2.0**-53
    for alpha, a_min, a_max in [(2.78, 6.37e-4, 1.02e-2), (1.0, 1e-3, 1.0), (0.5, 1e-3, 1e-1)]:
        drawn = np.empty(raw.size)
        rs.fill_bounded_power_law(state.copy(), alpha, a_min, a_max, drawn)
        np.testing.assert_array_equal(drawn, bounded_power_law_sample(alpha, a_min, a_max,
                                                                      uniforms))
        assert drawn.min() >= a_min and drawn.max() <= a_max


def test_quantile_matches_the_cdf_and_degenerate_bounds():
    u = np.linspace(0.0, 0.999, 7)
    a = np.array([ou_law.bounded_power_law_quantile(1.0, 1e-3, 1.0, x) for x in u])
    np.testing.assert_allclose(np.log(a / 1e-3) / np.log(1e3), u, atol=1e-12)  # log-uniform
    assert ou_law.bounded_power_law_quantile(2.0, 0.3, 0.3, 0.7) == 0.3


@pytest.mark.parametrize("theta, h", [(2.0, 0.3), (1e-3, 5.0), (40.0, 0.01), (0.7, 1e-7)])
def test_ou_step_moments_match_closed_form(theta, h):
    x, target, sigma = 0.1, 0.6, 0.05
    mean = target + (x - target) * np.exp(-theta * h)
    std = np.sqrt(sigma**2 * (1 - np.exp(-2 * theta * h)) / (2 * theta))
    assert ou_law.relax(x, target, theta, h) == pytest.approx(mean, rel=1e-14)
    assert ou_law.ou_spread(theta, sigma, h) == pytest.approx(std, rel=1e-8)
    assert ou_law.ou_step(x, target, theta, sigma, h, 1.5) == pytest.approx(mean + 1.5 * std,
                                                                           rel=1e-8)


def test_ou_step_limits():
    # theta = 0: Brownian motion; theta = inf: lands on the target; no time: no move.
    assert ou_law.ou_spread(0.0, 0.2, 4.0) == pytest.approx(0.4, rel=1e-15)
    assert ou_law.ou_step(0.1, 0.6, np.inf, 0.2, 1e-3, 3.0) == 0.6
    assert ou_law.ou_step(0.1, 0.6, 2.0, 0.2, 0.0, 3.0) == 0.1
    assert ou_law.ou_spread(2.0, 0.0, 1.0) == 0.0


def test_relax_keeps_tiny_increments():
    # The expm1 form moves x by theta h (x~ - x) even when exp(-theta h) rounds to 1; the form
    # x~ + (x - x~) exp(-theta h) would return x unchanged.
    assert ou_law.relax(0.0, 1.0, 1e-20, 1.0) == pytest.approx(1e-20, rel=1e-15)
    assert ou_law.jump_up_probability(0.5, 0.1, 0.01) == pytest.approx(0.5 + 0.4 / 2.04)


def test_variance_factor_is_the_step_variance_elementwise():
    theta = np.array([[2.0, 0.0, 1e-12], [40.0, 0.7, np.inf]])
    dt = np.array([0.3, 4.0, 2.0])
    factor = ou_law.ou_variance_factor(theta, dt)
    assert factor.shape == (2, 3)
    np.testing.assert_allclose(factor[0], [(1 - np.exp(-1.2)) / 4.0, 4.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(factor[1, :2], [(1 - np.exp(-2 * 40 * 0.3)) / 80,
                                               (1 - np.exp(-2 * 0.7 * 4)) / 1.4], rtol=1e-12)
    assert factor[1, 2] == 0.0
