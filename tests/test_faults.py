"""Faults: a full disk, a read-only folder, Ctrl-C and SIGTERM each end a command with one line
and a known exit code, leaving files that hold only what was really written.

The disk-full and read-only cases mount a small tmpfs (root only; skipped with the reason
otherwise); the signal cases run ``nwn`` in a subprocess.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from scenarios import two_terminal

from nwn.app.cli.main import main
from nwn.engine.output_files import is_partial_file

# ~1000 junctions: chunks of ~256 kB each; a 2 MiB disk fills within a few hundred steps.
LONG = two_terminal(n_wires=400, side=50e-6, length=7e-6, duration=1.0)


def _mount(folder: Path, *options: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                           str(folder)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"mount is not allowed here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs, unmounted after the test."""
    disk = tmp_path / "disk"
    _mount(disk, "size=2m")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.fixture
def read_only(tmp_path):
    """A tmpfs remounted read-only (root ignores chmod, not a read-only mount)."""
    folder = tmp_path / "ro"
    _mount(folder, "size=64k")
    done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
    if done.returncode:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        pytest.skip("remounting read-only is not allowed here")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    # 31 rows: enough for nwn fit to fit its 7 parameters (it refuses fewer than 21)
    (folder / "s.toml").write_text(two_terminal(n_wires=120, duration=0.03))
    assert main(["run", str(folder / "s.toml"), "-o", str(folder / "r.h5"), "-q"]) == 0
    return folder / "r.h5"


def one_line(capsys, argv, code) -> str:
    got = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert got == code and len(lines) == 1 and "Traceback" not in err, (got, err)
    return lines[0]


def test_a_full_disk_stops_the_run_with_the_rows_written(tmp_path, small_disk, capsys,
                                                        monkeypatch):
    from nwn.engine.recording import HDF5Recorder

    # Flush at every step, as a slow run does every second: the disk fills mid-run.
    made = HDF5Recorder.for_scenario.__func__
    monkeypatch.setattr(HDF5Recorder, "for_scenario", classmethod(
        lambda cls, *args, **options: made(cls, *args, flush_interval=0.0, **options)))
    scenario = tmp_path / "long.toml"
    scenario.write_text(LONG.replace("duration = 1.0", "duration = 2.0"))
    output = small_disk / "r.h5"
    line = one_line(capsys, ["run", str(scenario), "-o", str(output), "-q"], 1)
    assert line.startswith(f"nwn: error: disk full writing {output} at t = ")
    assert "holds the run up to t = " in line
    with h5py.File(output, "r") as file:
        assert not bool(file.attrs["complete"])
        t = file["t"][...]
        assert t.size > 1 and np.all(np.diff(t) > 0)
        assert file["step"].shape == t.shape == file["network/conductance"].shape
        conductance = file["junctions/conductance"][...]
        # rows of the run, never rows of zeros that a failed write left behind
        assert conductance.shape[0] == file["junctions/t"].shape[0] >= 1
        assert np.all(conductance > 0)
    kept = float(line.rsplit("t = ", 1)[1].split()[0])
    assert kept == pytest.approx(t[-1], rel=1e-3)
    assert not [p for p in os.listdir(small_disk) if is_partial_file(p)]


def test_writers_on_a_full_disk_say_so_and_leave_nothing(results, small_disk, capsys):
    with open(small_disk / "fill", "wb") as stream:
        try:
            stream.write(b"\0" * (2 << 20))
        except OSError:
            pass
    for argv in (["plot", str(results), "-o", str(small_disk / "p.png")],
                 ["plot", str(results), "-o", str(small_disk / "p.svg")],
                 ["fit", str(results), "-o", str(small_disk / "fit"), "--no-figures", "-q"]):
        line = one_line(capsys, argv, 1)
        assert "disk full writing" in line and "part" not in line
    assert not (small_disk / "p.png").exists() and not (small_disk / "p.svg").exists()
    assert not (small_disk / "fit" / "fit.json").exists()
    assert not [p for p in os.listdir(small_disk) if is_partial_file(p)]


