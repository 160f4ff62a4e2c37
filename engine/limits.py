"""The limits of a scenario's inputs, each with its one refusal message.

The scenario schema (:mod:`nwn.engine.scenario`) checks every file it reads and every spec that
is constructed against these; the GUI's fields call the same functions, so a value is refused
in the same words wherever it is typed. ``where`` is the key path of the value's table
(``"network"``, ``"run"``): messages name the key path, the value and what is allowed.
"""

from __future__ import annotations

from typing import Any

from nwn.geometry.checks import InputError, check_int

__all__ = [
    "MAX_SEED",
    "MAX_STEPS",
    "MAX_WIRES",
    "check_density",
    "check_every",
    "check_seed",
    "check_steps",
    "check_wire_count",
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
