"""Per-junction random streams and exact samplers, all inside numba.

Every stochastic junction owns one xoshiro256** generator (Blackman & Vigna 2018): four
uint64 words in one row of a ``(M, 4)`` array. A kernel advances junction ``j`` using only row
``j``, so the numbers a junction sees do not depend on the thread count, on the order in which
junctions are visited, or on how many numbers any other junction drew. Copying the array is a
complete snapshot of the randomness (``get_state``/``set_state``).

Samplers (all exact in distribution, up to floating-point rounding):

- uniform on [0, 1): the top 53 bits of one output;
- standard normal: Box-Muller from two uniforms (the second value is discarded so that no
  cached spare has to live in the state);
- exponential: inversion, ``-log(1 - u)``;
- gamma (shape >= 1): Marsaglia & Tsang (2000) squeeze/rejection;
- binomial: sequential-search inversion (BINV) when ``n * min(p, 1-p) < 30``; otherwise
  Devroye's order-statistic splitting: the ``i``-th smallest of ``n`` uniforms is
  Beta(i, n+1-i) distributed, and conditioned on it the others are uniform on either side,
  so one beta draw halves ``n`` (a Beta is two gammas). Cost: O(n*min(p,1-p)) below the
  switch, plus O(log n) beta draws above it;
- bounded power law ``P(A) ~ A**-alpha`` on ``[a, b]``: inverse CDF of one uniform
  (:func:`nwn.engine.ou_law.bounded_power_law_quantile`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from nwn.engine.ou_law import bounded_power_law_quantile

__all__ = ["new_streams", "check_streams"]

_U64_5 = np.uint64(5)
_U64_9 = np.uint64(9)
_S7 = np.uint64(7)
_S57 = np.uint64(57)
_S17 = np.uint64(17)
_S45 = np.uint64(45)
_S19 = np.uint64(19)
_S11 = np.uint64(11)
_TWO_M53 = 1.0 / 9007199254740992.0  # 2**-53

# Below this mean count the binomial is drawn by inversion; q**n stays far above underflow.
_BINV_LIMIT = 30.0


def new_streams(rng: np.random.Generator, n_junctions: int) -> np.ndarray:
    """Draw independent xoshiro256** states, one per junction.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the seeds (consumes ``4 * n_junctions`` 64-bit words).
    n_junctions : int
        Number of streams M.

    Returns
    -------
    numpy.ndarray
        (M, 4) uint64 generator states, none all zero.
    """
    state = rng.integers(0, 2**64, size=(n_junctions, 4), dtype=np.uint64, endpoint=False)
    # xoshiro's only forbidden state is all zeros (probability 2**-256, but be exact).
    state[~state.any(axis=1), 0] = np.uint64(1)
    return state


def check_streams(name: str, state: np.ndarray, n_junctions: int) -> np.ndarray:
    """Return a C-contiguous uint64 copy of a stream array after checking its shape."""
    from nwn.geometry.checks import InputError

    array = np.asarray(state)
    if array.shape != (n_junctions, 4) or array.dtype != np.uint64:
        raise InputError(
            f"{name} must be a ({n_junctions}, 4) uint64 array (got {array.shape} {array.dtype})"
        )
    if np.any(~array.any(axis=1)):
        raise InputError(f"{name} holds an all-zero xoshiro256** state, which never advances")
    return np.ascontiguousarray(array).copy()


@numba.njit(cache=True, nogil=True, inline="always")
def _rotl(x, k):
    return (x << k) | (x >> (np.uint64(64) - k))


@numba.njit(cache=True, nogil=True)
def next_u64(st):
    """Advance one xoshiro256** state (a (4,) uint64 view) and return its output."""
    s0 = st[0]
    s1 = st[1]
    s2 = st[2]
    s3 = st[3]
    result = _rotl(s1 * _U64_5, _S7) * _U64_9
    t = s1 << _S17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, _S45)
    st[0] = s0
    st[1] = s1
    st[2] = s2
    st[3] = s3
    return result


@numba.njit(cache=True, nogil=True)
def uniform(st):
    """Uniform double on [0, 1) with 53 random bits."""
    return float(next_u64(st) >> _S11) * _TWO_M53


@numba.njit(cache=True, nogil=True)
def normal(st):
    """Standard normal by Box-Muller (one value per call, two uniforms)."""
    u1 = 1.0 - uniform(st)  # (0, 1]: log is finite
    u2 = uniform(st)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@numba.njit(cache=True, nogil=True)
def exponential(st, rate):
    """Exponential waiting time with the given rate (1/s); inf when rate is 0."""
    if rate <= 0.0:
        return np.inf
    return -math.log1p(-uniform(st)) / rate


@numba.njit(cache=True, nogil=True)
def gamma_ge1(st, shape):
    """Gamma(shape, 1) for shape >= 1 (Marsaglia & Tsang 2000)."""
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        z = normal(st)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - uniform(st)
        if u < 1.0 - 0.0331 * z * z * z * z:
            return d * v
        if math.log(u) < 0.5 * z * z + d * (1.0 - v + math.log(v)):
            return d * v


@numba.njit(cache=True, nogil=True)
def _binomial_inversion(st, n, p):
    # BINV: walk the CDF from 0 using f(k+1)/f(k) = (n-k)/(k+1) * p/q; p <= 0.5 and n*p < 30.
    q = 1.0 - p
    s = p / q
    a = (n + 1) * s
    r0 = q**n
    while True:
        r = r0
        u = uniform(st)
        x = 0
        while u > r:
            u -= r
            x += 1
            if x > n:
                break
            r *= a / x - s
        if x <= n:
            return x
        # Rounding left u above the total mass: draw again (probability ~1e-15).


@numba.njit(cache=True, nogil=True)
def binomial(st, n, p):
    """Exact Binomial(n, p) draw; see the module docstring for the method and cost."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    total = 0
    sign = 1
    while True:
        if p > 0.5:
            # Binom(n, p) = n - Binom(n, 1 - p)
            total += sign * n
            sign = -sign
            p = 1.0 - p
        if n * p < _BINV_LIMIT:
            break
        i = (n + 1) // 2
        ga = gamma_ge1(st, float(i))
        gb = gamma_ge1(st, float(n + 1 - i))
        x = ga / (ga + gb)  # i-th smallest of n uniforms
        if x < p:
            # the i smallest are successes; the other n - i are uniform on (x, 1)
            total += sign * i
            n -= i
            p = (p - x) / (1.0 - x)
        else:
            # the i - 1 smaller ones are uniform on (0, x)
            n = i - 1
            p = p / x
        if n <= 0 or p <= 0.0:
            return total
        if p >= 1.0:
            return total + sign * n
    return total + sign * _binomial_inversion(st, n, p)


