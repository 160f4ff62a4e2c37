"""Stochastic part of a fitted trace: the dynamics of what the deterministic law leaves over.

For the single-element law the residual ``y = G - G_model`` (S) obeys, exactly for a
piecewise-constant voltage, ``dy = -theta(V) y dt + (G_max - G_min) (sigma dW + dJ)``: the
drift is linear in the state, so the deterministic trajectory subtracts out. Its one-step
innovations ``e_i = y_{i+1} - y_i exp(-theta_{i+1} dt_i)`` are independent Gaussian noise plus
jumps, whatever the voltage protocol. For the parallel model theta is not unique and plain
increments of ``y`` are used (the Wiener limit, good while theta dt << 1).

On these innovations: noise sigma (excluding jumps), jump detection (beyond ``threshold``
times the robust local noise), jump rate, bounded power-law exponent, direction bias towards
the attractor, waiting times. On ``y``: Kramers-Moyal drift and diffusion per voltage level,
and Welch PSD and autocorrelation over the longest run at one voltage level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from nwn.engine.analysis.fit import ELEMENT_NAMES, FitResult, voltage_levels
from nwn.engine.analysis.stochastic import (
    DriftLine,
    KramersMoyal,
    PowerLawFit,
    Spectrum,
    autocorrelation,
    data_resolution,
    detect_jumps,
    direction_bias,
    fit_bounded_power_law,
    fit_drift_line,
    fit_lorentzian,
    fit_psd_slope,
    jump_rate,
    kramers_moyal,
    ou_noise_sigma,
    power_spectrum,
    waiting_times,
)
from nwn.engine.lumped import LumpedParameters
from nwn.geometry.checks import InputError, check_positive

__all__ = ["StochasticResult", "analyze_residuals"]


@dataclass(frozen=True)
class StochasticResult:
    """Stochastic measures of a fitted trace (conductances in S, times in s).

    Attributes
    ----------
    residual : ndarray, shape (T,)
        G - G_model, S.
    innovations : ndarray, shape (T - 1,)
        One-step innovations of the residual, S.
    centred : ndarray, shape (T - 1,)
        Innovations minus their running median (the fit's slowly varying error), S.
    near_switch : ndarray of bool, shape (T - 1,)
        Increments within ``settle`` steps of a voltage change (left out of the statistics).
    core_std : float
        Robust standard deviation of the innovations (Gaussian core), S.
    sigma : float
        Noise amplitude in conductance units, S / s^1/2 (jumps excluded).
    sigma_state : float
        The same in normalized-state units (s^-1/2), single model only (else NaN).
    jump_index, jump_times, jump_sizes : ndarray, shape (J,)
        Detected jumps: increment index, time (s), signed size (S).
    threshold : float
        Detection threshold, multiples of the local noise.
    rate, rate_low, rate_high : float
        Jump rate and its 95 % interval, 1/s.
    power_law : PowerLawFit or None
        Exponent of the jump amplitudes (None with fewer than 3 jumps).
    toward_attractor, toward_low, toward_high : float
        Fraction of jumps towards the attractor and its 95 % interval.
    waits : ndarray, shape (J - 1,)
        Waiting times between jumps, s.
    wait_rate, wait_p_value : float
        Exponential rate of the waits (1/s) and the KS p-value against it.
    kramers_moyal : dict of float to (KramersMoyal, DriftLine or None)
        Per voltage level (V): conditional moments of the residual and the drift line.
    spectrum : Spectrum or None
        Welch PSD of the residual over the longest single-level run.
    psd_slope : float
        log-log slope of the PSD.
    lorentzian : tuple of float or None
        (S0, f_c Hz) of a Lorentzian fit of the PSD.
    acf_lag : ndarray, shape (L,)
        Lags, s. ``acf`` (L,) the normalized autocorrelation of the residual there.
    """

    residual: np.ndarray
    innovations: np.ndarray
    centred: np.ndarray
    near_switch: np.ndarray
    core_std: float
    sigma: float
    sigma_state: float
    jump_index: np.ndarray
    jump_times: np.ndarray
    jump_sizes: np.ndarray
    threshold: float
    rate: float
    rate_low: float
    rate_high: float
    power_law: PowerLawFit | None
    toward_attractor: float
    toward_low: float
    toward_high: float
    waits: np.ndarray
    wait_rate: float
    wait_p_value: float
    kramers_moyal: dict = field(default_factory=dict)
    spectrum: Spectrum | None = None
    psd_slope: float = math.nan
    lorentzian: tuple[float, float] | None = None
    acf_lag: np.ndarray = field(default_factory=lambda: np.empty(0))
    acf: np.ndarray = field(default_factory=lambda: np.empty(0))

    def to_dict(self) -> dict:
        """JSON-ready summary (no long arrays)."""
        def num(value):
            return None if value is None or not math.isfinite(value) else float(value)

        levels = {}
        for volts, (_, line) in self.kramers_moyal.items():
            levels[f"{volts:.6g}"] = None if line is None else {
                "drift_slope": num(line.slope), "drift_slope_std": num(line.slope_error),
                "theta": num(line.theta)}
        return {
            "noise": {"core_std_S": num(self.core_std), "sigma_S_per_sqrt_s": num(self.sigma),
                      "sigma_state_per_sqrt_s": num(self.sigma_state)},
            "jumps": {
                "threshold_noise_multiples": self.threshold,
                "count": int(self.jump_times.size),
                "rate_per_s": num(self.rate), "rate_ci95": [num(self.rate_low),
                                                            num(self.rate_high)],
                "power_law_alpha": None if self.power_law is None else num(self.power_law.alpha),
                "power_law_ci95": None if self.power_law is None else [
                    num(self.power_law.low), num(self.power_law.high)],
                "amplitude_range_S": None if self.power_law is None else [
                    num(self.power_law.a_min), num(self.power_law.a_max)],
                "fraction_toward_attractor": num(self.toward_attractor),
                "fraction_toward_attractor_ci95": [num(self.toward_low), num(self.toward_high)],
                "waiting_time_rate_per_s": num(self.wait_rate),
                "waiting_time_exponential_ks_p": num(self.wait_p_value),
            },
            "kramers_moyal_by_voltage": levels,
            "psd_loglog_slope": num(self.psd_slope),
            "psd_lorentzian": None if self.lorentzian is None else {
                "S0": num(self.lorentzian[0]), "corner_Hz": num(self.lorentzian[1])},
        }


def _elements(fit: FitResult) -> list[LumpedParameters]:
    suffixes = ("",) if fit.model == "single" else ("_a", "_b")
    elements = []
    for suffix in suffixes:
        p = {name: fit.parameters[name + suffix] for name in ELEMENT_NAMES}
        low, high = sorted((p["g_min"], p["g_max"]))
        if high <= low:
            high = low * (1 + 1e-12)
        elements.append(LumpedParameters(kp0=p["kp0"], eta_p=p["eta_p"], kd0=p["kd0"],
                                         eta_d=p["eta_d"], g_min=low, g_max=high))
    return elements


def _longest_run(index: np.ndarray) -> np.ndarray:
    breaks = np.flatnonzero(np.diff(index) != 0)
    runs = np.split(np.arange(index.size), breaks + 1)
    return max(runs, key=len)


def analyze_residuals(fit: FitResult, *, threshold: float = 5.0, window: int = 101,
                      bins: int = 15, settle: int = 3) -> StochasticResult:
    """Stochastic measures of the residual dynamics of a deterministic fit.

    Parameters
    ----------
    fit : FitResult
    threshold : float
        Jump detection threshold, multiples of the robust local noise of the innovations.
    window : int
        Window (samples) of the running noise estimate.
    bins : int
        State bins of the Kramers-Moyal estimate.
    settle : int
        Increments after each voltage change that are not searched for jumps: there the
        innovations carry the deterministic fit's own error at the switch, not a jump.
    """
    if not isinstance(fit, FitResult):
        raise InputError(f"fit must be a FitResult (got {type(fit).__name__})")
    threshold = check_positive("threshold", threshold)
    t, volts, measured = fit.t, fit.voltage, fit.conductance
    residual = measured - fit.fitted
    dt = np.diff(t)
    elements = _elements(fit)
    if fit.model == "single":
        theta = elements[0].theta(volts[1:])
        innovations = residual[1:] - residual[:-1] * np.exp(-theta * dt)
    else:
        theta = np.zeros(dt.size)
        innovations = np.diff(residual)
    jumps = detect_jumps(innovations, t, threshold=threshold, window=window,
                         resolution=data_resolution(measured))
    levels, level_index = voltage_levels(volts)
    switches = np.flatnonzero(level_index[1:] != level_index[:-1])
    near_switch = np.zeros(innovations.size, dtype=bool)
    for offset in range(max(int(settle), 0) + 1):
        near_switch[np.clip(switches + offset, 0, innovations.size - 1)] = True
    keep = ~near_switch[jumps.index]
    jumps = replace(jumps, index=jumps.index[keep], times=jumps.times[keep],
                    sizes=jumps.sizes[keep])
    quiet = ~near_switch
    quiet[jumps.index] = False
    # The fit's own error leaves a slowly varying mean in the innovations (different at each
    # voltage level); remove it with a running median before measuring the spread.
    local = ndimage.median_filter(innovations, size=min(window, innovations.size) | 1,
                                  mode="reflect")
    centred = innovations - local
    sigma = ou_noise_sigma(centred[quiet], theta[quiet], dt[quiet], robust=True)
    span = elements[0].g_max - elements[0].g_min
    sigma_state = sigma / span if fit.model == "single" else math.nan
    core_std = 1.4826 * float(np.median(np.abs(centred[quiet])))
    rate, rate_low, rate_high = jump_rate(jumps.index.size, float(t[-1] - t[0]))
    amplitudes = jumps.amplitudes
    power_law = fit_bounded_power_law(amplitudes) if amplitudes.size >= 3 else None
    steady = sum(e.steady_conductance(volts[jumps.index + 1]) for e in elements)
    toward = steady - measured[jumps.index]
    fraction, low, high = direction_bias(jumps.sizes, toward)
    waits, wait_rate, wait_p = waiting_times(jumps.times)

    same = level_index[1:] == level_index[:-1]
    km: dict[float, tuple[KramersMoyal, DriftLine | None]] = {}
    for k, level in enumerate(levels):
        mask = same & (level_index[1:] == k) & quiet
        if mask.sum() < 5 * bins:
            continue
        moments = kramers_moyal(residual, t, bins=bins, mask=mask)
        try:
            line = fit_drift_line(moments)
        except InputError:
            line = None
        km[float(level)] = (moments, line)

    spectrum, slope, lorentz = None, math.nan, None
    acf_lag, acf = np.empty(0), np.empty(0)
    run = _longest_run(level_index)
    if run.size >= 32:
        segment = residual[run]
        step = float(np.median(np.diff(t[run])))
        spectrum = power_spectrum(segment, step)
        slope = fit_psd_slope(spectrum)[0]
        try:
            lorentz = fit_lorentzian(spectrum)
        except (RuntimeError, ValueError):
            lorentz = None  # no corner inside the band
        acf = autocorrelation(segment, max_lag=min(run.size - 1, 300))
        acf_lag = np.arange(acf.size) * step
    return StochasticResult(
        residual=residual, innovations=innovations, centred=centred, near_switch=near_switch,
        core_std=core_std, sigma=sigma,
        sigma_state=sigma_state, jump_index=jumps.index, jump_times=jumps.times,
        jump_sizes=jumps.sizes, threshold=threshold, rate=rate, rate_low=rate_low,
        rate_high=rate_high, power_law=power_law, toward_attractor=fraction, toward_low=low,
        toward_high=high, waits=waits, wait_rate=wait_rate, wait_p_value=wait_p,
        kramers_moyal=km, spectrum=spectrum, psd_slope=slope, lorentzian=lorentz,
        acf_lag=acf_lag, acf=acf,
    )
