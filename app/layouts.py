"""Electrode layout presets as scenario electrodes (shape dicts in metres, with roles).

Two side bars, 4-probe, and a row, ring or grid of N square pads of chosen size and pitch,
centred on the substrate. The first electrode of each preset is a voltage source, the last is
ground and the rest float (they measure their potential), which is a runnable starting point the
user then edits.
"""

from __future__ import annotations

import math

from nwn.engine.scenario import ElectrodeSpec, SourceSpec
from nwn.geometry.checks import InputError, check_choice, check_int, check_positive

__all__ = ["LAYOUTS", "make_layout"]

LAYOUTS = ("side bars", "4-probe", "row", "ring", "grid")

_DRIVE = SourceSpec("voltage", {"kind": "dc", "value": 1.0})


def _rect(cx: float, cy: float, w: float, h: float) -> dict:
    return {"type": "rectangle", "bounds": [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]}


def _with_roles(names: list[str], shapes: list[dict]) -> tuple[ElectrodeSpec, ...]:
    specs = []
    for k, (name, shape) in enumerate(zip(names, shapes, strict=True)):
        if k == 0:
            source = _DRIVE
        elif k == len(shapes) - 1:
            source = SourceSpec("ground")
        else:
            source = SourceSpec("floating")
        specs.append(ElectrodeSpec(name, shape, source))
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
        Centre-to-centre pad distance (m) for row and grid, ring circumference spacing for
        ring; default spreads the pads over the box.

    Returns
    -------
    tuple of ElectrodeSpec
    """
    kind = check_choice("layout", kind, LAYOUTS)
    width, height = (check_positive("box width", box[0]), check_positive("box height", box[1]))
    side = min(width, height)
    size = check_positive("size", size) if size is not None else 0.05 * side
    cx, cy = width / 2, height / 2
    if kind == "side bars":
        return _with_roles(["left", "right"], [
            {"type": "rectangle", "bounds": [0.0, 0.0, size, height]},
            {"type": "rectangle", "bounds": [width - size, 0.0, width, height]}])
    if kind == "4-probe":
        # Outer bars drive current; two inner line probes measure the voltage between them.
        names = ["I+", "V1", "V2", "I-"]
        shapes = [
            {"type": "rectangle", "bounds": [0.0, 0.0, size, height]},
            {"type": "line", "points": [[width / 3, 0.1 * height], [width / 3, 0.9 * height]]},
            {"type": "line", "points": [[2 * width / 3, 0.1 * height],
                                        [2 * width / 3, 0.9 * height]]},
            {"type": "rectangle", "bounds": [width - size, 0.0, width, height]},
        ]
        return _with_roles(names, shapes)
    n = check_int("n", n, minimum=2, maximum=400)
    names = [f"P{k + 1}" for k in range(n)]
    if kind == "row":
        pitch = check_positive("pitch", pitch) if pitch is not None else (width - 2 * size) / n
        first = cx - pitch * (n - 1) / 2
        centres = [(first + k * pitch, cy) for k in range(n)]
    elif kind == "ring":
        if pitch is not None:
            radius = check_positive("pitch", pitch) * n / (2 * math.pi)
        else:
            radius = 0.4 * side
        centres = [(cx + radius * math.cos(2 * math.pi * k / n),
                    cy + radius * math.sin(2 * math.pi * k / n)) for k in range(n)]
    else:
        columns = math.ceil(math.sqrt(n))
        rows = math.ceil(n / columns)
        pitch = (check_positive("pitch", pitch) if pitch is not None
                 else (side - 2 * size) / max(columns, rows))
        x0 = cx - pitch * (columns - 1) / 2
        y0 = cy - pitch * (rows - 1) / 2
        centres = [(x0 + (k % columns) * pitch, y0 + (k // columns) * pitch) for k in range(n)]
    if pitch is not None and kind != "ring" and pitch < size:
        raise InputError(f"pitch must be >= pad size {size:g} m so pads do not overlap "
                         f"(got {pitch:g})")
    for x, y in centres:
        if not (0 <= x - size / 2 and x + size / 2 <= width and 0 <= y - size / 2
                and y + size / 2 <= height):
            raise InputError(f"{kind} of {n} pads (size {size:g} m) does not fit in the box "
                             f"{width:g} x {height:g} m: reduce n, size or pitch")
    return _with_roles(names, [_rect(x, y, size, size) for x, y in centres])