def test_read_only_folders_are_named(results, read_only, capsys):
    scenario = results.with_name("s.toml")
    for argv in (["run", str(scenario), "-o", str(read_only / "r.h5"), "-q"],
                 ["plot", str(results), "-o", str(read_only / "p.png")],
                 ["plot", str(results), "-o", str(results.with_name("p.png")), "--force",
                  "--csv", str(read_only / "t.csv")],
                 ["movie", str(results), "-o", str(read_only / "m.gif"), "-q"],
                 ["fit", str(results), "-o", str(read_only / "fit"), "-q"],
                 ["ensemble", str(scenario), "--serial", "--seeds", "2", "-o",
                  str(read_only / "e.h5")]):
        line = one_line(capsys, argv, 2)
        assert str(read_only) in line and "not writable" in line, line


# -- signals (a real process) -----------------------------------------------------------------


def _nwn(*argv, cwd):
    return subprocess.Popen([sys.executable, "-m", "nwn.app.cli", *argv], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})


def _wait_for(predicate, timeout=120.0):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _finish(process):
    _, err = process.communicate(timeout=120)
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    return process.returncode, lines


def _handles_sigterm(process) -> bool:
    """Whether ``process`` catches SIGTERM yet (nwn installs its handler first thing in main;
    a signal before that, during the interpreter's own start-up, is not nwn's to handle)."""
    try:
        with open(f"/proc/{process.pid}/status") as status:
            caught = next(line for line in status if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return process.poll() is not None
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)))


def test_ctrl_c_early_is_one_line_and_130(tmp_path):
    (tmp_path / "s.toml").write_text(LONG)
    process = _nwn("run", "s.toml", "-o", "r.h5", "-q", cwd=tmp_path)
    if Path("/proc/self/status").exists():
        _wait_for(lambda: _handles_sigterm(process))  # before the scenario is even read
    else:
        time.sleep(0.4)
    process.send_signal(signal.SIGINT)
    code, lines = _finish(process)
    assert code == 130 and len(lines) == 1 and "interrupted" in lines[0], lines


def test_sigterm_on_run_says_what_it_kept(tmp_path):
    (tmp_path / "s.toml").write_text(LONG.replace("duration = 1.0", "duration = 100.0"))
    process = _nwn("run", "s.toml", "-o", "r.h5", "-q", cwd=tmp_path)
    _wait_for(lambda: (tmp_path / "r.h5").exists())  # scenario and geometry, before step 1
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    code, lines = _finish(process)
    assert code == 143 and len(lines) == 1, lines
    assert "terminated at t = " in lines[0] and "r.h5 holds the run up to t = " in lines[0]
    with h5py.File(tmp_path / "r.h5", "r") as file:
        assert not bool(file.attrs["complete"]) and "scenario" in file.attrs


def test_sigterm_on_movie_leaves_no_partial_file(results, tmp_path):
    process = _nwn("movie", str(results), "-o", "m.gif", "--fps", "2", "--speed", "0.0002",
                   "-q", cwd=tmp_path)
    _wait_for(lambda: any(is_partial_file(p) for p in os.listdir(tmp_path)))
    process.send_signal(signal.SIGTERM)
    code, lines = _finish(process)
    assert code == 143 and len(lines) == 1, lines
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_sigint_during_the_run_keeps_the_rows(tmp_path, delay):
    (tmp_path / "s.toml").write_text(LONG.replace("duration = 1.0", "duration = 100.0"))
    process = _nwn("run", "s.toml", "-o", "r.h5", "-q", cwd=tmp_path)
    _wait_for(lambda: (tmp_path / "r.h5").exists())  # at once: as the loop starts
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    code, lines = _finish(process)
    assert code == 130 and len(lines) == 1, lines
    assert "interrupted at t = " in lines[0] and "r.h5 holds the run up to t = " in lines[0]
    with h5py.File(tmp_path / "r.h5", "r") as file:
        assert not bool(file.attrs["complete"])
        assert file["t"].shape == file["network/conductance"].shape


# -- signals in this process: the flag, and an interrupt swallowed where it landed -------------


