"""Warnings about values the schema allows but that are probably a slip, in physical words.

The scenario schema (:mod:`nwn.engine.scenario`, :mod:`nwn.engine.limits`) refuses what cannot
be simulated; what is legal but implausible (a wire longer than the box, a kilometre-wide box,
more wires than this machine handles comfortably) is only warned about here, so an unusual
study stays possible. No Qt.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from nwn.geometry import CRITICAL_DENSITY_RATIO

__all__ = ["COMFORTABLE_WIRES", "length_moments", "machine_memory_gb", "mean_square_density",
           "warnings"]

#: Above this many wires a deposition, junction search and run take minutes and GBs of
#: memory on a desktop (the 1M-wire whole-device preset is the largest shipped case).
COMFORTABLE_WIRES = 1_000_000
#: Silver nanowires are 1-100 µm long and 20-150 nm thick (Milano et al., Nat. Commun. 2025
#: use 14 µm mean length, 115 nm diameter); an order of magnitude beyond is warned about.
PLAUSIBLE_LENGTH = (0.1e-6, 1e-3)  # m
PLAUSIBLE_DIAMETER = (2e-9, 5e-6)  # m
#: Substrates are at most a few centimetres across.
PLAUSIBLE_BOX = 0.1  # m


def machine_memory_gb() -> float | None:
    """Physical memory of this machine (GB), None where it cannot be asked."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError, AttributeError):
        return None


def length_moments(length: float | Mapping) -> tuple[float, float]:
    """``(mean, <l^2>)`` of a scenario length (a float or a distribution dict), m and m^2.

    <l^2> = mean^2 + std^2 for every law offered (exact for lognormal and gamma; the normal
    law's redraw of lengths <= 0 changes it by less than 1 % for std <= mean / 2).
    """
    if not isinstance(length, Mapping):
        value = float(length)
        return value, value * value  # inf rather than OverflowError for absurd lengths
    if "value" in length:
        value = float(length["value"])
        return value, value * value
    mean, std = float(length["mean"]), float(length.get("std", 0.0))
    return mean, mean * mean + std * std


def mean_square_density(network) -> float | None:
    """The dimensionless density n <l^2> of a :class:`NetworkSpec` (None with a wire file)."""
    box = network.box
    if network.n_wires is not None:
        n = network.n_wires / (box[0] * box[1])
    elif network.density is not None:
        n = network.density
    else:
        return None
    return n * length_moments(network.length)[1]


def _um(value: float) -> str:
    return f"{value * 1e6:.4g} µm"


def warnings(network) -> list[str]:
    """Implausible but legal values of a :class:`NetworkSpec`, one sentence each."""
    out = []
    width, height = network.box
    mean, _ = length_moments(network.length)
    if max(width, height) > PLAUSIBLE_BOX:
        out.append(f"the box is {_um(width)} × {_um(height)} ({max(width, height):.3g} m "
                   f"across): real substrates are at most a few cm")
    if mean > max(width, height):
        out.append(f"the wires ({_um(mean)} long) are longer than the box "
                   f"({_um(width)} × {_um(height)}): most of each wire lies off the substrate")
    elif not PLAUSIBLE_LENGTH[0] <= mean <= PLAUSIBLE_LENGTH[1]:
        out.append(f"a {_um(mean)} wire is outside what nanowires are "
                   f"({_um(PLAUSIBLE_LENGTH[0])} to {_um(PLAUSIBLE_LENGTH[1])})")
    if not PLAUSIBLE_DIAMETER[0] <= network.diameter <= PLAUSIBLE_DIAMETER[1]:
        out.append(f"a {network.diameter * 1e9:.4g} nm diameter is outside what nanowires "
                   f"have ({PLAUSIBLE_DIAMETER[0] * 1e9:g} to {PLAUSIBLE_DIAMETER[1] * 1e9:g} nm)")
    elif network.diameter * 10 > mean:
        out.append(f"the wires are only {mean / network.diameter:.3g} times longer than thick "
                   f"(a nanowire is at least ~10)")
    count = network.n_wires if network.n_wires is not None else (
        round(network.density * width * height) if network.density is not None else None)
    if count is not None and count > COMFORTABLE_WIRES:
        memory = machine_memory_gb()
        on = f" on this machine ({memory:.0f} GB of memory)" if memory else ""
        out.append(f"{count:,} wires is more than ~{COMFORTABLE_WIRES:,}{on}: deposition, "
                   f"junction search and every run step take minutes and several GB")
    ratio = mean_square_density(network)
    if ratio is not None and math.isfinite(ratio) and ratio < 0.2 * CRITICAL_DENSITY_RATIO:
        out.append(f"n·⟨l²⟩ = {ratio:.3g} is far below the percolation threshold "
                   f"{CRITICAL_DENSITY_RATIO:.2f}: no cluster will join the electrodes")
    return out
