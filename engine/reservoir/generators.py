"""Benchmark series with published definitions: NARMA targets and the Mackey-Glass series.

NARMA (nonlinear autoregressive moving average) systems, Atiya & Parlos, IEEE Trans. Neural
Netw. 11, 697 (2000), in the form used for reservoirs by Jaeger, NIPS 15 (2002), driven by an
input u in [0, 0.5]:

* NARMA-2:  y(t+1) = 0.4 y(t) + 0.4 y(t) y(t-1) + 0.6 u(t)^3 + 0.1
* NARMA-10: y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i=0}^{9} y(t-i) + 1.5 u(t-9) u(t) + 0.1

with y = 0 before the recurrence has the history it needs. (RCbench's NARMA-2 is the same
recurrence; its "NARMA-10" uses the NARMA-2 coefficients 0.4, 0.4, 0.6, 0.1 with
sum_{i=1}^{10} y(t-i) and u(t-10), which is not the published system and diverges: see
:mod:`nwn.engine.reservoir.tasks`.)

Mackey-Glass delay differential equation, Mackey & Glass, Science 197, 287 (1977), with the
parameters of the chaotic benchmark of Jaeger & Haas, Science 304, 78 (2004):

    dx/dt = beta x(t - tau) / (1 + x(t - tau)^n) - gamma x(t),
    beta = 0.2, gamma = 0.1, n = 10, tau = 17,

integrated with the classical fourth-order Runge-Kutta scheme on a step ``h = tau / m`` (the
delayed value at half steps by cubic interpolation of the grid, so the scheme stays fourth
order), from the constant history
x = 1.2, and sampled every ``sample_interval`` time units after a transient is discarded.
"""

from __future__ import annotations

import numpy as np

from nwn.geometry.checks import InputError, check_int, check_nonnegative, check_positive

__all__ = ["NARMA_ORDERS", "mackey_glass", "narma", "normalize"]

NARMA_ORDERS = (2, 10)


def normalize(u: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """``u`` mapped linearly onto [low, high] by its own minimum and maximum."""
    u = np.asarray(u, dtype=np.float64)
    span = float(np.max(u) - np.min(u))
    if span == 0:
        raise InputError("the input is constant: it carries no signal to compute with")
    return low + (u - np.min(u)) * ((high - low) / span)


def narma(u: np.ndarray, order: int = 10) -> np.ndarray:
    """The NARMA-``order`` response to the input ``u`` (published coefficients).

    Parameters
    ----------
    u : array, shape (T,)
        Input, expected in [0, 0.5] (pass :func:`normalize` (u, 0, 0.5) for any other range).
    order : {2, 10}

    Returns
    -------
    ndarray, shape (T,)
        y(t); y = 0 where the recurrence lacks history (t < 2 resp. t < 10).

    Raises
    ------
    InputError
        If the series diverges (NARMA-10 can, for rare inputs), naming the sample.
    """
    if order not in NARMA_ORDERS:
        raise InputError(f"NARMA order must be one of {NARMA_ORDERS} (got {order!r})")
    u = np.asarray(u, dtype=np.float64)
    y = np.zeros(u.size)
    for t in range(1 if order == 2 else 9, u.size - 1):
        if order == 2:
            y[t + 1] = 0.4 * y[t] + 0.4 * y[t] * y[t - 1] + 0.6 * u[t] ** 3 + 0.1
        else:
            y[t + 1] = (0.3 * y[t] + 0.05 * y[t] * np.sum(y[t - 9: t + 1])
                        + 1.5 * u[t - 9] * u[t] + 0.1)
        if not abs(y[t + 1]) <= 1e3:
            raise InputError(f"NARMA-{order} diverges at sample {t + 1} for this input "
                             f"(use another seed, or an input in [0, 0.5])")
    return y


def mackey_glass(n_samples: int, *, tau: float = 17.0, beta: float = 0.2, gamma: float = 0.1,
                 exponent: float = 10.0, sample_interval: float = 1.0,
                 steps_per_tau: int = 170, transient: float = 1000.0,
                 history: float = 1.2) -> np.ndarray:
    """The Mackey-Glass series sampled every ``sample_interval`` time units.

    Parameters
    ----------
    n_samples : int
    tau, beta, gamma, exponent : float
        Delay and coefficients of the equation (module docstring).
    sample_interval : float
        Time between samples; must be a whole number of integration steps ``tau /
        steps_per_tau``.
    steps_per_tau : int
        Integration steps per delay (170: h = 0.1 for tau = 17).
    transient : float
        Time integrated and discarded before the first sample.
    history : float
        Constant x(t) for t <= 0.

    Returns
    -------
    ndarray, shape (n_samples,)
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    tau = check_positive("tau", tau)
    steps_per_tau = check_int("steps_per_tau", steps_per_tau, minimum=2)
    h = tau / steps_per_tau
    every = sample_interval / h
    if abs(every - round(every)) > 1e-9 or round(every) < 1:
        raise InputError(f"sample_interval must be a whole number of steps of {h:g} "
                         f"(got {sample_interval!r})")
    every = int(round(every))
    skip = int(round(check_nonnegative("transient", transient) / h))
    n_steps = skip + every * (n_samples - 1)
    d = steps_per_tau
    x = np.empty(d + 1 + n_steps + 1)
    x[: d + 2] = history  # x at t = -(tau + h) .. 0; entry k + 1 is time k h - tau
    start = d + 1  # index of t = 0

    def rate(value: float, delayed: float) -> float:
        return beta * delayed / (1.0 + delayed**exponent) - gamma * value

    for k in range(start, start + n_steps):
        lag0, lag1 = x[k - d], x[k - d + 1]
        # delayed value half a step on: cubic interpolation, fourth-order like the scheme
        lag_half = (9.0 * (lag0 + lag1) - x[k - d - 1] - x[k - d + 2]) / 16.0
        k1 = rate(x[k], lag0)
        k2 = rate(x[k] + 0.5 * h * k1, lag_half)
        k3 = rate(x[k] + 0.5 * h * k2, lag_half)
        k4 = rate(x[k] + h * k3, lag1)
        x[k + 1] = x[k] + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6.0
    return x[start + skip:: every][:n_samples].copy()
