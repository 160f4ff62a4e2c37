"""The results file: one writer, one reader, the in-memory path and the monitors agree."""

import re
from pathlib import Path

import h5py
import numpy as np
import pytest
import shapely
from scenarios import two_terminal

import nwn.engine as ne
import nwn.geometry
from nwn.engine.analysis.traces import read_trace
from nwn.engine.junctions import make_model
from nwn.engine.recording import HDF5Recorder, StateMonitor, TraceRecorder
from nwn.engine.results import DATASETS, load_results
from nwn.engine.simulation import Simulation
from nwn.engine.sources import Source
from nwn.engine.stimuli import make_stimulus
from nwn.geometry import Electrode, InputError, Wires, build_network, find_junctions

UM = 1e-6
# Three clocks with different intervals, so that rows of each are told apart.
SCENARIO = two_terminal(
    seed=5, side=30e-6, n_wires=200, length=8e-6, model="filament", params="{n_max = 20}",
    waveform='{kind = "pulse", amplitude = 4.0, width = 0.01, period = 0.02, base = 0.01}',
    duration=0.05) + "record_every = 2\njunction_every = 5\nsnapshot_every = 10\n"


def assert_same(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), what


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The scenario run to a file and in memory, with a monitor on each."""
    path = tmp_path_factory.mktemp("results") / "run.h5"
    monitors = [StateMonitor(junctions=[0, 3, 7], nodes=[1, 2], every=5) for _ in range(2)]
    on_file = ne.run(SCENARIO, output=path, monitors=[monitors[0]])
    in_memory = ne.run(SCENARIO, monitors=[monitors[1]])
    yield path, on_file, in_memory, monitors
    on_file.close()


def test_file_and_memory_hold_bit_identical_datasets(written):
    path, on_file, in_memory, _ = written
    assert on_file.path == path and in_memory.path is None
    with h5py.File(path, "r") as file:
        for dataset in DATASETS:
            raw = file[dataset.path][:]
            assert file[dataset.path].attrs["units"] == dataset.units
            # The reader's names are the datasets', and the memory run is the file run.
            assert_same(getattr(on_file, dataset.name), raw, dataset.path)
            assert_same(on_file[dataset.path], raw, dataset.path)
            assert_same(getattr(in_memory, dataset.name), raw, dataset.path)
        assert bool(file.attrs["complete"]) and on_file.complete and in_memory.complete
    # 50 steps: rows at steps 0, 2, ... 50 (trace), 0, 5, ... (junctions), 0, 10, ... (nodes).
    assert on_file.t.shape == (26,) and on_file.junction_t.shape == (11,)
    np.testing.assert_array_equal(on_file.step, np.arange(0, 51, 2))
    np.testing.assert_allclose(on_file.node_t, np.arange(0, 51, 10) * 1e-3, rtol=1e-12)
    assert on_file.junction_state.shape == (11, on_file.network.n_junctions)
    assert on_file.node_voltage.shape == (6, on_file.network.n_nodes)
    assert on_file.seed == 5 and on_file.model == "filament" and on_file.dt == 1e-3
    assert on_file.electrode_names == ("left", "right")
    assert [e.shape["type"] for e in on_file.electrodes] == ["rectangle", "rectangle"]


def test_results_agree_with_an_independent_trace_recorder(written):
    _, on_file, _, _ = written
    scenario, _ = ne.resolve_scenario(SCENARIO)
    trace = TraceRecorder(every=2)
    ne.build_simulation(scenario, recorders=[trace]).run(scenario.run.duration)
    for name in ("t", "step", "terminal_current", "terminal_voltage", "conductance"):
        assert_same(getattr(trace, name), getattr(on_file, name), name)


def test_monitor_rows_equal_the_recorded_rows(written):
    _, on_file, in_memory, monitors = written
    for monitor in monitors:
        assert_same(monitor.t, on_file.junction_t, "t")
        assert monitor.junction_state.shape == (3, 11)
        assert_same(monitor.junction_state, on_file.junction_state[:, [0, 3, 7]].T, "state")
        assert_same(monitor.junction_conductance,
                    on_file.junction_conductance[:, [0, 3, 7]].T, "conductance")
        # Node rows come every 10 steps in the file, every 5 in the monitor.
        assert_same(monitor.node_voltage[:, ::2], on_file.node_voltage[:, [1, 2]].T, "nodes")
    assert in_memory.monitors == (monitors[1],)


def test_eager_reading_closes_the_file_and_keeps_everything(written):
    path, on_file, _, _ = written
    eager = load_results(path, lazy=False)
    assert eager._file is None
    assert_same(eager.junction_state, on_file.junction_state, "state")
    last = eager.snapshot_at(eager.frame_times[-1])
    np.testing.assert_array_equal(last.node_voltage, on_file.node_voltage[-1])
    assert eager.network.n_junctions == on_file.network.n_junctions


def test_an_incomplete_file_reads_up_to_its_shortest_rows(written, tmp_path):
    path, on_file, _, _ = written
    cut = tmp_path / "killed.h5"
    cut.write_bytes(path.read_bytes())
    with h5py.File(cut, "r+") as file:
        # A run killed mid-way: the time axes flushed a block ahead of their data.
        file.attrs["complete"] = False
        for name, rows in (("t", 20), ("electrodes/current", 17), ("electrodes/voltage", 18),
                           ("network/conductance", 19), ("step", 20),
                           ("junctions/t", 9), ("junctions/state", 7),
                           ("junctions/conductance", 8), ("nodes/t", 4), ("nodes/voltage", 3)):
            file[name].resize(rows, axis=0)
    with load_results(cut) as results:
        assert not results.complete
        assert results.rows("trace") == 17 and results.t.shape == (17,)
        assert results.terminal_current.shape == (17, 2) and results.step.shape == (17,)
        assert results.junction_state.shape[0] == 7 and results.junction_t.shape == (7,)
        assert results.node_voltage.shape[0] == 3
        assert_same(results.junction_conductance, on_file.junction_conductance[:7], "rows")
        snapshot = results.snapshot_at(results.frame_times[-1])
        assert snapshot.t == pytest.approx(0.030)
        np.testing.assert_array_equal(snapshot.node_voltage, on_file.node_voltage[2])
        assert "incomplete" in repr(results)
    trace = read_trace(cut)
    assert trace.n_samples == 17


def test_a_file_without_network_geometry_reads_its_traces(tmp_path):
    path = tmp_path / "bare.h5"
    with h5py.File(path, "w") as file:
        file["t"] = np.arange(4) * 0.1
        file["electrodes/current"] = np.ones((4, 2))
        file["electrodes/voltage"] = np.zeros((4, 2))
        file["network/conductance"] = np.ones(4)
    with load_results(path) as results:
        assert results.t.shape == (4,) and results.frame_times.size == 0
        with pytest.raises(InputError, match="holds no network geometry"):
            _ = results.network
        with pytest.raises(InputError, match="has no /junctions/state"):
            _ = results.junction_state
    (tmp_path / "other.h5").write_bytes(path.read_bytes())
    with h5py.File(tmp_path / "other.h5", "r+") as file:
        del file["electrodes/current"]
    with pytest.raises(InputError, match="not an nwn results file .missing /electrodes/current"):
        load_results(tmp_path / "other.h5")
    with pytest.raises(InputError, match="does not exist"):
        load_results(tmp_path / "none.h5")


def crossing_pair():
    """Two crossing wires between two electrodes: one ohmic junction, the fastest network."""
    endpoints = np.array([[[0.5, 5.0], [9.5, 5.0]], [[5.0, 0.5], [5.0, 9.5]]]) * UM
    wires = Wires.from_endpoints(endpoints, diameter=60e-9)
    electrodes = [Electrode("left", shapely.box(0.0, 4.0 * UM, 1.0 * UM, 6.0 * UM)),
                  Electrode("bottom", shapely.box(4.0 * UM, 0.0, 6.0 * UM, 1.0 * UM))]
    return build_network(wires, find_junctions(wires), electrodes, mode="jda")


def test_trace_recorder_grows_past_its_first_capacity_without_dropping_rows():
    network = crossing_pair()
    model = make_model("rate", 1, rng=np.random.default_rng(0))
    ramp = make_stimulus({"kind": "ramp", "start": 0.0, "stop": 1.0, "ramp_time": 3.0})
    trace, bounded = TraceRecorder(), TraceRecorder(max_rows=1000)
    recorder = HDF5Recorder(None, record_every=1)
    sim = Simulation(network, model, {"left": Source("voltage", ramp), "bottom": Source("ground")},
                     dt=1e-3, recorders=[trace, bounded, recorder])
    sim.run(3.0)  # 3001 rows: the buffers start at 1024 and grow twice
    recorder.close()
    assert len(trace) == 3001 and trace.every == 1 and trace.decimations == 0
    np.testing.assert_array_equal(trace.step, np.arange(3001))
    results = recorder.results()
    for name in ("t", "step", "terminal_current", "terminal_voltage", "conductance"):
        assert_same(getattr(trace, name), getattr(results, name), name)
    # A bounded recorder says what it did: every other row dropped, interval doubled.
    assert bounded.decimations == 2 and bounded.every == 4
    np.testing.assert_array_equal(bounded.step, np.arange(0, 3001, 4))


def test_monitor_refuses_indices_outside_the_network():
    with pytest.raises(InputError, match="junctions index 99999 is out of range"):
        ne.run(SCENARIO, duration=0.002, monitors=[StateMonitor(junctions=[0, 99999])])
    with pytest.raises(InputError, match="nodes must be a list of integer indices"):
        StateMonitor(nodes=[0.5])
    all_of_them = StateMonitor(junctions=True, every=1)
    results = ne.run(SCENARIO, duration=0.002, monitors=[all_of_them])
    assert all_of_them.junction_state.shape == (results.network.n_junctions, 3)
    assert all_of_them.node_voltage.shape == (0, 3)


def test_run_refuses_what_is_not_a_scenario(tmp_path):
    with pytest.raises(InputError, match="no such file or preset"):
        ne.run("no_such_preset")
    with pytest.raises(InputError, match="is a folder"):
        ne.run(SCENARIO, output=tmp_path)
    with pytest.raises(InputError, match="duration must be > 0"):
        ne.run(SCENARIO, duration=-1.0)
    with pytest.raises(InputError, match="monitors.0. must have start, record and finish"):
        ne.run(SCENARIO, monitors=[object()])


@pytest.mark.parametrize("package", [ne, nwn.geometry])
def test_every_public_name_resolves(package):
    assert package.__all__ and len(set(package.__all__)) == len(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None, name


def test_readme_python_example_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the example writes pulse.h5
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README's Python section has no example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert "G = " in capsys.readouterr().out and (tmp_path / "pulse.h5").is_file()


def test_trace_recorder_says_where_its_old_names_went():
    with pytest.raises(AttributeError, match="TraceRecorder.current is called terminal_current"):
        _ = TraceRecorder().current


def test_the_command_line_writes_what_a_script_gets(written, tmp_path):
    from nwn.app.cli.main import main

    _, _, in_memory, _ = written
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    assert main(["run", str(scenario), "-o", str(tmp_path / "cli.h5"), "-q"]) == 0
    with load_results(tmp_path / "cli.h5", lazy=False) as cli:
        for dataset in DATASETS:
            assert_same(cli[dataset.path], in_memory[dataset.path], dataset.path)
        assert cli.scenario_text == in_memory.scenario_text == SCENARIO


def test_the_formats_document_lists_every_dataset_with_its_units():
    text = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text("utf-8")
    for dataset in DATASETS:
        row = re.search(rf"^\| `/{re.escape(dataset.path)}` \|[^|]*\| ([^|]*) \|", text, re.M)
        assert row, dataset.path
        assert row.group(1).strip() == (dataset.units or "–"), dataset.path
