"""``threshold``: the Sydney group's filament-gap model (polar threshold switch).

State lambda (V s, signed filament "flux"), driven by the junction voltage V
(Hochstetter et al., Nat. Commun. 12, 4008 (2021); Zhu et al. 2021; Loeffler et al. 2023)::

    dlambda/dt = (|V| - V_set) sgn(V)                 if |V| > V_set
               = boost (|V| - V_reset) sgn(lambda)    if |V| < V_reset   (decay towards 0)
               = 0                                     otherwise
    |lambda| <= lambda_max

At constant V the right-hand side is constant until lambda reaches +-lambda_max (set) or 0
(decay), where it stops, so ``advance`` is exact for any dt: lambda moves linearly and is
clipped to [-lambda_max, lambda_max] (set) or stopped at 0 (decay; sgn(0) = 0).

Conductance (``mode``):

- ``binary``: g_on if |lambda| >= lambda_crit else g_off;
- ``tunnelling`` (the published ``tunnelSwitchL``): the filament gap is
  d = gap_max max(0, (lambda_crit - |lambda|) / lambda_crit), and
  G = 1 / (R_t + 1/g_on) + g_off with Simmons' low-voltage tunnelling resistance as written in
  the published code, R_t = 2 d exp(C0 d phi^2) / (A sqrt(phi) J1), d in nm, barrier phi in V,
  C0 = 10.19 nm^-1, J1 = 4.71307e-5, A = ``tip_area`` (published 0.17). (Simmons' formula has
  sqrt(phi) in the exponent; the published implementation has phi^2, which we keep so that
  results compare with NWNsim.) At lambda = 0 this gives G ~ g_off; at |lambda| >= lambda_crit,
  G = g_on + g_off.

Defaults, with sources: V_set = 1e-2 V, lambda_crit = 1e-2 V s, lambda_max = 1.5e-2 V s,
boost = 10, g_on = 7.77e-5 S (about the conductance quantum, 1/12.9 kOhm), phi = 0.81 V,
A = 0.17, gap_max = 5 nm: NWNsim (Hochstetter 2021; github.com/joelhochstetter/NWNsim).
V_reset = 5e-3 V and g_off = 7.77e-8 S (R_off = 12.9 MOhm): Loeffler/Zhu and Xu et al. 2025
(neurowiresim), since NWNsim's scripts vary V_reset between 1e-3 and 1e-2 V.
``state()`` is |lambda| / lambda_max; ``initial`` gives lambda / lambda_max (positive).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import JunctionModel, Param

__all__ = ["ThresholdModel"]

_C0 = 10.19  # 1/nm (per V of barrier, as in the published code)
_J1 = 4.71307e-5
_MODES = ("binary", "tunnelling")


class ThresholdModel(JunctionModel):
    """Polar threshold filament junctions (deterministic).

    State: ``lambda`` (M,) float64, V s.
    """

    name = "threshold"
    PARAMETERS = {
        "v_set": Param(1e-2, "V", "set threshold: lambda grows when |V| > v_set", low=0.0),
        "v_reset": Param(5e-3, "V", "reset threshold: lambda decays when |V| < v_reset",
                         low=0.0),
        "lambda_crit": Param(1e-2, "V s", "critical flux: the junction is on at or above it",
                             low=0.0, low_open=True),
        "lambda_max": Param(1.5e-2, "V s", "largest |lambda|", low=0.0, low_open=True),
        "boost": Param(10.0, "", "decay speed-up factor b below v_reset", low=0.0),
        "g_on": Param(7.77e-5, "S", "on (filament) conductance", low=0.0),
        "g_off": Param(7.77e-8, "S", "off (residual) conductance", low=0.0),
        "mode": Param("tunnelling", "", "conductance law", choices=_MODES, spreadable=False),
        "gap_max": Param(5e-9, "m", "filament gap at lambda = 0 (tunnelling mode)",
                         low=0.0),
        "barrier": Param(0.81, "V", "tunnelling barrier height phi", low=0.0, low_open=True),
        "tip_area": Param(0.17, "nm^2", "filament tip area constant A of the published formula",
                          low=0.0, low_open=True),
    }
    STATE_DTYPES = {"lambda": np.float64}

    @classmethod
    def _check_relations(cls, values, where):
        cls._require(values["v_reset"] <= values["v_set"], where, "v_reset",
                     "v_reset <= v_set", values)
        cls._require(values["lambda_crit"] <= values["lambda_max"], where, "lambda_crit",
                     "lambda_crit <= lambda_max", values)

    def _initialize(self, x0, rng):
        lam_max = self._arrays["lambda_max"]
        self._lambda = np.zeros(self.n_junctions) if x0 is None else x0 * lam_max

    def _advance(self, voltage, dt):
        a = self._arrays
        _advance_threshold(self._lambda, voltage, dt, a["v_set"], a["v_reset"],
                           a["lambda_max"], a["boost"])

    def conductance(self, out=None):
        out = self._out(out)
        a = self._arrays
        if self.parameters["mode"] == "binary":
            _binary_conductance(self._lambda, a["lambda_crit"], a["g_on"], a["g_off"], out)
        else:
            _tunnelling_conductance(self._lambda, a["lambda_crit"], a["g_on"], a["g_off"],
                                    a["gap_max"], a["barrier"], a["tip_area"], out)
        return out

    def state(self):
        return np.abs(self._lambda) / self._arrays["lambda_max"]


@numba.njit(cache=True, nogil=True)
def _advance_threshold(lam, voltage, dt, v_set, v_reset, lambda_max, boost):
    for j in range(lam.shape[0]):
        magnitude = abs(voltage[j])
        value = lam[j]
        if magnitude > v_set[j]:
            value += (magnitude - v_set[j]) * math.copysign(1.0, voltage[j]) * dt
            value = min(max(value, -lambda_max[j]), lambda_max[j])
        elif magnitude < v_reset[j] and value != 0.0:
            shrink = boost[j] * (v_reset[j] - magnitude) * dt
            if abs(value) <= shrink:
                value = 0.0
            else:
                value -= math.copysign(shrink, value)
        lam[j] = value


@numba.njit(cache=True, nogil=True)
def _binary_conductance(lam, lambda_crit, g_on, g_off, out):
    for j in range(lam.shape[0]):
        out[j] = g_on[j] if abs(lam[j]) >= lambda_crit[j] else g_off[j]


@numba.njit(cache=True, nogil=True)
def _tunnelling_conductance(lam, lambda_crit, g_on, g_off, gap_max, barrier, tip_area, out):
    for j in range(lam.shape[0]):
        gap_nm = gap_max[j] * 1e9 * max(0.0, (lambda_crit[j] - abs(lam[j])) / lambda_crit[j])
        phi = barrier[j]
        exponent = _C0 * gap_nm * phi * phi
        if exponent > 700.0:
            # R_t beyond 1e300 ohm: only the residual path conducts
            out[j] = g_off[j]
            continue
        r_tunnel = 2.0 * gap_nm * math.exp(exponent) / (tip_area[j] * math.sqrt(phi) * _J1)
        r_on = 1.0 / g_on[j] if g_on[j] > 0.0 else np.inf
        out[j] = 1.0 / (r_tunnel + r_on) + g_off[j]
