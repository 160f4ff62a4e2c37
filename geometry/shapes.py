"""Electrode shapes in their three spellings: scenario dict (TOML), shapely geometry, WKT.

A scenario (and the GUI's designer) spells a shape as a small dict, coordinates in metres::

    {"type": "rectangle", "bounds": [xmin, ymin, xmax, ymax]}   # xmax > xmin, ymax > ymin
    {"type": "polygon", "points": [[x, y], ...]}                # >= 3 points, simple, area > 0
    {"type": "line", "points": [[x, y], ...]}                   # >= 2 points, length > 0
    {"type": "point", "centre": [x, y], "radius": r}            # a disc, r > 0

the geometry layer works on shapely geometries (:class:`nwn.geometry.Electrode`), and results
files store each electrode as WKT. This module holds every conversion between the three:

- :func:`check_shape`: validate and normalize a dict (one-line refusals naming the key path);
- :func:`shape_geometry`: dict -> shapely (a ``point`` is the disc ``Point.buffer(radius)``,
  :data:`DISC_QUAD_SEGMENTS` segments per quarter circle, as
  :func:`nwn.geometry.point_contact` makes it);
- :func:`shape_dict`: shapely -> dict (axis-aligned rectangles and discs are recognized, any
  other polygon stays a polygon; ``lenient`` also draws what a results file may hold);
- :func:`shape_to_wkt` / :func:`shape_from_wkt`: dict <-> WKT, at full double precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely

from .checks import InputError, check_choice, check_finite, check_keys, check_positive

__all__ = [
    "DISC_QUAD_SEGMENTS",
    "SHAPE_TYPES",
    "check_shape",
    "shape_dict",
    "shape_from_wkt",
    "shape_geometry",
    "shape_to_wkt",
]

SHAPE_TYPES = ("rectangle", "polygon", "line", "point")
_KEYS = {"rectangle": ("bounds",), "polygon": ("points",), "line": ("points",),
         "point": ("centre", "radius")}

# shapely's default buffer resolution; point contacts everywhere are buffered with it.
DISC_QUAD_SEGMENTS = 16


def _pair(path: str, value: Any) -> list[float]:
    if not isinstance(value, (list, tuple, np.ndarray)) or len(value) != 2:
        raise InputError(f"{path} must be a pair [x, y] (got {value!r})")
    return [check_finite(f"{path}[0]", value[0]), check_finite(f"{path}[1]", value[1])]


def check_shape(data: Any, where: str = "shape") -> dict:
    """Validate a shape dict; return it normalized (plain floats and lists).

    Parameters
    ----------
    data : mapping
        A shape dict as in the module docstring.
    where : str
        Key path named by refusals, e.g. ``"electrodes[1].shape"``.

    Raises
    ------
    InputError
        One line naming the key path, the value and what is allowed.
    """
    if not isinstance(data, Mapping):
        raise InputError(f"{where} must be a table with a 'type' (got {data!r})")
    kind = check_choice(f"{where}.type", data.get("type"), SHAPE_TYPES)
    keys = _KEYS[kind]
    check_keys(where, data, ("type",) + keys, required=keys)
    if kind == "rectangle":
        bounds = data["bounds"]
        if not isinstance(bounds, (list, tuple, np.ndarray)) or len(bounds) != 4:
            raise InputError(f"{where}.bounds must be [xmin, ymin, xmax, ymax] (got {bounds!r})")
        bounds = [check_finite(f"{where}.bounds[{i}]", b) for i, b in enumerate(bounds)]
        if not (bounds[2] > bounds[0] and bounds[3] > bounds[1]):
            raise InputError(f"{where}.bounds must have xmax > xmin and ymax > ymin "
                             f"(got {bounds!r})")
        return {"type": kind, "bounds": bounds}
    if kind == "point":
        return {"type": kind, "centre": _pair(f"{where}.centre", data["centre"]),
                "radius": check_positive(f"{where}.radius", data["radius"])}
    points = data["points"]
    minimum = 3 if kind == "polygon" else 2
    if not isinstance(points, (list, tuple, np.ndarray)) or len(points) < minimum:
        raise InputError(f"{where}.points must be a list of at least {minimum} [x, y] pairs "
                         f"(got {points!r})")
    points = [_pair(f"{where}.points[{i}]", p) for i, p in enumerate(points)]
    if kind == "polygon":
        polygon = shapely.Polygon(points)
        if not polygon.is_valid or polygon.area <= 0:
            raise InputError(f"{where}.points must outline a simple polygon with area > 0 "
                             f"(got {points!r})")
    elif shapely.LineString(points).length <= 0:
        raise InputError(f"{where}.points must give a line of length > 0 (got {points!r})")
    return {"type": kind, "points": points}


def shape_geometry(shape: Mapping[str, Any]):
    """The shapely geometry of a (valid) shape dict, metres."""
    kind = shape["type"]
    if kind == "rectangle":
        return shapely.box(*shape["bounds"])
    if kind == "polygon":
        return shapely.Polygon(shape["points"])
    if kind == "line":
        return shapely.LineString(shape["points"])
    if kind == "point":
        return shapely.Point(shape["centre"]).buffer(shape["radius"],
                                                     quad_segs=DISC_QUAD_SEGMENTS)
    raise InputError(f"shape.type must be one of {', '.join(map(repr, SHAPE_TYPES))} "
                     f"(got {kind!r})")


def shape_dict(geometry, *, lenient: bool = False) -> dict:
    """A shapely electrode shape as a shape dict (metres).

    Axis-aligned rectangles become ``rectangle``, discs (buffered points, as made by
    :func:`nwn.geometry.point_contact` and :func:`shape_geometry`) ``point``, line strings
    ``line`` and any other polygon ``polygon``.

    Parameters
    ----------
    geometry : shapely geometry
    lenient : bool
        Also give a dict, for drawing, where no exact one exists (shapes read back from a
        results file): a bare point becomes a contact of radius 0, and a multi-part shape or
        one with holes is given by its convex hull.

    Raises
    ------
    InputError
        For anything but a polygon without holes or a line string (with ``lenient``: for
        an empty geometry or one that is neither area, line nor point).
    """
    if lenient:
        if geometry.geom_type == "Point":
            return {"type": "point", "centre": [geometry.x, geometry.y], "radius": 0.0}
        simple = geometry.geom_type == "LineString" or (
            geometry.geom_type == "Polygon" and not geometry.interiors)
        outline = geometry if simple else geometry.convex_hull
        if outline.geom_type not in ("Polygon", "LineString"):
            raise InputError(f"electrode geometry must be a polygon, line or point "
                             f"(got {geometry.geom_type})")
        geometry = outline
    if geometry.geom_type == "LineString":
        return {"type": "line", "points": np.asarray(geometry.coords).tolist()}
    if geometry.geom_type != "Polygon" or len(geometry.interiors):
        raise InputError(f"electrode shape must be a polygon or a line (got "
                         f"{geometry.geom_type})")
    x0, y0, x1, y1 = geometry.bounds
    if geometry.equals(shapely.box(x0, y0, x1, y1)):
        return {"type": "rectangle", "bounds": [x0, y0, x1, y1]}
    ring = np.asarray(geometry.exterior.coords)[:-1]
    centre = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)])
    radius = np.hypot(*(ring - centre).T)
    # A buffered point: many vertices, all at one distance from the centre of its bounds.
    if ring.shape[0] >= 16 and np.ptp(radius) <= 1e-9 * radius.max():
        return {"type": "point", "centre": centre.tolist(), "radius": float(radius.max())}
    return {"type": "polygon", "points": ring.tolist()}


def shape_to_wkt(shape: Mapping[str, Any]) -> str:
    """The WKT of a shape dict's geometry, every coordinate at full double precision."""
    return shapely.to_wkt(shape_geometry(shape), rounding_precision=-1)


def shape_from_wkt(wkt: str, *, lenient: bool = False) -> dict:
    """The shape dict of an electrode stored as WKT (see :func:`shape_dict` for ``lenient``).

    Raises
    ------
    InputError
        If the text is not WKT, or its geometry has no shape dict.
    """
    try:
        geometry = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException as error:
        raise InputError(f"electrode geometry is not WKT ({error}): {wkt[:60]!r}") from None
    return shape_dict(geometry, lenient=lenient)
