"""Save and load wire sets, so a network can be shared and re-simulated exactly.

* NPZ (``.npz``): arrays ``endpoints`` (N, 2, 2) and ``diameters`` (N,) in metres, and
  ``box`` (2,) when the wire set knows its substrate. Bit-exact.
* CSV (``.csv``): a header line ``x0,y0,x1,y1,diameter`` then one wire per line in metres,
  written with 17 significant digits, which read back to the same float64 bits. No box.

Files from other tools may leave out the diameters (NPZ without ``diameters``, CSV with the
header ``x0,y0,x1,y1`` and four columns); :func:`load_wires` then uses its ``diameter``.

* mnns text (MemNNetSim's ``create_NWN_from_txt``): two whitespace-separated columns x, y in
  units of mnns's length unit l0 (7 µm by default), no header; each wire is a pair of rows
  (start, end); the first two pairs are the two line electrodes. :func:`save_mnns_txt` and
  :func:`load_mnns_txt` write and read it with the electrodes as ``line`` electrodes, so a
  network moves between the tools unchanged. mnns treats a wire-electrode contact as a
  junction of the same kind as wire-wire junctions (its junction count is nwn's junctions
  plus contacts). The format holds no diameters and no substrate box.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .checks import InputError, check_choice, check_positive
from .electrodes import Electrode
from .wires import Wires

__all__ = ["save_wires", "load_wires", "save_mnns_txt", "load_mnns_txt", "CSV_HEADER",
           "MNNS_LENGTH_UNIT"]

#: mnns's length unit l0 (m): its default wire length (MemNNetSim ``units.py``).
MNNS_LENGTH_UNIT = 7e-6

CSV_HEADER = "x0,y0,x1,y1,diameter"
_CSV_HEADER_NO_DIAMETER = "x0,y0,x1,y1"


def _format(path: Path, format: str | None) -> str:
    if format is not None:
        return check_choice("format", format, ("npz", "csv"))
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("npz", "csv"):
        raise InputError(f"path must end in .npz or .csv, or give format (got {str(path)!r})")
    return suffix


def save_wires(path: str | os.PathLike, wires: Wires, *, format: str | None = None) -> Path:
    """Write a wire set to ``path`` as NPZ or CSV (chosen by suffix unless ``format``).

    Returns
    -------
    Path
        The path written.
    """
    if not isinstance(wires, Wires):
        raise InputError(f"wires must be a Wires object (got {type(wires).__name__})")
    path = Path(path)
    kind = _format(path, format)
    if kind == "npz":
        arrays = {"endpoints": wires.endpoints, "diameters": wires.diameters}
        if wires.box is not None:
            arrays["box"] = np.array(wires.box, dtype=np.float64)
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)
    else:
        table = np.column_stack([wires.endpoints.reshape(-1, 4), wires.diameters])
        np.savetxt(path, table, fmt="%.17g", delimiter=",", header=CSV_HEADER, comments="")
    return path


def load_wires(path: str | os.PathLike, *, format: str | None = None,
               diameter: float | None = None) -> Wires:
    """Read a wire set written by :func:`save_wires` (or any file in the same layout).

    Parameters
    ----------
    path : str or PathLike
        ``.npz`` or ``.csv`` file (or give ``format``).
    format : {"npz", "csv"}, optional
    diameter : float, optional
        Wire diameter (m) for files that hold none; a file's own diameters always win.
        Default 60 nm.

    Raises
    ------
    InputError
        On a missing file, a wrong header or columns, NaN or zero-length wires.
    """
    path = Path(path)
    kind = _format(path, format)
    fallback = 60e-9 if diameter is None else check_positive("diameter", diameter)
    if not path.is_file():
        raise InputError(f"path must be an existing file (got {str(path)!r})")
    if kind == "npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                endpoints = np.array(data["endpoints"])
                diameters = np.array(data["diameters"]) if "diameters" in data else fallback
                box: Any = tuple(float(v) for v in data["box"]) if "box" in data else None
        except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
            raise InputError(
                f"path must be an NPZ with an endpoints array (got {str(path)!r}: "
                f"{error})"
            ) from None
        return _wires_of(path, endpoints, diameters, box)
    try:
        return _load_csv(path, fallback)
    except UnicodeDecodeError:
        raise InputError(f"wire file {str(path)!r} is not text (a CSV with the header "
                         f"{CSV_HEADER!r}; is it a binary file?)") from None


def _wires_of(path: Path, endpoints: np.ndarray, diameters: Any, box: Any) -> Wires:
    """Wires of a file's arrays; refusals name the file (and the wire)."""
    if endpoints.ndim == 3 and endpoints.shape[0] == 0:
        raise InputError(f"wire file {str(path)!r} holds no wires")
    sizes = np.asarray(diameters, dtype=np.float64)
    bad = np.flatnonzero(~(sizes > 0)) if sizes.ndim else ([0] if not sizes > 0 else [])
    if len(bad):
        k = int(bad[0])
        value = float(sizes[k]) if sizes.ndim else float(sizes)
        raise InputError(f"wire file {str(path)!r}: wire diameters must be > 0 m (wire {k} has "
                         f"{value:g})")
    try:
        return Wires.from_endpoints(endpoints, diameter=diameters, box=box)
    except InputError as error:
        raise InputError(f"wire file {str(path)!r}: {error}") from None


