"""Spanning (percolation) of stick networks between electrodes.

For isotropic sticks of equal length l at number density n, a cluster spans an infinite
system above n l^2 = 5.63726 (Mertens & Moore, Phys. Rev. E 86, 061109 (2012); Li & Zhang,
Phys. Rev. E 80, 040104 (2009)); in a finite box the spanning probability rises through it
over a width that shrinks as the box grows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from .checks import InputError, check_int, check_positive
from .clusters import component_labels
from .electrodes import Electrode, touching_wires
from .junctions import Junctions, find_junctions
from .wires import Wires, drop_wires, make_rng

__all__ = ["CRITICAL_DENSITY_RATIO", "spans", "spanning_probability"]

#: Percolation threshold n_c l^2 of isotropic equal sticks (Mertens & Moore 2012).
CRITICAL_DENSITY_RATIO = 5.63726


def spans(wires: Wires, junctions: Junctions, a: Electrode, b: Electrode) -> bool:
    """True if one cluster of wires (joined by junctions) touches both electrodes.

    Unlike :func:`build_network`, an electrode touching no wire is allowed (it spans nothing).
    """
    if not isinstance(wires, Wires) or not isinstance(junctions, Junctions):
        raise InputError("spans needs Wires and their Junctions "
                         f"(got {type(wires).__name__}, {type(junctions).__name__})")
    if junctions.n_wires != len(wires):
        raise InputError(f"junctions must come from these {len(wires)} wires "
                         f"(got junctions of {junctions.n_wires} wires)")
    tree = shapely.STRtree(wires.geometries())
    touch_a = touching_wires(wires, a, tree=tree)
    touch_b = touching_wires(wires, b, tree=tree)
    if touch_a.size == 0 or touch_b.size == 0:
        return False
    labels = component_labels(len(wires), junctions.pairs)
    return bool(np.intersect1d(labels[touch_a], labels[touch_b]).size)


def spanning_probability(
    density_ratio: float,
    *,
    box_lengths: float = 30.0,
    samples: int = 20,
    rng: Any = None,
) -> float:
    """Fraction of random square stick networks that span between two opposite sides.

    Parameters
    ----------
    density_ratio : float
        n l^2 (> 0): wires per unit area times the squared wire length.
    box_lengths : float, optional
        Box side in wire lengths (> 1). Default 30.
    samples : int, optional
        Number of networks (>= 1).
    rng : int or numpy.random.Generator, optional

    Returns
    -------
    float
        Fraction of samples in which a cluster touches both the line x = 0 and x = L.
    """
    ratio = check_positive("density_ratio", density_ratio)
    side = check_positive("box_lengths", box_lengths)
    if side <= 1.0:
        raise InputError(f"box_lengths must be > 1 (got {side:.6g})")
    samples = check_int("samples", samples, minimum=1)
    generator = make_rng(rng)
    n_wires = max(int(round(ratio * side * side)), 1)
    left = Electrode("left", shapely.LineString([(0.0, 0.0), (0.0, side)]))
    right = Electrode("right", shapely.LineString([(side, 0.0), (side, side)]))
    hits = 0
    for _ in range(samples):
        wires = drop_wires(n_wires, box=(side, side), length=1.0, rng=generator)
        hits += spans(wires, find_junctions(wires), left, right)
    return hits / samples
