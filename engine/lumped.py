"""The lumped two-terminal model of Milano et al. (Nat. Commun. 2025).

The whole network is one normalized conductance state ``g`` following an Ornstein-Uhlenbeck
process with jumps around a voltage-controlled attractor::

    dg = theta(V) (x(V) - g) dt + sigma dW + dJ
    kP = kp0 exp(eta_p |V|),  kD = kd0 exp(-eta_d |V|)
    theta = kP + kD,  x(V) = kP / theta            (the attractor memory state)
    G = G_min (1 - g) + G_max g

``dJ`` is a compound Poisson process of rate ``E``: sizes ``A`` follow a bounded power law
``P(A) ~ A^-alpha`` on ``[a_min, a_max]`` and the direction is +1 with probability
``1/2 + (x - g) / (2 (1 + 2 a_max))``, i.e. jumps are biased towards the attractor. As in the
paper, ``g`` is not clipped to [0, 1].

Time convention (shared with :mod:`nwn.engine.analysis.fit`): ``voltage[i]`` is the voltage
held during the step that *ends* at ``t[i]``; ``g[0]`` is the initial state and
``voltage[0]`` is not used. This is how a measurement reads: the sample at ``t[i]`` is taken
at the end of an interval over which the bias ``voltage[i]`` was applied.

Solvers (all exact for piecewise-constant voltage, none uses an Euler step; the step, the jump
size quantile and the direction bias are :mod:`nwn.engine.ou_law`'s, shared with the junction
agents):

- ``"deterministic"``: ``g' = x + (g - x) exp(-theta dt)``.
- ``"noise"``: the exact OU transition, adding ``sqrt(sigma^2 (1 - exp(-2 theta dt)) /
  (2 theta)) N(0, 1)``.
- ``"jumps"``: the exact OU transition between jump instants. The number of jumps in a step is
  Poisson(E dt), their instants uniform in the step; the state is advanced exactly to each
  jump, the jump is applied with the direction bias evaluated on the state just before it,
  then the advance continues. The paper's code used Euler-Maruyama with one Bernoulli jump per
  step instead; for ``theta dt << 1`` and ``E dt << 1`` the two agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numba
import numpy as np

from nwn.geometry.checks import (
    InputError,
    check_choice,
    check_finite,
    check_finite_array,
    check_nonnegative,
    check_positive,
)

from .ou_law import bounded_power_law_quantile, jump_up_probability, ou_step, relax

__all__ = [
    "LumpedParameters",
    "LumpedTrace",
    "SOLVERS",
    "bounded_power_law_sample",
    "simulate_lumped",
]

SOLVERS = ("deterministic", "noise", "jumps")

# Published fit (authors' code for the 2025 paper), full precision.
_MILANO2025_G_MIN = 1.4558148272052695e-7
_MILANO2025_G_MAX = 6.857961268862245e-5
_MILANO2025_DT = 0.6295  # s, sample spacing of the fitted trace; the jump bounds were scaled by it
_MILANO2025_G0_SIEMENS = 1.23364e-5


@dataclass(frozen=True)
class LumpedParameters:
    """Parameters of the lumped OU-with-jumps model.

    Attributes
    ----------
    kp0 : float
        Potentiation rate at zero bias, 1/s.
    eta_p : float
        Voltage sensitivity of potentiation, 1/V.
    kd0 : float
        Depression rate at zero bias, 1/s.
    eta_d : float
        Voltage sensitivity of depression, 1/V.
    g_min, g_max : float
        Conductance of the fully depressed (g = 0) and fully potentiated (g = 1) network, S.
    sigma : float
        Wiener noise amplitude on the normalized state, s^-1/2.
    jump_rate : float
        Poisson rate E of jumps, 1/s.
    alpha : float
        Exponent of the bounded power law of jump sizes, P(A) ~ A^-alpha.
    a_min, a_max : float
        Bounds of the jump size (normalized state units), 0 < a_min < a_max.
    g0 : float
        Initial normalized state (dimensionless; G(0) = g_min + (g_max - g_min) g0).
    """

    kp0: float
    eta_p: float
    kd0: float
    eta_d: float
    g_min: float
    g_max: float
    sigma: float = 0.0
    jump_rate: float = 0.0
    alpha: float = 2.0
    a_min: float = 1e-3
    a_max: float = 1e-2
    g0: float = 0.0

    def __post_init__(self) -> None:
        for name in ("kp0", "kd0", "g_min", "g_max", "a_min", "a_max"):
            check_positive(name, getattr(self, name))
        for name in ("eta_p", "eta_d", "sigma", "jump_rate"):
            check_nonnegative(name, getattr(self, name))
        check_finite("alpha", self.alpha)
        check_finite("g0", self.g0)
        if self.g_max <= self.g_min:
            raise InputError(f"g_max must be > g_min = {self.g_min:.6g} S "
                             f"(got {self.g_max:.6g})")
        if self.a_max <= self.a_min:
            raise InputError(f"a_max must be > a_min = {self.a_min:.6g} (got {self.a_max:.6g})")

    @classmethod
    def milano2025(cls) -> LumpedParameters:
        """The published parameter set of Milano et al. 2025 (fitted at 3.6 V).

        The jump-size bounds were given in siemens (6.925924850166e-8 S and 1.10821e-6 S) and
        converted by the authors to state units as ``A / (G_max - G_min) * 0.6295`` (the sample
        spacing of their trace); that conversion is kept as part of the definition.
        """
        span = _MILANO2025_G_MAX - _MILANO2025_G_MIN
        return cls(
            kp0=5.217037178270165e-4,
            eta_p=1.2922283233062284,
            kd0=37.93422536389374,
            eta_d=1.785933208836627,
            g_min=_MILANO2025_G_MIN,
            g_max=_MILANO2025_G_MAX,
            sigma=3.2e-4,
            jump_rate=0.08243,
            alpha=2.78,
            a_min=6.925924850166e-8 / span * _MILANO2025_DT,
            a_max=1.10821e-6 / span * _MILANO2025_DT,
            g0=(_MILANO2025_G0_SIEMENS - _MILANO2025_G_MIN) / span,
        )

    # -- voltage-dependent rates (accept scalars or arrays of volts) ------------------------

    def potentiation_rate(self, voltage):
        """kP(V) = kp0 exp(eta_p |V|), 1/s; same shape as ``voltage`` (V)."""
        return self.kp0 * np.exp(self.eta_p * np.abs(voltage))

    def depression_rate(self, voltage):
        """kD(V) = kd0 exp(-eta_d |V|), 1/s; same shape as ``voltage`` (V)."""
        return self.kd0 * np.exp(-self.eta_d * np.abs(voltage))

    def theta(self, voltage):
        """Mean-reversion rate theta(V) = kP + kD, 1/s."""
        return self.potentiation_rate(voltage) + self.depression_rate(voltage)

    def tau(self, voltage):
        """Relaxation time 1/theta(V), s."""
        return 1.0 / self.theta(voltage)

    def attractor(self, voltage):
        """Attractor memory state x(V) = kP / (kP + kD), dimensionless."""
        kp = self.potentiation_rate(voltage)
        return kp / (kp + self.depression_rate(voltage))

    def conductance(self, state):
        """G = g_min (1 - g) + g_max g, S; same shape as ``state``."""
        return self.g_min + (self.g_max - self.g_min) * np.asarray(state, dtype=np.float64)

    def state(self, conductance):
        """Normalized state g of a conductance (S); the inverse of :meth:`conductance`."""
        return (np.asarray(conductance, dtype=np.float64) - self.g_min) / (self.g_max - self.g_min)

    def steady_conductance(self, voltage):
        """Conductance of the attractor, G_ss(V), S."""
        return self.conductance(self.attractor(voltage))

    def stationary_std(self, voltage):
        """Stationary standard deviation of G from the noise alone, sigma/sqrt(2 theta) (S)."""
        return (self.g_max - self.g_min) * self.sigma / np.sqrt(2.0 * self.theta(voltage))

    @property
    def initial_conductance(self) -> float:
        """G(0), S."""
        return float(self.conductance(self.g0))

    def to_dict(self) -> dict[str, float]:
        """The parameters as a plain dict of floats (JSON-ready)."""
        return {k: float(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class LumpedTrace:
    """Result of :func:`simulate_lumped`.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Sample times, s.
    voltage : ndarray, shape (T,)
        Applied voltage, V (``voltage[i]`` held over the step ending at ``t[i]``).
    g : ndarray, shape (T,)
        Normalized state.
    conductance : ndarray, shape (T,)
        Two-terminal conductance, S.
    jump_times : ndarray, shape (J,)
        Instants of the jumps, s.
    jump_sizes : ndarray, shape (J,)
        Signed jump sizes (direction times amplitude), normalized state units.
    solver : str
    """

    t: np.ndarray
    voltage: np.ndarray
    g: np.ndarray
    conductance: np.ndarray
    jump_times: np.ndarray = field(default_factory=lambda: np.empty(0))
    jump_sizes: np.ndarray = field(default_factory=lambda: np.empty(0))
    solver: str = "deterministic"


def bounded_power_law_sample(alpha: float, a_min: float, a_max: float, uniform):
    """Map uniform numbers in [0, 1) to a bounded power law P(A) ~ A^-alpha on [a_min, a_max].

    Inverse-CDF transform (:func:`nwn.engine.ou_law.bounded_power_law_quantile`, the one the
    junction agents draw with); ``uniform`` is an array (any shape) and the result has its
    shape. Every result lies in ``[a_min, a_max]``.
    """
    u = np.asarray(uniform, dtype=np.float64)
    out = np.empty(u.size)
    _quantile_kernel(float(alpha), float(a_min), float(a_max), u.ravel(), out)
    return out.reshape(u.shape)


@numba.njit(cache=True)
def _quantile_kernel(alpha, a_min, a_max, u, out):
    for k in range(u.size):
        out[k] = bounded_power_law_quantile(alpha, a_min, a_max, u[k])


def _as_generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    raise InputError(f"rng must be a numpy Generator, a seed or None (got {rng!r})")


def simulate_lumped(params: LumpedParameters, t, voltage, *, solver: str = "deterministic",
                    rng=None) -> LumpedTrace:
    """Simulate the lumped model under a piecewise-constant voltage.

    Parameters
    ----------
    params : LumpedParameters
        Model parameters; ``params.g0`` is the state at ``t[0]``.
    t : array_like, shape (T,)
        Strictly increasing sample times, s.
    voltage : array_like, shape (T,)
        Voltage held during the step ending at each sample, V (``voltage[0]`` unused).
    solver : {"deterministic", "noise", "jumps"}
        Exact exponential step; exact OU step with noise; exact OU step with Poisson jumps.
    rng : numpy.random.Generator, int or None
        Random source or seed (ignored by the deterministic solver). Same seed, same trace.

    Returns
    -------
    LumpedTrace
    """
    if not isinstance(params, LumpedParameters):
        raise InputError(f"params must be LumpedParameters (got {type(params).__name__})")
    check_choice("solver", solver, SOLVERS)
    times = check_finite_array("t", t)
    volts = check_finite_array("voltage", voltage)
    if times.ndim != 1 or times.size < 1:
        raise InputError(f"t must be a non-empty 1-D array (got shape {times.shape})")
    if volts.shape != times.shape:
        raise InputError(f"voltage must have the shape of t {times.shape} (got {volts.shape})")
    dt = np.diff(times)
    if np.any(dt <= 0):
        bad = int(np.argmax(dt <= 0)) + 1
        raise InputError(f"t must be strictly increasing (first bad index {bad})")
    kp = params.potentiation_rate(volts)
    kd = params.depression_rate(volts)
    g = np.empty_like(times)
    n_steps = times.size - 1
    jump_times = np.empty(0)
    jump_sizes = np.empty(0)
    if solver == "deterministic":
        _deterministic_kernel(dt, kp, kd, float(params.g0), g)
    elif solver == "noise":
        normals = _as_generator(rng).standard_normal(n_steps)
        _noise_kernel(dt, kp, kd, float(params.g0), float(params.sigma), normals, g)
    else:
        generator = _as_generator(rng)
        counts = generator.poisson(params.jump_rate * dt)
        n_jumps = int(counts.sum())
        # All draws happen up front in a fixed order: the trace depends on the seed only.
        normals = generator.standard_normal(n_steps + n_jumps)
        instants = generator.random(n_jumps)
        amplitudes = bounded_power_law_sample(params.alpha, params.a_min, params.a_max,
                                              generator.random(n_jumps))
        coins = generator.random(n_jumps)
        jump_times = np.empty(n_jumps)
        jump_sizes = np.empty(n_jumps)
        _jump_kernel(times, kp, kd, float(params.g0), float(params.sigma), float(params.a_max),
                     counts.astype(np.int64), normals, instants, amplitudes, coins,
                     g, jump_times, jump_sizes)
    return LumpedTrace(t=times.copy(), voltage=volts.copy(), g=g, conductance=params.conductance(g),
                       jump_times=jump_times, jump_sizes=jump_sizes, solver=solver)


@numba.njit(cache=True)
def _deterministic_kernel(dt, kp, kd, g0, out):
    out[0] = g0
    g = g0
    for i in range(dt.size):
        theta = kp[i + 1] + kd[i + 1]
        g = relax(g, kp[i + 1] / theta, theta, dt[i])
        out[i + 1] = g


@numba.njit(cache=True)
def _noise_kernel(dt, kp, kd, g0, sigma, normals, out):
    out[0] = g0
    g = g0
    for i in range(dt.size):
        theta = kp[i + 1] + kd[i + 1]
        g = ou_step(g, kp[i + 1] / theta, theta, sigma, dt[i], normals[i])
        out[i + 1] = g


@numba.njit(cache=True)
def _jump_kernel(t, kp, kd, g0, sigma, a_max, counts, normals, instants, amplitudes, coins,
                 out, jump_times, jump_sizes):
    out[0] = g0
    g = g0
    k = 0  # next jump
    n = 0  # next normal
    scratch = np.empty(counts.max() if counts.size else 0)
    for i in range(counts.size):
        h = t[i + 1] - t[i]
        theta = kp[i + 1] + kd[i + 1]
        target = kp[i + 1] / theta
        m = counts[i]
        for j in range(m):
            scratch[j] = instants[k + j] * h
        local = np.sort(scratch[:m])
        elapsed = 0.0
        for j in range(m):
            g = ou_step(g, target, theta, sigma, local[j] - elapsed, normals[n])
            n += 1
            elapsed = local[j]
            direction = 1.0 if coins[k] < jump_up_probability(target, g, a_max) else -1.0
            size = direction * amplitudes[k]
            g += size
            jump_times[k] = t[i] + elapsed
            jump_sizes[k] = size
            k += 1
        g = ou_step(g, target, theta, sigma, h - elapsed, normals[n])
        n += 1
        out[i + 1] = g
