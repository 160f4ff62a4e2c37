"""``ou_jump``: per-junction Ornstein-Uhlenbeck process with bounded power-law jumps.

The 2025 paper's law (Milano et al., Nat. Commun. 16 (2025)) applied to every junction::

    dx = theta (x~ - x) dt + sigma dW + dJ

with theta and x~ from the ``rate`` kinetics. Jumps arrive as a Poisson process of rate E
(``jump_rate``); a jump has size A from P(A) ~ A^-alpha on [A_min, A_max] (inverse CDF) and
goes up with probability 1/2 + (x~ - x)/(2 (1 + 2 A_max)), i.e. towards the attractor.

Integration is exact in distribution for any dt at constant voltage: the waiting times to
the jumps inside the step are drawn (exponential, so the count in dt is Poisson(E dt), not a
Bernoulli as in the paper's Euler scheme), and between jumps the exact OU transition is used,
x' = x~ + (x - x~) e^{-theta s} + sqrt(sigma^2 (1 - e^{-2 theta s}) / (2 theta)) N(0, 1).
The jump direction uses x just before the jump. The law's pieces (exact OU step, size
quantile, direction bias) are those of :mod:`nwn.engine.ou_law`, shared with the lumped model.

Clipping: x itself is not clipped (as in the paper's lumped g), but a junction conductance must
stay within [g_min, g_max], so ``conductance`` and ``state`` use min(max(x, 0), 1).

Defaults: kinetics and conductance bounds are the connectome-model edge values (as ``rate``);
sigma = 3.2e-4 s^-1/2, E = 0.08243 /s, alpha = 2.78, A in [6.37e-4, 1.02e-2] are the 2025 lumped
two-terminal fit, which the paper gives for the whole device, not per junction: they are a
starting point, not a measured junction property.
"""

from __future__ import annotations

import numba
import numpy as np

from nwn.engine.ou_law import jump_up_probability, ou_step

from . import random_streams as rs
from .base import JunctionModel, Param
from .filament import JUMP_PARAMETERS, check_jump_bounds
from .kinetics import (
    CONDUCTANCE_PARAMETERS,
    KINETIC_PARAMETERS,
    attractor_and_rate,
    check_conductance_bounds,
)
from .rate import _linear_conductance

__all__ = ["OUJumpModel"]


class OUJumpModel(JunctionModel):
    """Per-junction OU-with-jumps agents.

    State: ``x`` (M,) float64 (unclipped), ``rng`` (M, 4) uint64 streams.
    ``state()`` returns x clipped to [0, 1].
    """

    name = "ou_jump"
    PARAMETERS = {
        **KINETIC_PARAMETERS,
        **CONDUCTANCE_PARAMETERS,
        "sigma": Param(3.2e-4, "1/s^0.5", "noise amplitude sigma of the Wiener term", low=0.0),
        **JUMP_PARAMETERS,
    }
    STATE_DTYPES = {"x": np.float64, "rng": np.uint64}

    @classmethod
    def _check_relations(cls, values, where):
        check_conductance_bounds(values, where)
        check_jump_bounds(values, where)

    def _initialize(self, x0, rng):
        self._x = np.zeros(self.n_junctions) if x0 is None else x0.astype(np.float64)
        self._rng = rs.new_streams(rng, self.n_junctions)

    def _advance(self, voltage, dt):
        a = self._arrays
        _advance_ou_jump(
            self._x, self._rng, voltage, dt,
            a["kp0"], a["eta_p"], a["kd0"], a["eta_d"], a["sigma"],
            a["jump_rate"], a["jump_alpha"], a["jump_min"], a["jump_max"],
        )

    def conductance(self, out=None):
        out = self._out(out)
        _linear_conductance(self._x, self._arrays["g_min"], self._arrays["g_max"], out)
        return out

    def state(self):
        return np.clip(self._x, 0.0, 1.0)


@numba.njit(cache=True, nogil=True)
def _ou_substep(st, x, target, theta, sigma, duration):
    # The normal is drawn only when it is used, so sigma = 0 leaves the stream to the jumps.
    if duration <= 0.0:
        return x
    normal = rs.normal(st) if sigma > 0.0 else 0.0
    return ou_step(x, target, theta, sigma, duration, normal)


@numba.njit(cache=True, nogil=True)
def _advance_ou_jump(x, streams, voltage, dt, kp0, eta_p, kd0, eta_d, sigma,
                     jump_rate, jump_alpha, jump_min, jump_max):
    for j in range(x.shape[0]):
        st = streams[j]
        target, theta = attractor_and_rate(kp0[j], eta_p[j], kd0[j], eta_d[j], voltage[j])
        value = x[j]
        elapsed = 0.0
        while True:
            wait = rs.exponential(st, jump_rate[j])
            if elapsed + wait >= dt:
                value = _ou_substep(st, value, target, theta, sigma[j], dt - elapsed)
                break
            value = _ou_substep(st, value, target, theta, sigma[j], wait)
            elapsed += wait
            size = rs.bounded_power_law(st, jump_alpha[j], jump_min[j], jump_max[j])
            if rs.uniform(st) < jump_up_probability(target, value, jump_max[j]):
                value += size
            else:
                value -= size
        x[j] = value
