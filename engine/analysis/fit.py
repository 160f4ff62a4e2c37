"""Least-squares fit of the deterministic lumped law to a two-terminal trace.

The model is the exact-step rate balance of :mod:`nwn.engine.lumped`, driven by the trace's
own voltage protocol (``voltage[i]`` held over the step ending at ``t[i]``)::

    g_i = x_i + (g_{i-1} - x_i) exp(-theta_i dt_i),   G_i = G_min + (G_max - G_min) g_i

with ``theta``, ``x`` from kp0, eta_p, kd0, eta_d at ``|voltage[i]|``. Residuals are relative,
``(G_model - G) / G``, and the parameters are fitted in log space (all are positive) with
``scipy.optimize.least_squares`` (trust-region reflective, box bounds) and an exact Jacobian from
forward sensitivities computed in the same numba pass as the model.

Models
------
``"single"``
    The published lumped law: G_min, G_max, kp0, eta_p, kd0, eta_d and the initial conductance
    G0 (7 parameters; 6 with ``initial_state="data"``, which pins G0 to the first sample).
``"parallel"``
    Two such elements in parallel, G = G_a + G_b, each with its own 7 parameters. A single
    rate-balance element has one time constant per voltage level, so it is too slow at pulse
    onset and too fast in the long tail of the relaxation of real networks; the parallel form
    gives a fast and a slow population. It is an extension, not the paper's model.

Starting points are estimated from the data (G_min/G_max from its range; at each voltage
level the time to cover 25 %, 63 % and 86 % of the change seen in that level's longest
segment gives candidate relaxation times; the end value gives the attractor), and the fit
restarts from each combination plus seeded log-normal perturbations; the lowest cost wins.

Uncertainties are one standard deviation from the Gauss-Newton covariance
``s^2 (J^T J)^+`` in log space, with ``s^2`` the residual variance. Residuals of real traces
are correlated in time, so these are lower bounds; a parameter pinned at a bound has no
meaningful uncertainty and is listed in ``FitResult.at_bound``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
from scipy.optimize import least_squares

from nwn.engine.analysis.traces import Trace
from nwn.engine.lumped import LumpedParameters
from nwn.geometry.checks import InputError, check_choice, check_int

__all__ = ["FitResult", "MODELS", "fit_deterministic", "model_conductance", "voltage_levels"]

MODELS = ("single", "parallel")
ELEMENT_NAMES = ("g_min", "g_max", "kp0", "eta_p", "kd0", "eta_d", "G0")
UNITS = {"g_min": "S", "g_max": "S", "kp0": "1/s", "eta_p": "1/V", "kd0": "1/s",
         "eta_d": "1/V", "G0": "S"}
# Exponents eta |V| above this make the rates meaningless (and overflow); the bound keeps
# eta_max * |V|max at this value.
_MAX_EXPONENT = 60.0


@dataclass(frozen=True)
class FitResult:
    """Outcome of :func:`fit_deterministic`.

    Attributes
    ----------
    model : str
        ``"single"`` or ``"parallel"``.
    parameters : dict of str to float
        Fitted values (SI). Single: ``g_min, g_max, kp0, eta_p, kd0, eta_d, G0``; parallel: the
        same names with suffix ``_a`` and ``_b``.
    uncertainties : dict of str to float
        One standard deviation of each parameter (same units); see the module notes.
    at_bound : tuple of str
        Parameters that ended on a bound.
    rms_relative_error : float
        sqrt(mean(((G_model - G) / G)^2)) over all samples.
    max_relative_error : float
    t, voltage, conductance, fitted : ndarray, shape (T,)
        The trace (s, V, S) and the fitted conductance (S).
    covariance : ndarray, shape (P, P)
        Covariance of the log-parameters, in the order of ``parameters``.
    n_starts : int
        Starting points tried.
    initial_state : str
        ``"fit"`` or ``"data"``.
    source : str
    """

    model: str
    parameters: dict[str, float]
    uncertainties: dict[str, float]
    at_bound: tuple[str, ...]
    rms_relative_error: float
    max_relative_error: float
    t: np.ndarray
    voltage: np.ndarray
    conductance: np.ndarray
    fitted: np.ndarray
    covariance: np.ndarray
    n_starts: int
    initial_state: str = "fit"
    source: str = ""
    free: tuple[str, ...] = field(default=())

    @property
    def relative_residual(self) -> np.ndarray:
        """(G_model - G) / G, shape (T,)."""
        return self.fitted / self.conductance - 1.0

    @property
    def lumped(self) -> LumpedParameters:
        """The single-element fit as :class:`LumpedParameters` (deterministic part).

        ``g0`` is the fitted initial state; the stochastic fields keep their defaults (no
        noise, no jumps) and are set from the residual analysis.
        """
        if self.model != "single":
            raise InputError("lumped parameters exist for the 'single' model only "
                             f"(got model {self.model!r})")
        p = self.parameters
        return LumpedParameters(kp0=p["kp0"], eta_p=p["eta_p"], kd0=p["kd0"], eta_d=p["eta_d"],
                                g_min=p["g_min"], g_max=p["g_max"],
                                g0=(p["G0"] - p["g_min"]) / (p["g_max"] - p["g_min"]))

    def to_dict(self) -> dict:
        """JSON-ready summary (no arrays)."""
        units = {name: UNITS[name.rsplit("_", 1)[0] if name.endswith(("_a", "_b")) else name]
                 for name in self.parameters}
        loose = unidentified(self)
        return {
            "model": self.model,
            "initial_state": self.initial_state,
            "source": self.source,
            "n_samples": int(self.t.size),
            "n_starts": self.n_starts,
            "rms_relative_error": self.rms_relative_error,
            "max_relative_error": self.max_relative_error,
            "parameters": {name: {"value": value, "std": self.uncertainties[name],
                                  "unit": units[name], "at_bound": name in self.at_bound,
                                  "free": name in self.free,
                                  "determined": name not in loose}
                           for name, value in self.parameters.items()},
        }


# -- model kernels ---------------------------------------------------------------------------

@numba.njit(cache=True)
def _state_and_sensitivity(t, volts, kp0, eta_p, kd0, eta_d, x0, x, dx):
    """Exact-step state x (T,) and its derivatives dx (T, 5) with respect to
    ln kp0, ln eta_p, ln kd0, ln eta_d and x0."""
    x[0] = x0
    for j in range(5):
        dx[0, j] = 0.0
    dx[0, 4] = 1.0
    dkp = np.zeros(4)
    dkd = np.zeros(4)
    for i in range(1, t.size):
        h = t[i] - t[i - 1]
        v = abs(volts[i])
        kp = kp0 * math.exp(eta_p * v)
        kd = kd0 * math.exp(-eta_d * v)
        theta = kp + kd
        target = kp / theta
        decay = math.exp(-theta * h)
        previous = x[i - 1]
        x[i] = target + (previous - target) * decay
        dkp[0] = kp
        dkp[1] = kp * eta_p * v
        dkd[2] = kd
        dkd[3] = -kd * eta_d * v
        for j in range(4):
            dtheta = dkp[j] + dkd[j]
            dtarget = (kd * dkp[j] - kp * dkd[j]) / (theta * theta)
            ddecay = -h * decay * dtheta
            dx[i, j] = dtarget * (1.0 - decay) + decay * dx[i - 1, j] + (previous - target) * ddecay
        dx[i, 4] = decay * dx[i - 1, 4]


def _element(t, volts, q):
    """Conductance (T,) of one element and its Jacobian (T, 7) w.r.t. the log-parameters
    ln g_min, ln g_max, ln kp0, ln eta_p, ln kd0, ln eta_d, ln G0."""
    g_min, g_max, kp0, eta_p, kd0, eta_d, g0 = q
    span = g_max - g_min
    x = np.empty(t.size)
    dx = np.empty((t.size, 5))
    _state_and_sensitivity(t, volts, kp0, eta_p, kd0, eta_d, (g0 - g_min) / span, x, dx)
    carry = dx[:, 4]  # d x_i / d x0
    jac = np.empty((t.size, 7))
    jac[:, 0] = g_min * (1.0 - x + carry * (g0 - g_max) / span)
    jac[:, 1] = g_max * (x - carry * (g0 - g_min) / span)
    jac[:, 2:6] = span * dx[:, :4]
    jac[:, 6] = g0 * carry
    return g_min + span * x, jac


def model_conductance(t, voltage, parameters: dict[str, float], *, model: str = "single"):
    """Conductance (T,) of the deterministic model with the named parameters (S).

    Parameters
    ----------
    t : array_like, shape (T,)
        Sample times, s.
    voltage : array_like, shape (T,)
        Voltage held over the step ending at each sample, V.
    parameters : dict
        As in :attr:`FitResult.parameters`.
    model : {"single", "parallel"}
    """
    check_choice("model", model, MODELS)
    t = np.asarray(t, dtype=np.float64)
    volts = np.asarray(voltage, dtype=np.float64)
    suffixes = ("",) if model == "single" else ("_a", "_b")
    total = np.zeros(t.size)
    for suffix in suffixes:
        q = np.array([parameters[name + suffix] for name in ELEMENT_NAMES])
        total += _element(t, volts, q)[0]
    return total


# -- starting points -------------------------------------------------------------------------

def voltage_levels(volts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct |V| levels (V) and the level index of each sample."""
    magnitude = np.abs(volts)
    scale = max(float(magnitude.max()), 1e-12)
    rounded = np.round(magnitude / scale, 3)
    keys, index = np.unique(rounded, return_inverse=True)
    levels = np.array([magnitude[index == k].mean() for k in range(keys.size)])
    return levels, index


