"""``hp`` and ``decay_hp``: the HP linear-drift memristor and its decaying variant.

Strukov, Snider, Stewart & Williams, "The missing memristor found", Nature 453, 80 (2008):
a doped layer of width w in a film of thickness D, its boundary drifting with the current
I through the junction. With the normalized state x = w / D in [0, 1]::

    R(x)  = R_on x + R_off (1 - x)                       (ohm; R_on at x = 1)
    dx/dt = k I f(x),      k = mu_v R_on / D**2          (k in 1/(A s))

``decay_hp`` (Sillin et al., Nanotechnology 24, 384004 (2013), as MemNNetSim implements it)
adds a relaxation of the state towards 0: dx/dt = k I f(x) - x / tau.

Window functions f(x), for x clipped to [0, 1] (``window``; exponent ``window_p``, scale
``window_j``): ``none`` f = 1; ``strukov`` f = x (1 - x) (Strukov 2008; "Joglekar/Strukov"
in MemNNetSim); ``joglekar`` f = 1 - (2x - 1)^(2p) (Joglekar & Wolf, Eur. J. Phys. 30, 661
(2009)); ``biolek`` f = 1 - (x - H(-s))^(2p), H the unit step of the drift direction s
(Biolek, Biolek & Biolkova, Radioengineering 18, 210 (2009)); ``prodromakis``
f = j (1 - ((x - 1/2)^2 + 3/4)^p) (Prodromakis et al., IEEE Trans. Electron Dev. 58, 3099
(2011)). The state is kept in [0, 1] (it can only leave it with ``none``).

Drift polarity (``polarity``, a modelling choice): ``junction``: I is the junction's own
current V / R(x), signed by the network edge's orientation (an HP device is polar; in a
random network the orientation of each junction is arbitrary); ``source``: I = |V| / R(x)
times the sign of the applied source voltage, as MemNNetSim does (every junction grows under
a positive bias, shrinks under a negative one). The simulation sets that sign before each
step (``source_sign``): the sign of the first driven electrode, in electrode order, whose
stimulus is not zero then (0, no drift, when all are).

Units. SI throughout. MemNNetSim (mnns) writes the same law non-dimensionally with
l0 = 7 µm, v0 = 1 V, R_on = 10 ohm (its resistance unit), I0 = v0 / R_on = 0.1 A,
t0 = D**2 / (mu_v v0) = 10 ms (D = 10 nm, mu_v = 1e-14 m^2/(V s)); its state x and ratio
R_off / R_on = 160 are the same numbers here. So mnns's time t* = t / t0, current
I* = I R_on / v0, and its dx/dt* = I* f(x) is dx/dt = (R_on / (v0 t0)) I f(x): k = 1000 /(A s)
with the defaults, and mnns's decay constant tau* (in t0) is tau = tau* t0.

Integration. Unlike ``rate``, x(t) is not known in closed form over a step: the junction's
current changes as x changes, and in a network every junction's voltage changes with every
other junction's state. These models are therefore *coupled*: :class:`~nwn.engine.simulation.
Simulation` advances them with the classical fourth-order Runge-Kutta scheme on the whole
network, re-solving Kirchhoff's laws at each stage (three extra solves per step), so the
global error falls as dt^4 (``tests/test_junctions_hp.py`` measures the order). Stimuli are
held at their value at the start of the step, as everywhere in nwn. :meth:`advance` alone
(no circuit) applies the same RK4 step with the junction voltage held constant.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .base import JunctionModel, Param

__all__ = ["HPModel", "DecayHPModel", "WINDOWS", "MNNS_UNITS"]

#: Window names, in the order of their numba codes.
WINDOWS = ("none", "strukov", "joglekar", "biolek", "prodromakis")
#: MemNNetSim's characteristic units (SI): length l0, voltage v0, resistance R_on, time t0.
MNNS_UNITS = {"l0": 7e-6, "v0": 1.0, "r_on": 10.0, "t0": 1e-2}

_PARAMETERS = {
    "r_on": Param(10.0, "ohm", "resistance of the fully doped junction (x = 1)",
                  low=0.0, low_open=True),
    "r_off": Param(1600.0, "ohm", "resistance of the undoped junction (x = 0)",
                   low=0.0, low_open=True),
    "mobility": Param(1e-14, "m^2/(V s)", "dopant mobility mu_v", low=0.0),
    "thickness": Param(10e-9, "m", "film thickness D", low=0.0, low_open=True),
    "window": Param("strukov", "", "window function f(x)", choices=WINDOWS, spreadable=False),
    "window_p": Param(1, "", "window exponent p (joglekar, biolek, prodromakis)", low=1,
                      integer=True, spreadable=False),
    "window_j": Param(1.0, "", "window scale j (prodromakis)", low=0.0, low_open=True,
                      spreadable=False),
    "polarity": Param("source", "", "drift direction: the junction's own current or the "
                      "applied source's sign", choices=("source", "junction"),
                      spreadable=False),
}


class HPModel(JunctionModel):
    """HP linear-drift memristor junctions (Strukov et al. 2008).

    State: ``x`` (M,), normalized doped width in [0, 1]; ``state()`` returns x. The initial
    state defaults to x = 0.05 (MemNNetSim's examples).
    """

    name = "hp"
    PARAMETERS = dict(_PARAMETERS)
    STATE_DTYPES = {"x": np.float64}
    #: advanced by the simulation with circuit re-solves inside each step (module docstring)
    COUPLED = True
    DEFAULT_X0 = 0.05

    def _initialize(self, x0, rng):
        self._x = (np.full(self.n_junctions, self.DEFAULT_X0) if x0 is None
                   else x0.astype(np.float64))
        #: sign of the applied source (polarity "source"); set by the simulation every step
        self.source_sign = 1.0
        a = self._arrays
        self._k = a["mobility"] * a["r_on"] / a["thickness"] ** 2
        self._tau_inverse = np.zeros(self.n_junctions)
        self._window = WINDOWS.index(self.parameters["window"])
        self._by_source = self.parameters["polarity"] == "source"

    @classmethod
    def _check_relations(cls, values, where):
        cls._require(values["r_off"] >= values["r_on"], where, "r_off", "r_off >= r_on",
                     values)

    # -- the law ------------------------------------------------------------------------

    def conductance_of(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Conductance (S) of every junction at states ``x`` (M,)."""
        out = self._out(out)
        _hp_conductance(x, self._arrays["r_on"], self._arrays["r_off"], out)
        return out

    def conductance(self, out=None):
        return self.conductance_of(self._x, out)

    def drift(self, x: np.ndarray, voltage: np.ndarray, out: np.ndarray | None = None
              ) -> np.ndarray:
        """dx/dt (1/s) of every junction at states ``x`` and junction voltages (V), (M,)."""
        out = self._out(out)
        a = self._arrays
        _hp_drift(x, voltage, a["r_on"], a["r_off"], self._k, self._tau_inverse,
                  self._window, int(self.parameters["window_p"]),
                  float(self.parameters["window_j"]), self._by_source,
                  float(self.source_sign), out)
        return out

    def state(self):
        return self._x.copy()

    # -- stepping -------------------------------------------------------------------------

    def _advance(self, voltage, dt):
        self.advance_coupled(voltage, dt, lambda conductance: voltage)

    def advance_coupled(self, voltage: np.ndarray, dt: float, junction_voltage_at) -> None:
        """One RK4 step of the states over ``dt`` (s), in place.

        Parameters
        ----------
        voltage : ndarray, shape (M,)
            Junction voltages (V) of the circuit solved for the present states.
        dt : float
            Step (s).
        junction_voltage_at : callable
            ``junction_voltage_at(conductance)`` -> (M,) junction voltages (V) of the circuit
            solved with these junction conductances (S) at the step's stimuli.
        """
        x0 = self._x
        g = np.empty(self.n_junctions)
        k1 = self.drift(x0, voltage)
        stage = _clipped(x0 + 0.5 * dt * k1)
        k2 = self.drift(stage, junction_voltage_at(self.conductance_of(stage, g)))
        stage = _clipped(x0 + 0.5 * dt * k2)
        k3 = self.drift(stage, junction_voltage_at(self.conductance_of(stage, g)))
        stage = _clipped(x0 + dt * k3)
        k4 = self.drift(stage, junction_voltage_at(self.conductance_of(stage, g)))
        self._x = _clipped(x0 + (dt / 6.0) * (k1 + 2.0 * (k2 + k3) + k4))


class DecayHPModel(HPModel):
    """HP junctions whose state also decays towards 0 with time constant ``tau``
    (Sillin et al. 2013)."""

    name = "decay_hp"
    PARAMETERS = {**_PARAMETERS,
                  "tau": Param(1.0, "s", "decay time constant of the state (MemNNetSim's "
                               "examples: 100 t0)", low=0.0, low_open=True)}

    def _initialize(self, x0, rng):
        super()._initialize(x0, rng)
        self._tau_inverse = 1.0 / self._arrays["tau"]


def _clipped(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0, out=x)


@numba.njit(cache=True, nogil=True)
def _hp_conductance(x, r_on, r_off, out):
    for j in range(x.shape[0]):
        xj = min(max(x[j], 0.0), 1.0)
        out[j] = 1.0 / (r_on[j] * xj + r_off[j] * (1.0 - xj))


@numba.njit(cache=True, nogil=True)
def _window(code, x, direction, p, j):
    if code == 0:
        return 1.0
    if code == 1:
        return x * (1.0 - x)
    if code == 2:
        return 1.0 - (2.0 * x - 1.0) ** (2 * p)
    if code == 3:
        step = 1.0 if direction < 0.0 else 0.0    # H(-s): 1 while x shrinks
        return 1.0 - (x - step) ** (2 * p)
    return j * (1.0 - ((x - 0.5) ** 2 + 0.75) ** p)


@numba.njit(cache=True, nogil=True)
def _hp_drift(x, voltage, r_on, r_off, k, tau_inverse, window, p, window_j, by_source,
              source_sign, out):
    for j in range(x.shape[0]):
        xj = min(max(x[j], 0.0), 1.0)
        resistance = r_on[j] * xj + r_off[j] * (1.0 - xj)
        if by_source:
            current = abs(voltage[j]) / resistance * source_sign
        else:
            current = voltage[j] / resistance
        out[j] = (k[j] * current * _window(window, xj, current, p, window_j)
                  - xj * tau_inverse[j])
        if not math.isfinite(out[j]):
            out[j] = 0.0
