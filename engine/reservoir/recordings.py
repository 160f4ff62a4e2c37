"""Pad recordings in the INRiM / RCbench text format: read, check, write.

The format (as measured by the INRiM group's multi-terminal setup and read by RCbench): one
header line, then one whitespace-separated line per sample::

    Time[s] 8_V[V] 8_I[A] 9_V[V] 9_I[A] ... 23_V[V] 23_I[A]
    0.0205698 2.6502342 -0.0003028991 1.9855468 nan ...

``Time[s]`` comes first; every other column is ``PAD_V[V]`` (the pad's potential, V) or
``PAD_I[A]`` (the current the instrument drives into it, A), where ``PAD`` is the pad's label
(a number on the measured devices; any label without whitespace here). ``nan``
marks a quantity that was not measured (e.g. the current of a floating pad).

Reading refuses, with one line each: a header that is not in this format, a row with the wrong
number of fields or a field that is not a number, a time that is not finite or does not
increase. A column that is ``nan`` on every line is kept (it was not measured); it is refused
where a task needs it (:meth:`PadRecording.voltage_of` with ``required=True``), e.g. as the
input or as a feature.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nwn.engine.output_files import atomic_path
from nwn.geometry.checks import InputError, read_text_input

__all__ = ["PadRecording", "check_pad_labels", "read_recording", "write_recording"]

TIME_COLUMN = "Time[s]"
_COLUMN = re.compile(r"^(?P<pad>\S+)_(?P<quantity>V\[V\]|I\[A\])$")
_FORMAT_HINT = f"the INRiM format: {TIME_COLUMN} PAD_V[V] PAD_I[A] ..."


@dataclass(frozen=True, eq=False)
class PadRecording:
    """A multi-pad recording: time, and each pad's voltage and current.

    Attributes
    ----------
    time : ndarray, shape (T,)
        Sample times (s), strictly increasing.
    pads : tuple of str
        Pad labels, in the order of the file's columns.
    voltage : ndarray, shape (P, T)
        Potential of each pad (V); NaN where not measured.
    current : ndarray, shape (P, T)
        Current into each pad (A); NaN where not measured.
    """

    time: np.ndarray
    pads: tuple[str, ...]
    voltage: np.ndarray
    current: np.ndarray

    @property
    def n_samples(self) -> int:
        """Number of samples T."""
        return int(self.time.size)

    def index(self, pad: str) -> int:
        """Row of ``pad`` in :attr:`voltage` and :attr:`current`."""
        pad = str(pad)
        if pad not in self.pads:
            raise InputError(f"pad {pad!r} is not in the recording "
                             f"(pads: {', '.join(self.pads)})")
        return self.pads.index(pad)

    def measured_voltage(self, pad: str) -> bool:
        """Whether ``pad``'s voltage was measured on at least one line."""
        return bool(np.any(np.isfinite(self.voltage[self.index(pad)])))

    def voltage_of(self, pad: str, *, role: str = "pad") -> np.ndarray:
        """Voltage of ``pad``, shape (T,) (V), refusing one that is not measured everywhere.

        Parameters
        ----------
        pad : str
        role : str
            What the voltage is needed as ("input", "feature"), for the message.
        """
        values = self.voltage[self.index(pad)]
        missing = ~np.isfinite(values)
        if missing.all():
            raise InputError(f"{role} pad {pad!r}: column {pad}_V[V] is nan on every line "
                             f"(not measured), so it cannot be used as {role}")
        if missing.any():
            first = int(np.flatnonzero(missing)[0])
            raise InputError(f"{role} pad {pad!r}: column {pad}_V[V] is nan on "
                             f"{int(missing.sum())} of {values.size} samples (first at sample "
                             f"{first}, t = {self.time[first]:g} s); a {role} must be measured "
                             f"on every sample")
        return values


