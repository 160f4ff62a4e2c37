"""A linear memristor junction model for nwn-studio, shipped as a plugin (docs/plugins.md).

Caravelli-style linear state dynamics (Caravelli, Traversa & Di Ventra, Phys. Rev. E 95,
022140 (2017)), driven here by the junction's voltage so that a step at constant voltage is
exact: dx/dt = |V| / beta - alpha x, hence x(t + dt) = x~ + (x - x~) exp(-alpha dt) with
x~ = |V| / (alpha beta), the state kept in [0, 1]; G = g_off + (g_on - g_off) x.
"""

import numba
import numpy as np

from nwn.engine.junctions import JunctionModel, Param


class LinearMemristor(JunctionModel):
    name = "linear_memristor"          # what a scenario's [junction] model names
    PARAMETERS = {                     # defaults, SI units, meaning, allowed values
        "alpha": Param(1.0, "1/s", "relaxation rate", low=0.0, low_open=True),
        "beta": Param(10.0, "V s", "drive that fills the state in 1 s", low=0.0, low_open=True),
        "g_off": Param(1e-4, "S", "conductance at x = 0", low=0.0, low_open=True),
        "g_on": Param(1e-2, "S", "conductance at x = 1", low=0.0, low_open=True),
    }
    STATE_DTYPES = {"x": np.float64}   # the arrays get_state/set_state carry (self._x)

    def _initialize(self, x0, rng):
        self._x = np.zeros(self.n_junctions) if x0 is None else x0.astype(np.float64)

    def _advance(self, voltage, dt):   # all junctions over dt at constant voltage (V)
        a = self._arrays               # per-junction parameter arrays (spread applied)
        _advance(self._x, voltage, dt, a["alpha"], a["beta"])

    def conductance(self, out=None):   # (M,) S
        out = self._out(out)
        a = self._arrays
        out[:] = a["g_off"] + (a["g_on"] - a["g_off"]) * self._x
        return out

    def state(self):                   # (M,) in [0, 1], for colouring and recording
        return self._x.copy()


@numba.njit(cache=True)
def _advance(x, voltage, dt, alpha, beta):
    for j in range(x.shape[0]):
        target = abs(voltage[j]) / (alpha[j] * beta[j])
        x[j] = min(max(target + (x[j] - target) * np.exp(-alpha[j] * dt), 0.0), 1.0)