def _level_estimates(t, conductance, index, k):
    """Candidate relaxation times (s) and end conductance (S) from the longest run at level k."""
    inside = np.flatnonzero(index == k)
    breaks = np.flatnonzero(np.diff(inside) > 1)
    runs = np.split(inside, breaks + 1)
    run = max(runs, key=len)
    if run.size < 3:
        return None
    # Include the sample before the run: the change starts there.
    start = max(run[0] - 1, 0)
    times = t[start:run[-1] + 1] - t[start]
    values = conductance[start:run[-1] + 1]
    change = values[-1] - values[0]
    taus = []
    for fraction in (0.25, 0.63, 0.86):
        if change == 0:
            break
        progress = (values - values[0]) / change
        reached = np.flatnonzero(progress >= fraction)
        if reached.size:
            taus.append(max(times[reached[0]], 1e-3 * times[-1]) / -math.log(1 - fraction))
    if not taus:
        taus = [times[-1] / 3]
    return np.array(taus), float(values[-1])


def _physical_starts(t, volts, conductance):
    """Starting points (log space, single element) estimated from the data."""
    g_lo, g_hi = float(conductance.min()), float(conductance.max())
    g_min, g_max = 0.9 * g_lo, 1.1 * g_hi
    span = g_max - g_min
    levels, index = voltage_levels(volts)
    estimates = [(_level_estimates(t, conductance, index, k), levels[k])
                 for k in range(levels.size)]
    estimates = [(e, v) for e, v in estimates if e is not None]
    starts = []
    if len(estimates) >= 2:
        (low_est, v_low), (high_est, v_high) = estimates[0], estimates[-1]
        x_low = np.clip((low_est[1] - g_min) / span, 1e-3, 1 - 1e-3)
        x_high = np.clip((high_est[1] - g_min) / span, 1e-3, 1 - 1e-3)
        dv = max(v_high - v_low, 1e-9)
        for tau_low in low_est[0]:
            for tau_high in high_est[0]:
                kp_low, kd_low = x_low / tau_low, (1 - x_low) / tau_low
                kp_high, kd_high = x_high / tau_high, (1 - x_high) / tau_high
                eta_p = max(math.log(kp_high / kp_low) / dv, 1e-2)
                eta_d = max(math.log(kd_low / kd_high) / dv, 1e-2)
                kp0 = kp_low * math.exp(-eta_p * v_low)
                kd0 = kd_low * math.exp(eta_d * v_low)
                starts.append([g_min, g_max, kp0, eta_p, kd0, eta_d, conductance[0]])
    else:
        (est, v) = estimates[0] if estimates else ((np.array([t[-1] - t[0]]), conductance[-1]),
                                                   float(np.abs(volts).mean()))
        x_end = np.clip((est[1] - g_min) / span, 1e-3, 1 - 1e-3)
        for tau in est[0]:
            # One level cannot separate kp0 from eta_p: split the exponent evenly.
            eta = 1.0
            starts.append([g_min, g_max, x_end / tau * math.exp(-eta * v), eta,
                           (1 - x_end) / tau * math.exp(eta * v), eta, conductance[0]])
    return np.log(np.array(starts))


