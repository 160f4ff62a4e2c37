"""SPICE export against ngspice: an independent solver of the same circuit.

ngspice (sparse LU on modified nodal analysis) solves the exported netlist; its operating
point must agree with nwn's solver to 1e-9 relative on JDA and MNR networks of a few hundred
wires, and must stop agreeing when one resistor of the netlist is changed.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from nwn.engine.solver import Source, solve_dc
from nwn.engine.spice import ngspice_operating_point, spice_netlist, write_spice
from nwn.geometry import (
    build_network,
    drop_wires,
    find_junctions,
    point_contact,
    side_bars,
)
from nwn.geometry.checks import InputError

needs_ngspice = pytest.mark.skipif(shutil.which("ngspice") is None,
                                   reason="ngspice is not installed (.ci/run installs it)")

BOX = (60e-6, 60e-6)


def network_of(mode: str, n_wires: int = 300, seed: int = 5):
    wires = drop_wires(n_wires, box=BOX, length=10e-6, rng=seed)   # n l^2 = 8.3, percolating
    electrodes = [*side_bars(BOX, width=4e-6), point_contact("probe", 30e-6, 30e-6, 3e-6)]
    return build_network(wires, find_junctions(wires), electrodes, mode=mode,
                         contact_resistance=5.0)


def conductances(network, seed: int = 1) -> np.ndarray:
    """Junction conductances spread over three decades (1e-5 .. 1e-2 S)."""
    rng = np.random.default_rng(seed)
    return 10.0 ** rng.uniform(-5.0, -2.0, network.n_junctions)


def relative_gap(ours, theirs) -> float:
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    scale = np.nanmax(np.abs(theirs))
    return float(np.nanmax(np.abs(ours - theirs)) / scale)


SOURCE_SETS = {
    "voltage+ground": {"left": Source("voltage", 2.5, 20.0), "right": Source("ground")},
    "current+floating probe": {"left": Source("current", 3e-4), "right": Source("ground", 0, 7.0),
                               "probe": Source("floating")},
    "three terminals": {"left": Source("voltage", 1.0), "right": Source("voltage", -0.5),
                        "probe": Source("ground")},
}


@needs_ngspice
@pytest.mark.parametrize("mode", ["jda", "mnr"])
@pytest.mark.parametrize("which", list(SOURCE_SETS))
def test_ngspice_operating_point_agrees_with_solve_dc(mode, which):
    network = network_of(mode)
    assert network.n_junctions > 500
    g = conductances(network)
    sources = SOURCE_SETS[which]
    ours = solve_dc(network, g, sources)
    theirs = ngspice_operating_point(network, g, sources)
    solved = np.isfinite(ours.node_voltage)
    assert np.array_equal(solved, np.isfinite(theirs.node_voltage))
    assert relative_gap(ours.node_voltage, theirs.node_voltage) < 1e-9
    currents = [ours.terminal_current[n] for n in network.electrode_names
                if sources.get(n, Source("floating")).kind != "floating"]
    spice = [theirs.terminal_current[n] for n in network.electrode_names
             if sources.get(n, Source("floating")).kind != "floating"]
    assert relative_gap(currents, spice) < 1e-9


@needs_ngspice
def test_a_changed_resistor_breaks_the_agreement():
    """The check can fail: one junction of the netlist 1 % off moves ngspice's answer."""
    network = network_of("jda")
    g = conductances(network)
    sources = SOURCE_SETS["voltage+ground"]
    ours = solve_dc(network, g, sources)
    # the junction carrying the most current, so that the change shows
    k = int(np.argmax(np.abs(ours.edge_current[network.junction_edge])))
    wrong = g.copy()
    wrong[k] *= 1.01
    theirs = ngspice_operating_point(network, wrong, sources)
    assert relative_gap(ours.node_voltage, theirs.node_voltage) > 1e-6
    assert abs(theirs.terminal_current["left"] / ours.terminal_current["left"] - 1) > 1e-6


def test_netlist_lines():
    network = network_of("mnr")
    g = conductances(network)
    text = spice_netlist(network, g, {"left": ("voltage", 1.0, 3.0), "right": ("ground",),
                                      "probe": ("current", 1e-6)})
    lines = text.splitlines()
    assert lines[-1] == ".end" and ".op" in lines
    left, right, probe = (int(network.terminal(n)) for n in ("left", "right", "probe"))
    assert "Vleft s0 0 DC 1" in lines and f"RSleft s0 n{left} 3" in lines
    assert f"Vright n{right} 0 DC 0" in lines
    assert f"Iprobe 0 n{probe} DC 9.9999999999999995e-07" in lines
    junctions = [line for line in lines if line.startswith("RJ")]
    reached = network.component[[left, right]]             # the grounded and driven clusters
    first_node = network.edge_nodes[network.junction_edge, 0]
    assert len(junctions) == int(np.isin(network.component[first_node], reached).sum())
    name, a, b, value = junctions[0].split()
    k = int(name[2:])
    edge = network.junction_edge[k]
    assert (int(a[1:]), int(b[1:])) == tuple(network.edge_nodes[edge])
    assert float(value) == 1.0 / g[k]           # 17 digits: the same float64


def test_bad_input_is_named(tmp_path):
    network = network_of("jda", n_wires=200)
    g = conductances(network)
    with pytest.raises(InputError, match="junction_conductance"):
        spice_netlist(network, np.zeros(network.n_junctions), {"left": ("voltage", 1.0)})
    with pytest.raises(InputError, match="does not exist"):
        spice_netlist(network, g, {"top": ("voltage", 1.0)})
    with pytest.raises(InputError, match="no electrode is grounded"):
        spice_netlist(network, g, {"left": ("current", 1.0)})
    path = write_spice(tmp_path / "net.cir", network, g, {"left": ("voltage", 1.0),
                                                          "right": ("ground",)})
    before = path.read_text()
    with pytest.raises(InputError, match="already exists"):
        write_spice(path, network, g, {"left": ("voltage", 2.0), "right": ("ground",)})
    assert path.read_text() == before
