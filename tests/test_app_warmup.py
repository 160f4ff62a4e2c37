"""The kernels warm up at launch in a worker thread, once per process, said in the status bar."""

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore  # noqa: E402

from nwn.app.models import warmup  # noqa: E402
from nwn.app.render import layers  # noqa: E402


def test_the_first_window_warms_the_kernels_in_a_worker_thread_once(qtbot, tmp_path,
                                                                    monkeypatch):
    from nwn.app.widgets import studio

    threads = []
    monkeypatch.setattr(studio, "_WARM_UP_STARTED", False)
    monkeypatch.setattr(warmup, "warm_kernels", lambda scenario: threads.append(
        ("engine", threading.current_thread())) or 0.25)
    monkeypatch.setattr(layers, "warm_kernels", lambda: threads.append(
        ("raster", threading.current_thread())))
    windows = []
    for k in range(2):
        settings = QtCore.QSettings(str(tmp_path / f"s{k}.ini"),
                                    QtCore.QSettings.Format.IniFormat)
        win = studio.MainWindow(settings=settings)
        qtbot.addWidget(win)
        windows.append(win)
        if k == 0:
            assert "warming up the kernels" in win.statusBar().currentMessage()
        assert win.warm_job.wait(10.0)
    first = windows[0]
    assert first.statusBar().currentMessage() == "kernels ready (0.2 s)"
    # both kernels' sets, off the GUI thread, and only by the first window
    assert sorted(kind for kind, _ in threads) == ["engine", "raster"]
    assert all(thread is not threading.main_thread() for _, thread in threads)
    for win in windows:
        win.close()
