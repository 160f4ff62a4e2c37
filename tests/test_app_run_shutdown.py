"""Closing waits for the run's step in flight, but not for ever: a hung step is left to finish
on its own, said in one line, and the studio's process still ends with its exit code."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from nwn.app.widgets.worker import RunController, left_running  # noqa: E402


class HungSimulation:
    """A run whose first step blocks until ``release`` is set; :meth:`stop` (the only thing a
    controller can do to a run) does not unblock it, as it would not unblock a hung step."""

    step_index = 0

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.stopped = False

    def steps_for(self, duration: float) -> int:
        return 1

    def stop(self) -> None:
        self.stopped = True

    def iter_run(self, duration, *, snapshot_every, progress):
        self.entered.set()
        self.release.wait()
        yield from ()


def _running(controller: RunController) -> HungSimulation:
    simulation = HungSimulation()
    controller.worker.simulation = simulation
    controller._request.emit(1.0, "done")
    assert simulation.entered.wait(30)
    return simulation


def test_shutdown_waits_for_a_step_that_ends(qapp):
    controller = RunController()
    simulation = _running(controller)
    threading.Timer(0.1, simulation.release.set).start()
    assert controller.shutdown(timeout_s=60.0)
    assert simulation.stopped and not controller.thread.isRunning()
    assert left_running() == 0


def test_shutdown_leaves_a_hung_step_running_and_says_so(qapp, capsys):
    controller = RunController()
    simulation = _running(controller)
    try:
        assert controller.shutdown(timeout_s=0.2) is False
        assert simulation.stopped and controller.thread.isRunning()
        assert left_running() == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("nwn-studio: the run's step in flight did not end within 0.2 s")
        assert "\n" not in err
    finally:
        simulation.release.set()  # the step ends: its thread ends on its own
    assert controller.thread.wait(30_000)
    assert left_running() == 0
    assert controller.shutdown()  # nothing left to wait for


#: ``nwn-studio`` whose window's run hangs in a step: closing gives up on it after 0.2 s, and
#: the process must still end, with the event loop's exit code (3).
HUNG_AT_CLOSE = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PySide6 import QtWidgets
from nwn.app.widgets import launch, studio
from nwn.app.widgets.worker import RunController
from test_app_run_shutdown import _running


class Window(QtWidgets.QWidget):
    def __init__(self, document):
        super().__init__()
        self.controller = RunController(self)
        self.simulation = _running(self.controller)

    def show_error(self, message):
        pass

    def closeEvent(self, event):
        self.controller.shutdown(timeout_s=0.2)
        event.accept()


def event_loop(app):
    for window in app.topLevelWidgets():
        window.close()
    return 3


studio.MainWindow = Window
QtWidgets.QApplication.exec = event_loop
sys.exit(launch.main([]))
"""


def test_the_studio_ends_when_closing_left_a_hung_step(tmp_path):
    script = tmp_path / "hung_at_close.py"
    script.write_text(HUNG_AT_CLOSE, encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, str(script), os.path.dirname(__file__)],
                              capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the process waited for the hung step at exit")
    assert done.returncode == 3, done.stderr
    assert "did not end within 0.2 s of closing" in done.stderr