def read_recording(path: str | Path) -> PadRecording:
    """Read a recording in the INRiM / RCbench text format.

    Parameters
    ----------
    path : path

    Returns
    -------
    PadRecording

    Raises
    ------
    InputError
        One line naming the file, the line or column and what is wrong.
    """
    path = Path(path)
    text = read_text_input(path, "recording", _FORMAT_HINT)
    lines = text.splitlines()
    name = path.name
    if not lines or not lines[0].strip():
        raise InputError(f"recording {name}: the first line must be the header ({_FORMAT_HINT})")
    header = lines[0].split()
    pads, columns = _parse_header(name, header)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(header):
            raise InputError(f"recording {name}: line {number} has {len(fields)} fields, the "
                             f"header has {len(header)}")
        try:
            rows.append([float(field) for field in fields])
        except ValueError:
            bad = next(f for f in fields if not _is_number(f))
            raise InputError(f"recording {name}: line {number} holds {bad!r}, not a number "
                             f"(use nan where a quantity was not measured)") from None
    if not rows:
        raise InputError(f"recording {name} holds a header but no samples")
    data = np.array(rows, dtype=np.float64)
    time = data[:, 0].copy()
    _check_time(name, time)
    voltage = np.full((len(pads), time.size), np.nan)
    current = np.full((len(pads), time.size), np.nan)
    for column, (pad, quantity) in enumerate(columns, start=1):
        target = voltage if quantity == "V" else current
        target[pads.index(pad)] = data[:, column]
    for array in (time, voltage, current):
        array.flags.writeable = False
    return PadRecording(time=time, pads=tuple(pads), voltage=voltage, current=current)


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _parse_header(name: str, header: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    if header[0] != TIME_COLUMN:
        raise InputError(f"recording {name}: header starts with {header[0]!r}, expected "
                         f"{TIME_COLUMN!r} ({_FORMAT_HINT})")
    if len(header) < 2:
        raise InputError(f"recording {name}: header has no pad columns ({_FORMAT_HINT})")
    pads: list[str] = []
    columns: list[tuple[str, str]] = []
    seen: set[str] = set()
    for position, token in enumerate(header[1:], start=2):
        match = _COLUMN.match(token)
        if match is None:
            raise InputError(f"recording {name}: header column {position} is {token!r}, not "
                             f"PAD_V[V] or PAD_I[A] ({_FORMAT_HINT})")
        if token in seen:
            raise InputError(f"recording {name}: header column {token!r} appears twice")
        seen.add(token)
        pad = match["pad"]
        if pad not in pads:
            pads.append(pad)
        columns.append((pad, match["quantity"][0]))
    return pads, columns


def _check_time(name: str, time: np.ndarray) -> None:
    bad = ~np.isfinite(time)
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise InputError(f"recording {name}: line {line} has time {float(time[line - 2])!r} "
                         f"(times must be finite)")
    steps = np.diff(time)
    if np.any(steps <= 0):
        k = int(np.flatnonzero(steps <= 0)[0])
        raise InputError(f"recording {name}: time is not increasing at line {k + 3} "
                         f"({time[k + 1]:.9g} s after {time[k]:.9g} s)")


def check_pad_labels(pads: Sequence[str]) -> None:
    """Refuse pad labels the format cannot hold: empty, with whitespace, or repeated."""
    for pad in pads:
        if _COLUMN.match(f"{pad}_V[V]") is None:
            raise InputError(f"pad label {pad!r} is empty or holds whitespace, which the INRiM "
                             f"format cannot hold (rename the electrode)")
    if len(set(pads)) != len(pads):
        raise InputError(f"pad labels must be unique (got {list(pads)})")


def write_recording(path: str | Path, time: np.ndarray, pads: Sequence[str],
                    voltage: np.ndarray, current: np.ndarray) -> Path:
    """Write a recording in the INRiM / RCbench text format.

    Every pad gets both columns, ``PAD_V[V] PAD_I[A]``; NaN is written as ``nan``. Numbers are
    written with Python's shortest round-trip repr, so :func:`read_recording` gives back the
    same floats. The file appears complete or not at all (written to a temporary file first).

    Parameters
    ----------
    path : path
    time : array, shape (T,)
        Sample times (s), strictly increasing.
    pads : sequence of str
        Pad labels, without whitespace (electrode names, for a simulated run).
    voltage, current : array, shape (P, T)
        Each pad's potential (V) and current (A); NaN where not measured.

    Returns
    -------
    pathlib.Path
    """
    time = np.asarray(time, dtype=np.float64)
    pads = [str(p) for p in pads]
    voltage = np.asarray(voltage, dtype=np.float64)
    current = np.asarray(current, dtype=np.float64)
    shape = (len(pads), time.size)
    for label, array in (("voltage", voltage), ("current", current)):
        if array.shape != shape:
            raise InputError(f"recording {label} must have shape (pads, samples) = {shape} "
                             f"(got {array.shape})")
    check_pad_labels(pads)
    _check_time("to write", time)
    header = [TIME_COLUMN] + [f"{p}_{q}" for p in pads for q in ("V[V]", "I[A]")]
    table = np.empty((time.size, 1 + 2 * len(pads)))
    table[:, 0] = time
    table[:, 1::2] = voltage.T
    table[:, 2::2] = current.T
    path = Path(path)
    with atomic_path(path) as temporary, \
            open(temporary, "w", encoding="utf-8", newline="\n") as out:
        out.write(" ".join(header) + "\n")
        for row in table.tolist():
            out.write(" ".join(map(repr, row)) + "\n")
    return path
