"""Electrodes: named shapely shapes on the substrate, and common layouts.

An :class:`Electrode` is a name and a shapely geometry in metres: a rectangle or polygon (a
bar or pad), a ``LineString`` (a line contact) or a disc (a point contact of some radius, made
with :func:`point_contact`). A wire touches an electrode when its segment and the shape share a
point (shapely ``intersects``).

Layout helpers take the substrate ``box = (width, height)`` (origin at the lower-left corner)
and return a list of electrodes inside it:

* :func:`side_bars` -- two bars along the left and right edges (``"left"``, ``"right"``);
* :func:`four_probe` -- outer current bars and two inner voltage point probes;
* :func:`pad_row`, :func:`pad_ring`, :func:`pad_grid` -- N square pads, as in multi-terminal
  devices (Milano et al., Nat. Mater. 2022), named ``"pad1" .. "padN"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .checks import InputError, check_finite, check_int, check_positive
from .wires import Wires, check_box

__all__ = [
    "Electrode",
    "point_contact",
    "side_bars",
    "four_probe",
    "pad_row",
    "pad_ring",
    "pad_grid",
    "touching_wires",
    "check_electrodes",
]


@dataclass(frozen=True, eq=False)
class Electrode:
    """A named electrode shape.

    Attributes
    ----------
    name : str
        Unique name, used to address the electrode's terminal.
    shape : shapely geometry
        Polygon, LineString or disc (buffered Point), coordinates in metres. Not empty.
    """

    name: str
    shape: BaseGeometry

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"electrode name must be a non-empty string (got {self.name!r})")
        if not isinstance(self.shape, BaseGeometry):
            raise InputError(
                f"electrode {self.name!r} shape must be a shapely geometry "
                f"(got {type(self.shape).__name__})"
            )
        if self.shape.is_empty or not np.all(np.isfinite(shapely.bounds(self.shape))):
            raise InputError(
                f"electrode {self.name!r} shape must be a non-empty geometry with finite "
                f"coordinates (got {self.shape.wkt[:80]})"
            )

    @property
    def centroid(self) -> np.ndarray:
        """Centroid of the shape (m), shape (2,)."""
        return np.array(shapely.get_coordinates(self.shape.centroid)[0])


def point_contact(name: str, x: float, y: float, radius: float) -> Electrode:
    """A point contact: a disc of ``radius`` (m) centred at ``(x, y)`` (m)."""
    radius = check_positive("radius", radius)
    centre = shapely.Point(check_finite("x", x), check_finite("y", y))
    return Electrode(name, centre.buffer(radius, quad_segs=16))


def check_electrodes(electrodes: Any, box: Any = None) -> tuple[Electrode, ...]:
    """Validate a sequence of electrodes (types, unique names, inside ``box`` if given)."""
    if isinstance(electrodes, Electrode):
        electrodes = [electrodes]
    try:
        items = tuple(electrodes)
    except TypeError:
        raise InputError(
            f"electrodes must be a sequence of Electrode (got {type(electrodes).__name__})"
        ) from None
    names = set()
    for k, electrode in enumerate(items):
        if not isinstance(electrode, Electrode):
            raise InputError(f"electrodes[{k}] must be an Electrode (got {electrode!r})")
        if electrode.name in names:
            raise InputError(f"electrode names must be unique (got {electrode.name!r} twice)")
        names.add(electrode.name)
    if box is not None:
        width, height = check_box(box)
        substrate = shapely.box(0.0, 0.0, width, height)
        for electrode in items:
            if not electrode.shape.intersects(substrate):
                bounds = ", ".join(f"{v:.4g}" for v in electrode.shape.bounds)
                raise InputError(
                    f"electrode {electrode.name!r} lies outside the box (bounds {bounds} m; "
                    f"allowed: touching [0, {width:.4g}] x [0, {height:.4g}] m)"
                )
    return items


def wires_touching(wires: Wires, electrodes: Any) -> list[np.ndarray]:
    """Indices of the wires that touch each electrode, for several electrodes at once.

    Only wires whose bounding box meets an electrode's can touch it, and only those get a
    shapely geometry and a place in the search tree: at a million wires a tree of every wire
    took seconds, while side bars meet a few percent of them. Same answer as
    :func:`touching_wires` (closed boxes: a wire that only grazes an edge counts).

    Parameters
    ----------
    wires : Wires
    electrodes : sequence of Electrode

    Returns
    -------
    list of ndarray of int64
        One sorted index array per electrode.
    """
    electrodes = list(electrodes)
    if not electrodes:
        return []
    ends = wires.endpoints
    lo = ends.min(axis=1)
    hi = ends.max(axis=1)
    near = np.zeros(len(wires), dtype=bool)
    for electrode in electrodes:
        x0, y0, x1, y1 = electrode.shape.bounds
        near |= (hi[:, 0] >= x0) & (lo[:, 0] <= x1) & (hi[:, 1] >= y0) & (lo[:, 1] <= y1)
    candidates = np.flatnonzero(near).astype(np.int64)
    tree = shapely.STRtree(shapely.linestrings(ends[candidates]))
    return [np.sort(candidates[tree.query(electrode.shape, predicate="intersects")])
            for electrode in electrodes]


def touching_wires(wires: Wires, electrode: Electrode, *, tree: Any = None) -> np.ndarray:
    """Indices of the wires that touch an electrode.

    Parameters
    ----------
    wires : Wires
    electrode : Electrode
    tree : shapely.STRtree, optional
        A tree over ``wires.geometries()``, to reuse across electrodes.

    Returns
    -------
    ndarray of int64, shape (n,)
        Sorted wire indices.
    """
    if tree is None:
        tree = wires.tree()
    found = tree.query(electrode.shape, predicate="intersects")
    return np.sort(np.asarray(found, dtype=np.int64))


def _check_width(box: tuple[float, float], width: Any, name: str, limit: float) -> float:
    value = check_positive(name, width)
    if value > limit:
        raise InputError(f"{name} must be <= {limit:.6g} m for this box (got {value:.6g})")
    return value


def side_bars(box: Any, *, width: float | None = None,
              names: tuple[str, str] = ("left", "right")) -> list[Electrode]:
    """Two bar electrodes covering the left and right edges of the box.

    Parameters
    ----------
    box : (float, float)
        Substrate ``(width, height)`` (m).
    width : float, optional
        Bar width (m), default 5 % of the box width; at most half the box width.
    names : (str, str), optional
        Names of the left and right bars.

    Returns
    -------
    list of Electrode
        ``[left, right]``; bars span the full box height.
    """
    box_w, box_h = check_box(box)
    bar = 0.05 * box_w if width is None else _check_width((box_w, box_h), width, "width",
                                                          0.5 * box_w)
    return [
        Electrode(names[0], shapely.box(0.0, 0.0, bar, box_h)),
        Electrode(names[1], shapely.box(box_w - bar, 0.0, box_w, box_h)),
    ]


def four_probe(box: Any, *, width: float | None = None,
               probe_radius: float | None = None) -> list[Electrode]:
    """A linear four-probe layout: current bars at the ends, voltage probes between.

    Parameters
    ----------
    box : (float, float)
        Substrate ``(width, height)`` (m).
    width : float, optional
        Current-bar width (m), default 5 % of the box width.
    probe_radius : float, optional
        Radius (m) of the two point probes, default 2 % of the smaller box side. The probes sit
        on the horizontal mid-line at 1/3 and 2/3 of the box width.

    Returns
    -------
    list of Electrode
        ``[i_plus, v_plus, v_minus, i_minus]`` (left to right).
    """
    box_w, box_h = check_box(box)
    left, right = side_bars((box_w, box_h), width=width, names=("i_plus", "i_minus"))
    radius = 0.02 * min(box_w, box_h) if probe_radius is None else _check_width(
        (box_w, box_h), probe_radius, "probe_radius", min(box_w / 6.0, box_h / 2.0))
    return [
        left,
        point_contact("v_plus", box_w / 3.0, box_h / 2.0, radius),
        point_contact("v_minus", 2.0 * box_w / 3.0, box_h / 2.0, radius),
        right,
    ]


def _square(name: str, x: float, y: float, size: float) -> Electrode:
    half = 0.5 * size
    return Electrode(name, shapely.box(x - half, y - half, x + half, y + half))


def _check_inside(box: tuple[float, float], centres: np.ndarray, size: float, what: str) -> None:
    half = 0.5 * size
    width, height = box
    if (centres[:, 0].min() - half < 0 or centres[:, 0].max() + half > width
            or centres[:, 1].min() - half < 0 or centres[:, 1].max() + half > height):
        raise InputError(
            f"{what} does not fit in the box {width:.4g} x {height:.4g} m "
            f"(pads span x {centres[:, 0].min() - half:.4g}..{centres[:, 0].max() + half:.4g}, "
            f"y {centres[:, 1].min() - half:.4g}..{centres[:, 1].max() + half:.4g} m)"
        )


def pad_row(box: Any, n: int, size: float, pitch: float, *, y: float | None = None
            ) -> list[Electrode]:
    """A row of ``n`` square pads, centred horizontally.

    Parameters
    ----------
    box : (float, float)
        Substrate ``(width, height)`` (m).
    n : int
        Number of pads, >= 1.
    size : float
        Pad side (m).
    pitch : float
        Centre-to-centre distance (m), >= ``size`` (pads must not overlap).
    y : float, optional
        Height of the row's centre line (m), default mid-height.

    Returns
    -------
    list of Electrode
        ``pad1 .. padN`` from left to right.
    """
    width, height = check_box(box)
    n = check_int("n", n, minimum=1)
    size = check_positive("size", size)
    pitch = check_positive("pitch", pitch)
    if n > 1 and pitch < size:
        raise InputError(f"pitch must be >= size ({size:.6g} m) (got {pitch:.6g})")
    y = 0.5 * height if y is None else check_finite("y", y)
    xs = 0.5 * width + (np.arange(n) - 0.5 * (n - 1)) * pitch
    centres = np.stack([xs, np.full(n, y)], axis=1)
    _check_inside((width, height), centres, size, "pad row")
    return [_square(f"pad{k + 1}", x, yy, size) for k, (x, yy) in enumerate(centres)]


def pad_ring(box: Any, n: int, size: float, *, radius: float | None = None,
             start_angle: float = 0.0) -> list[Electrode]:
    """``n`` square pads equally spaced on a circle around the box centre.

    Parameters
    ----------
    box : (float, float)
        Substrate ``(width, height)`` (m).
    n : int
        Number of pads, >= 2.
    size : float
        Pad side (m).
    radius : float, optional
        Circle radius (m) through the pad centres; default so that the pads touch the edge of
        the inscribed circle (``min(width, height) / 2 - size``).
    start_angle : float, optional
        Angle (rad, from the x axis) of ``pad1``; the others follow counter-clockwise.

    Returns
    -------
    list of Electrode
        ``pad1 .. padN``.
    """
    width, height = check_box(box)
    n = check_int("n", n, minimum=2)
    size = check_positive("size", size)
    if radius is None:
        radius = 0.5 * min(width, height) - size
    radius = check_positive("radius", radius)
    angles = check_finite("start_angle", start_angle) + 2.0 * np.pi * np.arange(n) / n
    centres = np.stack([0.5 * width + radius * np.cos(angles),
                        0.5 * height + radius * np.sin(angles)], axis=1)
    _check_inside((width, height), centres, size, "pad ring")
    if n > 1 and 2.0 * radius * np.sin(np.pi / n) < size * np.sqrt(2.0):
        raise InputError(
            f"radius must leave room for {n} pads of size {size:.6g} m (got {radius:.6g})"
        )
    return [_square(f"pad{k + 1}", x, y, size) for k, (x, y) in enumerate(centres)]


def pad_grid(box: Any, rows: int, cols: int, size: float, pitch: float | Sequence[float]
             ) -> list[Electrode]:
    """A ``rows`` x ``cols`` grid of square pads centred in the box.

    Parameters
    ----------
    box : (float, float)
        Substrate ``(width, height)`` (m).
    rows, cols : int
        Grid shape, each >= 1.
    size : float
        Pad side (m).
    pitch : float or (float, float)
        Centre-to-centre distance (m) along x and y, >= ``size``.

    Returns
    -------
    list of Electrode
        ``pad1 .. pad(rows*cols)``, row by row from the bottom left.
    """
    width, height = check_box(box)
    rows = check_int("rows", rows, minimum=1)
    cols = check_int("cols", cols, minimum=1)
    size = check_positive("size", size)
    if np.ndim(pitch) == 0:
        pitch_x = pitch_y = check_positive("pitch", pitch)
    else:
        pitch_x, pitch_y = check_box(pitch, "pitch")
    for label, value, count in (("pitch x", pitch_x, cols), ("pitch y", pitch_y, rows)):
        if count > 1 and value < size:
            raise InputError(f"{label} must be >= size ({size:.6g} m) (got {value:.6g})")
    xs = 0.5 * width + (np.arange(cols) - 0.5 * (cols - 1)) * pitch_x
    ys = 0.5 * height + (np.arange(rows) - 0.5 * (rows - 1)) * pitch_y
    grid_x, grid_y = np.meshgrid(xs, ys)
    centres = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    _check_inside((width, height), centres, size, "pad grid")
    return [_square(f"pad{k + 1}", x, y, size) for k, (x, y) in enumerate(centres)]
