"""The limits of a scenario's inputs, each with its one refusal message.

The scenario schema (:mod:`nwn.engine.scenario`) checks every file it reads and every spec that
is constructed against these; the GUI's fields call the same functions, so a value is refused
in the same words wherever it is typed. ``where`` is the key path of the value's table
(``"network"``, ``"run"``): messages name the key path, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from nwn.geometry.checks import InputError, check_finite, check_int

__all__ = [
    "G_MAX",
    "G_MIN",
    "LEVELS",
    "MAX_DECADES",
    "MAX_EVENTS_PER_STEP",
    "MAX_JUNCTIONS",
    "MAX_RELATIVE_WIDTH",
    "MAX_SEED",
    "MAX_SITES",
    "MAX_SIZE",
    "MAX_STEPS",
    "MAX_WIRES",
    "MIN_LEVEL",
    "MIN_SIZE",
    "check_conductance",
    "check_conductance_span",
    "check_density",
    "check_event_rate",
    "check_every",
    "check_junction_count",
    "check_level",
    "check_levels",
    "check_relative_width",
    "check_resistance",
    "check_seed",
    "check_size",
    "check_steps",
    "check_wire_count",
    "expected_junctions",
]

# The largest wire count one scenario may ask for: the junction search and the circuit graph
# of 5e7 wires already need tens of GB; beyond that a typo is likelier than a wish.
MAX_WIRES = 50_000_000

# The largest step count one run may ask for: beyond it even the time axis alone outgrows memory
# and disk budgets; a typo such as duration = 1e9 is caught here rather than after hours.
MAX_STEPS = 10**9

# Seeds are numpy SeedSequence entropy; TOML integers are signed 64-bit.
MAX_SEED = 2**63 - 1


def check_wire_count(where: str, n_wires: Any) -> int:
    """``n_wires`` as an int in [1, MAX_WIRES] (message key ``{where}.n_wires``)."""
    return check_int(f"{where}.n_wires", n_wires, minimum=1, maximum=MAX_WIRES)


def check_density(where: str, density: float, box: tuple[float, float]) -> float:
    """Refuse a density (wires per m^2, already > 0) that puts more than MAX_WIRES in ``box``."""
    expected = density * box[0] * box[1]
    if expected > MAX_WIRES:
        raise InputError(f"{where}.density gives {expected:.3g} wires in the box "
                         f"(allowed: at most {MAX_WIRES:.0e})")
    return density


def check_steps(where: str, dt: float, duration: float) -> int:
    """The step count ``round(duration / dt)`` of positive ``dt`` and ``duration`` (s).

    Refuses fewer than one step (``{where}.duration``) and more than MAX_STEPS.
    """
    steps = duration / dt
    if steps > MAX_STEPS:
        raise InputError(f"{where}.duration / {where}.dt gives {steps:.3g} steps "
                         f"(allowed: at most {MAX_STEPS:.0e})")
    if steps < 0.5:
        raise InputError(f"{where}.duration must be at least one step of dt={dt:g} s "
                         f"(got {duration:g})")
    return int(round(steps))


def check_every(name: str, value: Any) -> int:
    """A recording interval in steps: an int in [1, MAX_STEPS]."""
    return check_int(name, value, minimum=1, maximum=MAX_STEPS)


def check_seed(name: str, value: Any) -> int:
    """A seed: an int in [0, MAX_SEED]."""
    return check_int(name, value, minimum=0, maximum=MAX_SEED)


# -- sizes ------------------------------------------------------------------------------------

#: Smallest size of anything in a scenario (box sides, wire lengths, diameters), m: a tenth of a
#: nanometre, about an atom. Smaller values are typos (1e-300) that leave wire ends equal in
#: float64 beside a box of micrometres.
MIN_SIZE = 1e-10

#: Largest size, m: a metre, beyond any substrate (a 300 mm wafer is 0.3 m). Larger values
#: overflow the junction search's areas (``length = 1e300`` ran for minutes).
MAX_SIZE = 1.0

#: The largest expected junction count of a dropped network: ~32 million junctions (1e6 wires
#: of 20 um on 2 x 2 mm) are already past the memory and time the whole-device preset is
#: built for; more is a typo in the wire count, the length or the box rather than a wish.
MAX_JUNCTIONS = 50_000_000


def check_size(name: str, value: Any) -> float:
    """A size in metres in [MIN_SIZE, MAX_SIZE]."""
    value = check_finite(name, value)
    if not MIN_SIZE <= value <= MAX_SIZE:
        raise InputError(f"{name} must be between {MIN_SIZE:g} and {MAX_SIZE:g} m "
                         f"(got {value:g} m)")
    return value


def expected_junctions(n_wires: float, mean_length: float, box: tuple[float, float]) -> float:
    """Expected junction count of ``n_wires`` isotropic sticks in ``box`` (m).

    Two sticks of lengths l1, l2 with uniform centres and directions in an area A cross with
    probability 2 l1 l2 / (pi A) (Buffon; edges ignored), so E[M] = N (N - 1) <l>^2 / (pi A),
    at most every pair, N (N - 1) / 2.
    """
    pairs = n_wires * (n_wires - 1) / 2.0
    return min(pairs, 2.0 * pairs * mean_length ** 2 / (math.pi * box[0] * box[1]))


def check_junction_count(where: str, n_wires: float, mean_length: float,
                         box: tuple[float, float], diameter: float) -> None:
    """Refuse a dropped network expected to hold more than MAX_JUNCTIONS junctions, or wires
    crossing others closer than one diameter apart on average (a film hundreds of wires thick,
    not a network of crossings: ``n_wires = 1e5`` on 50 x 50 um)."""
    expected = expected_junctions(n_wires, mean_length, box)
    if expected > MAX_JUNCTIONS:
        raise InputError(
            f"{where}: {n_wires:.4g} wires of {mean_length:g} m in a {box[0]:g} x {box[1]:g} m "
            f"box give about {expected:.3g} junctions (allowed: at most {MAX_JUNCTIONS:.0e}; "
            f"use fewer or shorter wires, or a larger box)")
    per_wire = 2.0 * expected / n_wires
    if per_wire > mean_length / diameter and per_wire > 1.0:
        raise InputError(
            f"{where}: {n_wires:.4g} wires of {mean_length:g} m in a {box[0]:g} x {box[1]:g} m "
            f"box cross about {per_wire:.3g} others each, closer than their diameter "
            f"{diameter:g} m apart (allowed: at most length / diameter = "
            f"{mean_length / diameter:.3g}; use fewer wires or a larger box)")


# -- conductances -----------------------------------------------------------------------------

#: Range of any one conductance of the circuit (junction, contact, series resistance, wire),
#: S: from a petaohm (below any measurable leakage) to a micro-ohm (beyond any nanowire
#: element: a 1 nm segment of a 60 nm silver wire is ~100 S).
G_MIN = 1e-15
G_MAX = 1e6

#: Decades float64 resolves between the smallest and largest conductance of one circuit: the
#: solver's error grows with their ratio (machine epsilon 1.1e-16 times the contrast times a
#: network factor that grows with the network). Measured on the issue's 400-wire scenario:
#: 9.0-9.4 decades run (1e12 ohm contacts to 1e-3 S junctions, 5e-10 S junctions beside 1 S
#: contacts, MNR wires of 1 ohm m), 9.5 and more fail Kirchhoff's law by 1e-6 or more (3e-10 S
#: junctions, 1e13 ohm contacts, MNR wires of 10 ohm m). Nine decades keeps a margin for larger
#: networks.
MAX_DECADES = 9

#: Largest relative width of a parameter's device-to-device spread: beyond ten times its value
#: the lognormal's tails span tens of decades (and 1e300 overflows its variance).
MAX_RELATIVE_WIDTH = 10.0


def check_conductance(name: str, value: float) -> float:
    """A conductance (S) in [G_MIN, G_MAX]."""
    if not G_MIN <= value <= G_MAX:
        raise InputError(f"{name} must be between {G_MIN:g} and {G_MAX:g} S (got {value:g} S)")
    return value


def check_resistance(name: str, value: float) -> float:
    """A resistance (ohm) whose conductance is in [G_MIN, G_MAX]."""
    if not value > 0 or not G_MIN <= 1.0 / value <= G_MAX:
        raise InputError(f"{name} must be between {1.0 / G_MAX:g} and {1.0 / G_MIN:g} ohm "
                         f"(got {value:g} ohm)")
    return value


def check_relative_width(name: str, value: float) -> float:
    """A spread's relative width in [0, MAX_RELATIVE_WIDTH]."""
    if not 0.0 <= value <= MAX_RELATIVE_WIDTH:
        raise InputError(f"{name} must be between 0 and {MAX_RELATIVE_WIDTH:g} (got {value:g})")
    return value