def _bounds(t, volts, conductance, model):
    g_lo, g_hi = float(conductance.min()), float(conductance.max())
    v_max = max(float(np.abs(volts).max()), 1e-3)
    eta_max = _MAX_EXPONENT / v_max
    if model == "single":
        low = [1e-3 * g_lo, g_hi, 1e-12, 1e-4, 1e-12, 1e-4, 0.1 * g_lo]
        high = [g_lo, 1e3 * g_hi, 1e6, eta_max, 1e6, eta_max, 10 * g_hi]
    else:
        low = [1e-6 * g_lo, 1e-3 * g_lo, 1e-12, 1e-4, 1e-12, 1e-4, 1e-6 * g_lo]
        high = [g_lo, 1e3 * g_hi, 1e6, eta_max, 1e6, eta_max, 10 * g_hi]
        low, high = low * 2, high * 2
    return np.log(low), np.log(high)


# -- the fit ---------------------------------------------------------------------------------

#: Rows a trace needs per fitted parameter: fewer leave the least-squares problem (nearly)
#: square, with uncertainties that mean nothing (7 parameters on 3 rows gave +-1e-13).
ROWS_PER_PARAMETER = 3

#: Smallest relative swing (max - min) / median of the conductance worth fitting: a flatter
#: trace determines no kinetic parameter (a constant one was "fitted" with 0 % error).
MIN_SWING = 1e-4

