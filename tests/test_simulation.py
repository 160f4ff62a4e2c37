"""The time loop against analytic solutions, reproducibility, store/restore, HDF5 output."""

import dataclasses
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import shapely
from scenarios import two_terminal

from nwn.engine.build import build_simulation
from nwn.engine.junctions import make_model
from nwn.engine.recording import HDF5Recorder, TraceRecorder
from nwn.engine.results import load_results
from nwn.engine.scenario import parse_scenario
from nwn.engine.simulation import Simulation
from nwn.engine.sources import Source
from nwn.engine.stimuli import make_stimulus
from nwn.geometry import Electrode, InputError, Wires, build_network, find_junctions
from nwn.resources import list_presets, preset_path

UM = 1e-6

SCENARIO = two_terminal(
    seed=7, side=40e-6, n_wires=300, length=7e-6, model="filament", params="{n_max = 20}",
    waveform='{kind = "pulse", amplitude = 5.0, width = 0.02, period = 0.04, base = 0.01}',
    duration=0.06)


def crossing_pair(contact_resistance):
    """Two crossing wires, each touching one electrode: one junction in series."""
    endpoints = np.array([[[0.5, 5.0], [9.5, 5.0]], [[5.0, 0.5], [5.0, 9.5]]]) * UM
    wires = Wires.from_endpoints(endpoints, diameter=60e-9)
    electrodes = [Electrode("left", shapely.box(0.0, 4.0 * UM, 1.0 * UM, 6.0 * UM)),
                  Electrode("bottom", shapely.box(4.0 * UM, 0.0, 6.0 * UM, 1.0 * UM))]
    network = build_network(wires, find_junctions(wires), electrodes, mode="jda",
                            contact_resistance=contact_resistance)
    return network


def test_single_junction_follows_the_analytic_rate_law():
    network = crossing_pair(contact_resistance=1e-5)
    assert network.n_junctions == 1
    params = {"kp0": 1e-4, "eta_p": 10.0, "kd0": 0.5, "eta_d": 1.0, "g_min": 1e-3, "g_max": 0.1}
    model = make_model("rate", 1, params=params, initial={"value": 0.05},
                       rng=np.random.default_rng(0))
    volts = 0.8
    trace = TraceRecorder()
    sim = Simulation(network, model, {"left": Source("voltage", make_stimulus(
        {"kind": "dc", "value": volts})), "bottom": Source("ground")}, dt=0.01,
        recorders=[trace])
    sim.run(2.0)
    kp = params["kp0"] * np.exp(params["eta_p"] * volts)
    kd = params["kd0"] * np.exp(-params["eta_d"] * volts)
    theta, x_inf = kp + kd, kp / (kp + kd)
    x = x_inf + (0.05 - x_inf) * np.exp(-theta * trace.t)
    expected = params["g_min"] * (1 - x) + params["g_max"] * x
    # The 20 uOhm of contacts lower the junction voltage by < 2e-6 relative, which moves G by
    # < 1e-5; one step of misalignment in time would move it by ~4e-2.
    np.testing.assert_allclose(trace.conductance, expected, rtol=1e-4)
    np.testing.assert_allclose(trace.terminal_current[:, 0], expected * volts, rtol=1e-4)
    current = trace.terminal_current
    np.testing.assert_allclose(current.sum(axis=1), 0.0, atol=1e-8 * current.max())


def test_contact_resistance_adds_in_series():
    network = crossing_pair(contact_resistance=50.0)
    model = make_model("ohmic", 1, params={"g": 1e-2}, rng=np.random.default_rng(0))
    sim = Simulation(network, model, {"left": Source("voltage", make_stimulus(
        {"kind": "dc", "value": 1.0})), "bottom": Source("ground")}, dt=1e-3)
    assert sim.snapshot().conductance == pytest.approx(1.0 / (50.0 + 100.0 + 50.0), rel=1e-12)


def run_trace(scenario, steps_duration):
    trace = TraceRecorder()
    sim = build_simulation(scenario, recorders=[trace])
    sim.run(steps_duration)
    return sim, trace


def test_same_seed_is_bit_identical_and_another_seed_differs():
    scenario = parse_scenario(SCENARIO)
    _, first = run_trace(scenario, 0.06)
    _, second = run_trace(scenario, 0.06)
    assert np.array_equal(first.terminal_current, second.terminal_current)
    assert np.array_equal(first.conductance, second.conductance)
    # Only the dynamics stream differs when the seed changes the junctions' noise.
    _, other = run_trace(dataclasses.replace(scenario, seed=8), 0.06)
    assert not np.array_equal(first.conductance, other.conductance)


def test_store_restore_continues_bit_identically():
    scenario = parse_scenario(SCENARIO)
    sim = build_simulation(scenario)
    sim.run(0.02)
    state = sim.store()
    first = [s.conductance for s in sim.iter_run(0.03, snapshot_every=1)]
    sim.restore(state)
    again = [s.conductance for s in sim.iter_run(0.03, snapshot_every=1)]
    assert first == again
    assert len(first) == 30


