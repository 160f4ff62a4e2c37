"""The solver's stopping criterion: terminal currents against a direct sparse solve, the
setting, its validation and the earlier criterion kept as "legacy"."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scenarios import two_terminal
from scipy.sparse.linalg import spsolve

from nwn.engine.scenario import parse_scenario, scenario_to_toml
from nwn.engine.solver import CircuitSolver
from nwn.engine.solver_tolerance import DEFAULT_TOLERANCE, LEGACY, check_tolerance
from nwn.geometry import build_network, drop_wires, find_junctions, side_bars
from nwn.geometry.checks import InputError

BOX = (40e-6, 40e-6)


def deposited(n_wires, mode, seed):
    wires = drop_wires(n_wires, box=BOX, length=7e-6, rng=np.random.default_rng(seed))
    return build_network(wires, find_junctions(wires), side_bars(BOX), mode=mode,
                         contact_resistance=10.0)


def direct_terminal_currents(network, g, fixed, injected):
    """Terminal currents (A, into the network) from scipy's direct sparse solve.

    ``fixed``: {electrode: V} of ideal sources and grounds; ``injected``: {electrode: A} of
    current sources. Built from the network's edges alone, independently of the solver.
    """
    edge_g = network.edge_conductance.copy()
    edge_g[network.junction_edge] = g
    a, b = network.edge_nodes.T
    n = network.n_nodes
    laplacian = sp.coo_matrix((np.r_[edge_g, edge_g, -edge_g, -edge_g],
                               (np.r_[a, b, a, b], np.r_[a, b, b, a])), shape=(n, n)).tocsr()
    _, label = sp.csgraph.connected_components(
        sp.coo_matrix((np.ones(a.size), (a, b)), shape=(n, n)), directed=False)
    reference = {label[network.terminal(name)] for name in fixed}
    voltage = np.zeros(n)
    is_fixed = np.zeros(n, dtype=bool)
    for name, volts in fixed.items():
        voltage[network.terminal(name)] = volts
        is_fixed[network.terminal(name)] = True
    free = np.flatnonzero(np.isin(label, list(reference)) & ~is_fixed)
    rhs = -laplacian[free] @ voltage
    for name, amps in injected.items():
        rhs[np.searchsorted(free, network.terminal(name))] += amps
    voltage[free] = spsolve(laplacian[free][:, free].tocsc(), rhs)
    out = {}
    for name in network.electrode_names:
        t = network.terminal(name)
        at = (a == t) | (b == t)
        sign = np.where(a[at] == t, 1.0, -1.0)
        out[name] = float(np.sum(sign * edge_g[at] * (voltage[a[at]] - voltage[b[at]])))
    for name, amps in injected.items():
        out[name] = amps
    return out


def worst_error(network, solution, reference):
    names = network.electrode_names
    got = np.array([solution.terminal_current[k] for k in range(len(names))])
    want = np.array([reference[name] for name in names])
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


def states(network, seed):
    """Junction conductances and source values: a first solve, a drift with a stale factor,
    then a freshly switched state (a fifth of the junctions x100, the bias changed)."""
    rng = np.random.default_rng(seed)
    g = 10 ** rng.uniform(-3, -1, network.n_junctions)
    yield g, 1.0
    for _ in range(12):
        g = np.clip(g * np.exp(rng.normal(0.0, 0.05, g.size)), 1e-4, 1.0)
        yield g, 1.0
    switched = g.copy()
    on = rng.uniform(size=g.size) < 0.2
    switched[on] *= 100.0
    yield switched, 0.3
    for _ in range(3):
        switched = switched * np.exp(rng.normal(0.0, 0.05, g.size))
        yield switched, 0.3


CASES = [("jda", 700, {"left": ("voltage", 1.0), "right": ("ground",)}),
         ("mnr", 400, {"left": ("voltage", 1.0), "right": ("ground",)}),
         ("jda", 600, {"left": ("current", 1e-3), "right": ("ground",)})]


@pytest.mark.parametrize("mode, n_wires, sources", CASES)
def test_default_tolerance_gets_terminal_currents_right_to_1e10(mode, n_wires, sources):
    network = deposited(n_wires, mode, seed=n_wires)
    solver = CircuitSolver(network, sources)
    loose = CircuitSolver(network, sources, tolerance=1e-5)
    worst = worst_loose = 0.0
    names = network.electrode_names
    for g, scale in states(network, seed=3):
        values = np.array([scale * sources[n][1] if sources.get(n, ("floating",))[0] in
                           ("voltage", "current") else 0.0 for n in names])
        fixed = {n: values[k] for k, n in enumerate(names)
                 if sources.get(n, ("floating",))[0] in ("voltage", "ground")}
        injected = {n: values[k] for k, n in enumerate(names)
                    if sources.get(n, ("floating",))[0] == "current"}
        reference = direct_terminal_currents(network, g, fixed, injected)
        worst = max(worst, worst_error(network, solver.solve(g, values), reference))
        worst_loose = max(worst_loose, worst_error(network, loose.solve(g, values), reference))
    assert worst <= 1e-10
    # the comparison can tell: a loose tolerance leaves errors well above 1e-10
    assert worst_loose > 1e-9


def test_legacy_is_the_earlier_criterion_and_agrees_with_the_default():
    network = deposited(700, "jda", seed=5)
    sources = {"left": ("voltage", 1.0), "right": ("ground",)}
    default = CircuitSolver(network, sources)
    legacy = CircuitSolver(network, sources, tolerance=LEGACY)
    assert default.tolerance.current == DEFAULT_TOLERANCE
    assert legacy.tolerance.voltage == 1e-13 and legacy.tolerance.current == np.inf
    its_default = its_legacy = 0
    for g, _ in states(network, seed=4):
        a = default.solve(g)
        b = legacy.solve(g)
        its_default += a.iterations
        its_legacy += b.iterations
        assert abs(a.terminal_current[0] - b.terminal_current[0]) <= 1e-10 * abs(
            b.terminal_current[0])
    assert its_default < its_legacy  # the looser, physical criterion saves iterations


@pytest.mark.parametrize("bad", [0.0, -1e-9, 1e-16, 0.5, float("nan"), "tight", True, None])
def test_bad_tolerances_are_refused_in_one_line(bad):
    network = deposited(200, "jda", seed=1)
    with pytest.raises(InputError) as err:
        CircuitSolver(network, {"left": ("voltage", 1.0), "right": ("ground",)},
                      tolerance=bad)
    message = str(err.value)
    assert "\n" not in message and message.startswith("tolerance must be")
    assert "1e-14, 0.001" in message and "'legacy'" in message


SCENARIO = two_terminal(n_wires=150, length=7e-6, duration=2e-3)


@pytest.mark.parametrize("value, expected", [("1e-9", 1e-9), ('"legacy"', LEGACY)])
def test_scenario_setting_round_trips_and_reaches_the_solver(value, expected):
    from nwn.engine.build import build_simulation

    scenario = parse_scenario(SCENARIO + f"solver_tolerance = {value}\n")
    assert scenario.run.solver_tolerance == expected
    again = parse_scenario(scenario_to_toml(scenario))
    assert again.run.solver_tolerance == expected
    simulation = build_simulation(scenario)
    assert simulation.solver.tolerance == check_tolerance("x", expected)
    assert parse_scenario(SCENARIO).run.solver_tolerance == DEFAULT_TOLERANCE
    assert "solver_tolerance" not in scenario_to_toml(parse_scenario(SCENARIO))


def test_scenario_refuses_a_bad_setting_naming_the_key():
    with pytest.raises(InputError, match=r"^run\.solver_tolerance must be a number in "
                                         r"\[1e-14, 0\.001\].* \(got 2\)$"):
        parse_scenario(SCENARIO + "solver_tolerance = 2\n")


def test_sources_at_one_voltage_give_vanishing_currents_without_failing():
    # every terminal at 1 V: the exact currents are 0, so "relative to the largest terminal
    # current" alone would ask for the impossible; the rounding level bounds the request
    network = deposited(300, "jda", seed=1)
    solver = CircuitSolver(network, {"left": ("voltage", 1.0), "right": ("voltage", 1.0)})
    g = np.full(network.n_junctions, 1e-2)
    for k in range(3):
        sol = solver.solve(g * (1 + 0.01 * k))
        assert np.max(np.abs(sol.terminal_current)) < 1e-12  # A, vs ~1e-2 A at 1 V bias
        assert np.nanmax(np.abs(sol.node_voltage - 1.0)) < 1e-12
        assert sol.iterations <= 3
    assert solver.get_state()["current_floor"] == 0.0  # nothing was given up for later steps
    sol = solver.solve(g, np.array([1.0, 0.5]))
    reference = direct_terminal_currents(network, g, {"left": 1.0, "right": 0.5}, {})
    assert worst_error(network, sol, reference) <= 1e-10
