"""Sweeps on Dask: members, validation, the file, determinism, failures, dead workers, resume.

One 2-worker LocalCluster is shared by the module (start-up costs seconds); scenarios are tiny.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray
from scenarios import two_terminal

from nwn.app.cli.main import main
from nwn.engine.scenario import parse_scenario
from nwn.engine.sweep import SERIAL, SweepDefinition, open_sweep, run_sweep
from nwn.engine.sweep.keys import set_key
from nwn.engine.sweep.store import partial_path
from nwn.geometry.checks import InputError

TINY = two_terminal(seed=5, n_wires=150, waveform='{kind = "dc", value = 3.0}',
                    model="filament", dt=1e-2, duration=0.1)
ETA = {"junction.params.eta_p": [5.0, 20.0]}


@pytest.fixture(scope="module")
def cluster():
    """A 2-worker cluster of processes with one thread each, shared by this module."""
    import distributed

    local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address="127.0.0.1:0")
    client = distributed.Client(local, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        local.close()


@pytest.fixture(scope="module")
def tiny():
    return parse_scenario(TINY)


def _arrays(result):
    with result:
        data = result.load().dataset
        return {name: data[name].values for name in ("conductance", "terminal_current")}


# -- members and key paths -------------------------------------------------------------------

def test_members_are_the_product_of_the_lists_times_the_seeds_seed_innermost():
    definition = SweepDefinition.make({"a.x": [1, 2, 3], "b.y": ["p", "q"]}, [7, 9])
    assert definition.dims == ("a.x", "b.y", "seed")
    assert definition.shape == (3, 2, 2)
    members = list(definition.members())
    assert len(members) == 12
    assert [(m.values, m.seed) for m in members[:4]] == [
        ((1, "p"), 7), ((1, "p"), 9), ((1, "q"), 7), ((1, "q"), 9)]
    assert members[11].position == (2, 1, 1) and members[11].values == (3, "q")
    zipped = SweepDefinition.make({"a.x": [1, 2], "b.y": [3, 4]}, [0], zip=True)
    assert zipped.dims == ("case", "seed") and zipped.shape == (2, 1)
    assert [m.values for m in zipped.members()] == [(1, 3), (2, 4)]
    assert SweepDefinition.from_json(definition.to_json()) == definition


def test_set_key_walks_tables_and_lists_and_creates_missing_tables():
    data = {"electrodes": [{"source": {"waveform": {"value": 1.0}}}], "junction": {}}
    set_key(data, "electrodes[0].source.waveform.value", 2.5)
    set_key(data, "junction.params.eta_p", 7)
    assert data["electrodes"][0]["source"]["waveform"]["value"] == 2.5
    assert data["junction"]["params"] == {"eta_p": 7}
    with pytest.raises(InputError, match=r"electrodes has 1 entries \(index 3 is past the end"):
        set_key(data, "electrodes[3].name", "x")
    with pytest.raises(InputError, match="junction.params.eta_p is not a table"):
        set_key(data, "junction.params.eta_p.deep", 1)
    with pytest.raises(InputError, match="is not of the form"):
        set_key(data, "junction..params", 1)


@pytest.mark.parametrize(("vary", "seeds", "message"), [
    ({"network.n_wire": [10]}, None, r"network: unknown key 'n_wire'"),
    ({"junction.params.eta_q": [1.0]}, None, r"eta_q"),
    ({"network.n_wires": [200, 1.5]}, None,
     r"sweep member 1 \(network.n_wires=1.5\): network.n_wires must be an integer"),
    ({"network.n_wires": [200, -5]}, None,
     r"sweep member 1 \(network.n_wires=-5\): network.n_wires must be >= 1 \(got -5\)"),
    ({"network.n_wires": []}, None, r"vary\['network.n_wires'\] must list at least one value"),
    ({"network.n_wires": [100, 200, 100]}, None, r"lists 100 twice"),
    ({"junction.params.eta_p": [5, 5.0]}, None, r"lists 5.0 twice"),
    ([("network.n_wires", [100]), ("network.n_wires", [200])], None, r"given twice"),
    ({"junction.params": [{}], "junction.params.eta_p": [1.0]}, None, r"overlaps"),
    ({"network.n_wires": list(range(1, 401)), "run.dt": [1e-3 * k for k in range(1, 301)]},
     None, r"120,000 members \(allowed: at most 100,000"),
    ({}, [1, 1], r"seeds lists seed 1 twice"),
    ({}, [-1], r"seeds\[0\] must be >= 0"),
    ({"seed": [1, 2]}, None, r"the seed is varied with seeds"),
])
def test_bad_sweeps_are_refused_before_anything_starts(tiny, tmp_path, vary, seeds, message):
    output = tmp_path / "s.h5"
    started = time.monotonic()
    with pytest.raises(InputError, match=message):
        # An address nobody answers: validation must refuse before any connection is tried.
        run_sweep(tiny, vary, seeds, client="tcp://127.0.0.1:9", output=output, timeout=30)
    assert time.monotonic() - started < 20
    assert not output.exists() and not partial_path(output).exists()


def test_a_scheduler_that_does_not_answer_is_one_line_within_seconds(tiny, tmp_path):
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(InputError, match=rf"no Dask scheduler answers at tcp://127.0.0.1:{port} "
                                         r"within 2 s"):
        run_sweep(tiny, ETA, [0], client=f"tcp://127.0.0.1:{port}", timeout=2,
                  output=tmp_path / "s.h5")
    assert time.monotonic() - started < 15
    assert not list(tmp_path.iterdir())  # no .part of no member left behind


# -- the file --------------------------------------------------------------------------------

def test_the_file_opens_in_xarray_with_the_sweeps_dimensions(tiny, tmp_path):
    vary = {"junction.params.eta_p": [5.0, 20.0], "network.n_wires": [120, 150, 180]}
    result = run_sweep(tiny, vary, seeds=[3, 4], client=SERIAL, output=tmp_path / "s.h5",
                       outputs=("trace", "junctions"))
    assert result.path == tmp_path / "s.h5" and not partial_path(result.path).exists()
    data = xarray.open_dataset(tmp_path / "s.h5", engine="h5netcdf")
    try:
        g = data["conductance"]
        assert g.dims == ("junction.params.eta_p", "network.n_wires", "seed", "time")
        assert g.shape == (2, 3, 2, 11)
        assert list(data["network.n_wires"].values) == [120, 150, 180]
        assert list(data["seed"].values) == [3, 4]
        assert np.allclose(data["time"].values, np.arange(11) * 1e-2)
        assert list(data["electrode"].values) == ["left", "right"]
        assert data["terminal_current"].dims[-2:] == ("time", "electrode")
        assert data["conductance"].attrs["units"] == "S"
        assert np.all(np.isfinite(g.values))
        # Final junction states: each member's own count, NaN-padded to the largest network.
        states = data["junction_state"]
        counts = np.isfinite(states.values).sum(axis=-1)
        assert np.all(counts[:, 0] < counts[:, 2])
        # Different parameters, different runs; different seeds, different devices.
        assert not np.array_equal(g.values[0], g.values[1])
        assert not np.array_equal(g.values[:, :, 0], g.values[:, :, 1])
    finally:
        data.close()
    table = xarray.open_dataset(tmp_path / "s.h5", engine="h5netcdf", group="members")
    try:
        assert list(table["status"].values) == ["done"] * 12
        assert list(table["network.n_wires"].values[:4]) == [120, 120, 150, 150]
        assert list(table["seed"].values[:2]) == [3, 4]
        assert np.all(table["wall_time"].values > 0)
        assert all("in process" in w for w in table["worker"].values)
    finally:
        table.close()
    with h5py.File(tmp_path / "s.h5") as file:
        assert parse_scenario(file.attrs["scenario"]) == tiny
        assert SweepDefinition.from_json(file.attrs["sweep"]).keys == tuple(vary)
        assert bool(file.attrs["complete"])


def test_a_zipped_sweep_has_one_case_dimension(tiny, tmp_path):
    vary = {"junction.params.eta_p": [5.0, 20.0], "network.n_wires": [120, 180]}
    with run_sweep(tiny, vary, zip=True, client=SERIAL, output=tmp_path / "z.h5") as result:
        data = result.dataset
        assert data["conductance"].dims == ("case", "seed", "time")
        assert list(data["network.n_wires"].values) == [120, 180]
        assert data["network.n_wires"].dims == ("case",)


# -- determinism -----------------------------------------------------------------------------

def test_members_are_bit_identical_serially_on_one_worker_on_two_in_any_order_and_as_nwn_run(
        tiny, tmp_path, cluster):
    vary = {"junction.params.eta_p": [5.0, 20.0]}
    serial = _arrays(run_sweep(tiny, vary, [0, 1, 2], client=SERIAL, output=tmp_path / "a.h5"))
    two = _arrays(run_sweep(tiny, vary, [0, 1, 2], client=cluster, output=tmp_path / "b.h5"))
    one = _arrays(run_sweep(tiny, vary, [0, 1, 2], workers=1, output=tmp_path / "c.h5"))
    reordered = _arrays(run_sweep(tiny, {"junction.params.eta_p": [20.0, 5.0]}, [2, 0, 1],
                                  client=cluster, output=tmp_path / "d.h5"))
    for name in ("conductance", "terminal_current"):
        assert np.array_equal(serial[name], two[name])
        assert np.array_equal(serial[name], one[name])
        assert np.array_equal(serial[name][::-1][:, [2, 0, 1]], reordered[name])
    assert len({serial["conductance"][0, s, -1] for s in range(3)}) == 3  # seeds matter
    # The same member through `nwn run --seed`, with the override written into the file.
    scenario_file = tmp_path / "member.toml"
    scenario_file.write_text(TINY.replace("[junction]", "[junction]\nparams = {eta_p = 20.0}"))
    assert main(["run", str(scenario_file), "--seed", "2", "-q", "-o",
                 str(tmp_path / "run.h5")]) == 0
    with h5py.File(tmp_path / "run.h5") as file:
        assert np.array_equal(file["network/conductance"][...], serial["conductance"][1, 2])
        assert np.array_equal(file["electrodes/current"][...], serial["terminal_current"][1, 2])


def test_reseed_dynamics_keeps_the_device_and_changes_the_noise(tiny, tmp_path):
    with run_sweep(tiny, None, [0, 1, 2], reseed="dynamics", client=SERIAL,
                   output=tmp_path / "e.h5") as result:
        g = result.load()["conductance"].values
    assert g.shape == (3, 11)
    assert np.all(g[:, 0] == g[0, 0])  # same wires: same conductance before any noise
    assert len(set(g[:, -1])) == 3


# -- failures --------------------------------------------------------------------------------

def test_a_member_that_raises_is_recorded_failed_and_the_others_complete(tiny, tmp_path,
                                                                         cluster):
    vary = {"network.n_wires": [150, 2]}  # two wires cannot reach both electrodes
    with run_sweep(tiny, vary, [0, 1], client=cluster, output=tmp_path / "f.h5") as result:
        assert list(result.status) == ["done", "done", "failed", "failed"]
        lines = result.failures()
        assert len(lines) == 2
        assert lines[0].startswith("member 2 (network.n_wires=2, seed 0): InputError: ")
        assert "\n" not in lines[0]
        g = result["conductance"].values
        assert np.all(np.isfinite(g[0])) and np.all(np.isnan(g[1]))
    code = main(["sweep", str(_scenario_file(tmp_path)), "--vary", "network.n_wires=150,2",
                 "--scheduler", cluster.scheduler_info()["address"], "-q", "-o", str(tmp_path / "g.h5")])
    assert code == 1


def test_a_worker_killed_mid_sweep_loses_nothing(tiny, tmp_path, cluster):
    longer = parse_scenario(TINY.replace("duration = 0.1", "duration = 3.0"))
    reference = _arrays(run_sweep(longer, None, range(2), client=SERIAL,
                                  output=tmp_path / "ref.h5"))
    pids = cluster.run(os.getpid)  # worker address -> process id
    killed = []

    def kill_once(fraction, message):
        busy = [address for address, keys in cluster.processing().items() if keys]
        if not killed and busy:  # a worker with members in hand: SIGKILL it
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(busy[0])

    with run_sweep(longer, None, range(6), client=cluster, output=tmp_path / "k.h5",
                   progress=kill_once) as result:
        assert killed
        assert list(result.status) == ["done"] * 6
        g = result.load()["conductance"].values
    assert np.array_equal(g[:2], reference["conductance"])
    assert np.all(np.isfinite(g))
    cluster.wait_for_workers(2, timeout=60)


# -- resume ----------------------------------------------------------------------------------

def _scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def test_an_interrupted_sweep_resumes_and_a_different_one_is_refused(tiny, tmp_path):
    output = tmp_path / "r.h5"
    seen = []

    def interrupt_after_two(fraction, message):
        seen.append(message)
        if message.startswith("2/"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(tiny, ETA, range(3), client=SERIAL, output=output,
                  progress=interrupt_after_two)
    assert not output.exists()
    with open_sweep(partial_path(output)) as part:  # readable, with what finished
        assert list(part.status) == ["done", "done"] + ["pending"] * 4
        assert not part.complete
    calls = []
    result = run_sweep(tiny, ETA, range(3), client=SERIAL, output=output,
                       progress=lambda f, m: calls.append(m))
    assert calls[-1].startswith("6/6 done") and len([c for c in calls if "running, 0" in c])
    assert result.path == output and not partial_path(output).exists()
    whole = _arrays(run_sweep(tiny, ETA, range(3), client=SERIAL, output=tmp_path / "w.h5"))
    assert np.array_equal(_arrays(result)["conductance"], whole["conductance"])
    # Complete: running again computes nothing.
    again = []
    run_sweep(tiny, ETA, range(3), client=SERIAL, output=output,
              progress=lambda f, m: again.append(m)).close()
    assert again == []
    for vary, seeds in (({"junction.params.eta_p": [5.0, 30.0]}, range(3)), (ETA, range(4))):
        with pytest.raises(InputError, match="holds a different sweep"):
            run_sweep(tiny, vary, seeds, client=SERIAL, output=output)
    other = parse_scenario(TINY.replace("seed = 5", "seed = 6"))
    with pytest.raises(InputError, match=r"the scenario differs"):
        run_sweep(other, ETA, range(3), client=SERIAL, output=output)
    code = main(["sweep", str(_scenario_file(tmp_path)), "--vary",
                 "junction.params.eta_p=5.0,30.0", "--seeds", "3", "--serial", "-q",
                 "-o", str(output)])
    assert code == 2


def test_a_killed_client_leaves_a_readable_file_that_the_same_command_completes(tmp_path):
    scenario = _scenario_file(tmp_path)
    scenario.write_text(TINY.replace("duration = 0.1", "duration = 1.0"))
    output = tmp_path / "c.h5"
    command = [sys.executable, "-m", "nwn.app.cli", "sweep", str(scenario), "--seeds", "8",
               "--serial", "-o", str(output)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        for line in process.stderr:
            if " 2/8 done" in line or time.monotonic() > deadline:
                break
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    with open_sweep(partial_path(output)) as part:
        done = part.n_done
        assert 2 <= done < 8
        before = part.load()["conductance"].values
        assert np.all(np.isfinite(before[:done])) and np.all(np.isnan(before[done:]))
    # The same command again, here: it runs only the members the file lacks.
    assert main(command[3:] + ["-q"]) == 0
    with open_sweep(output) as result:
        assert result.complete and result.n_done == 8
        assert np.array_equal(result.load()["conductance"].values[:done], before[:done])


# -- the runner contract ---------------------------------------------------------------------

def echo_runner(scenario):
    """A tiny runner: arrays whose length depends on the member (NaN padding)."""
    n = scenario.network.n_wires // 50
    return {"wires": scenario.network.n_wires, "ramp": np.arange(n) * float(scenario.seed)}


def test_a_runner_of_your_own_runs_on_the_workers(tiny, tmp_path, cluster):
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # tests are not on workers
    vary = {"network.n_wires": [100, 200]}
    with run_sweep(tiny, vary, [2, 3], client=cluster, runner=echo_runner,
                   output=tmp_path / "x.h5") as result:
        data = result.load().dataset
        assert data["wires"].dims == ("network.n_wires", "seed")
        assert data["wires"].values.tolist() == [[100, 100], [200, 200]]
        ramp = data["ramp"].values
        assert data["ramp"].dims == ("network.n_wires", "seed", "ramp_dim0")
        assert np.array_equal(ramp[1, 1], np.arange(4) * 3.0)
        assert np.array_equal(ramp[0, 0, :2], [0.0, 2.0]) and np.all(np.isnan(ramp[0, 0, 2:]))
        assert "conductance" not in data
    with pytest.raises(InputError, match="reseed='dynamics' needs the default runner"):
        run_sweep(tiny, vary, [0], runner=echo_runner, reseed="dynamics", client=SERIAL,
                  output=tmp_path / "y.h5")


# -- command line ----------------------------------------------------------------------------

@pytest.mark.parametrize(("argv", "message"), [
    (["--vary", "network.n_wires"], "--vary must be KEY=V1,V2"),
    (["--vary", "network.n_wires=1,,2"], "empty value"),
    (["--vary", "junction.params.eta_p=1", "--vary", "junction.params.eta_p=2"], "given twice"),
    (["--vary", "network.n_wires=100,-5"], "network.n_wires must be >= 1"),
    (["--seeds", "0"], "--seeds must be >= 1"),
    (["--output-state", "everything"], "unknown output 'everything'"),
])
def test_the_command_refuses_bad_input_with_one_line(tmp_path, capsys, argv, message):
    code = main(["sweep", str(_scenario_file(tmp_path)), "--serial", "-o",
                 str(tmp_path / "s.h5")] + argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("nwn: error: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize(("where", "content", "message"), [
    (["--scheduler", "garbage"], None, "scheduler address 'garbage' is not HOST:PORT or "
                                       "tcp://HOST:PORT"),
    (["--scheduler", "tcp://127.0.0.1:port"], None, "'tcp://127.0.0.1:port' is not HOST:PORT"),
    (["--scheduler", "tcp://127.0.0.1:70000"], None, "port 70000 is not in 1..65535"),
    (["--scheduler-file", "{folder}/f.json"], "seed = 1\n", "is not one that `dask scheduler "
                                                             "--scheduler-file` writes"),
    (["--scheduler-file", "{folder}/f.json"], '{"address": "nowhere"}',
     "scheduler address 'nowhere' (in "),
    (["--scheduler-file", "{folder}"], None, "is a folder, not a file"),
    (["--workers", "5000"], None, "--workers must be <= 4096 (got 5000)"),
], ids=["address", "port-word", "port-range", "file-not-json", "file-address", "file-folder",
        "workers"])
def test_where_a_sweep_runs_is_checked_before_a_client_is_made(tmp_path, capfd, where,
                                                                 content, message):
    # A distributed.Client made of a malformed address failed half-made; at exit its clean-up
    # waited 10 s and printed an 'Exception ignored in Client.__del__' traceback.
    import gc

    folder = tmp_path / "out"
    folder.mkdir()
    if content is not None:
        (folder / "f.json").write_text(content)
    scenario = _scenario_file(tmp_path)
    started = time.monotonic()
    code = main(["sweep", str(scenario), "-o", str(folder / "s.h5"), "-q",
                 *[w.format(folder=folder) for w in where]])
    gc.collect()
    err = capfd.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert "Traceback" not in err and time.monotonic() - started < 10
    assert sorted(p.name for p in folder.iterdir()) == (["f.json"] if content else [])


def test_the_command_runs_a_sweep_on_a_scheduler(tmp_path, cluster, capsys):
    code = main(["sweep", str(_scenario_file(tmp_path)), "--vary",
                 "junction.params.eta_p=5,10", "--seeds", "2", "--first-seed", "4",
                 "--scheduler", cluster.scheduler_info()["address"], "-o", str(tmp_path / "s.h5")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "4 of 4 members done, 0 failed" in err and "sweep [" in err
    with open_sweep(tmp_path / "s.h5") as result:
        assert list(result.dataset["seed"].values) == [4, 5]
        assert list(result.dataset["junction.params.eta_p"].values) == [5, 10]


# -- ensembles, the bridge and the figure: the same machinery -------------------------------

def test_nwn_ensemble_is_the_seeds_only_sweep_and_resumes(tmp_path, capsys):
    output = tmp_path / "e.h5"
    argv = ["ensemble", str(_scenario_file(tmp_path)), "--seeds", "3", "--first-seed", "2",
            "--serial", "-q", "-o", str(output)]
    assert main(argv) == 0
    assert (tmp_path / "e.png").stat().st_size > 1000
    with open_sweep(output) as result:
        assert result.definition.keys == () and result.definition.reseed == "dynamics"
        g = result.load()["conductance"]
        assert g.dims == ("seed", "time") and list(result.dataset["seed"].values) == [2, 3, 4]
    capsys.readouterr()
    assert main(argv) == 0  # complete: nothing to run again, the file is kept
    with open_sweep(output) as again:
        assert np.array_equal(again.load()["conductance"].values, g.values)


def test_the_bridge_holds_run_as_a_sweep_on_the_cluster_with_the_serial_numbers(tmp_path,
                                                                                  cluster):
    from nwn.engine.analysis.bridge import run_bridge

    scenario = parse_scenario(two_terminal(seed=2, n_wires=150, model="rate", dt=1e-2,
                                           duration=0.1))
    here = run_bridge(scenario, [1.0, 3.0, 2.0], hold=0.3, relax=0.1)
    there = run_bridge(scenario, [1.0, 3.0, 2.0], hold=0.3, relax=0.1, client=cluster)
    assert [lv.voltage for lv in there.levels] == [1.0, 3.0, 2.0]
    for a, b in zip(here.levels, there.levels, strict=True):
        assert np.array_equal(a.conductance, b.conductance) and a.tau == b.tau
    assert here.levels[1].g_steady > here.levels[2].g_steady > here.levels[0].g_steady
    with pytest.raises(InputError, match="voltages lists 1 twice"):
        run_bridge(scenario, [1.0, 1.0], hold=0.3, relax=0.1)
    asked = []
    stopped = run_bridge(scenario, [1.0, 3.0, 2.0], hold=0.3, relax=0.1,
                         should_stop=lambda: asked.append(1) or len(asked) > 2)
    assert [lv.voltage for lv in stopped.levels] == [1.0, 3.0]


def test_the_sweep_figure_summarizes_the_seeds_of_each_value(tiny, tmp_path):
    vary = {"junction.params.eta_p": [5.0, 20.0], "network.n_wires": [120, 150]}
    with run_sweep(tiny, vary, [0, 1, 2], client=SERIAL, output=tmp_path / "p.h5") as result:
        g = result.load()["conductance"].values
        final = result.conductance_summary("final")
        average = result.conductance_summary("mean")
    assert final["key"] == "junction.params.eta_p" and list(final["x"]) == [5.0, 20.0]
    labels = [line[0] for line in final["lines"]]
    assert labels == ["network.n_wires=120", "network.n_wires=150"]
    _, mean, std, count = final["lines"][1]
    assert np.allclose(mean, g[:, 1, :, -1].mean(axis=-1), rtol=1e-12)
    assert np.allclose(std, g[:, 1, :, -1].std(axis=-1, ddof=1), rtol=1e-12)
    assert list(count) == [3, 3]
    assert np.allclose(average["lines"][0][1], g[:, 0].mean(axis=(-1, -2)), rtol=1e-12)
    assert main(["plot", str(tmp_path / "p.h5"), "-o", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 1000


# -- more than one machine -------------------------------------------------------------------

def test_a_sweep_runs_on_a_separately_started_scheduler_and_two_workers(tmp_path):
    """`dask scheduler` and two `dask worker` processes on loopback, as on a cluster."""
    import json

    scheduler_file = tmp_path / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tmp_path}
    processes = [subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", str(scheduler_file)], **common)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written in one go; let it land
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for _ in range(2):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                 "--host", "127.0.0.1", "--no-dashboard", "--no-nanny"], **common))
        import distributed

        with distributed.Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=90)
            workers = set(client.nthreads())
        output = tmp_path / "remote.h5"
        code = main(["sweep", str(_scenario_file(tmp_path)), "--vary",
                     "junction.params.eta_p=5,20", "--seeds", "2", "--scheduler", address, "-q",
                     "-o", str(output)])
        assert code == 0
        with open_sweep(output) as result:
            assert result.n_done == 4
            assert set(result.members["worker"].values) <= workers
        code = main(["sweep", str(_scenario_file(tmp_path)), "--seeds", "2",
                     "--scheduler-file", str(scheduler_file), "-q", "-o",
                     str(tmp_path / "by_file.h5")])
        assert code == 0
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _worker_settings():
    import os

    import dask

    from nwn.engine.sweep.cluster import QUIET_WORKERS

    return {key: dask.config.get(key) for key in QUIET_WORKERS}, os.getpid()


def test_the_embedded_cluster_keeps_dask_quiet_in_its_workers_and_closes_at_once():
    import time

    import psutil

    from nwn.engine.sweep.cluster import QUIET_WORKERS, connect

    connection = connect(workers=1)
    client = connection.client
    client.wait_for_workers(1)
    (settings, pid), = client.run(_worker_settings).values()
    assert settings == QUIET_WORKERS  # the nanny handed the settings to its worker
    assert client.submit(sum, [1, 2]).result() == 3
    started = time.monotonic()
    connection.close()
    assert time.monotonic() - started < 3.0  # a graceful close took 4-8 s on a busy machine
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert client.status == "closed"


def test_the_embedded_cluster_logs_nothing_below_error_until_it_is_closed(monkeypatch, capfd):
    # distributed logged "Batched Comm Closed" with a traceback (INFO, distributed.batched) as
    # a cluster closed, after Dask's own silence_logs had already put its handler back.
    import logging

    from nwn.engine.sweep import cluster as cluster_module

    names = ("distributed", "distributed.batched", "distributed.client", "distributed.nanny")
    before = {name: logging.getLogger(name).level for name in names}
    real_close = cluster_module._close_embedded

    def close_then_log(cluster):
        real_close(cluster)  # the cluster is closed, its loop stopped: the latest moment
        logging.getLogger("distributed.batched").info(
            "Batched Comm Closed %r", "<comm>", exc_info=ConnectionError("closed"))
        logging.getLogger("distributed.client").warning("a warning of the client")

    monkeypatch.setattr(cluster_module, "_close_embedded", close_then_log)
    capfd.readouterr()
    connection = cluster_module.connect(workers=1)
    for name in names:
        assert not logging.getLogger(name).isEnabledFor(logging.WARNING), name
        assert logging.getLogger(name).isEnabledFor(logging.ERROR), name  # errors still show
    connection.close()
    err = capfd.readouterr().err
    assert "Batched Comm Closed" not in err and "Traceback" not in err, err
    assert "a warning of the client" not in err, err
    # an API caller gets distributed's levels back once the cluster is gone
    assert {name: logging.getLogger(name).level for name in names} == before
