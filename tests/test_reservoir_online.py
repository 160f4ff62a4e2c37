"""Inputs computed during the run: the online input, closed-loop forecasting, stream ranks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rc_reservoirs import EchoState, pad_device
from scenarios import two_terminal

from nwn.app.cli.main import main
from nwn.engine.build import build_simulation
from nwn.engine.online_input import OnlineInput
from nwn.engine.reservoir.experiment import run_reservoir, simulate_open_loop
from nwn.engine.reservoir.generators import mackey_glass, normalize
from nwn.engine.reservoir.online import NetworkDrive, forecast_run, stream_states
from nwn.engine.reservoir.tasks import forecast_readout, score_task
from nwn.engine.scenario import parse_scenario
from nwn.engine.simulation import _STIMULUS_BLOCK, stimulus_block
from nwn.engine.sources import Source
from nwn.engine.stimuli import DC, Samples
from nwn.geometry.checks import InputError

RATE = "{kd0 = 5.0, kp0 = 0.5}"


def _device(**options):
    return parse_scenario(pad_device(model="rate", params=RATE, extra='read_current = ["pad4"]',
                                     **options))


@pytest.mark.parametrize("model, params", [("rate", ""), ("hp", "")])
def test_an_online_input_fed_step_by_step_equals_the_same_samples_known_ahead(model, params):
    # The values a Samples waveform holds, fed one hold at a time during the run, give the
    # bit-identical run (also for a Runge-Kutta model, which re-evaluates the stimulus of the
    # step under way); a store/restore in between rewinds the fed input with the network.
    scenario = parse_scenario(two_terminal(model=model, params=params))
    dt, per = scenario.run.dt, 3
    values = np.random.default_rng(0).uniform(0.5, 2.5, 12)
    known = Samples(times=np.arange(values.size) * per * dt - 0.5 * dt, values=values,
                    interpolation="previous")
    reference = build_simulation(scenario, drives={"left": Source("voltage", known)})
    online = OnlineInput(values[0])
    fed = build_simulation(scenario, drives={"left": Source("voltage", online)})
    assert stimulus_block([known]) == _STIMULUS_BLOCK and stimulus_block([online]) == 1
    currents = {"ref": [], "fed": []}
    for i in range(values.size):
        if i:
            online.feed(values[i], i * per * dt - 0.5 * dt)
        if i == 6:
            saved = fed.store()
            online.feed(9.0, (i * per + 1.5) * dt)  # a future later abandoned
            fed.step(2 * per)
            fed.restore(saved)
        for name, sim in (("ref", reference), ("fed", fed)):
            sim.step((i + 1) * per - 1 - sim.step_index)  # the hold's last step
            currents[name].append(sim.snapshot().terminal_current.copy())
    np.testing.assert_array_equal(np.array(currents["fed"]), np.array(currents["ref"]))
    with pytest.raises(InputError, match="online input must be a finite"):
        online.feed(float("nan"), 0.0)


def test_ordinary_stimuli_are_still_computed_a_block_ahead():
    assert stimulus_block([DC(1.0), known_samples()]) == _STIMULUS_BLOCK == 1024


def known_samples():
    return Samples(times=np.array([0.0, 1.0]), values=np.array([1.0, 2.0]))


def test_network_drive_teacher_forced_is_bit_identical_to_the_open_loop_run():
    scenario = _device()
    spec = scenario.reservoir
    u = np.random.default_rng(1).uniform(size=spec.washout + 60)
    _, recorder, layout = simulate_open_loop(scenario, spec, u, seed=scenario.seed)
    drive = NetworkDrive(scenario, spec, seed=scenario.seed)
    rows = np.stack([drive(value) for value in u], axis=1)
    np.testing.assert_array_equal(rows[:, spec.washout:], recorder.feature_matrix())
    assert drive.layout["names"] == layout["names"]


def test_closed_loop_forecast_feeds_the_network_its_own_prediction():
    scenario = _device()
    spec = scenario.reservoir
    horizon = 30
    series = normalize(mackey_glass(spec.washout + spec.samples + horizon, transient=1200.0))
    drive = NetworkDrive(scenario, spec, seed=scenario.seed)
    out = forecast_run(drive, series, washout=spec.washout, samples=spec.samples,
                       horizon=horizon)
    forecast, truth = out["forecast"], out["truth"]
    # the teacher-forced continuation: the same network fed the true series instead
    teacher = NetworkDrive(scenario, spec, seed=scenario.seed)
    for value in series:
        teacher(value)
    readout, _, _ = forecast_readout(out["u"], out["features"])
    first = spec.washout + spec.samples
    open_loop = readout.predict(teacher.features[:, first - 1:-1])[0]
    # step 1 of the forecast is the open-loop one-step prediction from the same state
    assert forecast[0] == open_loop[0]
    # then the network follows its own forecast: the input electrode holds offset + amplitude
    # times the previous prediction, and its state leaves the teacher-forced one
    held = drive.electrode_records(first)["voltage"][0]
    np.testing.assert_allclose(held, 0.5 + 1.0 * forecast[:-1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(teacher.electrode_records(first)["voltage"][0][:horizon - 1],
                               0.5 + truth[:-1], atol=1e-12)
    closed = drive.features[:, first:]
    assert not np.allclose(closed, teacher.features[:, first:first + horizon - 1])
    # early on the closed loop stays close to the open-loop one-step predictions, whose error
    # it starts from; it drifts later
    one_step_error = np.abs(open_loop[:5] - truth[:5]).max()
    assert np.abs(forecast[:3] - open_loop[:3]).max() < 3 * one_step_error + 1e-3


def test_mackey_glass_forecast_task_on_a_simulated_network():
    scenario = _device()
    run = run_reservoir(scenario, task="mackey-glass-forecast", settings={"horizon": 40})
    result = run.result
    assert result.metric == "NRMSE" and result.details["horizon"] == 40
    assert 0 <= result.details["valid_time"] <= 40
    assert result.details["valid_time_s"] == pytest.approx(result.details["valid_time"] * 0.05)
    # the one-step figure is the mackey-glass task's own score of the teacher-forced part
    one_step = score_task("mackey-glass", run.u[:scenario.reservoir.samples],
                          run.features[:, :scenario.reservoir.samples])
    assert result.details["one_step_nrmse"] == pytest.approx(one_step.score, rel=1e-12)
    np.testing.assert_array_equal(result.prediction, run.context["forecast"])
    assert run.u.size == scenario.reservoir.samples + 39  # scored samples, then fed back
    np.testing.assert_array_equal(run.u[scenario.reservoir.samples:],
                                  run.context["forecast"][:-1])
    # the score and the valid time follow their definitions
    error = np.abs(run.context["truth"] - run.context["forecast"]) / result.details["scale"]
    assert result.score == pytest.approx(np.sqrt(np.mean(error**2)), rel=1e-12)
    beyond = np.flatnonzero(error > 0.4)
    assert result.details["valid_time"] == (beyond[0] if beyond.size else 40)


def test_an_echo_state_network_forecasts_mackey_glass_for_many_steps():
    # A reservoir able to forecast: a 100-node ESN, closed loop through forecast_run, keeps
    # the valid time far above that of a network without memory.
    series = normalize(mackey_glass(100 + 1500 + 100))
    esn = EchoState(100, seed=3, radius=0.95, input_scale=1.0)
    out = forecast_run(esn.step, series, washout=100, samples=1500, horizon=100, alpha=1e-6)
    from nwn.engine.reservoir.tasks import forecast_scores

    scores = forecast_scores(out["truth"], out["forecast"], float(np.std(out["u"])))
    assert scores["valid_time"] >= 30


def test_stream_states_from_one_saved_state_equal_fresh_runs_and_brute_force_rank():
    scenario = _device(washout=10)
    spec = scenario.reservoir
    rng = np.random.default_rng(4)
    washout, streams = rng.uniform(size=spec.washout), rng.uniform(size=(5, 6))
    drive = NetworkDrive(scenario, spec, seed=scenario.seed)
    for value in washout:
        drive(value)
    states = stream_states(drive, drive.store(), streams)
    # brute force: a fresh simulation per stream, the whole input known in advance
    for j, stream in enumerate(streams):
        _, recorder, _ = simulate_open_loop(scenario, spec, np.concatenate([washout, stream]),
                                            seed=scenario.seed)
        np.testing.assert_array_equal(states[:, j], recorder.feature_matrix()[:, -1])
    singular = np.linalg.svd(states, compute_uv=False)
    from nwn.engine.reservoir.tasks import generalization_rank

    assert generalization_rank(states) == np.linalg.matrix_rank(states, tol=1e-3 * singular[0])


def test_generalization_rank_task():
    scenario = _device()
    run = run_reservoir(scenario, task="generalization-rank",
                        settings={"streams": 6, "stream_length": 5, "noise": 0.0})
    details = run.result.details
    # identical streams from one state reach one state: rank 1; different streams more
    assert run.result.score == 1 and details["generalization_rank"] == 1
    assert details["kernel_rank"] > 1 and details["difference"] == details["kernel_rank"] - 1
    general = run.context["generalization_states"]
    np.testing.assert_array_equal(general, general[:, :1].repeat(6, axis=1))
    noisy = run_reservoir(scenario, task="generalization-rank",
                          settings={"streams": 6, "stream_length": 5, "noise": 0.3})
    assert noisy.result.details["generalization_rank"] >= 1
    assert noisy.context["kernel_states"].shape == (3, 6)


def test_online_tasks_need_a_simulated_reservoir():
    u = np.random.default_rng(0).uniform(size=600)
    for task in ("mackey-glass-forecast", "generalization-rank"):
        with pytest.raises(InputError, match="scores a simulated network only") as error:
            score_task(task, u, u[None])
        assert "\n" not in str(error.value)


def _recording(tmp_path):
    from nwn.engine.reservoir import write_recording

    path = tmp_path / "rec.txt"
    t = np.arange(300) * 0.1
    voltage = np.stack([np.sin(t), 0.5 * np.sin(t + 1), np.cos(t)])
    current = np.stack([np.cos(t), np.full(300, np.nan), np.full(300, np.nan)])
    write_recording(path, t, ("pad1", "pad2", "pad3"), voltage, current)
    return path


def test_cli_closed_loop_forecast_and_bad_input(tmp_path, capsys):
    path = tmp_path / "device.toml"
    path.write_text(pad_device(model="rate", params=RATE))
    output = tmp_path / "rc.h5"
    assert main(["reservoir", "run", str(path), "--task", "mackey-glass-forecast",
                 "--horizon", "20", "--json", "-q", "-o", str(output)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "mackey-glass-forecast" and data["horizon"] == 20
    assert {"valid_time", "one_step_nrmse", "score"} <= set(data)
    from nwn.engine.reservoir.experiment import read_reservoir_results

    stored = read_reservoir_results(output)
    assert stored["context"]["forecast"].shape == (20,)
    for argv, message in (
        (["run", str(path), "--task", "mackey-glass-forecast", "--horizon", "0"],
         "horizon must be"),
        (["run", str(path), "--task", "generalization-rank", "--streams", "1"],
         "streams must be"),
        (["run", str(path), "--task", "mackey-glass-forecast", "--samples", "150"],
         "mackey-glass-forecast needs at least"),
        (["score", str(_recording(tmp_path)), "--task", "generalization-rank", "--input-pad",
          "pad1"], "scores a simulated network only"),
    ):
        assert main(["reservoir", *argv, *(["-q"] if argv[0] == "run" else [])]) == 2
        err = capsys.readouterr().err
        assert err.startswith("nwn: error: ") and message in err and err.count("\n") == 1


def test_cli_sweep_takes_the_forecast_horizon_and_refuses_a_bad_one(tmp_path, capsys):
    path = tmp_path / "device.toml"
    path.write_text(pad_device(model="rate", params=RATE))
    output = tmp_path / "sweep.h5"
    assert main(["reservoir", "sweep", str(path), "--task", "mackey-glass-forecast",
                 "--horizon", "12", "--vary", "reservoir.offset=0.5,0.8", "--serial",
                 "-o", str(output), "--json", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["failed"] == 0 and [row["value"] for row in data["rows"]] == [0.5, 0.8]
    # every member forecast 12 samples in closed loop (the default is 200)
    from nwn.engine.reservoir.tasks import DEFAULT_HORIZON
    from nwn.engine.sweep import open_sweep

    with open_sweep(output) as result:
        horizons = np.asarray(result.dataset["mackey_glass_forecast__horizon"].values)
    assert DEFAULT_HORIZON != 12 and np.all(horizons == 12), horizons
    # out of range: one line naming the option, exit 2, before any member runs
    for option, value in (("--horizon", "0"), ("--horizon", "2000000"), ("--streams", "1")):
        bad = tmp_path / f"bad{option}{value}.h5"
        assert main(["reservoir", "sweep", str(path), "--task", "mackey-glass-forecast",
                     option, value, "--serial", "-o", str(bad), "-q"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"nwn: error: {option} must be") and err.count("\n") == 1, err
        assert not bad.exists()
