"""The solver's extrapolated start (nwn.engine.solver_warm_start) against polynomial fits."""

from __future__ import annotations

import numpy as np
import pytest

from nwn.engine.solver_warm_start import MAX_ORDER, WarmStart


def run(values, solutions, legacy=False):
    """Feed ``solutions`` (as if CG had found them) with their source ``values`` through a
    WarmStart; return the starts it made and their orders."""
    warm = WarmStart(solutions.shape[1], values.shape[1], legacy=legacy)
    starts, orders = [], []
    for v, x in zip(values, solutions, strict=True):
        warm.start(v)
        starts.append(warm.x.copy())
        orders.append(warm.order)
        warm.x[:] = x  # CG's solution
    return np.array(starts), orders


@pytest.mark.parametrize("degree", [0, 1, 2, 3])
def test_a_start_is_exact_on_a_polynomial_path_of_its_order(degree):
    # solutions that are a polynomial of the step index: from MAX_ORDER + 2 solutions on (an
    # order is taken once it could be judged on the last solution), the start is the
    # polynomial's next value (numpy's own fit, independent of the weights)
    rng = np.random.default_rng(degree)
    coefficients = rng.normal(size=(degree + 1, 7))
    steps = np.arange(10.0)
    solutions = sum(c * steps[:, None] ** k for k, c in enumerate(coefficients))
    values = np.ones((steps.size, 2))  # DC: every order predicts the sources
    starts, orders = run(values, solutions)
    assert orders == [0, 0, 0, 1, 2, 3, 3, 3, 3, 3]
    for k in range(MAX_ORDER + 2, steps.size):
        fit = np.polynomial.polynomial.polyfit(steps[k - 4:k], solutions[k - 4:k], 3)
        expected = np.polynomial.polynomial.polyval(steps[k], fit).T
        np.testing.assert_allclose(starts[k], expected, rtol=0, atol=1e-9)
        np.testing.assert_allclose(starts[k], solutions[k], rtol=0, atol=1e-9)


def test_orders_follow_the_sources_and_rebuild_after_an_edge():
    # a square wave: at an edge every order mispredicts the values alike (the highest is
    # kept, with the trend of the solutions); once the edge is in the history no polynomial
    # through it predicts the flat values after it but order 0, and the order is rebuilt
    # one step at a time
    values = np.repeat([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]], 6, axis=0)
    solutions = np.cumsum(np.ones((values.shape[0], 3)), axis=0)
    _, orders = run(values, solutions)
    assert orders == [0, 0, 0, 1, 2, 3] + [3, 0, 1, 2, 3, 3] + [3, 0, 1, 2, 3, 3]


@pytest.mark.parametrize("waveform", ["sine", "triangle", "steps"])
def test_the_order_is_the_one_whose_fit_best_predicts_the_sources(waveform):
    # against a brute force with numpy's polynomial fits: the order of least prediction
    # error of this step's values from the last ones, the highest among equals (the
    # solutions, all 0 V, allow any order judged on them: up to the history less two)
    k = np.arange(40)
    wave = {"sine": np.sin(0.2 * k), "triangle": np.minimum(k, 20 - k) * 0.1,
            "steps": np.floor(k / 7.0)}[waveform]
    values = np.column_stack([wave, 0.5 * wave**2])
    orders = run(values, np.zeros((k.size, 2)))[1]
    for step in range(1, k.size):
        errors = []
        for order in range(min(step, MAX_ORDER + 1)):
            past = np.arange(step - order - 1, step)
            fit = np.polynomial.polynomial.polyfit(past, values[past], order)
            predicted = np.polynomial.polynomial.polyval(step, fit)
            errors.append(np.max(np.abs(predicted - values[step])))
        errors = np.array(errors)
        expected = int(np.flatnonzero(errors <= errors.min() + 1e-9)[-1])
        assert orders[step] == min(expected, max(step - 2, 0)), (step, errors)
    if waveform == "sine":
        assert orders.count(3) >= 30


@pytest.mark.parametrize("path", ["noise", "smooth", "noisy-smooth"])
def test_the_order_is_the_one_that_best_predicted_the_last_solution(path):
    # DC sources (every order predicts them): the order is the one whose extrapolation of
    # the solutions before x_k came nearest x_k, i.e. of least (p + 1)-th backward
    # difference (numpy's np.diff as the brute force); random steps of the solutions
    # (stochastic junctions) make it low, a smooth drift high
    rng = np.random.default_rng(11)
    k = np.arange(30.0)[:, None]
    smooth = np.sin(0.1 * k + np.arange(50.0)) * (1.0 + 0.01 * k)
    noise = np.cumsum(rng.normal(size=(30, 50)), axis=0)
    solutions = {"noise": noise, "smooth": smooth, "noisy-smooth": smooth + 1e-6 * noise}[path]
    orders = run(np.ones((30, 1)), solutions)[1]
    for step in range(6, 30):
        past = solutions[step - 5:step]  # x_(k-4) ... x_k
        errors = [np.max(np.abs(np.diff(past[-(p + 2):], n=p + 1, axis=0)))
                  for p in range(MAX_ORDER + 1)]
        assert orders[step] == int(np.argmin(errors)), (step, errors)
    if path == "noise":  # x_k nearly always; order 1 where the maxima happen to favour it
        assert orders[6:].count(0) >= 18 and max(orders[6:]) <= 1
    if path == "smooth":
        assert set(orders[6:]) == {3}


def test_legacy_keeps_the_linear_start_whatever_the_sources():
    values = np.repeat([[1.0], [-1.0]], 4, axis=0)
    solutions = np.arange(24.0).reshape(8, 3) ** 2
    starts, orders = run(values, solutions, legacy=True)
    assert orders == [0, 0, 1, 1, 1, 1, 1, 1]
    np.testing.assert_array_equal(starts[2:], 2.0 * solutions[1:-1] - solutions[:-2])


def test_store_and_restore_continue_bit_identically_and_old_states_restart_low():
    rng = np.random.default_rng(3)
    values = np.column_stack([np.cos(0.3 * np.arange(12)), np.zeros(12)])
    solutions = rng.normal(size=(12, 5))
    whole, _ = run(values, solutions)
    warm = WarmStart(5, 2, legacy=False)
    for v, x in zip(values[:7], solutions[:7], strict=True):
        warm.start(v)
        warm.x[:] = x
    state = warm.get_state()
    restored = WarmStart(5, 2, legacy=False)
    restored.set_state(state)
    for k in range(7, 12):
        restored.start(values[k])
        np.testing.assert_array_equal(restored.x, whole[k])
        restored.x[:] = solutions[k]
    # a state from before the cubic start (no x_oldest, no source history): order 0 first
    old = {key: state[key] for key in ("x", "x_previous", "x_older", "history")}
    again = WarmStart(5, 2, legacy=False)
    again.set_state(old)
    assert again.history == 3
    again.start(values[7])
    assert again.order == 0
