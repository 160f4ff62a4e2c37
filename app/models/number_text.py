"""Numbers as people type them, and refusals in the words and units of the field (no Qt).

:func:`read_number` accepts every common way of writing a number: ``10000``, ``1e4``,
``1E4``, ``10000.0``, ``10 000``, ``10_000``, ``1,000`` (comma as thousands separator),
``10k`` / ``1.5M`` / ``2G`` (SI multipliers), ``−5`` (Unicode minus) and surrounding spaces.
:func:`read_integer` accepts the same and then asks for a whole value (``1e4`` is 10000).

:func:`field_message` rewrites a scenario-schema refusal (``network.length must be > 0 (got
-2.628e-05)``) in the words of the GUI field that caused it (``wire length must be > 0 µm (got
-26.28 µm)``): the key path becomes the field's label and the value and limit are shown in the
unit the field is shown in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["FieldWords", "field_message", "format_number", "read_integer", "read_number"]

#: SI multipliers a person may append to a number ("10k" wires).
_MULTIPLIERS = {"k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_SPACES = re.compile(r"[\s_\u00a0\u2009\u202f']")
#: integers from here up are refused by :func:`read_integer` (the largest seed is 2**63 - 1)
_HUGE_INTEGER = 2.0**63
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def read_number(name: str, text: str) -> float:
    """``text`` as a finite float, written any common way (see the module docstring).

    Raises
    ------
    ValueError
        ``"{name} must be a number (got '...')"``; a decimal comma (``2,5``) is refused with
        a hint rather than guessed.
    """
    raw = str(text).strip()
    cleaned = _SPACES.sub("", raw).replace("\u2212", "-").replace("\u00d7", "x")
    cleaned = re.sub(r"^([-+]?[\d.]+)x10\^?([-+]?\d+)$", r"\1e\2", cleaned)  # 1x10^4
    if "," in cleaned:
        if _THOUSANDS.match(cleaned):
            cleaned = cleaned.replace(",", "")
        else:
            raise ValueError(f"{name} must be a number with a decimal point, not a comma "
                             f"(got {raw!r})")
    factor = 1.0
    if cleaned and cleaned[-1] in _MULTIPLIERS and cleaned[:-1]:
        factor = _MULTIPLIERS[cleaned[-1]]
        cleaned = cleaned[:-1]
    if not re.fullmatch(_NUMBER, cleaned):
        raise ValueError(f"{name} must be a number (got {raw!r})")
    value = float(cleaned) * factor
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number (got {raw!r})")
    return value


def read_integer(name: str, text: str) -> int:
    """``text`` as an int: any :func:`read_number` form with a whole value (``1e4``, ``10k``)."""
    value = read_number(name, text)
    if abs(value) >= _HUGE_INTEGER:  # no count or seed is this large: a slip, said briefly
        raise ValueError(f"{name} must be below {_HUGE_INTEGER:.3g} (got {format_number(value)})")
    if value != math.floor(value):
        raise ValueError(f"{name} must be a whole number (got {format_number(value)})")
    return int(value)  # exact: a float with a whole value is an integer (1e300 included)


def format_number(value: float) -> str:
    """Six significant digits, without float noise (``0.00015``, ``1e+06``, ``60``)."""
    return f"{value:.6g}"


@dataclass(frozen=True)
class FieldWords:
    """How a GUI field names a scenario key.

    Attributes
    ----------
    label : str
        The field's name as its label shows it, without the unit ("wire length").
    unit : str
        The unit it is shown in ("µm"; "" for none).
    scale : float
        SI value of one shown unit (1e-6 for µm).
    """

    label: str
    unit: str = ""
    scale: float = 1.0

    def show(self, si_value: float) -> str:
        """An SI value in this field's unit, e.g. ``"26.28 µm"``."""
        text = format_number(si_value / self.scale)
        return f"{text} {self.unit}" if self.unit else text


#: a key path ends where no name, index or sub-key follows
_END = r"(?![\w\[]|\.\w)"
_LIMIT = re.compile(rf"(must be (?:a number |an integer )?(?:>=|<=|>|<|at most|at least)"
                    rf"(?: [a-z_]+)?) ({_NUMBER})"
                    rf"(?![\w.])")
_GOT = re.compile(rf"\(got ({_NUMBER})\)")


def field_message(message: str, key: str, words: FieldWords,
                  others: Mapping[str, FieldWords] | None = None) -> str:
    """A schema refusal about ``key`` rewritten in the words of the field ``words``.

    The first line of ``message`` is kept. Where it names ``key`` (a key path such as
    ``network.length``, possibly with a sub-key ``network.length.mean``), the key path becomes
    the label, and the limit and the value it got are converted to the field's unit. Other key
    paths in ``others`` (key -> words) become their labels. A message about another key is
    returned with only its key paths renamed.
    """
    line = str(message).splitlines()[0] if message else ""
    names = dict(others or {})
    names[key] = words
    about_key = re.match(rf"^{re.escape(key)}{_END}", line) is not None
    # longest key paths first, so "network.length" does not eat "network.length.mean"
    for path in sorted(names, key=len, reverse=True):
        line = re.sub(rf"{re.escape(path)}{_END}", names[path].label, line)
    if about_key and (words.scale != 1.0 or words.unit):
        def limit(match):
            return f"{match.group(1)} {words.show(float(match.group(2)))}"

        def got(match):
            return f"(got {words.show(float(match.group(1)))})"

        line = _LIMIT.sub(limit, line)
        line = _GOT.sub(got, line)
    return line
