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
    "current+floating probe": {"left": Source("current", 3e-4), "right": Source("voltage", 0.0, 7.0),
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


# ------------------------------------------------------------------ instants and the CLI

def run_scenario(tmp_path):
    from scenarios import two_terminal

    from nwn.app.cli.main import main

    text = two_terminal(waveform='{kind = "ramp", start = 0.5, stop = 3.0, ramp_time = 0.02}',
                        duration=0.02)
    text = text.replace("[run]", "[run]\njunction_every = 1\nsnapshot_every = 1")
    # line electrodes (the mnns format holds only those) along the inner edges of the bars
    text = text.replace('{type = "rectangle", bounds = [0.0, 0.0, 3e-06, 3e-05]}',
                        '{type = "line", points = [[3e-06, 0.0], [3e-06, 3e-05]]}')
    text = text.replace('{type = "rectangle", bounds = [2.7e-05, 0.0, 3e-05, 3e-05]}',
                        '{type = "line", points = [[2.7e-05, 0.0], [2.7e-05, 3e-05]]}')
    assert text.count('type = "line"') == 2
    scenario = tmp_path / "s.toml"
    scenario.write_text(text)
    out = tmp_path / "r.h5"
    assert main(["run", str(scenario), "-o", str(out), "-q"]) == 0
    return scenario, out


@needs_ngspice
def test_a_results_file_exported_at_a_time_solves_to_what_the_run_recorded(tmp_path):
    """ngspice, given the netlist of a recorded instant (conductances of that row, sources
    at that time), finds the node voltages the run recorded then."""
    from nwn.engine.results import load_results
    from nwn.engine.spice import results_instant

    _, out = run_scenario(tmp_path)
    with load_results(out) as results:
        network, g, sources, t = results_instant(results, 0.0123)
        assert t == pytest.approx(0.012) and sources["left"].at(t) == pytest.approx(0.5 + 2.5 * 0.6)
        recorded = results.snapshot_at(t).node_voltage
    theirs = ngspice_operating_point(network, g, sources)
    assert relative_gap(recorded, theirs.node_voltage) < 1e-9


def test_nwn_export_writes_every_format(tmp_path, capsys):
    from nwn.app.cli.main import main
    from nwn.geometry.wire_io import load_mnns_txt

    scenario, out = run_scenario(tmp_path)
    assert main(["export", str(out), "--time", "0.01", "--spice", str(tmp_path / "r.cir"),
                 "--graphml", str(tmp_path / "r.graphml"),
                 "--mnns", str(tmp_path / "r.txt")]) == 0
    assert "t = 0.01 s" in capsys.readouterr().out
    netlist = (tmp_path / "r.cir").read_text()
    assert netlist.startswith("nwn-studio network of r.h5 at t = 0.01 s") and ".op" in netlist
    wires, _ = load_mnns_txt(tmp_path / "r.txt")
    assert len(wires) == 200
    assert main(["export", str(scenario), "--spice", str(tmp_path / "s.cir")]) == 0
    assert "Vleft" in (tmp_path / "s.cir").read_text()
    # refusals are one line, and an existing file is kept
    before = netlist
    assert main(["export", str(out), "--spice", str(tmp_path / "r.cir")]) == 2
    assert (tmp_path / "r.cir").read_text() == before
    assert main(["export", str(out)]) == 2
    assert main(["export", str(scenario), "--time", "1", "--spice", str(tmp_path / "x.cir")]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "at least one of" in err and "--time applies" in err
    assert "Traceback" not in err