#: Largest two-terminal conductance (S) a nanowire network shows: a silver film of a few ohms
#: is ~0.3 S. Larger I/V ratios are a trace whose V and I columns are swapped.
MAX_NETWORK_CONDUCTANCE = 10.0


def check_identifiable(trace: Trace, n_parameters: int) -> None:
    """Refuse a trace that cannot determine ``n_parameters``, saying why.

    Too short (fewer than :data:`ROWS_PER_PARAMETER` rows per parameter), too flat (a swing
    below :data:`MIN_SWING`), or with I/V beyond :data:`MAX_NETWORK_CONDUCTANCE` (V and I
    columns swapped).
    """
    label = trace.source or "trace"
    rows = int(np.asarray(trace.t).size)
    if rows < ROWS_PER_PARAMETER * n_parameters:
        raise InputError(f"{label} has {rows} rows, too few to fit {n_parameters} parameters "
                         f"(needs at least {ROWS_PER_PARAMETER * n_parameters})")
    g = np.asarray(trace.conductance, dtype=np.float64)
    typical = float(np.median(np.abs(g)))
    if typical > MAX_NETWORK_CONDUCTANCE:
        raise InputError(f"{label}: I/V is {typical:.3g} S (median), beyond any nanowire "
                         f"network (at most {MAX_NETWORK_CONDUCTANCE:g} S): are the V and I "
                         f"columns swapped? (name them with --columns, e.g. t,V,I)")
    swing = float(np.ptp(g)) / typical if typical > 0 else 0.0
    if swing < MIN_SWING:
        raise InputError(f"{label}: the conductance varies by {swing:.2g} of its value, too "
                         f"flat to determine any kinetic parameter (needs at least "
                         f"{MIN_SWING:g}: a trace with switching in it)")


def unidentified(fit) -> tuple[str, ...]:
    """Names of free parameters whose uncertainty is not finite or exceeds their value: the
    trace does not determine them."""
    return tuple(name for name in fit.free
                 if not np.isfinite(fit.uncertainties[name])
                 or fit.uncertainties[name] > abs(fit.parameters[name]))