def test_kirchhoff_current_law_and_snapshots_are_read_only():
    sim = build_simulation(parse_scenario(SCENARIO))
    snapshots = list(sim.iter_run(0.01, snapshot_every=5))
    assert [s.step for s in snapshots] == [5, 10]
    last = snapshots[-1]
    network = sim.network
    net_out = np.zeros(network.n_nodes)
    np.add.at(net_out, network.edge_nodes[:, 0], last.edge_current)
    np.add.at(net_out, network.edge_nodes[:, 1], -last.edge_current)
    solved = np.isfinite(last.node_voltage)
    free = solved.copy()
    free[network.terminal_nodes] = False
    scale = np.abs(last.terminal_current).max()
    assert np.abs(net_out[free]).max() < 1e-9 * scale
    # Terminal current (into the network) equals what leaves the terminal node along edges.
    np.testing.assert_allclose(net_out[network.terminal_nodes], last.terminal_current,
                               rtol=1e-9, atol=1e-12 * scale)
    with pytest.raises(ValueError):
        last.node_voltage[0] = 1.0
    # The live view recorders read is the array the circuit was solved with.
    assert np.array_equal(sim.junction_conductance, last.junction_conductance)
    with pytest.raises(ValueError):
        sim.junction_conductance[0] = 1.0


def test_stop_from_callback_ends_the_run_early():
    sim = build_simulation(parse_scenario(SCENARIO))

    def progress(fraction, t):
        if t > 0.01:
            sim.stop()

    steps = sim.run(0.06, progress=progress, report_interval=0.0)
    assert 10 <= steps < 60


def test_hdf5_file_holds_the_run(tmp_path):
    scenario = parse_scenario(SCENARIO)
    path = tmp_path / "out.h5"
    recorder = HDF5Recorder(path, record_every=1, junction_every=10, snapshot_every=20,
                            scenario_text=SCENARIO, seed=7)
    sim = build_simulation(scenario, recorders=[recorder])
    sim.run(0.06)
    recorder.close()
    with h5py.File(path, "r") as file:
        t = file["t"][:]
        assert t.shape == (61,) and t[0] == 0.0 and t[-1] == pytest.approx(0.06)
        assert file["electrodes/current"].shape == (61, 2)
        assert file["junctions/state"].shape == (7, sim.network.n_junctions)
        assert file["nodes/voltage"].shape == (4, sim.network.n_nodes)
        assert list(file.attrs["electrode_names"]) == ["left", "right"]
        assert file.attrs["scenario"] == SCENARIO
        assert bool(file.attrs["complete"])
        current = file["electrodes/current"][:]
        np.testing.assert_allclose(current[:, 0], -current[:, 1], rtol=1e-9, atol=1e-15)
        g = file["network/conductance"][:]
        assert np.all(g > 0)


def rows_so_far(path):
    """Trace rows of a results file that a run is still writing (0 before it is readable)."""
    try:
        with load_results(path) as results:
            assert not results.complete
            return results.rows("trace")
    except InputError:
        return 0


@pytest.mark.slow
def test_killed_run_leaves_a_readable_file(tmp_path):
    scenario = tmp_path / "long.toml"
    scenario.write_text(SCENARIO.replace("duration = 0.06", "duration = 1000.0"))
    out = tmp_path / "killed.h5"
    env = dict(os.environ)
    process = subprocess.Popen([sys.executable, "-m", "nwn.app.cli", "run", str(scenario), "-o",
                                str(out), "-q"], env=env)
    try:
        # The engine's reader opens the file while the run writes it; wait for a few flushes.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and rows_so_far(out) < 10:
            assert process.poll() is None, "the run ended by itself"
            time.sleep(0.2)
        assert rows_so_far(out) >= 10, "the run wrote no rows in 120 s"
        assert process.poll() is None, "the run ended by itself"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with h5py.File(out, "r") as file:
        t = file["t"][:]
        current = file["electrodes/current"][: len(t)]
        assert len(t) >= 10 and np.all(np.diff(t) > 0)
        assert np.all(np.isfinite(current))
        assert not bool(file.attrs["complete"])


# whole_device (a million wires, minutes and GiBs to build) runs scaled down in
# tests/test_whole_device.py
@pytest.mark.parametrize("name", [name for name, _ in list_presets() if name != "whole_device"])
def test_every_preset_runs_a_few_steps(name):
    from nwn.engine.scenario import load_scenario

    scenario = load_scenario(preset_path(name))
    sim = build_simulation(scenario)
    sim.step(3)
    snapshot = sim.snapshot()
    assert snapshot.step == 3
    assert np.all(np.isfinite(snapshot.junction_conductance))
    driven = [k for k, e in enumerate(scenario.electrodes) if e.source.kind != "floating"]
    assert np.all(np.isfinite(snapshot.terminal_current[driven]))
