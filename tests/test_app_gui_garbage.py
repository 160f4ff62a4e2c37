"""Cyclic garbage holding Qt objects is destroyed on the GUI thread, whoever allocates.

Without app/render/gui_garbage a worker thread that allocates past the collector's threshold
runs the collection itself and destroys whatever Qt objects the garbage holds there; a Qt
mutex and the GIL then deadlock (the suite froze this way in a sweep test).
"""

import gc
import os
import threading
import weakref

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class _Node:
    """A reference cycle through a Qt object, the shape a closed window's leftovers take."""

    def __init__(self, qobject):
        self.qobject = qobject
        self.me = self


def _qt_cycle(record):
    from PySide6 import QtWidgets

    menu = QtWidgets.QMenu()
    menu.addAction("an action")
    node = _Node(menu)
    weakref.finalize(node, lambda: record.append(threading.current_thread().name))
    return node


def _churn(n_cycles=200_000):
    """Allocate cyclic garbage, enough to cross every generation's threshold many times."""
    for _ in range(n_cycles):
        a = []
        a.append(a)


def test_a_worker_thread_never_destroys_qt_garbage(qtbot):
    from nwn.app.render.gui_garbage import collect_on_gui_thread

    collect_on_gui_thread()
    assert not gc.isenabled()
    destroyed_on: list[str] = []
    _qt_cycle(destroyed_on)  # unreachable at once: only a collection can free it
    worker = threading.Thread(target=_churn, name="worker")
    worker.start()
    worker.join()
    assert destroyed_on == []  # the worker allocated plenty but collected nothing
    qtbot.waitUntil(lambda: bool(destroyed_on), timeout=5000)  # the GUI thread's timer collects
    assert destroyed_on == [threading.main_thread().name]


def test_the_studio_window_installs_the_collector(qtbot, tmp_path):
    from studio_support import open_window

    gc.enable()  # as if nothing had installed it yet in this process
    try:
        for _window in open_window(qtbot, tmp_path):
            assert not gc.isenabled()
    finally:
        gc.disable()


def test_offscreen_rendering_installs_the_collector():
    from nwn.app.render.offscreen import ensure_qapp

    gc.enable()
    try:
        ensure_qapp()
        assert not gc.isenabled()
    finally:
        gc.disable()
