"""The Sweep tab: a sweep of the document's scenario on an embedded Dask cluster, in the
background, with progress, Cancel (a readable, resumable file) and the `nwn plot` figure."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scenarios import two_terminal  # noqa: E402

from nwn.engine.scenario import parse_scenario  # noqa: E402

TINY = parse_scenario(two_terminal(seed=5, n_wires=150, waveform='{kind = "dc", value = 3.0}',
                                   model="filament", dt=1e-2, duration=0.1))


class _Probe:
    """Counts ticks of a 20 ms QTimer on the GUI thread and the longest gap between two."""

    def __init__(self, qtbot):
        from PySide6 import QtCore

        self.ticks = 0
        self.last = time.monotonic()
        self.longest = 0.0
        self.timer = QtCore.QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        now = time.monotonic()
        self.longest = max(self.longest, now - self.last)
        self.last = now
        self.ticks += 1


def _panel(qtbot, tmp_path, values="5, 20"):
    from nwn.app.widgets.panels.sweep import SweepPanel

    panel = SweepPanel(lambda: TINY, lambda: tmp_path)
    qtbot.addWidget(panel)
    panel.first.key.setCurrentText("junction.params.eta_p")
    panel.first.values.setText(values)
    panel.n_seeds.setValue(1)
    panel.workers.setValue(1)
    return panel


def test_the_tab_offers_the_scenarios_keys_and_counts_the_runs(qtbot, tmp_path):
    panel = _panel(qtbot, tmp_path)
    keys = [panel.first.key.itemText(i) for i in range(panel.first.key.count())]
    assert "electrodes[0].source.waveform.value" in keys  # the dc bias of 'left'
    assert "junction.params.eta_p" in keys and "network.n_wires" in keys
    panel.first.key.setCurrentText("electrodes[0].source.waveform.value")
    assert "now 3 V" in panel.first.meaning.text()
    assert panel.first.values.text() == "1.5, 3, 6"  # half, same, double
    panel.second.key.setCurrentText("network.n_wires")
    panel.n_seeds.setValue(4)
    assert panel.size_label.text() == "3 values × 3 values × 4 seed(s) = 36 runs"


def test_the_key_list_is_as_wide_as_its_longest_key_in_a_narrow_tab(qtbot, tmp_path):
    # the box shrinks with the dock; its drop-down list used to take its width and cut long
    # keys (electrodes[0].source.waveform.value, junction.params.g_max ...) short
    from nwn.app.widgets.panels.sweep import SweepPanel
    from nwn.engine.scenario import load_scenario
    from nwn.resources import preset_path

    pulse = load_scenario(preset_path("two_terminal_pulse"))  # a waveform of segments
    panel = SweepPanel(lambda: pulse, lambda: tmp_path)
    qtbot.addWidget(panel)
    panel.resize(260, 500)
    panel.show()
    box = panel.first.key
    keys = [box.itemText(i) for i in range(box.count())]
    longest = max(keys, key=len)
    assert len(longest) > 40
    box.showPopup()
    qtbot.waitUntil(lambda: box.view().isVisible())
    view = box.view()
    shown = view.viewport().width()
    assert shown > view.fontMetrics().horizontalAdvance(longest)  # the old list: 291 < 303 px
    box.hidePopup()
    box.setCurrentText(longest)  # the tooltip names the whole key the box cuts short
    assert box.toolTip().startswith(longest + ": a key path of the scenario")


def test_a_sweep_runs_in_the_background_and_draws_the_plot_figure(qtbot, tmp_path):
    from nwn.engine.sweep import open_sweep

    panel = _panel(qtbot, tmp_path)
    probe = _Probe(qtbot)
    started = time.monotonic()
    assert panel.start()
    assert panel.busy and panel.state == "running"  # returned at once
    qtbot.waitUntil(lambda: panel.state != "running", timeout=120_000)
    elapsed = time.monotonic() - started
    probe.timer.stop()
    assert panel.state == "done", panel.status.text()
    # The GUI thread kept ticking all along: no gap anywhere near the sweep's length.
    assert probe.ticks >= 5 * elapsed and probe.longest < min(2.0, elapsed / 3)
    assert panel.counts == (2, 2, 0, 0)
    assert panel.bar.value() == panel.bar.maximum() == 2
    assert panel.result_path == tmp_path / "sweep.h5" and panel.result_path.exists()
    with open_sweep(panel.result_path) as result:
        summary = result.conductance_summary("final")
    (label, mean, _, count), = summary["lines"]
    assert list(count) == [1, 1]
    # The figure is `nwn plot`'s: final conductance (mS) against eta_p, one line.
    curves = [item for item in panel.plot.listDataItems() if item.opts.get("symbol") == "o"]
    assert len(curves) == 1
    x, y = curves[0].getData()
    assert np.array_equal(x, [5.0, 20.0]) and np.allclose(y, 1e3 * mean)
    label = panel.plot.getAxis("bottom").labelText  # the key in words, with its unit
    assert label.startswith("filament junction: ") and label.endswith(" (1/V)")
    # A finished file is never overwritten: the next run takes a new name.
    assert panel.output_path() == tmp_path / "sweep-2.h5"


def test_the_sweep_runs_in_a_child_process_not_the_studios(qtbot, tmp_path, monkeypatch):
    # In a thread of the studio, the sweep's imports (distributed, xarray), its scheduler and
    # its file writes held the interpreter lock in 0.4-2.2 s stretches on a loaded machine:
    # the GUI thread's event-loop gaps. Nothing of it may run in this process.
    import nwn.engine.sweep
    import nwn.engine.sweep.runner

    def not_here(*args, **kwargs):
        raise AssertionError("run_sweep ran in the studio's process")

    monkeypatch.setattr(nwn.engine.sweep, "run_sweep", not_here)
    monkeypatch.setattr(nwn.engine.sweep.runner, "run_sweep", not_here)
    panel = _panel(qtbot, tmp_path)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.state != "running", timeout=120_000)
    assert panel.state == "done", panel.status.text()
    assert panel.counts == (2, 2, 0, 0) and panel.save_figure_button.isEnabled()


def test_the_background_task_runs_lowered_and_is_not_busy_once_it_reported_its_end(qtbot):
    # busy was the thread's liveness: the thread is still returning after its last signal,
    # so a Run right after a cancel was refused ("already running") and the cancel test
    # failed now and then. And the work (with what it starts) runs below the GUI thread.
    import threading

    from PySide6 import QtWidgets

    from nwn.app.models.thread_priority import WORKER_NICE
    from nwn.app.widgets.panels.background_task import PanelTask

    buttons = [QtWidgets.QPushButton(), QtWidgets.QPushButton()]
    bar = QtWidgets.QProgressBar()
    task = PanelTask(buttons[0], buttons[1], bar)
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    release, seen = threading.Event(), []

    def work():
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        release.wait(30)  # still alive after its end was reported

    task.start(work, "probe")
    assert task.busy and not buttons[0].isEnabled()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    if os.uname().sysname == "Linux":
        assert seen == [min(19, gui + WORKER_NICE)]
    task.ended("done")
    assert not task.busy and task._thread.is_alive() and buttons[0].isEnabled()
    release.set()
    task.shutdown(10)
    assert not task._thread.is_alive()


def test_cancel_stops_the_sweep_and_leaves_a_readable_resumable_file(qtbot, tmp_path):
    from nwn.engine.sweep import SERIAL, open_sweep, run_sweep
    from nwn.engine.sweep.store import partial_path

    panel = _panel(qtbot, tmp_path, values="5, 10, 20, 40, 80, 160")
    assert panel.start()
    qtbot.waitUntil(lambda: panel.counts[0] >= 1, timeout=120_000)
    asked = time.monotonic()
    panel.cancel()
    assert panel.state == "cancelling" and not panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: panel.state == "cancelled", timeout=30_000)
    assert time.monotonic() - asked < 15  # members in flight dropped, cluster closed
    assert not panel.busy and panel.run_button.isEnabled()
    part = partial_path(tmp_path / "sweep.h5")
    assert panel.result_path == part and "continue" in panel.status.text()
    with open_sweep(part) as result:
        done = result.n_done
        status = list(result.status)
    assert 1 <= done < 6 and status.count("pending") == 6 - done and "failed" not in status
    # The same sweep into the same file continues it and computes only what is missing.
    ran = []
    result = run_sweep(TINY, panel.vary(), panel.seeds(), client=SERIAL,
                       output=tmp_path / "sweep.h5", progress=lambda f, m: ran.append(m))
    with result:
        assert result.n_done == 6
    finished = [m for m in ran if " 0 running" in m]  # one report as each member ends
    assert ran[0].startswith(f"{done}/6 done") and len(finished) == 6 - done


@pytest.mark.parametrize("key, values, message", [
    ("", "1, 2", "first key: choose or type a key path"),
    ("junction.params.eta_p", "", "give its values"),
    ("junction.params.nonsense", "1, 2", "nonsense"),
    ("network.n_wires", "100, -5", "n_wires"),
])
def test_bad_settings_are_one_line_in_the_tab(qtbot, tmp_path, key, values, message):
    panel = _panel(qtbot, tmp_path)
    panel.first.key.setCurrentText(key)
    panel.first.values.setText(values)
    if panel.start():  # refused by the sweep's own validation, before any cluster starts
        qtbot.waitUntil(lambda: panel.state == "failed", timeout=20_000)
    assert message in panel.status.text() and "Traceback" not in panel.status.text()
    assert panel.run_button.isEnabled() and not panel.busy
    assert not (tmp_path / "sweep.h5").exists()


def test_the_studio_has_a_sweep_tab_that_follows_the_document(qtbot, tmp_path):
    from PySide6 import QtCore

    from nwn.app.models.document import Document
    from nwn.app.widgets.studio import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(Document(TINY), settings=settings)
    win.ask_unsaved = lambda: "discard"
    qtbot.addWidget(win)
    assert win.sweep_dock.widget() is win.sweep and win.sweep_dock.windowTitle() == "Sweep"
    keys = [win.sweep.first.key.itemText(i) for i in range(win.sweep.first.key.count())]
    assert "junction.params.eta_p" in keys  # TINY's filament model
    win.document.replace(junction=type(TINY.junction)(model="rate"))
    keys = [win.sweep.first.key.itemText(i) for i in range(win.sweep.first.key.count())]
    assert "junction.params.kd0" in keys  # offered again for the new model
    win.close()


def test_should_stop_ends_a_cluster_sweep_without_waiting_for_the_member_running():
    """run_sweep polls should_stop while it waits on the cluster (the tab's Cancel)."""
    from nwn.engine.sweep.runner import STOP_POLL, _next_finished

    class Waiting:  # an as_completed with one member running and none finished
        def has_ready(self):
            return False

        def is_empty(self):
            return False

    asked = []
    started = time.monotonic()
    assert _next_finished(Waiting(), lambda: asked.append(1) or len(asked) > 3) is None
    assert len(asked) == 4 and time.monotonic() - started < 20 * STOP_POLL