def test_a_signal_in_a_polled_block_only_sets_the_flag():
    from nwn.app.cli import interrupts

    previous = interrupts.install()
    try:
        with interrupts.polled() as stop:
            assert not stop()
            signal.raise_signal(signal.SIGTERM)
            for _ in range(1000):  # the handler runs between bytecodes: nothing is raised
                pass
            assert stop()
            signal.raise_signal(signal.SIGINT)  # ignored from now on
            for _ in range(1000):
                pass
        assert interrupts.requested_code() == 143 and interrupts.requested_word() == "terminated"
    finally:
        interrupts.restore(previous)
    assert signal.getsignal(signal.SIGTERM) == previous[signal.SIGTERM]


def test_an_interrupt_swallowed_in_a_weakref_callback_still_ends_the_command(
        tmp_path, capsys, monkeypatch):
    import weakref

    from nwn.app.cli.commands import validate

    real = validate.run

    def run_and_be_signalled(args):
        class Thing:
            pass

        def callback(_):
            signal.raise_signal(signal.SIGTERM)
            for _ in range(1000):  # the handler raises Terminated here, where Python drops it
                pass

        thing = Thing()
        ref = weakref.ref(thing, callback)
        del thing
        assert ref() is None
        return real(args)

    monkeypatch.setattr(validate, "run", run_and_be_signalled)
    (tmp_path / "s.toml").write_text(two_terminal(n_wires=120, duration=0.01))
    code = main(["validate", str(tmp_path / "s.toml")])
    err = capsys.readouterr().err
    assert code == 143, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.strip().splitlines()[-1].startswith("nwn: terminated"), err


# -- signals in the other long commands (a real process each) ---------------------------------

#: Members of ~0.1-0.5 s each: a sweep of 24 is still running when the signal comes.
MEMBER = two_terminal(n_wires=120, duration=0.3)


def _members_finished(path: Path) -> int:
    """Members a sweep file being written holds so far (0 while it cannot be read; the
    writer holds HDF5's lock, so the file is read without it)."""
    try:
        with h5py.File(path, "r", locking=False) as file:
            status = [s.decode() if isinstance(s, bytes) else str(s)
                      for s in file["members/status"][...]]
    except (OSError, KeyError, ValueError):  # caught between two of the writer's flushes
        return 0
    return sum(s != "pending" for s in status)


def _no_hidden_files(folder: Path) -> None:
    assert not [p for p in os.listdir(folder) if is_partial_file(p)], os.listdir(folder)


def _signalled_sweep(tmp_path, argv, number, *, group=False, until=lambda part: True):
    """Start ``nwn argv`` (a sweep writing sw.h5), wait for ``until(part file)``, send
    ``number`` (to its whole process group, as a terminal's Ctrl-C, if ``group``); return
    (exit code, stderr lines)."""
    (tmp_path / "s.toml").write_text(MEMBER)
    process = subprocess.Popen([sys.executable, "-m", "nwn.app.cli", *argv], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"},
                               start_new_session=group)
    part = tmp_path / "sw.h5.part"
    try:
        # (a sweep that ended first, sw.h5 complete, fails the test's own checks)
        _wait_for(lambda: (part.exists() and until(part)) or (tmp_path / "sw.h5").exists())
    finally:
        if group:
            os.killpg(process.pid, number)
        else:
            process.send_signal(number)
    return _finish(process)


KEPT = re.compile(r"sw\.h5\.part keeps the (\d+) of (\d+) members finished \(0 failed\): run "
                  r"the same command again to continue")


@pytest.mark.parametrize("command,number,code,word", [
    (["sweep", "s.toml", "--vary", "junction.params.g_max=1e-3,2e-3,3e-3", "--seeds", "8"],
     signal.SIGTERM, 143, "terminated"),
    (["ensemble", "s.toml", "--seeds", "24"], signal.SIGINT, 130, "interrupted"),
], ids=["sweep-sigterm", "ensemble-sigint"])
def test_a_signal_ends_a_serial_sweep_between_members(tmp_path, command, number, code, word):
    # (a sweep stopped before its first member keeps nothing: tests/hostile/test_sweep_signals)
    code_got, lines = _signalled_sweep(tmp_path, [*command, "--serial", "-o", "sw.h5", "-q"],
                                       number, until=lambda p: _members_finished(p) > 0)
    assert code_got == code and len(lines) == 1 and lines[0].startswith(f"nwn: {word}; "), lines
    kept = KEPT.search(lines[0])
    assert kept and int(kept[2]) == 24, lines
    # the file holds what the line says, the rest pending; no figure, no hidden files
    from nwn.engine.sweep.result import SweepResult

    with SweepResult(tmp_path / "sw.h5.part") as result:
        assert 0 < result.n_done == int(kept[1]) < 24 and not result.complete
    assert not (tmp_path / "sw.h5").exists() and not (tmp_path / "sw.png").exists()
    _no_hidden_files(tmp_path)


