"""The ``nwn`` command line: exit codes, one-line errors, outputs."""

import os
import subprocess
import sys

import h5py
import pytest
from scenarios import two_terminal

from nwn.app.cli.main import main
from nwn.resources import list_presets

GOOD = two_terminal()


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def one_line_error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("nwn: error: ")
    assert "\n" not in err and "Traceback" not in err
    return err


def test_presets_lists_every_shipped_preset(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name, _ in list_presets():
        assert name in out


def test_validate_reports_the_network(tmp_path, capsys):
    assert main(["validate", write(tmp_path, GOOD)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "junctions" in out


def test_run_writes_results(tmp_path, capsys):
    out = tmp_path / "r.h5"
    assert main(["run", write(tmp_path, GOOD), "-o", str(out), "-q"]) == 0
    with h5py.File(out) as file:
        assert file["t"].shape == (21,)
        assert bool(file.attrs["complete"])


def test_seed_and_duration_overrides_are_stored(tmp_path):
    out = tmp_path / "r.h5"
    assert main(["run", write(tmp_path, GOOD), "-o", str(out), "-q", "--seed", "9",
                 "--duration", "0.005"]) == 0
    with h5py.File(out) as file:
        assert file["t"].shape == (6,)
        assert file.attrs["seed"] == 9
        assert "seed = 9" in file.attrs["scenario"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("length = 8e-06", "length = -8e-06"), "network.length must be > 0 (got -8e-06)"),
        (("n_wires = 200", "n_wires = 200\ndensity = 1e11"), "give n_wires or density"),
        (("duration = 0.02", "duration = 0.02\nfoo = 1"), "run: unknown key 'foo'"),
        (("[junction]\nmodel = \"rate\"", "[junction]\nmodel = \"rate\"\nparams = {eta_p = 1e400}"),
         "junction.params.eta_p"),
        (("seed = 3", "seed = 3\n[network"), "not valid TOML"),
        (("[junction]\nmodel = \"rate\"", "[junction]\nmodel = \"rate\"\nparams = {eta_p = inf}"),
         "junction.params.eta_p"),
        (("n_wires = 200", "n_wires = 20"), "is not connected to 'right' by any wire path"),
        (("bounds = [2.7e-05, 0.0, 3e-05, 3e-05]", "bounds = [2.999e-05, 2.999e-05, 3e-05, 3e-05]"),
         "electrode 'right'"),
    ],
)
def test_bad_scenarios_exit_2_with_one_line(tmp_path, capsys, edit, expected):
    old, new = edit
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    for command in (["validate", path], ["run", path, "-o", str(tmp_path / "x.h5"), "-q"]):
        err = one_line_error(capsys, command)
        assert expected in err


def test_overflowing_voltage_does_not_crash_the_run(tmp_path, capsys):
    """A huge bias drives exp(eta V) past float range: the junctions saturate, no NaN."""
    out = tmp_path / "r.h5"
    text = GOOD.replace("value = 2.0", "value = 1e6")
    assert main(["run", write(tmp_path, text), "-o", str(out), "-q"]) == 0
    with h5py.File(out) as file:
        assert (file["network/conductance"][:] > 0).all()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "no_such_preset"], "no such file or preset: 'no_such_preset'"),
        (["run", "missing.toml"], "no such file: missing.toml"),
        (["validate", "dir/missing"], "no such file: dir/missing"),
        (["run", "GOOD", "--duration", "-1"], "--duration must be > 0"),
        (["run", "GOOD", "--seed", "-4"], "--seed must be >= 0"),
        (["validate"], "the following arguments are required"),
        (["bridge", "GOOD", "-o", "OUT", "--voltages", "a,b"], "--voltages must be"),
        (["ensemble", "GOOD", "-o", "OUT.h5", "--seeds", "0"], "--seeds must be >= 1"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, argv, expected):
    good = write(tmp_path, GOOD)
    argv = [good if a == "GOOD" else str(tmp_path / "out") if a == "OUT" else
            str(tmp_path / "out.h5") if a == "OUT.h5" else a for a in argv]
    with pytest.raises(SystemExit) if argv == ["validate"] or argv == ["frobnicate"] \
            else _nullcontext() as info:
        code = main(argv)
    err = capsys.readouterr().err.strip()
    if info is not None and hasattr(info, "value"):
        code = info.value.code
    assert code == 2
    assert expected in err
    assert "Traceback" not in err


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_console_script_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "nwn.app.cli", "presets"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "two_terminal_pulse" in result.stdout


@pytest.mark.slow
def test_results_do_not_depend_on_the_numba_thread_count(tmp_path):
    """Bit-identical output with 1 and 2 numba threads (stochastic filament junctions)."""
    text = GOOD.replace('model = "rate"', 'model = "filament"')
    path = write(tmp_path, text)
    outputs = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}.h5"
        env = {**__import__("os").environ, "NUMBA_NUM_THREADS": threads}
        subprocess.run([sys.executable, "-m", "nwn.app.cli", "run", path, "-o", str(out), "-q"],
                       check=True, env=env, timeout=300)
        with h5py.File(out) as file:
            outputs.append((file["electrodes/current"][:], file["junctions/state"][:]))
    assert (outputs[0][0] == outputs[1][0]).all()
    assert (outputs[0][1] == outputs[1][1]).all()


def test_a_reader_that_closes_the_pipe_early_is_not_an_error():
    """`nwn presets | head -0`: the output has nowhere to go; no traceback, exit 0."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, "-m", "nwn.app.cli", "presets"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    process.stdout.close()  # before the child writes anything: its output is buffered
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0
    assert stderr == ""


@pytest.mark.parametrize("options, fragment", [
    # the hold's step count used to be refused as "run.duration / run.dt gives 1e+302 steps"
    (["--hold", "1e300"], "--hold must be in [0.1, 1e+07] s (at least 10 steps of run.dt = "
                          "0.01 s, and with --relax 10 s at most 1e+09 steps) (got 1e+300)"),
    (["--hold", "0.05"], "--hold must be in [0.1, "),
    (["--hold", "-1"], "--hold must be > 0 (got -1)"),
    (["--relax", "1e300"], "--relax must be at most 1e+07 s"),
    (["--threshold", "0"], "--threshold must be > 0"),
])
def test_bridge_refuses_bad_durations_naming_the_option(tmp_path, capsys, options, fragment):
    err = one_line_error(capsys, ["bridge", "bridge_filament", "--serial", "-q",
                                  "-o", str(tmp_path / "report"), *options])
    assert fragment in err, err
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize("option, name, fragment", [
    # any name used to be taken: x.txt got a netlist
    ("--spice", "x.txt", "--spice 'x.txt' must end in .cir or .sp or .spice or .net"),
    ("--graphml", "x.json", "--graphml 'x.json' must end in .graphml or .xml"),
    ("--mnns", "x.csv", "--mnns 'x.csv' must end in .txt or .dat"),
])
def test_export_refuses_an_output_whose_extension_is_another_format(tmp_path, capsys,
                                                                   monkeypatch, option, name,
                                                                   fragment):
    monkeypatch.chdir(tmp_path)
    err = one_line_error(capsys, ["export", write(tmp_path, GOOD), option, name])
    assert fragment in err, err
    assert not (tmp_path / name).exists()
    # the format's own extensions, in any case, are taken
    assert main(["export", write(tmp_path, GOOD), "--spice", "net.SP"]) == 0
    assert (tmp_path / "net.SP").read_text().startswith("nwn-studio network of s.toml")
