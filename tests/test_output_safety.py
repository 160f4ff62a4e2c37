"""No command loses a user's file: inputs are never outputs, existing files need --force,
outputs appear only when complete, a failed run leaves the earlier file as it was."""

import hashlib
import os

import h5py
import pytest
from scenarios import two_terminal

from nwn.app.cli.main import main
from nwn.engine.output_files import (
    OutputExists,
    atomic_path,
    check_distinct,
    check_output,
    is_partial_file,
    write_fault,
)
from nwn.geometry.checks import InputError

GOOD = two_terminal(n_wires=120, duration=0.005)


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def one_line(capsys, argv, code=2) -> str:
    got = main(argv)
    err = capsys.readouterr().err.strip()
    assert got == code, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def no_partial_files(folder) -> bool:
    return not [p for p in os.listdir(folder) if is_partial_file(p)]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A scenario and its results, made once; tests copy what they change."""
    folder = tmp_path_factory.mktemp("made")
    scenario = folder / "s.toml"
    scenario.write_text(GOOD)
    assert main(["run", str(scenario), "-o", str(folder / "r.h5"), "-q"]) == 0
    return folder


@pytest.fixture
def work(tmp_path, made):
    for name in ("s.toml", "r.h5"):
        (tmp_path / name).write_bytes((made / name).read_bytes())
    return tmp_path


# -- the rules --------------------------------------------------------------------------------


def test_check_output_refuses_inputs_formats_and_existing_files(tmp_path):
    source = tmp_path / "s.toml"
    source.write_text("x")
    (tmp_path / "link.h5").symlink_to(source)
    with pytest.raises(InputError, match="input of this command"):
        check_output(source, None, inputs=[source], force=True)
    with pytest.raises(InputError, match="input of this command"):
        check_output(tmp_path / "link.h5", "results", inputs=[str(source)], force=True)
    os.link(source, tmp_path / "hard.h5")
    with pytest.raises(InputError, match="input of this command"):
        check_output(tmp_path / "hard.h5", "results", inputs=[source], force=True)
    with pytest.raises(InputError, match=r"must end in \.h5 or \.hdf5"):
        check_output(tmp_path / "r.png", "results")
    with pytest.raises(InputError, match="does not exist"):
        check_output(tmp_path / "no" / "r.h5", "results")
    with pytest.raises(InputError, match="is a folder"):
        check_output(tmp_path, None)
    (tmp_path / "old.csv").write_text("1")
    with pytest.raises(OutputExists, match="already exists.*--force"):
        check_output(tmp_path / "old.csv", "csv")
    assert check_output(tmp_path / "old.csv", "csv", force=True) == tmp_path / "old.csv"
    with pytest.raises(InputError, match="same file"):
        check_distinct(tmp_path / "a.csv", None, tmp_path / "." / "a.csv")


def test_atomic_path_replaces_only_a_complete_file(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temp:
            temp.write_text("half")
            raise RuntimeError("failed half-way")
    assert target.read_text() == "good" and no_partial_files(tmp_path)
    with pytest.raises(OSError, match="writing .*t.csv") as caught:  # a 0-byte file is a fault
        with atomic_path(target):
            pass
    assert "part" not in str(caught.value)
    assert target.read_text() == "good" and no_partial_files(tmp_path)
    with atomic_path(target) as temp:
        temp.write_text("new")
    assert target.read_text() == "new" and no_partial_files(tmp_path)


def test_write_fault_is_one_line_naming_the_file():
    import errno

    fault = write_fault(OSError(errno.ENOSPC, "No space left on device"), "r.h5",
                        where="at t = 0.5 s")
    assert str(fault.nwn_message) == "disk full writing r.h5 at t = 0.5 s"
    h5 = OSError("Can't write data (file write failed: errno = 28, error message = 'No space "
                 "left on device')")
    assert write_fault(h5, "r.h5").nwn_message == "disk full writing r.h5"


# -- the commands -----------------------------------------------------------------------------


def test_run_never_writes_over_its_scenario(work, capsys):
    scenario = work / "s.toml"
    before = digest(scenario)
    line = one_line(capsys, ["run", str(scenario), "-o", str(scenario), "--force", "-q"])
    assert "s.toml" in line
    line = one_line(capsys, ["run", str(scenario), "-o", str(work / "s.txt"), "-q"])
    assert ".h5" in line
    assert digest(scenario) == before


def test_run_needs_force_to_replace_results(work, capsys):
    results = work / "r.h5"
    before = digest(results)
    line = one_line(capsys, ["run", str(work / "s.toml"), "-o", str(results), "-q"])
    assert "r.h5" in line and "--force" in line
    assert digest(results) == before
    assert main(["run", str(work / "s.toml"), "-o", str(results), "-q", "--force"]) == 0
    with h5py.File(results) as file:
        assert bool(file.attrs["complete"])
    assert no_partial_files(work)


def _fail_after(monkeypatch, steps, error):
    from nwn.engine.simulation import Simulation

    original = Simulation._advance_one

    def advance(self):
        if self.step_index >= steps:
            raise error
        original(self)

    monkeypatch.setattr(Simulation, "_advance_one", advance)


def test_a_failed_run_leaves_the_earlier_results_untouched(work, capsys, monkeypatch):
    results = work / "r.h5"
    before = digest(results)
    _fail_after(monkeypatch, 2, InputError("a sample is too large (got 1e+300)"))
    line = one_line(capsys, ["run", str(work / "s.toml"), "-o", str(results), "-q",
                             "--force"])
    assert "1e+300" in line and "left as it was" in line
    assert digest(results) == before and no_partial_files(work)


def test_a_failed_new_run_keeps_the_rows_it_wrote(work, capsys, monkeypatch):
    fresh = work / "fresh.h5"
    _fail_after(monkeypatch, 3, InputError("bad sample"))
    line = one_line(capsys, ["run", str(work / "s.toml"), "-o", str(fresh), "-q"])
    assert "fresh.h5 holds the run up to t = 0.003 s" in line
    with h5py.File(fresh) as file:
        assert not bool(file.attrs["complete"])
        assert file["t"].shape == (4,) and "scenario" in file.attrs


def test_plot_never_writes_over_its_results(work, capsys):
    results = work / "r.h5"
    before = digest(results), digest(work / "s.toml")
    one_line(capsys, ["plot", str(results), "-o", str(work / "v.png"), "--csv", str(results)])
    one_line(capsys, ["plot", str(results), "-o", str(work / "v.png"), "--csv",
                      str(work / "s.toml")])
    one_line(capsys, ["plot", str(results), "-o", str(results)])
    assert (digest(results), digest(work / "s.toml")) == before
    assert not (work / "v.png").exists()


def test_plot_needs_force_for_an_existing_figure_or_csv(work, capsys):
    figure, table = work / "v.png", work / "v.csv"
    table.write_text("keep me")
    line = one_line(capsys, ["plot", str(work / "r.h5"), "-o", str(figure), "--csv",
                             str(table)])
    assert "v.csv" in line and "--force" in line and not figure.exists()
    assert main(["plot", str(work / "r.h5"), "-o", str(figure), "--csv", str(table),
                 "--force"]) == 0
    assert table.read_text().startswith("#") and figure.stat().st_size > 0
    assert "wrote" in capsys.readouterr().err and no_partial_files(work)


def test_ensemble_refuses_a_figure_name_for_its_results(work, capsys):
    line = one_line(capsys, ["ensemble", str(work / "s.toml"), "--seeds", "2", "--serial",
                             "-o", str(work / "e.png")])
    assert "e.png" in line and ".h5" in line


def test_reservoir_and_sweep_refuse_their_scenario_as_output(work, capsys):
    scenario = work / "s.toml"
    before = digest(scenario)
    one_line(capsys, ["sweep", str(scenario), "--serial", "-o", str(scenario)])
    one_line(capsys, ["reservoir", "run", str(scenario), "-o", str(scenario)])
    one_line(capsys, ["reservoir", "run", str(scenario), "--recording", str(scenario)])
    assert digest(scenario) == before


def test_fit_and_export_need_force_over_existing_files(work, capsys):
    report = work / "report"
    report.mkdir()
    (report / "fit.json").write_text("{}")
    line = one_line(capsys, ["fit", str(work / "r.h5"), "-o", str(report), "--no-figures", "-q"])
    assert "fit.json" in line and "--force" in line
    assert (report / "fit.json").read_text() == "{}"
    netlist = work / "n.cir"
    netlist.write_text("keep")
    line = one_line(capsys, ["export", str(work / "s.toml"), "--spice", str(netlist)])
    assert "--force" in line and netlist.read_text() == "keep"
    assert main(["export", str(work / "s.toml"), "--spice", str(netlist), "--force"]) == 0
    assert netlist.read_text().endswith(".end\n") and no_partial_files(work)
    before = digest(work / "s.toml")
    one_line(capsys, ["export", str(work / "s.toml"), "--graphml", str(work / "s.toml"),
                      "--force"])
    assert digest(work / "s.toml") == before
