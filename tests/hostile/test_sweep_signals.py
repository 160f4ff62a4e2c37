"""Ctrl-C and SIGTERM on the sweeps (``nwn sweep``, ``nwn ensemble``, ``nwn reservoir sweep``),
sent to the whole process group as a terminal sends Ctrl-C: the embedded cluster's worker
processes get it too, at every moment of their start-up.

Each case asserts the promise: exit 130 (143 for SIGTERM), exactly one line on stderr (no
traceback, no worker's KeyboardInterrupt), the scenario unchanged, and what the line says was
kept is what the folder holds: a resumable ``.part`` file with every finished member, or nothing
at all when no member had finished (a ``.part`` of 0 members is removed). The moments are
markers polled in ``/proc`` (the sweep's file made, a worker process spawned and importing
Dask, the workers ready), not fixed sleeps.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import pytest
from hostile_support import BASE, digests

from nwn.app.cli.main import main
from nwn.engine.sweep.result import SweepResult

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="the start-up moments are read from /proc (Linux)")

#: Members of a few seconds each (4000 steps of the base scenario): none finishes during the
#: cluster's start-up, however loaded the machine.
LONG_MEMBER = BASE.replace("duration = 0.005", "duration = 4.0")

#: A small reservoir device whose members score memory capacity in about a second.
RESERVOIR_TASK = ["--task", "memory-capacity", "--max-delay", "5"]

NOTHING_KEPT = ("before any member finished; nothing was kept (run the same command again to "
                "start the sweep)")
KEPT = re.compile(r"^nwn: (\w+); sw\.h5\.part keeps the (\d+) of (\d+) members finished "
                  r"\(0 failed\): run the same command again to continue$")


def _reservoir_device(samples: int = 530) -> str:
    from rc_reservoirs import pad_device

    return pad_device(model="rate", params="{kd0 = 5.0, kp0 = 0.5}", samples=samples)


# -- the process group, read from /proc ---------------------------------------------------------


def _group(leader: int) -> list[int]:
    """Processes of ``leader``'s process group other than the leader itself."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == leader:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == leader:  # the process group id
            members.append(int(entry))
    return members


