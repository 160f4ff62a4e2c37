"""``rate``: deterministic potentiation/depression balance with an exact exponential step.

dx/dt = kP (1 - x) - kD x at constant junction voltage has the solution
x(t + dt) = x~ + (x(t) - x~) exp(-theta dt), theta = kP + kD, x~ = kP / theta, which is what
``advance`` applies (:func:`nwn.engine.ou_law.relax`), so any dt is exact for a
piecewise-constant voltage. Conductance G = g_min (1 - x) + g_max x. Defaults: the
connectome-model edge values (kinetics module); the initial state defaults to x = 0
(G = g_min), as in that model.
"""

from __future__ import annotations

import numba
import numpy as np

from nwn.engine.ou_law import relax

from .base import JunctionModel
from .kinetics import (
    CONDUCTANCE_PARAMETERS,
    KINETIC_PARAMETERS,
    attractor_and_rate,
    check_conductance_bounds,
)

__all__ = ["RateModel"]


class RateModel(JunctionModel):
    """Deterministic rate-balance junctions (Miranda et al. 2020; Milano et al. 2022).

    State: ``x`` (M,), normalized filament state in [0, 1]; ``state()`` returns x.
    """

    name = "rate"
    PARAMETERS = {**KINETIC_PARAMETERS, **CONDUCTANCE_PARAMETERS}
    STATE_DTYPES = {"x": np.float64}

    @classmethod
    def _check_relations(cls, values, where):
        check_conductance_bounds(values, where)

    def _initialize(self, x0, rng):
        self._x = np.zeros(self.n_junctions) if x0 is None else x0.astype(np.float64)

    def _advance(self, voltage, dt):
        a = self._arrays
        _advance_rate(self._x, voltage, dt, a["kp0"], a["eta_p"], a["kd0"], a["eta_d"])

    def conductance(self, out=None):
        out = self._out(out)
        _linear_conductance(self._x, self._arrays["g_min"], self._arrays["g_max"], out)
        return out

    def state(self):
        return self._x.copy()


@numba.njit(cache=True, nogil=True)
def _advance_rate(x, voltage, dt, kp0, eta_p, kd0, eta_d):
    for j in range(x.shape[0]):
        target, theta = attractor_and_rate(kp0[j], eta_p[j], kd0[j], eta_d[j], voltage[j])
        x[j] = relax(x[j], target, theta, dt)


@numba.njit(cache=True, nogil=True)
def _linear_conductance(x, g_min, g_max, out):
    for j in range(x.shape[0]):
        # clipped: ou_jump's x may leave [0, 1]; a conductance must stay in [g_min, g_max]
        xj = min(max(x[j], 0.0), 1.0)
        out[j] = g_min[j] + (g_max[j] - g_min[j]) * xj
