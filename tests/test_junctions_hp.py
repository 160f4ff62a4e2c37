"""HP-family junctions (``hp``, ``decay_hp``) against independent references.

* One junction driven by a current source carries a known current, so dx/dt = k I f(x) has
  closed forms: linear (no window), logistic (Strukov, Joglekar p = 1, Prodromakis p = 1),
  tanh (Biolek p = 1), logistic with a shifted rate (decay).
* The coupled Runge-Kutta step converges at fourth order (measured against a fine step).
* The MemNNetSim (mnns 1.0.5) case ``mnns_hp_dc.npz``: 120 wires, contacts as HP junctions,
  drift polarity from the source; nwn reproduces its source current and every junction's
  state at each of the 121 output times to 1e-3 (measured: far better) with dt = 50 ms.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from test_solver import make_network

from nwn.engine.junctions import make_model
from nwn.engine.junctions.hp import MNNS_UNITS
from nwn.engine.simulation import Simulation
from nwn.engine.sources import Source
from nwn.engine.stimuli import make_stimulus
from nwn.geometry import Electrode, Wires, build_network, find_junctions
from nwn.geometry.checks import InputError
from nwn.geometry.contact_junctions import contacts_as_junctions
from nwn.resources import validation_path

K = 1e-14 * 10.0 / (10e-9) ** 2            # mu_v R_on / D^2 with the defaults: 1000 /(A s)


def one_junction(reverse: bool = False, series: float | None = None):
    """in -> node 0 -(junction)-> node 1 -> out; the junction edge runs 0 -> 1 (or 1 -> 0)."""
    pair = (1, 0) if reverse else (0, 1)
    return make_network(2, junctions=[pair], contacts={"in": [(0, 1e3)], "out": [(1, 1e3)]})


def drive(kind: str, value: float, series: float = 0.0):
    return {"in": Source(kind, make_stimulus({"kind": "dc", "value": value}), series),
            "out": Source("ground")}


def run_one(params, value, *, duration=1.0, dt=0.01, x0=0.2, model="hp", reverse=False,
            kind="current", series=0.0):
    junction = make_model(model, 1, params=params, initial={"value": x0},
                          rng=np.random.default_rng(0))
    sim = Simulation(one_junction(reverse), junction, drive(kind, value, series), dt=dt)
    sim.run(duration)
    return float(junction.state()[0]), sim


def logistic(x0, rate, t):
    return 1.0 / (1.0 + (1.0 / x0 - 1.0) * math.exp(-rate * t))


@pytest.mark.parametrize("window, p, exact", [
    ("none", 1, lambda x0, a, t: x0 + a * t),
    ("strukov", 1, lambda x0, a, t: logistic(x0, a, t)),
    ("joglekar", 1, lambda x0, a, t: logistic(x0, 4.0 * a, t)),
    ("prodromakis", 1, lambda x0, a, t: logistic(x0, a, t)),       # p = 1: f = x (1 - x)
    ("biolek", 1, lambda x0, a, t: math.tanh(a * t + math.atanh(x0))),  # growing: 1 - x^2
])
def test_windows_at_constant_current(window, p, exact):
    current = 0.5e-3                                                # k I = 0.5 /s
    x, _ = run_one({"window": window, "window_p": p}, current)
    assert x == pytest.approx(exact(0.2, K * current, 1.0), rel=1e-7)


def test_biolek_shrinking_and_joglekar_p2():
    # shrinking (negative current, junction polarity): f = 1 - (x - 1)^2 = x (2 - x)
    # dx/dt = -a x (2 - x) -> x(t) = 2 / (1 + (2/x0 - 1) e^(2 a t))
    a = K * 1e-3
    x, _ = run_one({"window": "biolek", "polarity": "junction"}, -1e-3, x0=0.6)
    assert x == pytest.approx(2.0 / (1.0 + (2.0 / 0.6 - 1.0) * math.exp(2.0 * a)), rel=1e-7)
    # Joglekar p = 2 against a fine integration of the same law (scipy-free: many RK4 steps)
    x_coarse, _ = run_one({"window": "joglekar", "window_p": 2}, 1e-3, dt=0.01)
    x_fine, _ = run_one({"window": "joglekar", "window_p": 2}, 1e-3, dt=0.001)
    assert x_coarse == pytest.approx(x_fine, rel=1e-8)
    assert x_fine > 0.2 + 0.5 * a * (1 - 0.6 ** 4)                   # it did grow


def test_decay_hp_is_a_shifted_logistic():
    tau, current = 0.5, 3e-3                                        # k I = 3 /s, 1/tau = 2 /s
    x, _ = run_one({"tau": tau}, current, model="decay_hp", duration=2.0)
    r = K * current - 1.0 / tau
    carrying = r / (K * current)
    assert x == pytest.approx(carrying / (1 + (carrying / 0.2 - 1) * math.exp(-r * 2.0)),
                              rel=1e-7)
    # no drive: pure exponential decay x0 e^(-t/tau)
    x, _ = run_one({"tau": tau}, 0.0, model="decay_hp", duration=1.0)
    assert x == pytest.approx(0.2 * math.exp(-2.0), rel=1e-7)


def test_polarity_options():
    """``source``: every junction grows under a positive source whatever its orientation;
    ``junction``: a junction oriented against the current shrinks."""
    grown, _ = run_one({"polarity": "source"}, 1e-3, reverse=True)
    shrunk, _ = run_one({"polarity": "junction"}, 1e-3, reverse=True)
    assert grown == pytest.approx(logistic(0.2, K * 1e-3, 1.0), rel=1e-7)
    assert shrunk == pytest.approx(logistic(0.2, -K * 1e-3, 1.0), rel=1e-7)
    negative, _ = run_one({"polarity": "source"}, -1e-3)
    assert negative == pytest.approx(shrunk, rel=1e-12)


def test_resistance_is_linear_in_the_state():
    model = make_model("hp", 3, params={"r_on": 10.0, "r_off": 1600.0},
                       initial={"value": 0.0}, rng=np.random.default_rng(0))
    model.set_state({"x": np.array([0.0, 0.25, 1.0])})
    np.testing.assert_allclose(1.0 / model.conductance(), [1600.0, 1202.5, 10.0], rtol=1e-15)
    with pytest.raises(InputError, match="r_off"):
        make_model("hp", 1, params={"r_on": 100.0, "r_off": 10.0}, rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="window"):
        make_model("hp", 1, params={"window": "hann"}, rng=np.random.default_rng(0))
    assert MNNS_UNITS["r_on"] / (MNNS_UNITS["v0"] * MNNS_UNITS["t0"]) == pytest.approx(K)


def test_coupled_step_converges_at_fourth_order():
    """Voltage drive through a series resistance: the junction's current changes with its
    state, so the circuit is re-solved inside each step. Errors against dt = 0.5 ms fall 16x
    per halving of dt (measured: 8.1e-5, 5.3e-6, 3.4e-7 at dt = 0.1, 0.05, 0.025 s)."""
    def final(dt):
        x, _ = run_one({}, 6.0, dt=dt, kind="voltage", series=400.0, x0=0.05, duration=1.0)
        return x

    reference = final(0.0005)
    errors = [abs(final(dt) - reference) for dt in (0.1, 0.05, 0.025)]
    orders = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    assert all(3.6 < order < 4.4 for order in orders), (errors, orders)
    assert reference > 0.5                                          # a strong transient


# ------------------------------------------------------------------ the mnns oracle case

def mnns_case():
    with np.load(validation_path("mnns_hp_dc.npz")) as data:
        return {key: data[key] for key in data.files}


def test_reproduces_memnnetsim_hp_dc_case():
    case = mnns_case()
    wires = Wires.from_endpoints(case["wires_m"])
    electrodes = [Electrode(name, shapely.LineString(ends))
                  for name, ends in zip(("source", "drain"), case["electrodes_m"], strict=True)]
    network = contacts_as_junctions(build_network(wires, find_junctions(wires), electrodes))
    assert network.n_junctions == 504
    # mnns's junction order in ours: wire i is node i, electrode k is mnns node 120 + k
    mnns_node = {int(t): 120 + k for k, t in enumerate(network.terminal_nodes)}
    index = {}
    for k, edge in enumerate(network.junction_edge):
        a, b = (mnns_node.get(int(n), int(n)) for n in network.edge_nodes[edge])
        index[(min(a, b), max(a, b))] = k
    order = np.array([index[(min(a, b), max(a, b))] for a, b in case["junction_nodes"]])

    model = make_model("hp", 504, params={"window": "strukov", "polarity": "source"},
                       initial={"value": 0.05}, rng=np.random.default_rng(0))
    voltage = float(case["source_voltage_V"][0])
    sim = Simulation(network, model, {
        "source": Source("voltage", make_stimulus({"kind": "dc", "value": voltage})),
        "drain": Source("ground")}, dt=0.05)
    times = case["t_s"]
    current, states = [], []
    for i, t in enumerate(times):
        if i:
            sim.run(t - times[i - 1])
        assert sim.t == pytest.approx(t)
        current.append(sim.snapshot().terminal_current[0])
        states.append(model.state()[order])
    current_error = np.max(np.abs(np.array(current) / case["source_current_A"] - 1))
    state_error = np.max(np.abs(np.array(states).T / case["x_t"] - 1))
    assert current_error < 1e-5 and state_error < 1e-4      # measured 2.2e-7 and 1.7e-5
    assert case["source_current_A"][-1] / case["source_current_A"][0] > 1.8
