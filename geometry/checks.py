"""Argument checks shared by every layer.

Each check raises a :class:`ValueError` whose one-line message names the argument, the value
it got and what is allowed, e.g. ``length must be > 0 (got -1e-06)``. The CLI prints that line
and exits with code 2; the GUI shows it next to the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = [
    "InputError",
    "check_choice",
    "check_finite",
    "check_finite_array",
    "check_int",
    "check_keys",
    "check_positive",
    "check_nonnegative",
    "check_range",
    "read_text_input",
]


class InputError(ValueError):
    """Bad user input: one line naming the field, the value and what is allowed."""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and \
            abs(int(value)) >= 10**20:
        return f"{float(value):.6g}"  # a 1e300 read as an integer: 3 digits, not 300
    return repr(value)


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float, refusing non-numbers, NaN and infinity."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number (got {_fmt(value)})") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise InputError(f"{name} must be a finite number (got {_fmt(value)})")
    return number


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is finite and > 0."""
    number = check_finite(name, value)
    if number <= 0:
        raise InputError(f"{name} must be > 0 (got {_fmt(value)})")
    return number


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is finite and >= 0."""
    number = check_finite(name, value)
    if number < 0:
        raise InputError(f"{name} must be >= 0 (got {_fmt(value)})")
    return number


def check_range(
    name: str, value: Any, low: float, high: float, *, inclusive: bool = True
) -> float:
    """Return ``value`` as a float if it lies in [low, high] (or (low, high))."""
    number = check_finite(name, value)
    inside = low <= number <= high if inclusive else low < number < high
    if not inside:
        bounds = f"[{low:g}, {high:g}]" if inclusive else f"({low:g}, {high:g})"
        raise InputError(f"{name} must be in {bounds} (got {_fmt(value)})")
    return number


def check_int(name: str, value: Any, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is integral and within the optional bounds."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise InputError(f"{name} must be an integer (got {_fmt(value)})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise InputError(f"{name} must be >= {_fmt(minimum)} (got {_fmt(value)})")
    if maximum is not None and value > maximum:
        raise InputError(f"{name} must be <= {_fmt(maximum)} (got {_fmt(value)})")
    return value


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    options = tuple(choices)
    if value not in options:
        allowed = ", ".join(repr(c) for c in options)
        raise InputError(f"{name} must be one of {allowed} (got {_fmt(value)})")
    return value


def check_finite_array(name: str, array: Any, *, shape_tail: tuple[int, ...] = ()) -> np.ndarray:
    """Return ``array`` as float64, refusing NaN/inf and a wrong trailing shape."""
    values = np.asarray(array, dtype=np.float64)
    if shape_tail and values.shape[values.ndim - len(shape_tail):] != shape_tail:
        raise InputError(
            f"{name} must have shape (..., {', '.join(map(str, shape_tail))}) "
            f"(got {values.shape})"
        )
    if not np.all(np.isfinite(values)):
        bad = int(np.count_nonzero(~np.isfinite(values)))
        raise InputError(f"{name} must hold finite numbers (got {bad} NaN or infinite values)")
    return values


def check_keys(path: str, table: Any, allowed: tuple[str, ...],
               required: tuple[str, ...] = ()) -> None:
    """Refuse a non-table, a key not in ``allowed`` and a missing ``required`` key.

    ``path`` is the table's key path (``"run"``, ``"electrodes[1].shape"``).
    """
    if not isinstance(table, Mapping):
        raise InputError(f"{path} must be a table (got {table!r})")
    for key in table:
        if key not in allowed:
            raise InputError(f"{path}: unknown key {key!r} (allowed: {', '.join(allowed)})")
    for key in required:
        if key not in table:
            raise InputError(f"{path}: missing key {key!r}")


def read_text_input(path: Any, what: str, layout: str) -> str:
    """The text of an input file: UTF-8, a byte-order mark (as some Windows editors write)
    dropped.

    Parameters
    ----------
    path : path
    what : str
        What the file is, for the message (``"trace file"``).
    layout : str
        What it should hold, for the message (``"columns t, I, V"``).

    Raises
    ------
    InputError
        One line naming the file when it cannot be read or is not text: bytes that are not
        UTF-8, or NUL bytes (a binary file; a text decoder would pass them on as a header of
        control characters).
    """
    from pathlib import Path

    name = str(Path(path))
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError(f"{what} {name!r} is a folder, not a file") from None
    except FileNotFoundError:
        raise InputError(f"{what} {name!r} does not exist") from None
    except OSError as error:
        raise InputError(f"{what} {name!r} cannot be read ({error.strerror or error})") \
            from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{what} {name!r} is not text ({layout}; byte {error.start} is not "
                         f"UTF-8: is it a binary file?)") from None
    if "\x00" in text:
        raise InputError(f"{what} {name!r} is not text ({layout}; it holds NUL bytes: is it "
                         f"a binary file?)")
    return text