def check_conductance_span(parts: Iterable[tuple[str, float, float]]) -> None:
    """Refuse a circuit whose conductances span more than MAX_DECADES decades.

    Parameters
    ----------
    parts : iterable of (str, float, float)
        ``(what, lowest, highest)``: a kind of conductance (``"junction.params.g_min"``), and
        the range of its values (S); 0 leaves out an end that does not count.
    """
    parts = list(parts)
    lows = [p for p in parts if p[1] > 0.0]
    highs = [p for p in parts if p[2] > 0.0]
    if not lows or not highs:
        return
    low = min(lows, key=lambda p: p[1])
    high = max(highs, key=lambda p: p[2])
    decades = math.log10(high[2] / low[1])
    if decades > MAX_DECADES:
        raise InputError(
            f"the circuit's conductances span {decades:.1f} decades, from {low[1]:.3g} S "
            f"({low[0]}) to {high[2]:.3g} S ({high[0]}); float64 resolves node voltages across "
            f"at most {MAX_DECADES} decades: bring them closer")


# -- sources ----------------------------------------------------------------------------------

#: Largest magnitude of a source's level, by source kind: a megavolt and a kiloampere, beyond
#: any bench supply (1e200 V overflows the circuit's currents and powers).
LEVELS = {"voltage": (1e6, "V"), "current": (1e3, "A")}