def fit_deterministic(trace: Trace, *, model: str = "single", initial_state: str = "fit",
                      n_starts: int = 12, seed: int = 0, max_nfev: int = 400,
                      report: Callable[[int, int], None] | None = None) -> FitResult:
    """Fit the deterministic lumped law to a trace with its own voltage protocol.

    Parameters
    ----------
    trace : Trace
        Times (T,) s, voltage (T,) V and conductance (T,) S; conductance must be > 0.
    model : {"single", "parallel"}
        The published single-element law, or two elements in parallel (see module notes).
    initial_state : {"fit", "data"}
        ``"fit"``: G0 is a free parameter. ``"data"`` (single model only): G0 is the first
        measured sample, so the model starts exactly where the data start.
    n_starts : int
        Number of starting points (data-estimated ones first, then seeded perturbations).
    seed : int
        Seed of the perturbations; the same trace and seed give the same fit.
    max_nfev : int
        Function evaluations per start.
    report : callable, optional
        ``report(done, total)``, called before the first start and after each one with the
        number of starts done and the number of starts: a progress display. An exception it
        raises stops the fit and propagates (how a caller cancels it).

    Returns
    -------
    FitResult
    """
    if not isinstance(trace, Trace):
        raise InputError(f"trace must be a Trace (got {type(trace).__name__})")
    check_choice("model", model, MODELS)
    check_choice("initial_state", initial_state, ("fit", "data"))
    if model == "parallel" and initial_state == "data":
        raise InputError("initial_state 'data' applies to the 'single' model only "
                         "(got model 'parallel')")
    n_starts = check_int("n_starts", n_starts, minimum=1)
    max_nfev = check_int("max_nfev", max_nfev, minimum=10)
    t = np.asarray(trace.t, dtype=np.float64)
    volts = np.asarray(trace.voltage, dtype=np.float64)
    measured = np.asarray(trace.conductance, dtype=np.float64)
    if np.any(measured <= 0):
        bad = int(np.argmax(measured <= 0))
        raise InputError(f"trace conductance must be > 0 to fit relative errors (row {bad} is "
                         f"{measured[bad]:.6g} S)")
    if model == "single":
        names = list(ELEMENT_NAMES)
    else:
        names = [n + s for s in ("_a", "_b") for n in ELEMENT_NAMES]
    free = np.ones(len(names), dtype=bool)
    if initial_state == "data":
        free[6] = False
    check_identifiable(trace, int(free.sum()))
    low, high = _bounds(t, volts, measured, model)
    pinned_g0 = math.log(measured[0])
    weight = 1.0 / measured

    def full(p_free):
        p = np.empty(len(names))
        p[free] = p_free
        if not free[6]:
            p[6] = pinned_g0
        return p

    cache: dict = {}

    def evaluate(p_free):
        # least_squares asks for residuals and Jacobian at the same point: compute both once.
        key = p_free.tobytes()
        if cache.get("key") == key:
            return cache["value"]
        q = np.exp(full(p_free))
        total = np.zeros(t.size)
        jac = np.empty((t.size, len(names)))
        for e in range(len(names) // 7):
            g_e, jac_e = _element(t, volts, q[7 * e:7 * e + 7])
            total += g_e
            jac[:, 7 * e:7 * e + 7] = jac_e
        cache["key"], cache["value"] = key, (total, jac)
        return total, jac

    def residual(p_free):
        return evaluate(p_free)[0] * weight - 1.0

    def jacobian(p_free):
        return evaluate(p_free)[1][:, free] * weight[:, None]

    starts = _physical_starts(t, volts, measured)
    rng = np.random.default_rng(seed)
    candidates = []
    for k in range(n_starts):
        base = starts[k % len(starts)].copy()
        if k >= len(starts):
            base[2:6] += rng.normal(0.0, 1.5, 4)
            base[0:2] += rng.normal(0.0, 0.2, 2)
        if model == "parallel":
            # A fast element carrying part of the swing and a slower one around it.
            fast = base.copy()
            fast[2] += math.log(10.0) + rng.normal(0.0, 0.5)
            fast[4] += math.log(10.0) + rng.normal(0.0, 0.5)
            fast[0] += math.log(0.3)
            fast[1] += math.log(0.3)
            fast[6] += math.log(0.3)
            slow = base.copy()
            slow[0] += math.log(0.7)
            slow[1] += math.log(0.7)
            slow[6] += math.log(0.7)
            base = np.concatenate([fast, slow])
        candidates.append(base)
    inner_low, inner_high = low[free], high[free]
    margin = 1e-6 * (inner_high - inner_low)
    best = None
    if report is not None:
        report(0, len(candidates))
    for done, base in enumerate(candidates, start=1):
        start = np.clip(base[free], inner_low + margin, inner_high - margin)
        with np.errstate(over="ignore", invalid="ignore"):
            outcome = least_squares(residual, start, jac=jacobian, bounds=(inner_low, inner_high),
                                    x_scale="jac", max_nfev=max_nfev, method="trf")
        if np.all(np.isfinite(outcome.fun)) and (best is None or outcome.cost < best.cost):
            best = outcome
        if report is not None:
            report(done, len(candidates))
    if best is None:
        raise InputError("the fit found no finite solution; check the trace's voltage column")
    p_log = full(best.x)
    values = np.exp(p_log)
    res = best.fun
    dof = max(res.size - int(free.sum()), 1)
    s2 = float(res @ res) / dof
    jac_free = jacobian(best.x)
    cov_free = s2 * np.linalg.pinv(jac_free.T @ jac_free)
    covariance = np.zeros((len(names), len(names)))
    covariance[np.ix_(free, free)] = cov_free
    std = values * np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    tolerance = 1e-4 * (high - low)
    at_bound = tuple(n for k, n in enumerate(names)
                     if free[k] and (p_log[k] - low[k] < tolerance[k]
                                     or high[k] - p_log[k] < tolerance[k]))
    fitted = evaluate(best.x)[0]
    rel = fitted / measured - 1.0
    return FitResult(
        model=model,
        parameters={n: float(v) for n, v in zip(names, values, strict=True)},
        uncertainties={n: float(s) for n, s in zip(names, std, strict=True)},
        at_bound=at_bound,
        rms_relative_error=float(np.sqrt(np.mean(rel**2))),
        max_relative_error=float(np.max(np.abs(rel))),
        t=t.copy(), voltage=volts.copy(), conductance=measured.copy(), fitted=fitted,
        covariance=covariance, n_starts=len(candidates), initial_state=initial_state,
        source=trace.source,
        free=tuple(n for k, n in enumerate(names) if free[k]),
    )
