"""Two-terminal conductance traces: reading measured text files and nwn HDF5 results.

Text files hold one sample per row with columns t [s], I [A], V [V] and optionally R [Ohm]
and G [S] (the INRiM layout, as in ``resources/validation``). The delimiter (tab, comma,
semicolon or blanks) and a header line are detected. A header naming the columns (``t``/
``time``, ``I``/``current``, ``V``/``voltage``, ``R``/``resistance``, ``G``/``conductance``,
case-insensitive, units in brackets ignored) sets their roles; otherwise the order t, I, V, R, G
is assumed, or the one given by ``columns``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nwn.geometry.checks import InputError, read_text_input

__all__ = ["Trace", "read_hdf5_trace", "read_text_trace", "read_trace"]

_ROLES = {
    "t": "t", "time": "t", "s": "t",
    "i": "I", "current": "I", "a": "I",
    "v": "V", "voltage": "V", "bias": "V",
    "r": "R", "resistance": "R",
    "g": "G", "conductance": "G",
    "-": "-", "_": "-", "skip": "-",
}
_DEFAULT_ORDER = ("t", "I", "V", "R", "G")


@dataclass(frozen=True)
class Trace:
    """A two-terminal trace.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Strictly increasing sample times, s.
    current : ndarray, shape (T,)
        Current through the device, A.
    voltage : ndarray, shape (T,)
        Applied voltage, V; ``voltage[i]`` is taken as held over the step ending at ``t[i]``.
    conductance : ndarray, shape (T,)
        Two-terminal conductance, S.
    source : str
        Where the trace came from (file name), for reports.
    """

    t: np.ndarray
    current: np.ndarray
    voltage: np.ndarray
    conductance: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        n = np.shape(self.t)
        for name in ("current", "voltage", "conductance"):
            if np.shape(getattr(self, name)) != n:
                raise InputError(f"trace {name} must have the shape of t {n} "
                                 f"(got {np.shape(getattr(self, name))})")
        if len(n) != 1 or n[0] < 3:
            got = f"shape {n}" if len(n) != 1 else f"{n[0]}" + \
                (f" in {self.source}" if self.source else "")
            raise InputError(f"a trace needs at least 3 samples (got {got})")
        dt = np.diff(self.t)
        if np.any(dt <= 0):
            bad = int(np.argmax(dt <= 0)) + 1
            raise InputError(f"trace times must be strictly increasing (row {bad} at "
                             f"t = {self.t[bad]:.6g} s does not increase)")
        for name in ("t", "voltage", "conductance"):
            values = getattr(self, name)
            if not np.all(np.isfinite(values)):
                bad = int(np.argmax(~np.isfinite(values)))
                raise InputError(f"trace {name} must be finite (row {bad} is {values[bad]})")

    @property
    def n_samples(self) -> int:
        return int(np.size(self.t))


def read_trace(path: str | Path, *, columns: str | Sequence[str] | None = None,
               electrodes: Sequence[str] | None = None) -> Trace:
    """Read a trace from a text file (CSV/TSV) or an nwn HDF5 result (``.h5``/``.hdf5``).

    Parameters
    ----------
    path : str or Path
    columns : str or sequence of str, optional
        Text files only: role of each column, e.g. ``"t,I,V"`` or ``("t", "-", "V", "G")``
        (``-`` skips a column). Overrides the header.
    electrodes : pair of str, optional
        HDF5 only: the two electrodes across which the voltage is taken.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    if path.is_dir():
        raise InputError(f"trace file {str(path)!r} is a folder, not a file")
    with open(path, "rb") as handle:
        is_hdf5 = handle.read(8) == b"\x89HDF\r\n\x1a\n"
    if is_hdf5 or path.suffix.lower() in (".h5", ".hdf5"):
        if columns is not None:
            raise InputError("columns applies to text traces only (got an HDF5 file)")
        return read_hdf5_trace(path, electrodes=electrodes)
    if electrodes is not None:
        raise InputError("electrodes applies to HDF5 results only (got a text file)")
    return read_text_trace(path, columns=columns)


_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+(?:[eE][-+]?\d+)?")


def _decimal_commas(line: str) -> bool:
    """Whether a data row is numbers written with decimal commas (``0,5;1,2`` or
    ``0,5 1,2``), which a comma-separated reader would split into wrong columns."""
    for separator in (";", "\t", None):
        cells = [c for c in (line.split(separator) if separator else line.split()) if c.strip()]
        if len(cells) >= 2 and all(_DECIMAL_COMMA.fullmatch(c.strip()) for c in cells):
            return True
    return False