#: Smallest non-zero magnitude of a level (V or A): below any instrument, and 1e-300 underflows
#: the solver's squared residuals to zero. Zero itself is fine.
MIN_LEVEL = 1e-12


def check_level(name: str, value: float, kind: str) -> None:
    """Refuse a waveform level (value, amplitude, offset, sample ...) of a ``kind`` source."""
    largest, unit = LEVELS[kind]
    magnitude = abs(value)
    if magnitude > largest or 0.0 < magnitude < MIN_LEVEL:
        raise InputError(f"{name} must be 0 or between {MIN_LEVEL:g} and {largest:g} {unit} in "
                         f"magnitude (got {value:g} {unit})")


def check_levels(name: str, values: np.ndarray, kind: str) -> None:
    """:func:`check_level` of each of ``values`` (samples), naming the first bad one."""
    largest, _ = LEVELS[kind]
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    bad = np.flatnonzero((magnitude > largest) | ((magnitude > 0.0) & (magnitude < MIN_LEVEL)))
    if bad.size:
        check_level(f"{name}[{int(bad[0])}]", float(values[bad[0]]), kind)


# -- junction dynamics ------------------------------------------------------------------------

#: Most random events (filament jumps, Poisson avalanches) one junction may expect per step:
#: each is drawn one by one, so jump_rate * dt beyond this costs minutes per step
#: (jump_rate = 1e300 never finished); a finer dt allows a higher rate.
MAX_EVENTS_PER_STEP = 100.0

#: Most atomic sites a filament junction may have (numba's int64 arithmetic of the site counts
#: and binomial draws; 1e300 overflowed).
MAX_SITES = 10**9


def check_event_rate(name: str, rate: float, dt: float) -> None:
    """Refuse an event rate (1/s) with more than MAX_EVENTS_PER_STEP events per step ``dt``."""
    if rate * dt > MAX_EVENTS_PER_STEP:
        raise InputError(
            f"{name} = {rate:g} /s expects {rate * dt:.3g} events per junction per step of "
            f"dt = {dt:g} s (allowed: at most {MAX_EVENTS_PER_STEP:g}, i.e. {name} <= "
            f"{MAX_EVENTS_PER_STEP / dt:g} /s for this dt; or a smaller dt)")
