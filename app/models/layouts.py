"""Electrode layout presets as scenario electrodes (shape dicts in metres, with roles).

The shapes come from the geometry layer's layouts (:func:`nwn.geometry.side_bars`,
:func:`~nwn.geometry.four_probe`, :func:`~nwn.geometry.pad_row`, :func:`~nwn.geometry.pad_ring`,
:func:`~nwn.geometry.pad_grid`); this module picks sizes the studio's form leaves on "auto",
turns the shapely shapes into scenario shape dicts (:func:`nwn.geometry.shapes.shape_dict`)
and gives each electrode a role: the first is a 1 V dc source, the last is ground and the rest
float (they measure their potential), a runnable starting point the user then edits.
"""

from __future__ import annotations

import math

from nwn.engine.scenario import ElectrodeSpec, SourceSpec
from nwn.geometry import four_probe, pad_grid, pad_ring, pad_row, side_bars
from nwn.geometry.checks import InputError, check_choice, check_int, check_positive
from nwn.geometry.shapes import shape_dict

__all__ = ["LAYOUTS", "make_layout"]

LAYOUTS = ("side bars", "4-probe", "row", "ring", "grid")

_DRIVE = SourceSpec("voltage", {"kind": "dc", "value": 1.0})


def _with_roles(electrodes) -> tuple[ElectrodeSpec, ...]:
    specs = []
    last = len(electrodes) - 1
    for k, electrode in enumerate(electrodes):
        source = _DRIVE if k == 0 else SourceSpec("ground") if k == last else \
            SourceSpec("floating")
        specs.append(ElectrodeSpec(electrode.name, shape_dict(electrode.shape), source))
    return tuple(specs)


def make_layout(kind: str, box: tuple[float, float], *, n: int = 4, size: float | None = None,
                pitch: float | None = None) -> tuple[ElectrodeSpec, ...]:
    """Electrodes of a layout preset.

    Parameters
    ----------
    kind : {"side bars", "4-probe", "row", "ring", "grid"}
    box : (float, float)
        Substrate width and height (m).
    n : int
        Number of pads (row, ring, grid), >= 2.
    size : float, optional
        Pad side or bar width (m); default 5 % of the smaller box side.
    pitch : float, optional
        Centre-to-centre pad distance (m) for row and grid, spacing along the circle for
        ring; default spreads the pads over the box.

    Returns
    -------
    tuple of ElectrodeSpec
    """
    kind = check_choice("layout", kind, LAYOUTS)
    width, height = (check_positive("box width", box[0]), check_positive("box height", box[1]))
    side = min(width, height)
    size = check_positive("size", size) if size is not None else 0.05 * side
    if kind == "side bars":
        return _with_roles(side_bars((width, height), width=size))
    if kind == "4-probe":
        # Voltage probes as large as the bars are wide, so they meet wires at usual densities.
        return _with_roles(four_probe((width, height), width=size,
                                      probe_radius=min(size / 2, width / 6, height / 2)))
    n = check_int("n", n, minimum=2, maximum=400)
    if pitch is not None:
        pitch = check_positive("pitch", pitch)
    try:
        if kind == "row":
            pads = pad_row((width, height), n, size,
                           pitch if pitch is not None else (width - 2 * size) / n)
        elif kind == "ring":
            radius = pitch * n / (2 * math.pi) if pitch is not None else 0.4 * side
            pads = pad_ring((width, height), n, size, radius=radius)
        else:
            columns = math.ceil(math.sqrt(n))
            rows = math.ceil(n / columns)
            grid_pitch = pitch if pitch is not None else (side - 2 * size) / max(columns, rows)
            pads = pad_grid((width, height), rows, columns, size, grid_pitch)[:n]
    except InputError as error:
        raise InputError(f"{kind} of {n} pads (size {size:g} m): {error}") from None
    return _with_roles(pads)