def _parse_roles(columns: str | Sequence[str]) -> list[str]:
    names = [c.strip() for c in (columns.split(",") if isinstance(columns, str) else columns)]
    roles = []
    for name in names:
        role = _ROLES.get(re.sub(r"\s*[\[(].*$", "", name).strip().lower())
        if role is None:
            raise InputError(f"columns entry {name!r} is not one of t, I, V, R, G or - (skip)")
        roles.append(role)
    used = [r for r in roles if r != "-"]
    if len(set(used)) != len(used):
        raise InputError(f"columns must name each quantity once (got {','.join(names)})")
    return roles


def read_text_trace(path: str | Path, *, columns: str | Sequence[str] | None = None) -> Trace:
    """Read a CSV/TSV trace; see the module docstring for the layout."""
    path = Path(path)
    text = read_text_input(path, "trace file", "columns t, I, V[, R, G]")
    lines = [line for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"trace file {path.name} holds no data")
    sample = "\n".join(lines[:20])
    if _decimal_commas(lines[-1]):
        raise InputError(f"trace file {path.name} writes numbers with decimal commas "
                         f"({lines[-1].strip()[:40]!r}); write them with a decimal point "
                         f"(0.5, not 0,5)")
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters="\t,;").delimiter
    except csv.Error:
        delimiter = None  # blanks
    split = (lambda s: s.split()) if delimiter is None else (lambda s: s.split(delimiter))
    first = [cell.strip() for cell in split(lines[0])]
    header = None
    try:
        [float(cell) for cell in first]
    except ValueError:
        header, lines = first, lines[1:]
    if columns is not None:
        roles = _parse_roles(columns)
    elif header is not None:
        roles = _parse_roles(header)
    else:
        roles = list(_DEFAULT_ORDER[:len(first)])
    try:
        data = np.array([[float(cell) for cell in split(line)] for line in lines], dtype=np.float64)
    except ValueError as error:
        hint = ""
        if "," in str(error):  # '0,5': a decimal comma (or commas inside a space-separated file)
            hint = "; decimal commas? write 0.5, not 0,5"
        raise InputError(f"trace file {path.name} has a non-numeric cell ({error}{hint})") \
            from None
    if data.ndim != 2 or data.shape[1] < len(roles):
        raise InputError(f"trace file {path.name} has rows of unequal length or fewer columns "
                         f"than the {len(roles)} named")
    column = {role: data[:, k] for k, role in enumerate(roles) if role != "-"}
    if "t" not in column or "V" not in column:
        raise InputError(f"trace file {path.name} needs columns t and V (roles: {','.join(roles)})")
    voltage = column["V"]
    if "G" in column:
        conductance = column["G"]
    elif "R" in column:
        conductance = 1.0 / column["R"]
    elif "I" in column:
        zero = np.flatnonzero(voltage == 0)
        if zero.size:
            raise InputError(f"trace file {path.name}: G = I/V is undefined at V = 0 (row "
                             f"{int(zero[0])}); give a G or R column")
        conductance = column["I"] / voltage
    else:
        raise InputError(f"trace file {path.name} needs a current (I), R or G column")
    current = column["I"] if "I" in column else conductance * voltage
    return Trace(t=column["t"].copy(), current=current.copy(), voltage=voltage.copy(),
                 conductance=np.asarray(conductance, dtype=np.float64).copy(), source=path.name)


def read_hdf5_trace(path: str | Path, *, electrodes: Sequence[str] | None = None) -> Trace:
    """Read the two-terminal trace of an nwn HDF5 result (through :mod:`nwn.engine.results`).

    Uses ``/t`` (T,), ``/network/conductance`` (T,) and ``/electrodes/voltage`` (T, K). The
    voltage is the difference between the two named ``electrodes`` (root attribute
    ``electrode_names``), or by default the spread max - min over all electrodes, which for
    two terminals is the bias between them. The current is G times that voltage.
    """
    from nwn.engine.results import load_results

    path = Path(path)
    with load_results(path) as results:
        t = np.asarray(results.t, dtype=np.float64)
        conductance = np.asarray(results.conductance, dtype=np.float64)
        volts = np.asarray(results.terminal_voltage, dtype=np.float64)
        names = list(results.electrode_names)
    if electrodes is not None:
        if len(electrodes) != 2:
            raise InputError(f"electrodes must name two electrodes (got {list(electrodes)})")
        index = []
        for name in electrodes:
            if name not in names:
                raise InputError(f"electrode {name!r} is not in {path.name} "
                                 f"(electrodes: {', '.join(names)})")
            index.append(names.index(name))
        voltage = volts[:, index[0]] - volts[:, index[1]]
    else:
        voltage = np.nanmax(volts, axis=1) - np.nanmin(volts, axis=1)
    if not np.any(np.isfinite(conductance)):
        raise InputError(f"HDF5 file {path.name} has no two-terminal conductance "
                         "(it is defined only with exactly two driven electrodes)")
    return Trace(t=t, current=conductance * voltage, voltage=voltage, conductance=conductance,
                 source=path.name)