def _workers(leader: int) -> list[int]:
    """The Dask worker processes the sweep started (spawned interpreters)."""
    found = []
    for pid in _group(leader):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"spawn_main" in cmdline.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def _ignores_sigint(pid: int) -> bool:
    """Whether ``pid`` ignores SIGINT (a worker after its preload)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            ignored = next(line for line in status if line.startswith("SigIgn:"))
    except (OSError, StopIteration):
        return False
    return bool(int(ignored.split()[1], 16) & (1 << (signal.SIGINT - 1)))


def _members_finished(path: Path) -> int:
    """Members a sweep file being written holds so far (0 while it cannot be read)."""
    try:
        with h5py.File(path, "r", locking=False) as file:
            status = [s.decode() if isinstance(s, bytes) else str(s)
                      for s in file["members/status"][...]]
    except (OSError, KeyError, ValueError):  # between two of the writer's flushes
        return 0
    return sum(s != "pending" for s in status)


#: The start-up moments, each a predicate of (leader pid, .part path, workers asked for).
MOMENTS = {
    # the sweep's file is made; the cluster is about to start
    "file-made": lambda pid, part, n: part.exists(),
    # the first worker process exists: an interpreter importing Dask, nothing of ours yet
    "worker-spawned": lambda pid, part, n: len(_workers(pid)) >= 1,
    # the second one exists: the first one half-way, the second one just begun
    "second-worker": lambda pid, part, n: len(_workers(pid)) >= 2,
    # all have run their preload: the cluster is up, the first members are being sent
    "workers-ready": lambda pid, part, n: len(w := _workers(pid)) >= n and
    all(_ignores_sigint(p) for p in w),
}


def _signalled(folder: Path, argv: list[str], number: int, until, workers: int = 0
               ) -> tuple[int, list[str], str]:
    """Run ``nwn argv`` in its own process group, wait for ``until(pid, part, workers)``, send
    ``number`` to the whole group; return (exit code, stderr lines, stderr)."""
    process = subprocess.Popen([sys.executable, "-m", "nwn.app.cli", *argv], cwd=folder,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONWARNINGS": "ignore"},
                               start_new_session=True)
    part = folder / "sw.h5.part"
    deadline = time.monotonic() + 120.0
    try:
        while not until(process.pid, part, workers):
            assert process.poll() is None, f"ended before the moment: {process.stderr.read()}"
            assert time.monotonic() < deadline, "the moment never came"
            time.sleep(0.01)
    finally:
        os.killpg(process.pid, number)
    _, err = process.communicate(timeout=120)
    # the workers went with it (none left behind in the group)
    end = time.monotonic() + 10.0
    while _group(process.pid) and time.monotonic() < end:
        time.sleep(0.05)
    assert not _group(process.pid), f"left behind: {_group(process.pid)}"
    return process.returncode, [line for line in err.splitlines() if line.strip()], err


def _assert_one_line(code: int, lines: list[str], err: str, expected_code: int) -> str:
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert code == expected_code and len(lines) == 1, (code, err)
    return lines[0]


SWEEP = ["sweep", "s.toml", "--vary", "junction.params.g_max=1e-3,2e-3", "--seeds", "4"]
ENSEMBLE = ["ensemble", "s.toml", "--seeds", "8"]
RESERVOIR = ["reservoir", "sweep", "s.toml", *RESERVOIR_TASK, "--seeds", "4"]


@pytest.mark.parametrize("command,workers,moment,number", [
    *[pytest.param("sweep", 2, moment, signal.SIGINT, id=f"sweep-{moment}-sigint")
      for moment in MOMENTS],
    pytest.param("ensemble", 1, "worker-spawned", signal.SIGTERM,
                 id="ensemble-worker-spawned-sigterm"),
    pytest.param("reservoir", 1, "worker-spawned", signal.SIGINT,
                 id="reservoir-worker-spawned-sigint"),
    pytest.param("reservoir", 1, "workers-ready", signal.SIGTERM,
                 id="reservoir-workers-ready-sigterm"),
])
def test_a_signal_while_the_cluster_starts_is_one_line(tmp_path, command, workers, moment,
                                                        number):
    argv = {"sweep": SWEEP, "ensemble": ENSEMBLE, "reservoir": RESERVOIR}[command]
    (tmp_path / "s.toml").write_text(_reservoir_device() if command == "reservoir"
                                     else LONG_MEMBER)
    before = digests(tmp_path)
    code, lines, err = _signalled(tmp_path, [*argv, "--workers", str(workers), "-o", "sw.h5",
                                             "-q"], number, MOMENTS[moment], workers)
    expected = 143 if number == signal.SIGTERM else 130
    line = _assert_one_line(code, lines, err, expected)
    word = "terminated" if number == signal.SIGTERM else "interrupted"
    # no member had finished: nothing kept, not even an empty .part
    assert line == f"nwn: {word} {NOTHING_KEPT}", line
    assert digests(tmp_path) == before, sorted(os.listdir(tmp_path))


@pytest.mark.parametrize("command", ["sweep", "ensemble", "reservoir"])
def test_a_serial_sweep_stopped_before_its_first_member_keeps_nothing(tmp_path, command):
    argv = {"sweep": SWEEP, "ensemble": ENSEMBLE, "reservoir": RESERVOIR}[command]
    (tmp_path / "s.toml").write_text(_reservoir_device(samples=20000) if command == "reservoir"
                                     else LONG_MEMBER)
    before = digests(tmp_path)
    code, lines, err = _signalled(tmp_path, [*argv, "--serial", "-o", "sw.h5", "-q"],
                                  signal.SIGTERM, MOMENTS["file-made"])
    line = _assert_one_line(code, lines, err, 143)
    assert line == f"nwn: terminated {NOTHING_KEPT}", line
    assert digests(tmp_path) == before, sorted(os.listdir(tmp_path))


@pytest.mark.parametrize("number,expected,word", [
    pytest.param(signal.SIGINT, 130, "interrupted", id="sigint"),
    pytest.param(signal.SIGTERM, 143, "terminated", id="sigterm")])
def test_reservoir_sweep_keeps_its_finished_members_and_continues(tmp_path, capsys, monkeypatch,
                                                                  number, expected, word):
    (tmp_path / "s.toml").write_text(_reservoir_device())
    scenario = digests(tmp_path)
    argv = [*RESERVOIR, "-o", "sw.h5", "-q"]
    code, lines, err = _signalled(tmp_path, [*argv, "--workers", "1"], number,
                                  lambda pid, part, n: _members_finished(part) > 0)
    line = _assert_one_line(code, lines, err, expected)
    kept = KEPT.match(line)
    assert kept and kept[1] == word and kept[3] == "4" and 0 < int(kept[2]) < 4, line
    assert sorted(os.listdir(tmp_path)) == ["s.toml", "sw.h5.part"]
    with SweepResult(tmp_path / "sw.h5.part") as part:
        assert part.n_done == int(kept[2]) and not part.complete
    assert digests(tmp_path)["s.toml"] == scenario["s.toml"]
    if number == signal.SIGTERM:
        return  # (continuing is the same for both)
    # the same command continues it: only the members still missing run, then it is complete
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--serial"]) == 0, capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["s.toml", "sw.h5"]
    with SweepResult(tmp_path / "sw.h5") as result:
        assert result.complete and result.n_done == 4
        where = [str(w) for w in result.members["worker"].values]
    # the kept members are the cluster's, the others ran now (none twice, none lost)
    assert sum(w.startswith("tcp://") for w in where) == int(kept[2]), where
    assert sum(w.endswith("(in process)") for w in where) == 4 - int(kept[2]), where
    assert digests(tmp_path)["s.toml"] == scenario["s.toml"]


# -- the mechanism, in this process ---------------------------------------------------------------


def _blocked(status: str) -> set[int]:
    mask = int(next(line for line in status.splitlines() if line.startswith("SigBlk:"))
               .split()[1], 16)
    return {n for n in (signal.SIGINT, signal.SIGTERM) if mask & (1 << (n - 1))}


def test_processes_and_threads_started_while_workers_start_inherit_the_blocked_signals():
    from nwn.engine.sweep.worker_signals import starting_workers

    def child_mask() -> set[int]:
        status = subprocess.run([sys.executable, "-c",
                                 "print(open('/proc/self/status').read())"],
                                capture_output=True, text=True, check=True).stdout
        return _blocked(status)

    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert not child_mask() & {signal.SIGINT, signal.SIGTERM}
    seen = {}
    with starting_workers():
        # a process started now would get a Ctrl-C only once it can ignore it
        assert child_mask() == {signal.SIGINT, signal.SIGTERM}
        import threading

        thread = threading.Thread(target=lambda: seen.update(
            mask=signal.pthread_sigmask(signal.SIG_BLOCK, [])))
        thread.start()
        thread.join()
    assert {signal.SIGINT, signal.SIGTERM} <= seen["mask"]  # and so do the processes it starts
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before
    assert not child_mask() & {signal.SIGINT, signal.SIGTERM}


def test_a_signal_while_workers_start_is_delivered_to_this_process():
    from nwn.engine.sweep.worker_signals import starting_workers

    got = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: got.append(number))
    try:
        with starting_workers():
            os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            if got:
                break
            time.sleep(0.001)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert got == [signal.SIGTERM]
