"""The Ornstein-Uhlenbeck-with-jumps law: one implementation of each of its pieces.

The law of Milano et al. (Nat. Commun. 16 (2025)), for a normalized state ``x``::

    dx = theta (x~ - x) dt + sigma dW + dJ

``dJ`` is a compound Poisson process whose sizes follow a bounded power law
``P(A) ~ A^-alpha`` on ``[a_min, a_max]`` and whose direction is up with probability
``1/2 + (x~ - x) / (2 (1 + 2 a_max))`` (towards the attractor). The lumped two-terminal model
(:mod:`nwn.engine.lumped`) applies it to the whole network, the ``ou_jump`` junction agents to
each junction, ``rate`` uses its deterministic part and ``filament`` its jumps; all of them call
the functions here, so the law is written once.

All functions are numba ``njit`` scalar functions: junction kernels inline them, Python code
may call them directly (each call then costs a dispatch; loop in a kernel for arrays). They draw
no random numbers: the caller passes its normal deviate or uniform number, so each caller keeps
its own stream discipline (the junction agents' per-junction xoshiro streams, the lumped
model's numpy Generator).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "bounded_power_law_quantile",
    "jump_up_probability",
    "one_minus_exp",
    "ou_spread",
    "ou_step",
    "ou_variance_factor",
    "relax",
]

# Below this theta * duration the OU variance is taken in its theta -> 0 (Wiener) limit
# sigma^2 duration, whose relative error is theta * duration; it also covers theta = 0, where
# the exact formula is 0 / 0.
_WIENER_LIMIT = 1e-9


@numba.njit(cache=True)
def one_minus_exp(rate, duration):
    """``1 - exp(-rate * duration)``, accurate when the product is tiny; 1 when rate is inf.

    Parameters
    ----------
    rate : float
        Rate, 1/s (>= 0, may be inf).
    duration : float
        Time, s; 0 is returned for ``duration <= 0``.
    """
    if duration <= 0.0:
        return 0.0
    product = rate * duration
    if math.isinf(product):
        return 1.0
    return -math.expm1(-product)


@numba.njit(cache=True)
def relax(x, target, theta, duration):
    """Exact deterministic relaxation ``x~ + (x - x~) exp(-theta t)`` of ``x`` towards ``target``.

    Written as ``x + (x~ - x) (1 - exp(-theta t))`` with ``expm1`` so that a tiny step moves
    ``x`` by an accurately computed increment; ``theta = inf`` lands exactly on the target.

    Parameters
    ----------
    x, target : float
        State now and attractor (dimensionless).
    theta : float
        Relaxation rate, 1/s (>= 0, may be inf).
    duration : float
        Step length, s (<= 0 leaves ``x`` unchanged).
    """
    return x + (target - x) * one_minus_exp(theta, duration)


@numba.njit(cache=True)
def ou_spread(theta, sigma, duration):
    """Standard deviation of the exact OU transition over ``duration``.

    ``sqrt(sigma^2 (1 - exp(-2 theta t)) / (2 theta))``; ``sigma^2 t`` (plain Brownian motion)
    when ``theta t`` is below 1e-9 (relative error below 1e-9, and theta = 0 is exact); 0 when
    ``sigma`` is 0 or ``theta`` is inf.

    Parameters
    ----------
    theta : float
        Relaxation rate, 1/s.
    sigma : float
        Noise amplitude, s^-1/2.
    duration : float
        Step length, s.
    """
    if sigma <= 0.0 or duration <= 0.0:
        return 0.0
    if theta * duration > _WIENER_LIMIT:
        variance = sigma * sigma * one_minus_exp(2.0 * theta, duration) / (2.0 * theta)
    else:
        variance = sigma * sigma * duration
    return math.sqrt(variance)


@numba.njit(cache=True)
def ou_step(x, target, theta, sigma, duration, normal):
    """Exact OU transition of ``x`` over ``duration`` at constant ``theta`` and ``target``.

    ``x' = relax(x, target, theta, t) + ou_spread(theta, sigma, t) * normal``, exact in
    distribution for any step length when ``normal`` is a standard normal deviate.

    Parameters
    ----------
    x, target : float
        State now and attractor (dimensionless).
    theta : float
        Relaxation rate, 1/s.
    sigma : float
        Noise amplitude, s^-1/2.
    duration : float
        Step length, s (<= 0 returns ``x``).
    normal : float
        A standard normal deviate (unused when the spread is 0).
    """
    if duration <= 0.0:
        return x
    return relax(x, target, theta, duration) + ou_spread(theta, sigma, duration) * normal


@numba.njit(cache=True)
def jump_up_probability(target, x, a_max):
    """Probability that a jump goes up: ``1/2 + (x~ - x) / (2 (1 + 2 a_max))``.

    Biased towards the attractor ``target``; ``a_max`` is the largest jump size.
    """
    return 0.5 + (target - x) / (2.0 * (1.0 + 2.0 * a_max))


@numba.njit(cache=True)
def bounded_power_law_quantile(alpha, a_min, a_max, u):
    """Inverse CDF of the bounded power law ``P(A) ~ A^-alpha`` on ``[a_min, a_max]``.

    Parameters
    ----------
    alpha : float
        Exponent (any finite value; 1 is the log-uniform law).
    a_min, a_max : float
        Bounds, ``0 < a_min``; ``a_max <= a_min`` gives the point mass ``a_min``.
    u : float
        Uniform number in [0, 1).

    Returns
    -------
    float
        The size, always inside ``[a_min, a_max]``: the closed form can round one ulp outside
        the support (e.g. u = 0 with alpha = 0.5), and a size outside it has zero probability,
        so the result is clipped to the bounds.
    """
    if a_max <= a_min:
        return a_min
    if abs(alpha - 1.0) < 1e-12:
        value = a_min * (a_max / a_min) ** u
    else:
        e = 1.0 - alpha
        lo = a_min**e
        hi = a_max**e
        value = (lo + u * (hi - lo)) ** (1.0 / e)
    return min(max(value, a_min), a_max)


def ou_variance_factor(theta, duration) -> np.ndarray:
    """``ou_spread(theta, 1, t)^2``, the OU transition variance per unit sigma^2, elementwise.

    For estimators that divide innovations by it (``ou_noise_sigma`` in
    :mod:`nwn.engine.analysis.stochastic`). ``theta`` (1/s) and ``duration`` (s) broadcast to
    one shape; the result has that shape (s).
    """
    theta, duration = np.broadcast_arrays(np.asarray(theta, dtype=np.float64),
                                          np.asarray(duration, dtype=np.float64))
    out = np.empty(theta.shape)
    _variance_kernel(theta.ravel(), duration.ravel(), out.reshape(-1))
    return out


@numba.njit(cache=True)
def _variance_kernel(theta, duration, out):
    for k in range(theta.size):
        spread = ou_spread(theta[k], 1.0, duration[k])
        out[k] = spread * spread