@numba.njit(cache=True, nogil=True)
def bounded_power_law(st, alpha, a_min, a_max):
    """Draw A with density proportional to A**-alpha on [a_min, a_max] (inverse CDF, one uniform).

    The law itself is :func:`nwn.engine.ou_law.bounded_power_law_quantile`.
    """
    return bounded_power_law_quantile(alpha, a_min, a_max, uniform(st))


# Array front ends used by tests and diagnostics: one stream, many draws.


@numba.njit(cache=True, nogil=True)
def fill_u64(st, out):
    for k in range(out.shape[0]):
        out[k] = next_u64(st)


@numba.njit(cache=True, nogil=True)
def fill_normal(st, out):
    for k in range(out.shape[0]):
        out[k] = normal(st)


@numba.njit(cache=True, nogil=True)
def fill_gamma(st, shape, out):
    for k in range(out.shape[0]):
        out[k] = gamma_ge1(st, shape)


@numba.njit(cache=True, nogil=True)
def fill_binomial(st, n, p, out):
    for k in range(out.shape[0]):
        out[k] = binomial(st, n, p)


@numba.njit(cache=True, nogil=True)
def fill_bounded_power_law(st, alpha, a_min, a_max, out):
    for k in range(out.shape[0]):
        out[k] = bounded_power_law(st, alpha, a_min, a_max)
