"""What a control's tooltip says, in one format for the whole studio (and the CLI's help).

A tooltip says what the control means in physical words, then its unit, then its allowed
values: ``"substrate width along x, in µm; 0.0001 to 1e6 µm"``. The limits come from where
they are checked (the scenario's limits, a parameter's metadata, a spin box's range), never
from a second copy; a refusal or a reason a control is disabled goes below the meaning
(:func:`with_reason`), so the meaning is back once the cause is gone. No Qt here: the
command line's ``--help`` says ranges with the same words.
"""

from __future__ import annotations

__all__ = ["allowed_words", "range_words", "tip_number", "tooltip", "with_reason"]


def tip_number(value: float) -> str:
    """A limit as a tooltip says it: ``0.0001``, ``60``, ``1e6``, ``5e7`` (no ``e+06``)."""
    if isinstance(value, int) and abs(value) < 10**6:
        return str(value)
    if isinstance(value, int) and value > 0 and (value + 1) & value == 0:
        return f"2^{value.bit_length()} - 1"  # a 2^k - 1 integer limit, exactly
    text = f"{value:.6g}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if e else text


def allowed_words(*, positive: bool = False, nonnegative: bool = False, unit: str = "") -> str:
    """The bound ``nwn.app.widgets.fields.parse_number`` checks with the same flags, in words
    (``> 0 µm``)."""
    shown = f" {unit}" if unit else ""
    return f"> 0{shown}" if positive else f">= 0{shown}" if nonnegative else ""


def range_words(low: float | None, high: float | None, unit: str = "") -> str:
    """``low`` to ``high`` (either may be None) in words: ``1 to 1000``, ``>= 2``."""
    shown = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{tip_number(low)} to {tip_number(high)}{shown}"
    if low is not None:
        return f">= {tip_number(low)}{shown}"
    return "" if high is None else f"<= {tip_number(high)}{shown}"


def tooltip(meaning: str, *, unit: str = "", allowed: str = "") -> str:
    """A control's tooltip: what it means, its unit, its allowed values, in that order
    (``"substrate width, in µm; 0.0001 to 1e6 µm"``)."""
    text = f"{meaning}, in {unit}" if unit else meaning
    return f"{text}; {allowed}" if allowed else text


def with_reason(meaning: str, reason: str) -> str:
    """A tooltip that says why a control is refused or disabled without losing what the
    control means: the meaning, then ``⚠ reason`` below it (just the meaning when there is no
    reason, so the tip comes back whole once the cause is gone)."""
    if not reason:
        return meaning
    return f"{meaning}\n⚠ {reason}" if meaning else f"⚠ {reason}"
