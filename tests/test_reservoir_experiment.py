"""The simulated reservoir experiment: [reservoir] table, sample and hold, features, export."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rc_reservoirs import pad_device

from nwn.app.cli.main import main
from nwn.engine.reservoir import read_recording, score_recording
from nwn.engine.reservoir.experiment import read_reservoir_results, run_reservoir
from nwn.engine.scenario import parse_scenario, scenario_to_toml
from nwn.geometry.checks import InputError

RATE = "{kd0 = 5.0, kp0 = 0.5}"


def test_reservoir_table_round_trips():
    scenario = parse_scenario(pad_device(model="rate", params=RATE, extra=(
        'virtual_nodes = 1\nread_current = ["pad4"]\nread_voltage = ["pad2"]\n'
        'junctions = [0, 3]\nnodes = [1]\ntask = "nlt"')))
    spec = scenario.reservoir
    assert spec.inputs == ("pad1",) and spec.offset == (0.5,) and spec.hold == 0.05
    assert spec.read_voltage == ("pad2",) and spec.junctions == (0, 3) and spec.task == "nlt"
    assert parse_scenario(scenario_to_toml(scenario)) == scenario
    plain = parse_scenario(pad_device())
    assert plain.reservoir.read_voltage is None
    assert parse_scenario(scenario_to_toml(plain)) == plain


def test_ohmic_network_reads_each_sample_while_it_is_held():
    # Fixed conductances: every floating pad sits at a fixed fraction of the input voltage,
    # so each feature divided by that sample's input voltage is constant; any slip of the
    # sample-and-hold by one step would break it. No dynamics: MC is only the estimator bias.
    run = run_reservoir(parse_scenario(pad_device()))
    voltage = 0.5 + 1.0 * run.u
    np.testing.assert_allclose(run.electrode_voltage[0], voltage, rtol=1e-12)
    ratio = run.features / voltage
    assert np.all(np.ptp(ratio, axis=1) < 1e-9 * np.abs(ratio).max())
    assert run.feature_names == ("V(pad2)", "V(pad3)")
    assert run.result.score < 3 * run.result.details["bias"]
    assert np.isnan(run.electrode_current[1]).all() and np.isfinite(run.electrode_current[0]).all()
    np.testing.assert_allclose(np.diff(run.sample_times), 0.05)


def test_filament_growth_gives_memory_and_virtual_nodes_add_features():
    # Junctions that grow and dissolve within a few samples make the device's conductance,
    # read as the ground pad's current, recall the past inputs: MC well above the bias.
    scenario = parse_scenario(pad_device(model="rate", params=RATE,
                                         extra='read_current = ["pad4"]'))
    run = run_reservoir(scenario)
    assert run.result.score > 3 * run.result.details["bias"] and run.result.per_delay[0] > 0.2
    virtual = parse_scenario(pad_device(model="rate", params=RATE, dt=0.025,
                                        extra="virtual_nodes = 2"))
    assert virtual.reservoir.steps_per_sample(0.025) == 2
    both = run_reservoir(virtual)
    assert both.features.shape == (4, 600)
    assert both.feature_names == ("V(pad2)@0", "V(pad3)@0", "V(pad2)@1", "V(pad3)@1")
    assert not np.allclose(both.features[0], both.features[2])  # the state moved within a hold
    # same seed, same everything: bit-identical
    again = run_reservoir(scenario)
    np.testing.assert_array_equal(again.features, run.features)
    other = run_reservoir(scenario, seed=8)
    assert not np.array_equal(other.u, run.u)


def test_simulation_only_features_are_labelled():
    scenario = parse_scenario(pad_device(model="rate", params=RATE, samples=520, extra=(
        'read_current = ["pad4", "pad1"]\njunctions = [0, 1]\nnodes = [2]')))
    run = run_reservoir(scenario, task="kernel-rank")
    assert run.feature_names[2:4] == ("I(pad4)", "I(pad1)")
    assert run.feature_names[4] == "G(junction 0) simulation-only"
    assert run.feature_names[6] == "V(node 2) simulation-only"
    np.testing.assert_allclose(run.features[2], -run.features[3], rtol=1e-6)  # KCL
    with pytest.raises(InputError, match=r"reservoir.junctions: index 99999 does not exist"):
        run_reservoir(parse_scenario(pad_device(extra="junctions = [99999]")))


@pytest.mark.parametrize("extra, message", [
    ('inputs = ["pad9"]', "reservoir.inputs: electrode 'pad9' does not exist"),
    ('inputs = ["pad4"]', "electrode 'pad4' is grounded"),
    ('inputs = ["pad2"]', "electrode 'pad2' is floating"),
    ('read_voltage = ["pad4"]', "electrode 'pad4' is grounded"),
    ('read_voltage = ["pad1"]', "electrode 'pad1' is a voltage source"),
    ('read_current = ["pad2"]', "'pad2' is floating and carries no current"),
    ('read_voltage = []', "no features"),
    ("hold = 0.07", "hold must be a whole number of run.dt"),
    ("virtual_nodes = 3", "virtual_nodes must divide"),
    ('task = "memory"', "reservoir.task: unknown task 'memory'"),
    ("offset = [0.5, 1.0]", "offset must be one number or one per input"),
    ("colour = 1", "reservoir: unknown key 'colour'"),
])
def test_bad_reservoir_tables_are_one_line(extra, message):
    text = pad_device()
    for key in ("inputs", "hold", "offset"):
        if extra.startswith(key):
            text = "\n".join(line for line in text.splitlines() if not line.startswith(key))
    with pytest.raises(InputError, match=message) as error:
        parse_scenario(text + extra + "\n")
    assert "\n" not in str(error.value)


def test_cli_run_writes_results_and_an_inrim_recording(tmp_path, capsys):
    path = tmp_path / "device.toml"
    path.write_text(pad_device(model="rate", params=RATE))
    output, recording = tmp_path / "rc.h5", tmp_path / "rc.txt"
    assert main(["reservoir", "run", str(path), "--task", "memory-capacity", "--max-delay",
                 "10", "-o", str(output), "--recording", str(recording), "--json", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "memory-capacity" and len(data["per_delay"]) == 10
    stored = read_reservoir_results(output)
    assert stored["result"]["score"] == data["score"]
    assert stored["features"].shape == (2, 600) and stored["input"].shape == (600,)
    assert "[reservoir]" in stored["scenario"]
    # the exported recording scores the same (input voltage = offset + amplitude u: affine)
    exported = read_recording(recording)
    assert exported.pads == ("pad1", "pad2", "pad3", "pad4") and exported.n_samples == 600
    again = score_recording(exported, "memory-capacity", "pad1", max_delay=10)
    assert again.details["ground_pads"] == ["pad4"]
    assert again.score == pytest.approx(data["score"], abs=1e-9)


def test_cli_run_bad_input(tmp_path, capsys):
    path = tmp_path / "device.toml"
    path.write_text(pad_device())
    plain = tmp_path / "plain.toml"
    plain.write_text(pad_device().split("[reservoir]")[0])
    for argv, message in (
        ([str(path), "--task", "memory-kapacity"], "unknown task 'memory-kapacity'"),
        ([str(path), "--samples", "100"], "needs at least 526 samples"),
        ([str(plain)], "has no [reservoir] table"),
        ([str(path), "--task", "nlt", "--target", "square", "--alpha", "x"], "--alpha must be"),
    ):
        assert main(["reservoir", "run", *argv, "-q"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("nwn: error: ") and message in err and err.count("\n") == 1


def test_task_runner_for_sweeps_is_picklable_and_scores_each_task():
    import pickle

    from nwn.engine.reservoir.sweeps import TaskRunner

    runner = pickle.loads(pickle.dumps(TaskRunner(("memory-capacity", "kernel-rank"),
                                                  {"max_delay": 5})))
    out = runner(parse_scenario(pad_device(model="rate", params=RATE, samples=530,
                                           extra='read_current = ["pad4"]')))
    assert out["memory_capacity__per_delay"].shape == (5,)
    assert out["memory_capacity"] == pytest.approx(out["memory_capacity__per_delay"].sum())
    assert out["kernel_rank"] == 3.0 and "memory_capacity__bias" in out
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float64 for v in out.values())
    with pytest.raises(InputError, match="unknown task"):
        TaskRunner(("memory",))


def test_cli_sweep_scores_tasks_across_a_key(tmp_path, capsys):
    path = tmp_path / "device.toml"
    path.write_text(pad_device(model="rate", params=RATE, samples=530,
                               extra='read_current = ["pad4"]'))
    output = tmp_path / "sweep.h5"
    assert main(["reservoir", "sweep", str(path), "--task", "memory-capacity", "--task",
                 "kernel-rank", "--vary", "reservoir.offset=0.2,0.8", "--serial", "--max-delay",
                 "5", "-o", str(output), "--json", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [row["value"] for row in data["rows"]] == [0.2, 0.8] and data["failed"] == 0
    # each member is exactly the run `nwn reservoir run` makes with that offset
    text = pad_device(model="rate", params=RATE, samples=530, extra='read_current = ["pad4"]')
    single = run_reservoir(parse_scenario(text.replace("offset = 0.5", "offset = 0.8")),
                           settings={"max_delay": 5})
    assert data["rows"][1]["memory-capacity"] == pytest.approx(single.result.score, abs=1e-12)
    assert main(["reservoir", "sweep", str(path), "--task", "nope", "--serial", "-o",
                 str(tmp_path / "x.h5"), "-q"]) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err
