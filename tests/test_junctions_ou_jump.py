"""`ou_jump` model: exact OU moments, Poisson jump counts, power-law sizes, biased direction."""

import numpy as np
from scipy import optimize, stats

from nwn.engine.junctions import make_model

# theta = 2 /s and attractor 0.5 at any voltage
FLAT = dict(kp0=1.0, kd0=1.0, eta_p=0.0, eta_d=0.0)
FROZEN = dict(kp0=1e-300, kd0=1e-300, eta_p=0.0, eta_d=0.0)


def test_published_noise_and_jump_defaults():
    p = make_model("ou_jump", 1, rng=np.random.default_rng(0)).parameters
    assert (p["sigma"], p["jump_rate"], p["jump_alpha"]) == (3.2e-4, 0.08243, 2.78)
    assert (p["jump_min"], p["jump_max"]) == (6.37e-4, 1.02e-2)


def test_ou_transient_and_stationary_moments_without_jumps():
    m, sigma, theta = 40000, 0.1, 2.0
    for dt, steps, x0 in [(0.03, 10, 0.1), (0.3, 1, 0.1), (0.25, 20, 0.5), (5.0, 1, 0.5)]:
        model = make_model("ou_jump", m, params={**FLAT, "sigma": sigma, "jump_rate": 0.0},
                           initial={"value": x0}, rng=np.random.default_rng(steps))
        for _ in range(steps):
            model.advance(np.zeros(m), dt)
        t = dt * steps
        x = model.get_state()["x"]
        mean = 0.5 + (x0 - 0.5) * np.exp(-theta * t)
        var = sigma**2 * (1 - np.exp(-2 * theta * t)) / (2 * theta)
        assert abs(x.mean() - mean) < 5 * np.sqrt(var / m)
        assert abs(x.var() / var - 1) < 5 * np.sqrt(2 / m)
        assert np.all((x > 0) & (x < 1))  # clipping negligible by construction


def test_stationary_autocorrelation_is_exp_minus_theta_dt():
    m, dt = 40000, 0.2
    model = make_model("ou_jump", m, params={**FLAT, "sigma": 0.1, "jump_rate": 0.0},
                       initial={"value": 0.5}, rng=np.random.default_rng(5))
    model.advance(np.zeros(m), 10.0)
    before = model.get_state()["x"]
    model.advance(np.zeros(m), dt)
    after = model.get_state()["x"]
    rho = np.corrcoef(before, after)[0, 1]
    assert abs(rho - np.exp(-2.0 * dt)) < 5 * (1 - rho**2) / np.sqrt(m)


def test_jump_count_is_poisson_for_large_dt():
    # tiny fixed jumps with x = x~: each jump is +-1e-6 with probability 1/2 (bias < 1e-5),
    # so (x - x0)/1e-6 = U - D with U, D independent Poisson(E t / 2): a Skellam law.
    m, size = 50000, 1e-6
    params = {**FROZEN, "sigma": 0.0, "jump_rate": 1.0, "jump_min": size, "jump_max": size}
    for dt, steps in [(2.0, 1), (0.1, 20)]:
        model = make_model("ou_jump", m, params=params, initial={"value": 0.5},
                           rng=np.random.default_rng(steps))
        for _ in range(steps):
            model.advance(np.zeros(m), dt)
        net = np.rint((model.get_state()["x"] - 0.5) / size).astype(int)
        law = stats.skellam(1.0, 1.0)  # E t / 2 = 1
        values = np.arange(-6, 7)
        observed = np.array([np.sum(net == v) for v in values])
        expected = law.pmf(values) * m
        chi2 = ((observed - expected) ** 2 / expected).sum()
        assert stats.chi2.sf(chi2, values.size - 1) > 1e-4
        if steps == 1:
            # a Bernoulli-per-step scheme would never move by more than one size in one step
            assert np.mean(np.abs(net) >= 2) > 0.2


def test_jump_direction_biased_towards_attractor():
    m, size = 50000, 1e-6
    params = {**FROZEN, "sigma": 0.0, "jump_rate": 0.05, "jump_min": size, "jump_max": size}
    model = make_model("ou_jump", m, params=params, initial={"value": 0.1},
                       rng=np.random.default_rng(2))
    model.advance(np.zeros(m), 1.0)
    net = np.rint((model.get_state()["x"] - 0.1) / size)
    single = net[net != 0]
    p_up = 0.5 + (0.5 - 0.1) / (2 * (1 + 2 * size))
    assert abs(np.mean(single > 0) - p_up) < 5 * np.sqrt(p_up * (1 - p_up) / single.size)


def test_jump_sizes_follow_bounded_power_law():
    a, b, alpha = 6.37e-4, 1.02e-2, 2.78
    m = 50000
    params = {**FROZEN, "sigma": 0.0, "jump_rate": 0.01, "jump_alpha": alpha,
              "jump_min": a, "jump_max": b}
    model = make_model("ou_jump", m, params=params, initial={"value": 0.5},
                       rng=np.random.default_rng(9))
    sizes = []
    previous = model.get_state()["x"]
    for _ in range(12):
        model.advance(np.zeros(m), 1.0)
        now = model.get_state()["x"]
        change = np.abs(now - previous)
        sizes.append(change[change > 0])
        previous = now
    sizes = np.concatenate(sizes)
    sizes = sizes[(sizes >= a * (1 - 1e-9)) & (sizes <= b * (1 + 1e-9))]
    sizes = np.clip(sizes, a, b)
    logs = np.log(sizes).sum()

    def nll(e):
        return e * logs + sizes.size * np.log((b ** (1 - e) - a ** (1 - e)) / (1 - e))

    fitted = optimize.minimize_scalar(nll, bounds=(1.05, 6.0), method="bounded").x
    assert sizes.size > 4000
    assert abs(fitted / alpha - 1) < 0.05


def test_conductance_and_state_clip_x():
    model = make_model("ou_jump", 3, rng=np.random.default_rng(0))
    state = model.get_state()
    state["x"] = np.array([-0.2, 0.5, 1.3])
    model.set_state(state)
    np.testing.assert_array_equal(model.state(), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(model.conductance(), [1e-3, 0.5 * (1e-3 + 0.1), 0.1])
