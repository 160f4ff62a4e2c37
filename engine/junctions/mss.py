"""``mss``: the Nugent-Molter metastable-switch memristor, exact binomial update.

Nugent & Molter, "AHaH computing: from metastable switches to attractors to machine
learning", PLoS ONE 9, e85175 (2014); the stochastic junction model of conn2res's
``MSSNetwork`` (Suárez et al.). A junction is N independent metastable switches, each off (A)
or on (B). A switch turns on at rate r_A and off at rate r_B::

    r_A = (1/t_c) / (1 + exp(-(V - v_A) / V_T))
    r_B = (1/t_c) (1 - 1 / (1 + exp(-(V + v_B) / V_T)))      V_T = k_B T / q

with V the junction's own voltage (the model is polar: positive V above v_A switches on,
negative V below -v_B switches off; the sign follows the network edge's orientation). With
N_B switches on, G = N_B G_on/N + (N - N_B) G_off/N, i.e. G = g_off + (g_on - g_off) N_B / N.

Over a step at constant voltage each switch is a two-state Markov chain, so exactly (as the
``filament`` model): N_B' = Binomial(N_B, p_stay) + Binomial(N - N_B, p_on) with
x~ = r_A / (r_A + r_B), theta = r_A + r_B, p_on = x~ (1 - e^{-theta dt}),
p_stay = x~ + (1 - x~) e^{-theta dt}. Its mean follows the rate equation
dE[N_B]/dt = r_A (N - N_B) - r_B N_B exactly, and its variance given N_B is the sum of the two
binomials'. conn2res draws Binomial(N_A, (dt/t_c) / (1 + ...)) per step, the first-order
limit of p_on for dt << t_c; here any dt is exact.

Defaults: the Ag-chalcogenide device of Nugent & Molter (2014) as conn2res uses it:
v_A = 0.17 V, v_B = 0.22 V, t_c = 0.32 ms, G_off = 0.91 mS, G_on = 8.7 mS, N = 10000
switches, T = 298 K; initial state N_B / N = 0.2 (conn2res's N_B = 2000).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from . import random_streams as rs
from .base import JunctionModel, Param
from .filament import _binomial_substep

__all__ = ["MSSModel", "BOLTZMANN", "ELEMENTARY_CHARGE", "switch_rates"]

#: J/K and C (CODATA), for the thermal voltage V_T = k_B T / q.
BOLTZMANN = 1.380649e-23
ELEMENTARY_CHARGE = 1.602176634e-19


class MSSModel(JunctionModel):
    """Metastable-switch junctions: N two-state switches each, exact binomial update.

    State: ``n`` (M,) int64 switches on, ``rng`` (M, 4) uint64 streams. ``state()`` returns
    n / N; ``initial`` is given in n / N (rounded to switches).
    """

    name = "mss"
    PARAMETERS = {
        "v_a": Param(0.17, "V", "switch-on threshold v_A", low=0.0),
        "v_b": Param(0.22, "V", "switch-off threshold v_B (at -v_B)", low=0.0),
        "t_c": Param(0.32e-3, "s", "switching time constant t_c", low=0.0, low_open=True),
        "g_off": Param(0.91e-3, "S", "conductance with every switch off", low=0.0),
        "g_on": Param(8.7e-3, "S", "conductance with every switch on", low=0.0),
        "n_switches": Param(10000, "", "number of metastable switches N per junction", low=1,
                            integer=True, spreadable=False),
        "temperature": Param(298.0, "K", "temperature T (thermal voltage k_B T / q)",
                             low=0.0, low_open=True),
    }
    STATE_DTYPES = {"n": np.int64, "rng": np.uint64}
    DEFAULT_X0 = 0.2

    @classmethod
    def _check_relations(cls, values, where):
        cls._require(values["g_on"] >= values["g_off"], where, "g_on", "g_on >= g_off",
                     values)

    def _initialize(self, x0, rng):
        n_max = self.parameters["n_switches"]
        x = np.full(self.n_junctions, self.DEFAULT_X0) if x0 is None else x0
        self._n = np.rint(x * n_max).astype(np.int64)
        self._rng = rs.new_streams(rng, self.n_junctions)

    def _advance(self, voltage, dt):
        a = self._arrays
        _advance_mss(self._n, self._rng, voltage, dt, self.parameters["n_switches"],
                     a["v_a"], a["v_b"], a["t_c"], thermal_voltage(a["temperature"]))

    def conductance(self, out=None):
        out = self._out(out)
        a = self._arrays
        np.multiply(a["g_on"] - a["g_off"], self._n / float(self.parameters["n_switches"]),
                    out=out)
        out += a["g_off"]
        return out

    def state(self):
        return self._n / float(self.parameters["n_switches"])

    def rates(self, voltage) -> tuple[np.ndarray, np.ndarray]:
        """Per-switch rates (r_A on, r_B off) in 1/s of every junction at ``voltage`` (V)."""
        a = self._arrays
        voltage = np.broadcast_to(np.asarray(voltage, dtype=np.float64), (self.n_junctions,))
        return switch_rates(voltage, a["v_a"], a["v_b"], a["t_c"],
                            thermal_voltage(a["temperature"]))


def thermal_voltage(temperature):
    """k_B T / q (V) at ``temperature`` (K)."""
    return BOLTZMANN * np.asarray(temperature, dtype=np.float64) / ELEMENTARY_CHARGE


def switch_rates(voltage, v_a, v_b, t_c, v_t):
    """(r_A, r_B) in 1/s, arrays broadcast together (see the module docstring)."""
    voltage, v_a, v_b, t_c, v_t = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (voltage, v_a, v_b, t_c, v_t)))
    on = np.empty(voltage.shape)
    off = np.empty(voltage.shape)
    for j in np.ndindex(voltage.shape):
        on[j], off[j] = _rates(voltage[j], v_a[j], v_b[j], t_c[j], v_t[j])
    return on, off


@numba.njit(cache=True, nogil=True)
def _logistic(z):
    # 1 / (1 + e^-z) without overflow for large |z|
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@numba.njit(cache=True, nogil=True)
def _rates(voltage, v_a, v_b, t_c, v_t):
    on = _logistic((voltage - v_a) / v_t) / t_c
    off = _logistic(-(voltage + v_b) / v_t) / t_c        # 1 - logistic(z) = logistic(-z)
    return on, off


@numba.njit(cache=True, nogil=True)
def _advance_mss(n, streams, voltage, dt, n_max, v_a, v_b, t_c, v_t):
    for j in range(n.shape[0]):
        on, off = _rates(voltage[j], v_a[j], v_b[j], t_c[j], v_t[j])
        theta = on + off
        target = on / theta if theta > 0.0 else 0.0
        n[j] = _binomial_substep(streams[j], n[j], n_max, target, theta, dt)
