"""Potentiation/depression kinetics shared by ``rate``, ``filament`` and ``ou_jump``.

Miranda, Milano & Ricciardi (IEEE Trans. Nanotechnol. 19, 609 (2020)) rate balance for the
normalized junction state x in [0, 1]::

    dx/dt = kP (1 - x) - kD x,   kP = kp0 exp(eta_p |V|),   kD = kd0 exp(-eta_d |V|)

so x relaxes at rate theta = kP + kD towards the attractor x~ = kP / theta. Defaults are the
published edge values of the connectome model (Milano et al., Neural Networks 2022):
kp0 = 1e-4 /s, eta_p = 10 /V, kd0 = 0.5 /s, eta_d = 1 /V, G_min = 1e-3 S, G_max = 0.1 S
(G_max = 100 G_min), with the linear conductance G = G_min (1 - x) + G_max x.
"""

from __future__ import annotations

import math

import numba

from .base import JunctionModel, Param

__all__ = ["KINETIC_PARAMETERS", "CONDUCTANCE_PARAMETERS", "attractor_and_rate"]

KINETIC_PARAMETERS = {
    "kp0": Param(1e-4, "1/s", "potentiation rate prefactor kP0", low=0.0),
    "eta_p": Param(10.0, "1/V", "potentiation voltage sensitivity", low=0.0),
    "kd0": Param(0.5, "1/s", "depression rate prefactor kD0", low=0.0, low_open=True),
    "eta_d": Param(1.0, "1/V", "depression voltage sensitivity", low=0.0),
}

CONDUCTANCE_PARAMETERS = {
    "g_min": Param(1e-3, "S", "conductance of the fully dissolved junction (x = 0)", low=0.0),
    "g_max": Param(1e-1, "S", "conductance of the fully formed junction (x = 1)", low=0.0),
}


def check_conductance_bounds(values, where: str) -> None:
    """Refuse g_max < g_min (scalars or per-junction arrays)."""
    JunctionModel._require(
        values["g_max"] >= values["g_min"], where, "g_max", "g_max >= g_min", values
    )


@numba.njit(cache=True, nogil=True)
def attractor_and_rate(kp0, eta_p, kd0, eta_d, voltage):
    """Return (x~, theta) at junction voltage ``voltage`` (V), robust to overflow.

    theta may be +inf (kP overflowed); x~ is then exactly 1.
    """
    magnitude = abs(voltage)
    kp = kp0 * math.exp(eta_p * magnitude) if kp0 > 0.0 else 0.0
    kd = kd0 * math.exp(-eta_d * magnitude)
    theta = kp + kd
    if theta <= 0.0:
        return 0.0, 0.0
    # ratio form so that kP = inf gives x~ = 1 instead of inf/inf
    if kp >= kd:
        return 1.0 / (1.0 + kd / kp), theta
    ratio = kp / kd
    return ratio / (1.0 + ratio), theta
