"""Stochastic measures of a trace: Kramers-Moyal coefficients, noise, jumps, spectra.

All functions take arrays and return arrays or small frozen dataclasses; inputs are never
modified. Conventions:

- Increments ``dx_i = x[i+1] - x[i]`` over ``dt_i``. Kramers-Moyal coefficients are the
  conditional moments ``D1(x) = <dx | x> / dt`` (drift) and ``D2(x) = <dx^2 | x> / (2 dt)``
  (diffusion), so an OU process ``dx = -theta (x - m) dt + sigma dW`` has ``D1 = -theta (x - m)``
  and ``D2 = sigma^2 / 2`` for ``dt -> 0``. At finite ``dt`` the exact OU drift slope is
  ``-(1 - exp(-theta dt)) / dt``, which :func:`fit_drift_line` inverts.
- Jumps are increments (or one-step innovations) beyond ``threshold`` times the robust local
  noise (1.4826 x the median absolute deviation in a running window).
- Jump sizes follow a bounded power law ``P(A) = C A^-alpha`` on ``[a_min, a_max]``; the
  exponent is the maximum-likelihood value with a profile-likelihood confidence interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal, stats
from scipy.optimize import brentq, curve_fit, minimize_scalar

from nwn.engine.ou_law import ou_variance_factor
from nwn.geometry.checks import InputError, check_int, check_nonnegative, check_positive

__all__ = [
    "DriftLine",
    "Jumps",
    "KramersMoyal",
    "PowerLawFit",
    "Spectrum",
    "autocorrelation",
    "bounded_power_law_loglik",
    "data_resolution",
    "detect_jumps",
    "direction_bias",
    "fit_bounded_power_law",
    "fit_drift_line",
    "fit_lorentzian",
    "fit_psd_slope",
    "jump_rate",
    "kramers_moyal",
    "ou_noise_sigma",
    "power_spectrum",
    "robust_local_noise",
    "waiting_times",
]


def _vector(name, values, minimum=2):
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size < minimum:
        raise InputError(f"{name} must be a 1-D array of at least {minimum} values "
                         f"(got shape {array.shape})")
    return array


# -- Kramers-Moyal --------------------------------------------------------------------------

@dataclass(frozen=True)
class KramersMoyal:
    """Binned conditional moments of increments.

    Attributes
    ----------
    centers : ndarray, shape (B,)
        Bin centres (state units).
    drift : ndarray, shape (B,)
        D1 = <dx|x>/dt (state units / s); NaN in bins with fewer than ``min_count`` samples.
    drift_error : ndarray, shape (B,)
        Standard error of the drift.
    diffusion : ndarray, shape (B,)
        D2 = <dx^2|x>/(2 dt) (state units^2 / s).
    counts : ndarray of int, shape (B,)
    dt : float
        Mean step, s.
    """

    centers: np.ndarray
    drift: np.ndarray
    drift_error: np.ndarray
    diffusion: np.ndarray
    counts: np.ndarray
    dt: float


def kramers_moyal(x, t, *, bins: int = 20, min_count: int = 10, mask=None) -> KramersMoyal:
    """Drift and diffusion coefficients by conditional moments of increments.

    Parameters
    ----------
    x : array_like, shape (T,)
        State samples.
    t : array_like, shape (T,)
        Times, s (increments are divided by their own dt).
    bins : int
        Number of equal-width state bins spanning the 1st to 99th percentile of x.
    min_count : int
        Bins with fewer increments are NaN.
    mask : array_like of bool, shape (T - 1,), optional
        Increments to use (e.g. one voltage level, or jumps excluded).
    """
    x = _vector("x", x, 3)
    t = _vector("t", t, 3)
    if t.shape != x.shape:
        raise InputError(f"t must have the shape of x {x.shape} (got {t.shape})")
    bins = check_int("bins", bins, minimum=1)
    dt = np.diff(t)
    dx = np.diff(x)
    start = x[:-1]
    use = np.ones(dx.size, dtype=bool) if mask is None else np.asarray(mask, dtype=bool).copy()
    if use.shape != dx.shape:
        raise InputError(f"mask must have shape {dx.shape} (got {use.shape})")
    low, high = np.percentile(start[use], [1, 99])
    if high <= low:
        high = low + max(abs(low), 1.0) * 1e-12
    edges = np.linspace(low, high, bins + 1)
    which = np.clip(np.digitize(start, edges) - 1, 0, bins - 1)
    inside = use & (start >= low) & (start <= high)
    rate = dx / dt
    counts = np.bincount(which[inside], minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(which[inside], rate[inside], minlength=bins) / counts
        second = np.bincount(which[inside], (dx**2 / (2 * dt))[inside], minlength=bins) / counts
        spread = np.bincount(which[inside], rate[inside] ** 2, minlength=bins) / counts - mean**2
        error = np.sqrt(np.clip(spread, 0, None) / np.maximum(counts - 1, 1))
    few = counts < min_count
    mean[few] = second[few] = error[few] = np.nan
    return KramersMoyal(centers=0.5 * (edges[1:] + edges[:-1]), drift=mean, drift_error=error,
                        diffusion=second, counts=counts, dt=float(np.mean(dt[use])))


@dataclass(frozen=True)
class DriftLine:
    """Weighted straight-line fit of the drift, D1(x) = slope (x - fixed_point).

    ``theta`` is the mean-reversion rate with the exact finite-dt correction
    ``theta = -ln(1 + slope dt) / dt`` (1/s); ``slope_error`` is one standard deviation.
    """

    slope: float
    slope_error: float
    intercept: float
    fixed_point: float
    theta: float


def fit_drift_line(km: KramersMoyal) -> DriftLine:
    """Fit D1(x) = slope x + intercept to the populated bins of ``km``."""
    keep = np.isfinite(km.drift) & (km.drift_error > 0)
    if keep.sum() < 2:
        raise InputError("need at least 2 populated drift bins to fit a line "
                         f"(got {int(keep.sum())})")
    (slope, intercept), cov = np.polyfit(km.centers[keep], km.drift[keep], 1,
                                         w=1.0 / km.drift_error[keep], cov="unscaled")
    product = 1.0 + slope * km.dt
    theta = -math.log(product) / km.dt if product > 0 else math.inf
    return DriftLine(slope=float(slope), slope_error=float(math.sqrt(cov[0, 0])),
                     intercept=float(intercept),
                     fixed_point=float(-intercept / slope) if slope != 0 else math.nan,
                     theta=float(theta))


def ou_noise_sigma(innovations, theta, dt, *, robust: bool = False) -> float:
    """Noise amplitude sigma (units / s^1/2) from one-step OU innovations.

    An exact OU step has innovation variance ``sigma^2 (1 - exp(-2 theta dt)) / (2 theta)``;
    ``theta`` (1/s) and ``dt`` (s) are scalars or arrays shaped like ``innovations``.
    ``theta = 0`` gives the Wiener limit ``sigma^2 dt``. With ``robust`` the spread of the
    standardized innovations is 1.4826 x their median absolute deviation, which ignores
    undetected jumps and outliers (exact for a Gaussian core).
    """
    e = np.asarray(innovations, dtype=np.float64)
    theta = np.broadcast_to(np.asarray(theta, dtype=np.float64), e.shape)
    dt = np.broadcast_to(np.asarray(dt, dtype=np.float64), e.shape)
    factor = ou_variance_factor(theta, dt)  # the simulators' own step variance
    with np.errstate(invalid="ignore", divide="ignore"):
        standardized = e / np.sqrt(factor)
    if robust:
        centre = np.median(standardized)
        return float(1.4826 * np.median(np.abs(standardized - centre)))
    return float(np.sqrt(np.mean(standardized**2)))


# -- jumps ----------------------------------------------------------------------------------

def robust_local_noise(increments, *, window: int = 101):
    """Running robust standard deviation, 1.4826 x median |dx - running median| (shape (N,))."""
    dx = _vector("increments", increments, 1)
    window = check_int("window", window, minimum=3)
    window = min(window, dx.size) | 1
    centre = ndimage.median_filter(dx, size=window, mode="reflect")
    return 1.4826 * ndimage.median_filter(np.abs(dx - centre), size=window, mode="reflect")


@dataclass(frozen=True)
class Jumps:
    """Detected jumps.

    Attributes
    ----------
    index : ndarray of int, shape (J,)
        Increment index i (the jump happened between samples i and i + 1).
    times : ndarray, shape (J,)
        Time of the sample ending the jump, s.
    sizes : ndarray, shape (J,)
        Signed size (the increment minus the local median), state units.
    noise : ndarray, shape (N,)
        Robust local noise of each increment.
    threshold : float
    """

    index: np.ndarray
    times: np.ndarray
    sizes: np.ndarray
    noise: np.ndarray
    threshold: float

    @property
    def amplitudes(self) -> np.ndarray:
        return np.abs(self.sizes)


def data_resolution(values) -> float:
    """The recording's resolution: the smallest non-zero step between consecutive samples.

    Instruments and text files keep a finite number of digits; where most increments are
    exactly zero the robust noise collapses and every last-digit change looks like a jump.
    """
    steps = np.abs(np.diff(_vector("values", values, 2)))
    steps = steps[steps > 0]
    return float(steps.min()) if steps.size else 0.0


def detect_jumps(increments, t, *, threshold: float = 5.0, window: int = 101,
                 resolution: float = 0.0) -> Jumps:
    """Increments beyond ``threshold`` times the robust local noise.

    Parameters
    ----------
    increments : array_like, shape (N,)
        Increments or one-step innovations.
    t : array_like, shape (N + 1,)
        Sample times, s.
    threshold : float
        Multiple of the local noise.
    window : int
        Running window of the noise estimate (increments).
    resolution : float
        Resolution of the recorded signal (same units, see :func:`data_resolution`): the
        noise is never taken below it, so a jump must exceed ``threshold`` resolution steps.
    """
    dx = _vector("increments", increments, 1)
    t = _vector("t", t, 2)
    if t.size != dx.size + 1:
        raise InputError(f"t must have one more sample than increments ({dx.size + 1}, "
                         f"got {t.size})")
    threshold = check_positive("threshold", threshold)
    noise = robust_local_noise(dx, window=window)
    centre = ndimage.median_filter(dx, size=min(window, dx.size) | 1, mode="reflect")
    excess = dx - centre
    floor = np.median(noise[noise > 0]) if np.any(noise > 0) else 0.0
    resolution = check_nonnegative("resolution", resolution)
    level = np.maximum(np.maximum(noise, 1e-3 * floor), resolution)
    index = np.flatnonzero(np.abs(excess) > threshold * level)
    return Jumps(index=index, times=t[index + 1], sizes=excess[index], noise=noise,
                 threshold=threshold)


def jump_rate(n_jumps: int, duration: float, *, confidence: float = 0.95):
    """Poisson rate (1/s) and its exact (Garwood) confidence interval: (rate, low, high)."""
    n = check_int("n_jumps", n_jumps, minimum=0)
    duration = check_positive("duration", duration)
    tail = (1 - confidence) / 2
    low = stats.chi2.ppf(tail, 2 * n) / 2 if n > 0 else 0.0
    high = stats.chi2.ppf(1 - tail, 2 * n + 2) / 2
    return n / duration, low / duration, high / duration


def waiting_times(jump_times):
    """Waiting times between jumps (s), their exponential rate (1/s) and the KS p-value.

    Returns ``(waits (J-1,), rate, p_value)``; for a Poisson process the waits are exponential
    with the jump rate. The p-value uses the fitted rate, so it is conservative.
    """
    times = np.sort(np.asarray(jump_times, dtype=np.float64))
    waits = np.diff(times)
    if waits.size < 2:
        return waits, math.nan, math.nan
    rate = 1.0 / waits.mean()
    p_value = stats.kstest(waits, "expon", args=(0, 1 / rate)).pvalue
    return waits, float(rate), float(p_value)


def direction_bias(sizes, toward_attractor=None, *, confidence: float = 0.95):
    """Fraction of jumps that go up, or towards the attractor, with a Wilson interval.

    Parameters
    ----------
    sizes : array_like, shape (J,)
        Signed jump sizes.
    toward_attractor : array_like, shape (J,), optional
        Attractor minus state before each jump; if given, the fraction counted is that of jumps
        whose sign agrees with it.

    Returns
    -------
    (fraction, low, high)
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if sizes.size == 0:
        return math.nan, math.nan, math.nan
    if toward_attractor is None:
        hits = np.count_nonzero(sizes > 0)
    else:
        hits = np.count_nonzero(np.sign(sizes) == np.sign(np.asarray(toward_attractor)))
    n = sizes.size
    p = hits / n
    z = stats.norm.ppf(0.5 + confidence / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, centre - half, centre + half


# -- bounded power law ----------------------------------------------------------------------

def bounded_power_law_loglik(alpha: float, sizes, a_min: float, a_max: float) -> float:
    """Log-likelihood of sizes (all in [a_min, a_max]) under P(A) ~ A^-alpha there."""
    a = np.asarray(sizes, dtype=np.float64)
    n = a.size
    log_sum = float(np.log(a).sum())
    if abs(alpha - 1.0) < 1e-9:
        log_norm = -math.log(math.log(a_max / a_min))
    else:
        p = 1.0 - alpha
        # C = (1 - alpha) / (a_max^(1-alpha) - a_min^(1-alpha)), written to stay finite.
        log_norm = math.log(abs(p)) - (p * math.log(a_min)
                                       + math.log(abs(math.expm1(p * math.log(a_max / a_min)))))
    return n * log_norm - alpha * log_sum


@dataclass(frozen=True)
class PowerLawFit:
    """Maximum-likelihood exponent of a bounded power law with its confidence interval."""

    alpha: float
    low: float
    high: float
    a_min: float
    a_max: float
    n: int


def fit_bounded_power_law(sizes, *, a_min: float | None = None, a_max: float | None = None,
                          confidence: float = 0.95,
                          alpha_range: tuple[float, float] = (-5.0, 10.0)) -> PowerLawFit:
    """MLE of alpha for sizes in [a_min, a_max] (defaults: the sample's min and max).

    Sizes outside the bounds are discarded. The interval is where the profile log-likelihood
    drops by ``chi2_1(confidence) / 2`` from its maximum (1.92 for 95 %).
    """
    a = np.abs(np.asarray(sizes, dtype=np.float64))
    a = a[a > 0]
    a_min = float(a.min()) if a_min is None else check_positive("a_min", a_min)
    a_max = float(a.max()) if a_max is None else check_positive("a_max", a_max)
    if a_max <= a_min:
        raise InputError(f"a_max must be > a_min = {a_min:.6g} (got {a_max:.6g})")
    a = a[(a >= a_min) & (a <= a_max)]
    if a.size < 3:
        raise InputError(f"need at least 3 jump sizes within the bounds (got {a.size})")
    lo, hi = alpha_range

    def negative(alpha):
        return -bounded_power_law_loglik(alpha, a, a_min, a_max)

    best = minimize_scalar(negative, bounds=(lo, hi), method="bounded",
                           options={"xatol": 1e-8})
    alpha = float(best.x)
    peak = -best.fun
    drop = stats.chi2.ppf(confidence, 1) / 2

    def excess(value):
        return bounded_power_law_loglik(value, a, a_min, a_max) - (peak - drop)

    low = brentq(excess, lo, alpha) if excess(lo) < 0 else lo
    high = brentq(excess, alpha, hi) if excess(hi) < 0 else hi
    return PowerLawFit(alpha=alpha, low=float(low), high=float(high), a_min=a_min, a_max=a_max,
                       n=int(a.size))


# -- spectra and correlation ----------------------------------------------------------------

@dataclass(frozen=True)
class Spectrum:
    """One-sided Welch power spectral density: ``frequency`` (F,) Hz, ``psd`` (F,) units^2/Hz."""

    frequency: np.ndarray
    psd: np.ndarray


def power_spectrum(x, dt: float, *, segment: int | None = None) -> Spectrum:
    """Welch PSD of uniformly sampled ``x`` (shape (T,)) with sample spacing ``dt`` (s).

    ``segment`` is the Welch segment length (default: T/8, at least 16), Hann window, 50 %
    overlap, linear detrending per segment.
    """
    x = _vector("x", x, 16)
    dt = check_positive("dt", dt)
    n = x.size
    segment = max(16, n // 8) if segment is None else check_int("segment", segment, minimum=8)
    frequency, psd = signal.welch(x, fs=1.0 / dt, nperseg=min(segment, n), detrend="linear")
    return Spectrum(frequency=frequency[1:], psd=psd[1:])  # drop f = 0


def fit_psd_slope(spectrum: Spectrum, *, f_min: float | None = None,
                  f_max: float | None = None) -> tuple[float, float]:
    """Least-squares slope and intercept of log10 PSD against log10 f in [f_min, f_max]."""
    f, p = spectrum.frequency, spectrum.psd
    keep = (p > 0) & (f >= (f_min or 0)) & (f <= (f_max or np.inf))
    if keep.sum() < 3:
        raise InputError(f"need at least 3 spectral points in the band (got {int(keep.sum())})")
    slope, intercept = np.polyfit(np.log10(f[keep]), np.log10(p[keep]), 1)
    return float(slope), float(intercept)


def fit_lorentzian(spectrum: Spectrum, *, f_min: float | None = None,
                   f_max: float | None = None) -> tuple[float, float]:
    """Fit S(f) = S0 / (1 + (f / f_c)^2) in log space over [f_min, f_max]; returns (S0, f_c Hz).

    Points are weighted by 1/f so that every decade counts equally (Welch frequencies are
    linearly spaced, which would otherwise let the highest decade decide). Keep ``f_max`` well
    below the Nyquist frequency: a sampled OU process is not Lorentzian near it (aliasing).
    An OU process of rate theta has f_c = theta / (2 pi) and S0 = 2 sigma^2 / theta^2
    (one-sided).
    """
    f, p = spectrum.frequency, spectrum.psd
    keep = (p > 0) & (f >= (f_min or 0)) & (f <= (f_max or np.inf))
    if keep.sum() < 4:
        raise InputError(f"need at least 4 spectral points in the band (got {int(keep.sum())})")
    f, p = f[keep], p[keep]

    def log_model(freq, log_s0, log_fc):
        return log_s0 - np.log1p((freq / np.exp(log_fc)) ** 2)

    plateau = p[: max(3, p.size // 50)].mean()
    start = (math.log(plateau), math.log(f[np.argmin(np.abs(np.log(p / (plateau / 2))))]))
    (log_s0, log_fc), _ = curve_fit(log_model, f, np.log(p), p0=start, sigma=np.sqrt(f),
                                    maxfev=5000)
    return float(math.exp(log_s0)), float(math.exp(log_fc))


def autocorrelation(x, *, max_lag: int | None = None):
    """Normalized autocorrelation (shape (max_lag + 1,)) of ``x`` (T,), via FFT; lag 0 is 1."""
    x = _vector("x", x, 2)
    n = x.size
    max_lag = n - 1 if max_lag is None else check_int("max_lag", max_lag, minimum=0,
                                                       maximum=n - 1)
    centred = x - x.mean()
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    # Unbiased normalization: each lag averages n - lag products.
    acf = acf / (n - np.arange(max_lag + 1))
    return acf / acf[0] if acf[0] > 0 else acf
