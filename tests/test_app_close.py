"""Closing the window mid-run stops the simulation worker and joins its thread."""

import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore  # noqa: E402

from nwn.app.models.document import Document  # noqa: E402


def test_closing_mid_run_stops_the_worker_cleanly(qtbot, tmp_path):
    from nwn.app.widgets.studio import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(Document.from_preset("filament_network"), settings=settings)
    window.ask_unsaved = lambda: "discard"
    qtbot.addWidget(window)
    window.show()
    window.deposit()
    window.finish_deposition()
    qtbot.waitUntil(lambda: not window.depositing, timeout=20_000)
    assert window.run()
    qtbot.waitUntil(lambda: window.controller.busy, timeout=20_000)
    time.sleep(0.3)  # let it step for a while
    assert window.controller.busy
    started = time.monotonic()
    assert window.close()
    assert time.monotonic() - started < 10.0
    assert not window.controller.thread.isRunning()
    simulation = window.controller.simulation
    if simulation is not None:  # the run no longer advances
        step = simulation.step_index
        time.sleep(0.3)
        assert simulation.step_index == step


LEAVE_MID_RUN = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6 import QtCore, QtWidgets
app = QtWidgets.QApplication([])
from nwn.app.models.document import Document
from nwn.app.widgets.studio import MainWindow

def wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
    return predicate()

settings = QtCore.QSettings(sys.argv[1], QtCore.QSettings.Format.IniFormat)
window = MainWindow(Document.from_preset("filament_network"), settings=settings)
window.ask_unsaved = lambda: "discard"
window.show()
window.deposit()
window.finish_deposition()
assert wait(lambda: not window.depositing, 120)
window.paced.setChecked(False)
assert window.run() and wait(lambda: window.controller.busy, 120)
print("leaving mid-run, the window open", flush=True)
"""


def test_a_script_that_ends_without_closing_the_window_exits_cleanly(tmp_path):
    # The benchmarks and diagnostics that ended without closing the studio (a SystemExit on
    # the way, a script that just returns) died at exit: Qt aborts on "QThread: Destroyed
    # while thread 'nwn-simulation' is still running" (exit code 134).
    import subprocess
    import sys

    script = tmp_path / "leave.py"
    script.write_text(LEAVE_MID_RUN)
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "s.ini")],
                          capture_output=True, text=True, timeout=600)
    assert "leaving mid-run" in done.stdout, done.stderr
    assert done.returncode == 0 and "QThread" not in done.stderr, done.stderr[-2000:]
