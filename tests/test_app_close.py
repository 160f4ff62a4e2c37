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
