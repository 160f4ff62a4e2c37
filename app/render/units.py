"""Numbers for people: SI prefixes, axis ticks and scale-bar lengths (no Qt)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["format_si", "nice_length", "nice_ticks", "si_scale"]

#: (factor, prefix) from giga down to femto.
_SI_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
                (1e-9, "n"), (1e-12, "p"), (1e-15, "f"))


def si_scale(magnitude: float) -> tuple[float, str]:
    """The SI ``(factor, prefix)`` for numbers of size ``magnitude``: the largest factor at
    most ``magnitude`` (with rounding slack, so 0.9996 reads "1", not "1000 m"); femto below."""
    for factor, prefix in _SI_PREFIXES:
        if magnitude >= factor * 0.9995:
            return factor, prefix
    return _SI_PREFIXES[-1]


def format_si(value: float, unit: str, *, digits: int = 3) -> str:
    """``value`` with an SI prefix, e.g. ``format_si(0.0123, "s") == "12.3 ms"``."""
    if value is None or not math.isfinite(value):
        return f"– {unit}"
    if value == 0:
        return f"0 {unit}"
    factor, prefix = si_scale(abs(value))
    return f"{value / factor:.{digits}g} {prefix}{unit}"


def nice_ticks(low: float, high: float, count: int = 5) -> np.ndarray:
    """About ``count`` round tick values (step 1, 2, 2.5 or 5 times a power of ten) in
    ``[low, high]``; just ``[low]`` for an empty or non-finite range."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return np.array([low])
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), default=power)
    first = math.ceil(low / step) * step
    return np.arange(first, high + step * 1e-9, step)


def nice_length(length: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``length`` (a scale bar's length)."""
    if length <= 0:
        return 1.0
    power = 10 ** np.floor(np.log10(length))
    for factor in (5, 2, 1):
        if factor * power <= length:
            return float(factor * power)
    return float(power)
