"""``filament``: stochastic filament growth on n_max atomic sites, exact binomial update.

Each of the n_max sites in a junction gap fills at rate kP and empties at rate kD (the same
laws as ``rate``). Sites are independent two-state Markov chains, so over dt at constant
voltage a filled site stays filled with p_stay = x~ + (1 - x~) e^{-theta dt} and an empty one
fills with p_fill = x~ (1 - e^{-theta dt}); hence exactly

    n' = Binomial(n, p_stay) + Binomial(n_max - n, p_fill).

Its mean is ``rate``: E[n'/n_max] = x~ + (n/n_max - x~) e^{-theta dt}; the variance of n'
given n is n p_stay (1 - p_stay) + (n_max - n) p_fill (1 - p_fill), so the noise on x = n/n_max
shrinks as 1/n_max. Conductance is quantized: G = g_min + (g_max - g_min) n / n_max.

Optional avalanche jumps (off by default, ``jump_rate = 0``): jumps arrive as a Poisson
process of rate ``jump_rate``; each moves round(A n_max) sites (at least one), with A drawn
from P(A) ~ A^-jump_alpha on [jump_min, jump_max], upwards with probability
1/2 + (x~ - x)/(2 (1 + 2 jump_max)) (biased towards the attractor, as in ``ou_jump``), clipped
to [0, n_max]. Waiting times are drawn exactly within dt and the binomial update is applied
between jumps, so any dt is exact for the jump process too.

Defaults: kinetics and conductance bounds as ``rate``; n_max = 100 sites is this project's
choice (no published value); jump shape parameters as the 2025 lumped fit (``ou_jump``).
"""

from __future__ import annotations

import numba
import numpy as np

from nwn.engine.ou_law import jump_up_probability, one_minus_exp

from . import random_streams as rs
from .base import JunctionModel, Param
from .kinetics import (
    CONDUCTANCE_PARAMETERS,
    KINETIC_PARAMETERS,
    attractor_and_rate,
    check_conductance_bounds,
)

__all__ = ["FilamentModel", "JUMP_PARAMETERS", "check_jump_bounds"]

JUMP_PARAMETERS = {
    "jump_rate": Param(0.08243, "1/s", "Poisson rate E of jumps per junction", low=0.0),
    "jump_alpha": Param(2.78, "", "exponent alpha of the jump-size law A^-alpha", low=0.0),
    "jump_min": Param(6.37e-4, "", "smallest jump size A_min (fraction of full range)",
                      low=0.0, low_open=True, high=1.0),
    "jump_max": Param(1.02e-2, "", "largest jump size A_max (fraction of full range)",
                      low=0.0, low_open=True, high=1.0),
}


def check_jump_bounds(values, where: str) -> None:
    """Refuse jump_max < jump_min."""
    JunctionModel._require(
        values["jump_max"] >= values["jump_min"], where, "jump_max", "jump_max >= jump_min", values
    )


class FilamentModel(JunctionModel):
    """Stochastic filament junctions: n_max sites, exact binomial update, optional jumps.

    State: ``n`` (M,) int64 filled sites, ``rng`` (M, 4) uint64 streams.
    ``state()`` returns n / n_max; ``initial`` is given in n / n_max (rounded to sites).
    """

    name = "filament"
    PARAMETERS = {
        **KINETIC_PARAMETERS,
        **CONDUCTANCE_PARAMETERS,
        "n_max": Param(100, "", "number of atomic sites in the junction gap", low=1,
                       integer=True, spreadable=False),
        **{**JUMP_PARAMETERS,
           "jump_rate": Param(0.0, "1/s", "Poisson rate of avalanche jumps (0: off)", low=0.0)},
    }
    STATE_DTYPES = {"n": np.int64, "rng": np.uint64}

    @classmethod
    def _check_relations(cls, values, where):
        check_conductance_bounds(values, where)
        check_jump_bounds(values, where)

    def _initialize(self, x0, rng):
        n_max = self.parameters["n_max"]
        if x0 is None:
            self._n = np.zeros(self.n_junctions, dtype=np.int64)
        else:
            self._n = np.rint(x0 * n_max).astype(np.int64)
        self._rng = rs.new_streams(rng, self.n_junctions)

    def _advance(self, voltage, dt):
        a = self._arrays
        _advance_filament(
            self._n, self._rng, voltage, dt, self.parameters["n_max"],
            a["kp0"], a["eta_p"], a["kd0"], a["eta_d"],
            a["jump_rate"], a["jump_alpha"], a["jump_min"], a["jump_max"],
        )

    def conductance(self, out=None):
        out = self._out(out)
        _site_conductance(
            self._n, self.parameters["n_max"], self._arrays["g_min"], self._arrays["g_max"], out
        )
        return out

    def state(self):
        return self._n / float(self.parameters["n_max"])


@numba.njit(cache=True, nogil=True)
def _binomial_substep(st, n, n_max, target, theta, duration):
    change = one_minus_exp(theta, duration)
    p_fill = target * change
    p_stay = 1.0 - (1.0 - target) * change
    return rs.binomial(st, n, p_stay) + rs.binomial(st, n_max - n, p_fill)


@numba.njit(cache=True, nogil=True)
def _advance_filament(n, streams, voltage, dt, n_max, kp0, eta_p, kd0, eta_d,
                      jump_rate, jump_alpha, jump_min, jump_max):
    for j in range(n.shape[0]):
        st = streams[j]
        target, theta = attractor_and_rate(kp0[j], eta_p[j], kd0[j], eta_d[j], voltage[j])
        sites = n[j]
        if jump_rate[j] <= 0.0:
            sites = _binomial_substep(st, sites, n_max, target, theta, dt)
        else:
            elapsed = 0.0
            while True:
                wait = rs.exponential(st, jump_rate[j])
                if elapsed + wait >= dt:
                    sites = _binomial_substep(st, sites, n_max, target, theta, dt - elapsed)
                    break
                sites = _binomial_substep(st, sites, n_max, target, theta, wait)
                elapsed += wait
                size = rs.bounded_power_law(st, jump_alpha[j], jump_min[j], jump_max[j])
                step = max(1, int(round(size * n_max)))
                p_up = jump_up_probability(target, sites / n_max, jump_max[j])
                if rs.uniform(st) < p_up:
                    sites = min(sites + step, n_max)
                else:
                    sites = max(sites - step, 0)
        n[j] = sites


@numba.njit(cache=True, nogil=True)
def _site_conductance(n, n_max, g_min, g_max, out):
    for j in range(n.shape[0]):
        out[j] = g_min[j] + (g_max[j] - g_min[j]) * (n[j] / n_max)
