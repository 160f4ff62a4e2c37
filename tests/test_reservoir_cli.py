"""``nwn reservoir``: JSON and table output, exit code 2 and one line on bad input."""

from __future__ import annotations

import json

import pytest
from rc_reservoirs import MEASURED

from nwn.app.cli.main import main


def test_score_json_matches_the_reference(capsys):
    assert main(["reservoir", "score", str(MEASURED), "--task", "memory-capacity",
                 "--input-pad", "8", "--ground-pad", "17", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "memory-capacity"
    assert data["score"] == pytest.approx(2.8945558220044645, abs=1e-6)
    assert len(data["per_delay"]) == 30 and data["per_delay"][0] == pytest.approx(0.98879, abs=1e-5)
    assert data["feature_pads"] == [str(p) for p in range(9, 24) if p != 17]


def test_score_table(capsys):
    assert main(["reservoir", "score", str(MEASURED), "--task", "nlt", "--input-pad", "8",
                 "--target", "triangle", "--alpha", "cv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["task", "nlt"]
    assert "(accuracy)" in out and "triangle_nmse" in out
    assert main(["reservoir", "score", str(MEASURED), "--task", "memory-capacity",
                 "--input-pad", "8", "--max-delay", "5"]) == 0
    out = capsys.readouterr().out
    assert "tau  MC(tau)" in out and len(out.split("tau  MC(tau)")[1].split("\n")) == 7


@pytest.mark.parametrize("argv, message", [
    (["--task", "memory-kapacity", "--input-pad", "8"], "unknown task 'memory-kapacity'"),
    (["--task", "nlt", "--input-pad", "99"], "pad '99' is not in the recording"),
    (["--task", "nlt", "--input-pad", "8", "--ground-pad", "8"], "both the input and a ground"),
    (["--task", "nlt", "--input-pad", "8", "--alpha", "-1"], "--alpha must be >= 0"),
    (["--task", "memory-capacity", "--input-pad", "8", "--max-delay", "2900"],
     "needs at least"),
    (["--task", "waveform-classification", "--input-pad", "8"], "cannot be scored"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    assert main(["reservoir", "score", str(MEASURED)] + argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("nwn: error: ") and message in err and err.count("\n") == 1


def test_bad_recording_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("t 8_V[V]\n0 1\n")
    assert main(["reservoir", "score", str(bad), "--task", "nlt", "--input-pad", "8"]) == 2
    assert "header starts with 't'" in capsys.readouterr().err


# -- what the scoring refuses is refused before any simulation (run and sweep alike) ----------

TOO_FEW = ["--task", "memory-capacity", "--max-delay", "6000", "--samples", "5000"]
TOO_FEW_LINE = ("memory-capacity needs at least 6496 samples (6000 dropped, then >= 100 to "
                "train and >= 100 to test with train_fraction 0.8); got 5000")


@pytest.fixture
def device(tmp_path, monkeypatch):
    """A reservoir scenario whose simulation must not start (it fails the test if it does)."""
    from rc_reservoirs import pad_device

    from nwn.engine.reservoir import experiment

    def no_simulation(*args, **kwargs):
        raise AssertionError("the simulation ran before the task's settings were checked")

    monkeypatch.setattr(experiment, "simulate_open_loop", no_simulation)
    path = tmp_path / "d.toml"
    path.write_text(pad_device(model="rate", params="{kd0 = 5.0, kp0 = 0.5}", samples=530))
    return path


@pytest.mark.parametrize("command", [
    ["run", "{device}", "-o", "{folder}/rc.h5", "-q"],
    ["sweep", "{device}", "--seeds", "2", "--serial", "-o", "{folder}/rc.h5", "-q"],
], ids=["run", "sweep"])
def test_too_few_samples_for_the_task_are_refused_before_the_simulation(device, capsys,
                                                                        command):
    argv = [a.format(device=device, folder=device.parent) for a in command]
    assert main(["reservoir", *argv, *TOO_FEW]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.endswith(TOO_FEW_LINE), err
    assert sorted(p.name for p in device.parent.iterdir()) == ["d.toml"]  # nothing written


def test_a_sweep_names_the_member_whose_samples_are_too_few(device, capsys):
    assert main(["reservoir", "sweep", str(device), "--task", "memory-capacity", "--max-delay",
                 "5", "--vary", "reservoir.samples=600,200", "--serial", "-o",
                 str(device.parent / "rc.h5"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("nwn: error: sweep member 1 (reservoir.samples=200): memory-capacity needs "
                   "at least 501 samples (5 dropped, then >= 100 to train and >= 100 to test "
                   "with train_fraction 0.8); got 200"), err


def test_the_check_scores_the_input_the_run_scores():
    # the check refuses what the scoring refuses, in its words: one sample short of the
    # bound, both refuse with the same line; at the bound the check passes
    import dataclasses

    from rc_reservoirs import pad_device

    from nwn.engine.reservoir.experiment import check_task
    from nwn.engine.reservoir.tasks import score_task
    from nwn.engine.scenario import parse_scenario
    from nwn.geometry.checks import InputError

    spec = parse_scenario(pad_device(samples=530)).reservoir
    check_task(dataclasses.replace(spec, task="memory-capacity", samples=6496),
               {"max_delay": 6000})
    with pytest.raises(InputError) as refused:
        check_task(dataclasses.replace(spec, task="memory-capacity", samples=6495),
                   {"max_delay": 6000})
    import numpy as np

    u = np.random.default_rng(1).uniform(size=6495)
    with pytest.raises(InputError) as scored:
        score_task("memory-capacity", u, np.vstack([u, u ** 2]), max_delay=6000)
    assert str(refused.value) == str(scored.value)


def test_a_sweep_over_seeds_alone_lists_each_seed_and_their_mean(tmp_path, capsys):
    # it printed one row labelled "case" / "None"
    from rc_reservoirs import pad_device

    path = tmp_path / "d.toml"
    path.write_text(pad_device(model="rate", params="{kd0 = 5.0, kp0 = 0.5}", samples=530))
    argv = ["reservoir", "sweep", str(path), "--task", "memory-capacity", "--max-delay", "5",
            "--seeds", "2", "--first-seed", "3", "--serial", "-o", str(tmp_path / "rc.h5"),
            "-q"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["seed", "memory-capacity"]
    assert [line.split()[0] for line in lines[1:3]] == ["3", "4"]
    assert "None" not in "\n".join(lines) and "case" not in lines[0]
    scores = [float(line.split()[1]) for line in lines[1:3]]
    assert lines[3].startswith("mean of 2 seeds")
    mean, std = float(lines[3].split()[4]), float(lines[3].split()[6])
    assert mean == pytest.approx(sum(scores) / 2, abs=1e-4)
    assert std == pytest.approx(abs(scores[0] - scores[1]) / 2, abs=1e-4)
    assert main([*argv, "--json"]) == 0  # the finished file: read back, nothing reruns
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(row["key"], row["value"], row["memory-capacity_n"]) for row in rows] == [
        ("seed", 3, 1), ("seed", 4, 1)]
    assert [row["memory-capacity"] for row in rows] == pytest.approx(scores, abs=1e-4)
