"""Nanowires as straight segments, and their random deposition on a substrate.

A wire set is a :class:`Wires` object: endpoints of shape (N, 2, 2) in metres (wire, end, xy)
with the derived lengths, angles and diameters. :func:`drop_wires` drops wires at random in a
box whose lower-left corner is the origin; wires may stick out of the box, as on a real
substrate.

Distributions are small dicts so that a scenario file can spell them out:

* length: a float (every wire equal) or
  ``{"distribution": "normal" | "lognormal" | "gamma", "mean": m, "std": s}`` with mean and
  standard deviation of the *length itself* in metres (normal draws <= 0 are redrawn; std = 0
  gives every wire the mean), or ``{"distribution": "fixed", "value": l}`` (same as ``l``);
* angle: ``None`` or ``"uniform"`` (uniform on [0, pi)), a float (every wire at that angle,
  radians) or ``{"distribution": "vonmises", "direction": rad, "kappa": k}`` (aligned films:
  von Mises around ``direction``, folded onto [0, pi));
* centre: ``None`` or ``"uniform"`` (uniform in the box) or
  ``{"distribution": "gennorm", "beta": b, "scale": s}``: a generalized normal dispersion
  ``p(x) ~ exp(-|x / s|**b)`` around the box centre, independently in x and y (``s`` in
  metres, a float or an (sx, sy) pair; ``b = 2`` is Gaussian, large ``b`` tends to uniform).
  Centres that fall outside the box are redrawn, so the box stays the sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .checks import (
    InputError,
    check_finite,
    check_finite_array,
    check_int,
    check_nonnegative,
    check_positive,
)

__all__ = ["Wires", "drop_wires", "make_rng", "check_box"]

_DEFAULT_DIAMETER = 60e-9


def make_rng(rng: Any) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from a seed, a SeedSequence or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer, np.random.SeedSequence)):
        if isinstance(rng, (int, np.integer)) and rng < 0:
            raise InputError(f"rng must be a seed >= 0 or a numpy Generator (got {rng})")
        return np.random.default_rng(rng)
    raise InputError(f"rng must be a seed >= 0 or a numpy Generator (got {rng!r})")


def check_box(box: Any, name: str = "box") -> tuple[float, float]:
    """Return ``box`` as a ``(width, height)`` pair of positive floats (m)."""
    try:
        width, height = box
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a (width, height) pair in metres (got {box!r})") from None
    return check_positive(f"{name} width", width), check_positive(f"{name} height", height)


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Wires:
    """A set of straight nanowires.

    Build one with :meth:`from_endpoints` or :func:`drop_wires`; the arrays are read-only.

    Attributes
    ----------
    endpoints : ndarray of float64, shape (N, 2, 2)
        Wire ends (m), indexed (wire, end, xy).
    lengths : ndarray of float64, shape (N,)
        Wire lengths (m), ``hypot`` of the end-to-end vector.
    angles : ndarray of float64, shape (N,)
        Wire direction (rad) in [0, pi), from the x axis.
    diameters : ndarray of float64, shape (N,)
        Wire diameters (m).
    box : tuple of float or None
        ``(width, height)`` (m) of the substrate the wires were dropped on, if known.
    """

    endpoints: np.ndarray
    lengths: np.ndarray
    angles: np.ndarray
    diameters: np.ndarray
    box: tuple[float, float] | None = None

    @classmethod
    def from_endpoints(
        cls, endpoints: Any, *, diameter: Any = _DEFAULT_DIAMETER, box: Any = None
    ) -> Wires:
        """Build wires from end coordinates.

        Parameters
        ----------
        endpoints : array_like, shape (N, 2, 2)
            Wire ends (m), (wire, end, xy). Copied.
        diameter : float or array_like of shape (N,), optional
            Wire diameter(s) (m), > 0. Default 60 nm.
        box : (float, float), optional
            Substrate ``(width, height)`` (m), if known.

        Returns
        -------
        Wires
        """
        ends = check_finite_array("endpoints", endpoints, shape_tail=(2, 2))
        if ends.ndim != 3:
            raise InputError(f"endpoints must have shape (N, 2, 2) (got {ends.shape})")
        ends = np.array(ends, dtype=np.float64, order="C", copy=True)
        delta = ends[:, 1] - ends[:, 0]
        lengths = np.hypot(delta[:, 0], delta[:, 1])
        if lengths.size and not np.all(lengths > 0):
            bad = int(np.flatnonzero(~(lengths > 0))[0])
            raise InputError(
                f"endpoints must give wires of length > 0 (wire {bad} has both ends at "
                f"{tuple(ends[bad, 0])})"
            )
        angles = np.mod(np.arctan2(delta[:, 1], delta[:, 0]), np.pi)
        # mod can round up to exactly pi for angles a hair below 0
        angles[angles >= np.pi] = 0.0
        diameters = _diameters(diameter, len(ends))
        box_pair = None if box is None else check_box(box)
        return cls(
            endpoints=_readonly(ends),
            lengths=_readonly(lengths),
            angles=_readonly(angles),
            diameters=_readonly(diameters),
            box=box_pair,
        )

    @classmethod
    def concatenate(cls, parts: Sequence[Wires]) -> Wires:
        """Join wire sets end to end (wire order kept; box taken from the first part)."""
        parts = list(parts)
        if not parts:
            raise InputError("parts must hold at least one Wires (got an empty sequence)")
        for k, part in enumerate(parts):
            if not isinstance(part, Wires):
                raise InputError(f"parts[{k}] must be Wires (got {type(part).__name__})")
        return cls(
            endpoints=_readonly(np.concatenate([p.endpoints for p in parts])),
            lengths=_readonly(np.concatenate([p.lengths for p in parts])),
            angles=_readonly(np.concatenate([p.angles for p in parts])),
            diameters=_readonly(np.concatenate([p.diameters for p in parts])),
            box=parts[0].box,
        )

    def __len__(self) -> int:
        return int(self.endpoints.shape[0])

    def __getitem__(self, index: Any) -> Wires:
        """Select wires by slice, integer array or boolean mask (always returns ``Wires``)."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Wires(
            endpoints=_readonly(np.array(self.endpoints[index])),
            lengths=_readonly(np.array(self.lengths[index])),
            angles=_readonly(np.array(self.angles[index])),
            diameters=_readonly(np.array(self.diameters[index])),
            box=self.box,
        )

    @property
    def midpoints(self) -> np.ndarray:
        """Wire centres (m), shape (N, 2)."""
        return 0.5 * (self.endpoints[:, 0] + self.endpoints[:, 1])

    def geometries(self) -> np.ndarray:
        """The wires as an array of shapely ``LineString`` objects, shape (N,).

        Made once per wire set and kept (the arrays are read-only, so they cannot go stale):
        creating 100,000 of them holds the interpreter lock for ~0.2-1 s, which the studio's
        window would feel from its worker threads each time. Do not modify the array."""
        cached = self.__dict__.get("_geometries")
        if cached is None:
            import shapely

            # In blocks, so other threads get the lock between them (creating the objects
            # holds it); same objects as one call.
            block = 4096
            cached = np.empty(len(self), dtype=object)
            for start in range(0, len(self), block):
                cached[start:start + block] = shapely.linestrings(
                    self.endpoints[start:start + block])
            self.__dict__["_geometries"] = cached  # frozen dataclass: bypass __setattr__
        return cached

    def tree(self):
        """A :class:`shapely.STRtree` over :meth:`geometries`, made once per wire set and kept
        (it holds the interpreter lock while it is built: ~0.1-0.3 s at 100,000 wires)."""
        cached = self.__dict__.get("_tree")
        if cached is None:
            import shapely

            cached = shapely.STRtree(self.geometries())
            self.__dict__["_tree"] = cached
        return cached

    def equals(self, other: Wires) -> bool:
        """True if both sets hold bit-identical endpoints and diameters."""
        return (
            isinstance(other, Wires)
            and np.array_equal(self.endpoints, other.endpoints)
            and np.array_equal(self.diameters, other.diameters)
        )