def _load_csv(path: Path, fallback: float) -> Wires:
    with open(path, encoding="utf-8-sig") as handle:
        header = handle.readline().strip().replace(" ", "")
        if header not in (CSV_HEADER, _CSV_HEADER_NO_DIAMETER):
            raise InputError(
                f"CSV header must be {CSV_HEADER!r} or {_CSV_HEADER_NO_DIAMETER!r} "
                f"(got {header[:60]!r} in {str(path)!r})"
            )
        columns = header.count(",") + 1
        try:
            table = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
        except ValueError as error:
            raise InputError(
                f"CSV rows must hold {columns} numbers (in {str(path)!r}: {error})"
            ) from None
    if table.size == 0:
        table = table.reshape(0, columns)
    if table.shape[1] != columns:
        raise InputError(
            f"CSV rows must hold {columns} numbers (got {table.shape[1]} in {str(path)!r})"
        )
    diameters = table[:, 4] if columns == 5 else fallback
    return _wires_of(path, table[:, :4].reshape(-1, 2, 2), diameters, None)


def save_mnns_txt(path: str | os.PathLike, wires: Wires, electrodes, *,
                  length_unit: float = MNNS_LENGTH_UNIT, overwrite: bool = False) -> Path:
    """Write wires and two line electrodes in mnns's text format (see the module docstring).

    Parameters
    ----------
    path : str or PathLike
    wires : Wires
        N wires.
    electrodes : sequence of two Electrode
        Line electrodes (shapely ``LineString`` of two points), written first, in order.
    length_unit : float, optional
        l0 (m) the coordinates are written in; default 7 µm, mnns's default.
    overwrite : bool, optional
        Replace an existing file (default: refuse).

    Returns
    -------
    Path
        The path written: 2 (N + 2) rows of x, y with 17 significant digits.
    """
    if not isinstance(wires, Wires):
        raise InputError(f"wires must be a Wires object (got {type(wires).__name__})")
    unit = check_positive("length_unit", length_unit)
    items = list(electrodes)
    if len(items) != 2:
        raise InputError(f"electrodes must be two line electrodes for the mnns format (got "
                         f"{len(items)})")
    ends = []
    for electrode in items:
        shape = getattr(electrode, "shape", None)
        line = getattr(shape, "geom_type", "") == "LineString"
        coords = np.asarray(shape.coords if line else (), dtype=np.float64)
        if not line or coords.shape != (2, 2):
            name = getattr(electrode, "name", electrode)
            raise InputError(f"electrode {name!r} must be a straight line of two points for "
                             f"the mnns format (got {getattr(shape, 'geom_type', shape)!r})")
        ends.append(coords)
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"output {str(path)!r} already exists (choose another name)")
    rows = np.concatenate([np.stack(ends), wires.endpoints]).reshape(-1, 2) / unit
    np.savetxt(path, rows, fmt="%.17g", delimiter=" ")
    return path


def load_mnns_txt(path: str | os.PathLike, *, length_unit: float = MNNS_LENGTH_UNIT,
                  diameter: float | None = None,
                  electrode_names: tuple[str, str] = ("electrode_0", "electrode_1"),
                  ) -> tuple[Wires, tuple[Electrode, Electrode]]:
    """Read an mnns text file: its wires and its two line electrodes.

    Parameters
    ----------
    path : str or PathLike
    length_unit : float, optional
        l0 (m) the coordinates are in; default 7 µm.
    diameter : float, optional
        Wire diameter (m) (the format holds none); default 60 nm.
    electrode_names : (str, str), optional
        Names of the first and second electrode.

    Returns
    -------
    wires : Wires
        The wires after the electrodes, in file order, in metres; the box is
        ``(max x, max y)`` of all points when none is negative, else unknown.
    electrodes : (Electrode, Electrode)
        ``line`` electrodes.

    Raises
    ------
    InputError
        On a missing file, rows that are not two numbers, an odd row count, fewer than two
        electrodes, or zero-length wires.
    """
    path = Path(path)
    unit = check_positive("length_unit", length_unit)
    fallback = 60e-9 if diameter is None else check_positive("diameter", diameter)
    if not path.is_file():
        raise InputError(f"path must be an existing file (got {str(path)!r})")
    try:
        table = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as error:
        raise InputError(f"mnns text rows must hold two numbers x y (in {str(path)!r}: "
                         f"{error})") from None
    if table.shape[1] != 2 or table.shape[0] % 2 or table.shape[0] < 4:
        raise InputError(f"mnns text must hold an even number (>= 4) of rows of two numbers x y "
                         f"(got {table.shape[0]} rows of {table.shape[1]} in {str(path)!r})")
    if not np.all(np.isfinite(table)):
        raise InputError(f"mnns text coordinates must be finite (in {str(path)!r})")
    segments = (table * unit).reshape(-1, 2, 2)
    box = None
    if segments.size and segments.min() >= 0 and np.all(segments.max(axis=(0, 1)) > 0):
        box = tuple(float(v) for v in segments.max(axis=(0, 1)))
    names = tuple(electrode_names)
    if len(names) != 2:
        raise InputError(f"electrode_names must be two names (got {electrode_names!r})")
    electrodes = tuple(Electrode(names[k], shapely.LineString(segments[k])) for k in range(2))
    return Wires.from_endpoints(segments[2:], diameter=fallback, box=box), electrodes