def test_ctrl_c_to_the_process_group_ends_a_dask_sweep_in_one_line(tmp_path):
    # The workers get the terminal's Ctrl-C too; they leave it to the sweep (worker preload).
    code, lines = _signalled_sweep(
        tmp_path, ["ensemble", "s.toml", "--seeds", "24", "--workers", "1", "-o", "sw.h5",
                   "-q"], signal.SIGINT, group=True, until=lambda p: _members_finished(p) > 0)
    assert code == 130 and len(lines) == 1, lines
    kept = KEPT.search(lines[0])
    assert lines[0].startswith("nwn: interrupted; ") and kept and 0 < int(kept[1]) < 24, lines
    _no_hidden_files(tmp_path)


def test_a_signal_on_reservoir_run_writes_nothing(tmp_path):
    from rc_reservoirs import pad_device

    (tmp_path / "d.toml").write_text(pad_device(model="rate", params="{kd0 = 5.0, kp0 = 0.5}",
                                                samples=20000))
    process = _nwn("reservoir", "run", "d.toml", "--task", "memory-capacity", "-o", "rc.h5",
                   "--recording", "rc.txt", "-q", cwd=tmp_path)
    _wait_for(lambda: _handles_sigterm(process))
    time.sleep(3.0)
    process.send_signal(signal.SIGTERM)
    code, lines = _finish(process)
    assert code == 143 and len(lines) == 1, lines
    assert lines[0] in ("nwn: terminated", "nwn: terminated during the reservoir run; nothing "
                        "was written (rc.h5 and rc.txt: written only once the run is scored)"), \
        lines
    assert sorted(os.listdir(tmp_path)) == ["d.toml"]


def test_an_interrupt_while_fitting_writes_nothing(results, tmp_path, capsys, monkeypatch):
    # in this process (deterministic): the interrupt the signal handler raises, mid-fit
    from nwn.engine.analysis import fit

    def interrupted(*args, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(fit, "fit_deterministic", interrupted)
    line = one_line(capsys, ["fit", str(results), "-o", str(tmp_path / "fit"), "--no-figures", "-q"],
                    130)
    assert line.startswith("nwn: interrupted while fitting; nothing was written"), line
    assert not (tmp_path / "fit").exists() or not os.listdir(tmp_path / "fit")
    _no_hidden_files(tmp_path)


def test_plot_reads_a_results_file_still_being_written(tmp_path, capsys):
    # results.py reads a file whose run holds HDF5's lock (between two of its flushes the file
    # is whole); plot draws what is there
    from nwn.engine.results import Results

    (tmp_path / "s.toml").write_text(LONG.replace("duration = 1.0", "duration = 100.0"))
    process = _nwn("run", "s.toml", "-o", "r.h5", "-q", cwd=tmp_path)

    def rows() -> int:
        try:
            with Results(tmp_path / "r.h5") as results:
                return results.rows("trace")
        except ValueError:
            return 0

    try:
        _wait_for(lambda: (tmp_path / "r.h5").exists() and rows() >= 3)
        for _ in range(3):  # a read caught in the middle of a flush says so: again
            code = main(["plot", str(tmp_path / "r.h5"), "-o", str(tmp_path / "p.png"),
                         "--csv", str(tmp_path / "p.csv"), "--force"])
            err = capsys.readouterr().err
            assert "Traceback" not in err
            if code == 0:
                break
            assert code == 2 and "if a run is writing it, try again" in err, err
        assert code == 0, err
        assert process.poll() is None  # still being written
    finally:
        process.send_signal(signal.SIGINT)
        _finish(process)
    csv_rows = [line for line in (tmp_path / "p.csv").read_text().splitlines()
                if line and line[0].isdigit()]
    assert len(csv_rows) >= 3 and (tmp_path / "p.png").stat().st_size > 0
