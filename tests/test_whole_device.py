"""The million-wire path: the whole_device preset, contacts found without a tree of every
wire, and recording held to a budget for huge networks."""

import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import shapely
from scenarios import two_terminal

from nwn.engine.build import build_simulation
from nwn.engine.recording import STATE_BUDGET, HDF5Recorder, widened_every
from nwn.engine.scenario import load_scenario, parse_scenario
from nwn.geometry import (
    EDGE_CONTACT,
    Electrode,
    build_network,
    drop_wires,
    find_junctions,
    side_bars,
)
from nwn.geometry.electrodes import touching_wires, wires_touching
from nwn.resources import preset_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_whole_device import scaled_scenario  # noqa: E402 - the benchmark's own scaling


def test_whole_device_preset_is_a_million_wires_on_two_millimetres():
    scenario = load_scenario(preset_path("whole_device"))
    assert scenario.network.n_wires == 1_000_000
    assert scenario.network.box == (2e-3, 2e-3)
    assert scenario.junction.model == "rate"
    assert scenario.run.n_steps == 100
    assert [e.source.kind for e in scenario.electrodes] == ["voltage", "ground"]


def test_whole_device_scaled_down_runs_and_records_its_rows():
    # The same film on 1/50 of the area: 20,000 wires, same density, field and recording.
    scenario = parse_scenario(scaled_scenario(20_000))
    assert scenario.network.n_wires == 20_000
    side = scenario.network.box[0]
    assert side == pytest.approx(2e-3 * np.sqrt(0.02))
    simulation = build_simulation(scenario)
    # ~5 junctions per wire (n <l^2> ~ 15, M ~ N n <l^2> / pi with border losses)
    assert 3.5 < simulation.network.n_junctions / 20_000 < 5.5
    recorder = HDF5Recorder.for_scenario(None, scenario)
    simulation.recorders.append(recorder)
    simulation.run(3 * scenario.run.dt)
    recorder.close()
    results = recorder.results(lazy=False)
    assert results.t.shape == (4,)
    assert results.junction_state.shape == (1, simulation.network.n_junctions)  # every 50
    assert np.all(np.isfinite(results.terminal_current))


def test_contacts_come_from_the_wires_near_each_electrode_only():
    # the same contacts as a shapely tree over every wire, for every kind of shape
    box = (100e-6, 100e-6)
    for seed in range(3):
        wires = drop_wires(3000, box=box, length=10e-6, rng=seed)
        junctions = find_junctions(wires)
        # a wire lying exactly on the pad's edge grazes it: it must count
        x = float(wires.endpoints[0, 0, 0])
        electrodes = side_bars(box) + [
            Electrode("disk", shapely.Point(50e-6, 50e-6).buffer(6e-6)),
            Electrode("line", shapely.LineString([(30e-6, 0.0), (30e-6, 100e-6)])),
            Electrode("edge", shapely.box(x, 40e-6, x + 5e-6, 60e-6)),
        ]
        network = build_network(wires, junctions, electrodes)
        contact = network.edge_nodes[network.edge_kind == EDGE_CONTACT]
        tree = shapely.STRtree(wires.geometries())
        near = wires_touching(wires, electrodes)
        for k, electrode in enumerate(electrodes):
            terminal = network.terminal_nodes[k]
            found = np.sort(contact[contact[:, 1] == terminal, 0])
            every = touching_wires(wires, electrode, tree=tree)
            assert every.size > 0
            assert np.array_equal(found, every)
            assert np.array_equal(near[k], every)


def test_widened_interval_is_the_smallest_that_fits():
    assert widened_every(10, 100, row_bytes=10, budget=10**6) == 10  # fits: unchanged
    # 80 MB rows in 1 GiB: at most 13 rows -> 100 steps need every 8; asked 10 is kept
    assert widened_every(10, 100, row_bytes=80_000_000, budget=2**30) == 10
    assert widened_every(10, 1000, row_bytes=80_000_000, budget=2**30) == 77
    for every, steps, row, budget in [(1, 1000, 7, 100), (3, 10, 50, 120), (5, 999, 1, 10)]:
        used = widened_every(every, steps, row, budget)
        assert used >= every
        assert (steps // used + 1) * row <= max(budget, row)  # fits (at least one row)
        if used > every:  # and one step less would not
            assert (steps // (used - 1) + 1) * row > budget
    assert widened_every(1, 50, row_bytes=100, budget=150) == 51  # only the first state


def test_recorder_keeps_junction_rows_within_its_budget(tmp_path):
    scenario = parse_scenario(two_terminal(duration=0.05))  # 50 steps, junction_every 10
    simulation = build_simulation(scenario)
    m = simulation.network.n_junctions
    row = 2 * 8 * m  # state + conductance
    path = tmp_path / "r.h5"
    recorder = HDF5Recorder.for_scenario(path, scenario, state_budget=3 * row)
    simulation.recorders.append(recorder)
    simulation.run(scenario.run.duration)
    recorder.close()
    used = widened_every(10, 50, row, 3 * row)
    assert used == 17 and recorder.widened == {"junction": (10, 17)}
    with h5py.File(path) as file:
        assert file["junctions/t"].shape == (3,)  # steps 0, 17, 34
        assert np.allclose(file["junctions/t"][:], [0.0, 0.017, 0.034])
        assert file.attrs["junction_every"] == 17
        assert file.attrs["snapshot_every"] == 10  # node rows are small: as asked
    assert STATE_BUDGET == 2**30


def test_no_budget_keeps_the_scenario_intervals():
    scenario = parse_scenario(two_terminal(duration=0.05))
    simulation = build_simulation(scenario)
    recorder = HDF5Recorder.for_scenario(None, scenario, state_budget=None)
    simulation.recorders.append(recorder)
    simulation.run(scenario.run.duration)
    recorder.close()
    assert recorder.widened == {}
    assert recorder.results(lazy=False).junction_state.shape[0] == 6


def test_component_labels_match_scipy_graph_traversal():
    # the numba union-find against scipy's connected_components, renumbered by lowest node
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from nwn.geometry.clusters import component_labels

    rng = np.random.default_rng(5)
    for n, m in [(1, 0), (6, 0), (10, 4), (500, 300), (500, 900), (20_000, 22_000)]:
        edges = rng.integers(0, n, size=(m, 2))
        graph = coo_matrix((np.ones(m, np.int8), (edges[:, 0], edges[:, 1])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
        rank = np.empty(first.size, dtype=np.int64)
        rank[np.argsort(first)] = np.arange(first.size)
        assert np.array_equal(component_labels(n, edges), rank[inverse])
    with pytest.raises(ValueError, match="edge_nodes must lie in"):
        component_labels(3, np.array([[0, 3]]))
