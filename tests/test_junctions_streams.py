"""Per-junction random streams and samplers against independent references."""

import numpy as np
import pytest
from scipy import optimize, stats

from nwn.engine.junctions import random_streams as rs

MASK = (1 << 64) - 1


def _xoshiro_reference(words, count):
    """xoshiro256** written from the published algorithm with Python integers."""
    s = [int(w) for w in words]

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    out = []
    for _ in range(count):
        out.append(rotl((s[1] * 5) & MASK, 7) * 9 & MASK)
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out, s


def test_xoshiro_matches_reference_implementation():
    streams = rs.new_streams(np.random.default_rng(7), 3)
    for row in streams:
        expected, final = _xoshiro_reference(row, 1000)
        out = np.empty(1000, np.uint64)
        state = row.copy()
        rs.fill_u64(state, out)
        assert [int(v) for v in out] == expected
        assert [int(v) for v in state] == final


def test_streams_never_all_zero_and_checked():
    streams = rs.new_streams(np.random.default_rng(1), 5)
    assert streams.shape == (5, 4) and streams.dtype == np.uint64
    assert streams.any(axis=1).all()
    with pytest.raises(ValueError, match="all-zero"):
        rs.check_streams("state", np.zeros((2, 4), np.uint64), 2)


@pytest.mark.parametrize(
    ("n", "p"),
    [(12, 0.3), (40, 0.93), (2000, 0.5), (300, 0.2), (10**6, 0.37), (5, 1e-9)],
)
def test_binomial_matches_exact_distribution(n, p):
    state = rs.new_streams(np.random.default_rng(n), 1)[0]
    draws = np.empty(40000, np.int64)
    rs.fill_binomial(state, n, p, draws)
    assert draws.min() >= 0 and draws.max() <= n
    mean, var = n * p, n * p * (1 - p)
    assert abs(draws.mean() - mean) < 5 * np.sqrt(var / draws.size) + 1e-12
    # chi-square against the exact pmf on bins with enough expected counts
    values, counts = np.unique(draws, return_counts=True)
    lo, hi = stats.binom.ppf([1e-4, 1 - 1e-4], n, p).astype(int)
    edges = np.arange(lo, hi + 2)
    if edges.size > 60:
        edges = np.unique(np.linspace(lo, hi + 1, 60).astype(int))
    observed = np.histogram(draws, bins=np.r_[-0.5, edges[1:-1] - 0.5, n + 0.5])[0]
    cdf = stats.binom.cdf(np.r_[edges[1:-1] - 1, n], n, p)
    expected = np.diff(np.r_[0.0, cdf]) * draws.size
    keep = expected > 5
    if keep.sum() >= 2:
        chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
        assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4


def test_normal_and_gamma_moments():
    state = rs.new_streams(np.random.default_rng(3), 1)[0]
    z = np.empty(200000)
    rs.fill_normal(state, z)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    g = np.empty(100000)
    rs.fill_gamma(state, 4.5, g)
    assert stats.kstest(g, stats.gamma(4.5).cdf).pvalue > 1e-3


def _bounded_power_law_mle(sample, a, b):
    logs = np.log(sample).sum()

    def negative_log_likelihood(alpha):
        if abs(alpha - 1.0) < 1e-9:
            log_z = np.log(np.log(b / a))
        else:
            log_z = np.log((b ** (1 - alpha) - a ** (1 - alpha)) / (1 - alpha))
        return alpha * logs + sample.size * log_z

    return optimize.minimize_scalar(negative_log_likelihood, bounds=(0.0, 6.0),
                                    method="bounded").x


def test_bounded_power_law_follows_law_and_exponent_recovered():
    a, b, alpha = 6.37e-4, 1.02e-2, 2.78
    state = rs.new_streams(np.random.default_rng(11), 1)[0]
    sample = np.empty(200000)
    rs.fill_bounded_power_law(state, alpha, a, b, sample)
    assert sample.min() >= a and sample.max() <= b
    e = 1 - alpha

    def cdf(x):
        return (x**e - a**e) / (b**e - a**e)

    assert stats.kstest(sample, cdf).pvalue > 1e-3
    assert abs(_bounded_power_law_mle(sample, a, b) / alpha - 1) < 0.02
