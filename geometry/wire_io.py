"""Save and load wire sets, so a network can be shared and re-simulated exactly.

* NPZ (``.npz``): arrays ``endpoints`` (N, 2, 2) and ``diameters`` (N,) in metres, and
  ``box`` (2,) when the wire set knows its substrate. Bit-exact.
* CSV (``.csv``): a header line ``x0,y0,x1,y1,diameter`` then one wire per line in metres,
  written with 17 significant digits, which read back to the same float64 bits. No box.

Files from other tools may leave out the diameters (NPZ without ``diameters``, CSV with the
header ``x0,y0,x1,y1`` and four columns); :func:`load_wires` then uses its ``diameter``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .checks import InputError, check_choice, check_positive
from .wires import Wires

__all__ = ["save_wires", "load_wires", "CSV_HEADER"]

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
        except (KeyError, ValueError, OSError) as error:
            raise InputError(
                f"path must be an NPZ with an endpoints array (got {str(path)!r}: "
                f"{error})"
            ) from None
        return Wires.from_endpoints(endpoints, diameter=diameters, box=box)
    with open(path, encoding="utf-8") as handle:
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
    return Wires.from_endpoints(table[:, :4].reshape(-1, 2, 2), diameter=diameters)