def _diameters(diameter: Any, n: int) -> np.ndarray:
    if np.ndim(diameter) == 0:
        return np.full(n, check_positive("diameter", diameter))
    values = check_finite_array("diameter", diameter)
    if values.shape != (n,):
        raise InputError(f"diameter must be a float or have shape ({n},) (got {values.shape})")
    if not np.all(values > 0):
        bad = values[~(values > 0)][0]
        raise InputError(f"diameter must be > 0 (got {bad:.6g})")
    return np.array(values, dtype=np.float64)


def _spec(name: str, spec: Mapping, allowed: dict[str, tuple[str, ...]]) -> tuple[str, dict]:
    kind = spec.get("distribution")
    if kind not in allowed:
        options = ", ".join(repr(k) for k in allowed)
        raise InputError(f"{name}['distribution'] must be one of {options} (got {kind!r})")
    keys = set(spec) - {"distribution"}
    unknown = keys - set(allowed[kind])
    missing = set(allowed[kind]) - keys
    if unknown or missing:
        wanted = ", ".join(repr(k) for k in allowed[kind])
        raise InputError(
            f"{name} for distribution {kind!r} needs exactly the keys {wanted} "
            f"(got {sorted(keys)!r})"
        )
    return kind, {k: spec[k] for k in allowed[kind]}


