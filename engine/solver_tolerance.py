"""When the Kirchhoff solver's conjugate gradient stops: the criterion and its one setting.

The solver iterates on the reduced nodal system A v = s (:mod:`nwn.engine.solver`). Its
residual r = s - A v is, node by node, the current that Kirchhoff's current law leaves
unbalanced (A), and z = M^-1 r, M the factorization of an earlier matrix, is a sharp
estimate of the error in the node voltages (V). CG stops when, with ``tolerance`` = tau:

1. **Kirchhoff**: no node leaks more than tau of the largest terminal current,
   max_i |r_i| <= tau * I_ref;
2. **terminal currents**: the estimated error of each terminal current is below tau of the
   largest one, max_t sum_{c at t} |g_c z_c| <= tau * I_ref (c runs over the contacts of
   terminal t, g_c their conductances: the terminal current is sum_c g_c (V_t - v_c));
3. **voltages**: the estimated voltage error is below tau of the largest node voltage,
   max|z| <= tau * max|v|.

I_ref is the largest terminal current magnitude, estimated from the present voltages (and the
largest current-source value), but no less than what rounding alone leaves in the residual
over tau (a small multiple of eps times the largest diagonal entry or terminal conductance
times max|v|, ``solver_assembly.ROUNDING_EPS``): when every source sits at one voltage the
terminal currents vanish and tests 1 and 2 then ask for the residual at rounding level. The
default tau = :data:`DEFAULT_TOLERANCE` leaves the terminal currents right to better than 1e-10
relative (``tests/test_solver_tolerance.py`` checks this against a direct sparse solve).
``"legacy"`` is the earlier criterion (test 3 alone, at 1e-13), kept so that benchmarks can
compare against it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from nwn.geometry.checks import InputError

__all__ = ["DEFAULT_TOLERANCE", "LEGACY", "MAX_TOLERANCE", "MIN_TOLERANCE", "Tolerance",
           "check_tolerance"]

#: Default relative tolerance tau: half the 1e-10 relative accuracy promised for the terminal
#: currents, as z estimates the error only to within the stale preconditioner's spread of
#: eigenvalues. Measured against a direct solve (tests/test_solver_tolerance.py, JDA and MNR
#: networks, drifting and freshly switched states), tau = 1e-10 left errors up to 6e-11 and
#: tau = 1e-9 up to 8e-10, part of which is the direct solve's own rounding (3e-11 on MNR).
DEFAULT_TOLERANCE = 5e-11
#: Below this float64 cannot resolve the currents of a typical network (rounding of r alone).
MIN_TOLERANCE = 1e-14
#: Above this the "solution" no longer obeys Kirchhoff's laws in any useful sense.
MAX_TOLERANCE = 1e-3
#: The earlier criterion's voltage tolerance (test 3 alone).
LEGACY_VOLTAGE = 1e-13
LEGACY = "legacy"


@dataclass(frozen=True)
class Tolerance:
    """A stopping criterion of the solver's CG.

    Attributes
    ----------
    current : float
        Relative tolerance of tests 1 and 2 (inf: not tested).
    voltage : float
        Relative tolerance of test 3.
    name : float or str
        As the user gave it: the number tau or ``"legacy"``.
    """

    current: float
    voltage: float
    name: Any


def check_tolerance(name: str, value: Any) -> Tolerance:
    """The criterion for ``value``: a number in [MIN_TOLERANCE, MAX_TOLERANCE] or "legacy".

    Raises
    ------
    InputError
        One line naming ``name``, the value and what is allowed.
    """
    if isinstance(value, Tolerance):
        return value
    if isinstance(value, str) and value == LEGACY:
        return Tolerance(math.inf, LEGACY_VOLTAGE, LEGACY)
    allowed = (f"a number in [{MIN_TOLERANCE:g}, {MAX_TOLERANCE:g}] (relative to the largest "
               f"terminal current and node voltage) or {LEGACY!r}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{name} must be {allowed} (got {value!r})")
    tau = float(value)
    if not MIN_TOLERANCE <= tau <= MAX_TOLERANCE:  # NaN fails too
        raise InputError(f"{name} must be {allowed} (got {tau:g})")
    return Tolerance(tau, tau, tau)