def _draw_lengths(length: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    if not isinstance(length, Mapping):
        return np.full(n, check_positive("length", length))
    kind, p = _spec(
        "length", length,
        {"normal": ("mean", "std"), "lognormal": ("mean", "std"), "gamma": ("mean", "std"),
         "fixed": ("value",)},
    )
    if kind == "fixed":
        return np.full(n, check_positive("length['value']", p["value"]))
    mean = check_positive("length['mean']", p["mean"])
    std = check_nonnegative("length['std']", p["std"])
    if std == 0:  # every law with zero spread is the fixed length (the schema allows std = 0)
        return np.full(n, mean)
    if kind == "normal":
        if std > 3.0 * mean:
            # redrawing would almost never terminate and the law would not be normal any more
            raise InputError(f"length['std'] must be <= 3 * mean for 'normal' (got {std:.6g})")
        out = rng.normal(mean, std, n)
        bad = out <= 0
        while np.any(bad):
            out[bad] = rng.normal(mean, std, int(bad.sum()))
            bad = out <= 0
        return out
    if kind == "lognormal":
        sigma2 = np.log1p((std / mean) ** 2)
        return rng.lognormal(np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2), n)
    shape = (mean / std) ** 2
    return rng.gamma(shape, std**2 / mean, n)


def _draw_angles(angle: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    if angle is None or (isinstance(angle, str) and angle == "uniform"):
        return rng.uniform(0.0, np.pi, n)
    if isinstance(angle, Mapping):
        _, p = _spec("angle", angle, {"vonmises": ("direction", "kappa")})
        direction = check_finite("angle['direction']", p["direction"])
        kappa = check_positive("angle['kappa']", p["kappa"])
        return np.mod(rng.vonmises(direction, kappa, n), np.pi)
    if isinstance(angle, str):
        raise InputError(
            f"angle must be 'uniform', a number (rad) or a von Mises dict (got {angle!r})"
        )
    return np.full(n, check_finite("angle", angle))


def _draw_centres(
    centre: Any, n: int, width: float, height: float, rng: np.random.Generator
) -> np.ndarray:
    if centre is None or (isinstance(centre, str) and centre == "uniform"):
        return rng.uniform((0.0, 0.0), (width, height), (n, 2))
    if not isinstance(centre, Mapping):
        raise InputError(f"centre must be 'uniform' or a gennorm dict (got {centre!r})")
    _, p = _spec("centre", centre, {"gennorm": ("beta", "scale")})
    beta = check_positive("centre['beta']", p["beta"])
    scale = p["scale"]
    if np.ndim(scale) == 0:
        sx = sy = check_positive("centre['scale']", scale)
    else:
        sx, sy = check_box(scale, "centre['scale']")
    middle = np.array([0.5 * width, 0.5 * height])
    out = np.empty((n, 2))
    todo = np.arange(n)
    for _ in range(1000):
        # |X / s|**beta ~ Gamma(1 / beta): the standard generalized-normal sampler
        mag = rng.gamma(1.0 / beta, 1.0, (todo.size, 2)) ** (1.0 / beta)
        sign = np.where(rng.random((todo.size, 2)) < 0.5, -1.0, 1.0)
        out[todo] = middle + sign * mag * (sx, sy)
        outside = (out[todo, 0] < 0) | (out[todo, 0] > width) | (out[todo, 1] < 0) | (
            out[todo, 1] > height
        )
        todo = todo[outside]
        if todo.size == 0:
            return out
    raise InputError(
        f"centre['scale'] is too wide for the box: centres keep falling outside (got {scale!r})"
    )


def drop_wires(
    n_wires: int | None = None,
    *,
    density: float | None = None,
    box: tuple[float, float],
    length: Any,
    angle: Any = None,
    centre: Any = None,
    diameter: float = _DEFAULT_DIAMETER,
    rng: Any = None,
) -> Wires:
    """Drop straight wires at random on a rectangular substrate.

    Parameters
    ----------
    n_wires : int, optional
        Number of wires, >= 1. Give this or ``density``, not both.
    density : float, optional
        Number density (wires per m^2), > 0; the count is ``round(density * width * height)``.
    box : (float, float)
        Substrate ``(width, height)`` (m); origin at its lower-left corner.
    length : float or dict
        Wire length (m) or a length distribution (see the module docstring).
    angle : None, "uniform", float or dict, optional
        Wire directions (see the module docstring). Default uniform on [0, pi).
    centre : None, "uniform" or dict, optional
        Wire centres (see the module docstring). Default uniform in the box.
    diameter : float, optional
        Wire diameter (m). Default 60 nm.
    rng : int, SeedSequence or numpy.random.Generator, optional
        Randomness; the same seed gives bit-identical wires. Draw order: centres, angles,
        lengths.

    Returns
    -------
    Wires
        ``len`` N, with ``box`` set.

    Raises
    ------
    InputError
        On bad sizes, counts, distributions, or when both or neither of ``n_wires`` and
        ``density`` are given.
    """
    width, height = check_box(box)
    if n_wires is not None and density is not None:
        raise InputError(
            f"give either n_wires or density, not both (got n_wires={n_wires!r}, "
            f"density={density!r})"
        )
    if n_wires is None and density is None:
        raise InputError("give n_wires (>= 1) or density (wires per m^2, > 0) (got neither)")
    if density is not None:
        density = check_positive("density", density)
        n = int(round(density * width * height))
        if n < 1:
            raise InputError(
                f"density must give at least one wire in the box (got {density:.6g} per m^2 "
                f"for {width * height:.6g} m^2)"
            )
    else:
        n = check_int("n_wires", n_wires, minimum=1)
    diameter = check_positive("diameter", diameter)
    generator = make_rng(rng)
    centres = _draw_centres(centre, n, width, height, generator)
    angles = _draw_angles(angle, n, generator)
    lengths = _draw_lengths(length, n, generator)
    half = 0.5 * lengths[:, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    endpoints = np.stack([centres - half, centres + half], axis=1)
    return Wires.from_endpoints(endpoints, diameter=diameter, box=(width, height))
