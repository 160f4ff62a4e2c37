"""The Compute tab and the electrode table's RC role column: a reservoir-computing task run in
the background, scored as the engine scores it, drawn, saved; bad settings are one line."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore  # noqa: E402
from scenarios import two_terminal  # noqa: E402

from nwn.engine.scenario import parse_scenario  # noqa: E402

#: left drives, right is grounded, a floating strip along the top is read (small and fast).
SIDE = 30e-6
THREE = two_terminal(seed=7, side=SIDE, n_wires=260, waveform='{kind = "dc", value = 1.0}',
                     params="{eta_p = 8.0, kd0 = 20.0}", dt=1e-3) + f"""
[[electrodes]]
name = "top"
shape = {{type = "rectangle", bounds = [{0.4 * SIDE!r}, {0.9 * SIDE!r}, {0.6 * SIDE!r}, {SIDE!r}]}}
"""


@pytest.fixture
def document():
    from nwn.app.models.document import Document

    return Document(parse_scenario(THREE))


def _panel(qtbot, document, tmp_path):
    from nwn.app.widgets.panels.compute import ComputePanel

    panel = ComputePanel(document, lambda: tmp_path)
    qtbot.addWidget(panel)
    return panel


def test_rc_roles_go_into_the_reservoir_table_and_bad_ones_say_why(qtbot, document):
    from nwn.app.models.rc_roles import rc_roles, with_role
    from nwn.app.widgets.panels.electrodes import ElectrodePanel

    scenario = document.scenario
    assert rc_roles(scenario) == {"left": "none", "right": "none", "top": "none"}
    panel = ElectrodePanel(document)
    qtbot.addWidget(panel)
    messages = []
    panel.message.connect(messages.append)
    column = panel.COLUMNS.index("RC role")
    boxes = {panel.table.item(r, 0).text(): panel.table.cellWidget(r, column)
             for r in range(panel.table.rowCount())}
    boxes["right"].setCurrentText("read")  # the current into ground becomes a feature
    spec = document.scenario.reservoir
    assert spec.inputs == ("left",) and spec.read_current == ("right",)
    assert spec.read_voltage is None  # with every floating electrode: "top"
    assert rc_roles(document.scenario) == {"left": "input", "right": "read", "top": "read"}
    assert boxes["left"].currentText() == "input" and boxes["top"].currentText() == "read"
    boxes["top"].setCurrentText("none")
    assert document.scenario.reservoir.read_voltage == ()
    # A floating electrode cannot take the input; the table keeps what it had.
    boxes["top"].setCurrentText("input")
    assert "'top' is floating" in messages[-1]
    assert boxes["top"].currentText() == "none"
    # No input at all, or no feature left: refused with the reason.
    boxes["left"].setCurrentText("none")
    assert "needs an input electrode" in messages[-1]
    with pytest.raises(ValueError, match="no features"):
        with_role(document.scenario, "right", "none")
    # The table round-trips through the scenario file.
    from nwn.engine.scenario import scenario_to_toml

    again = parse_scenario(scenario_to_toml(document.scenario))
    assert again.reservoir == document.scenario.reservoir


def test_memory_capacity_runs_in_the_background_scores_as_the_engine_and_shows_bars(
        qtbot, document, tmp_path):
    from nwn.engine.reservoir.experiment import read_reservoir_results, run_reservoir

    panel = _panel(qtbot, document, tmp_path)
    panel.task.setCurrentText("memory-capacity")
    panel.offset.setText("0.8")
    panel.amplitude.setText("0.4")
    panel.hold.setText("0.002")
    panel.samples.setValue(520)
    panel.washout.setValue(10)
    panel.max_delay.setValue(10)
    ticks = []
    probe = QtCore.QTimer()
    probe.timeout.connect(lambda: ticks.append(time.monotonic()))
    probe.start(20)
    started = time.monotonic()
    assert panel.start()
    assert panel.busy  # returned at once: the run is in the worker thread
    qtbot.waitUntil(lambda: panel.state != "running", timeout=120_000)
    probe.stop()
    assert panel.state == "done", panel.status.text()
    # The GUI kept ticking: no gap of 2 s between the start, the probe's ticks and the end (a
    # fast run on an idle machine may see only a few ticks, which is fine).
    assert ticks and np.max(np.diff([started, *ticks, time.monotonic()])) < 2.0
    # The settings went into the scenario's [reservoir] table.
    spec = document.scenario.reservoir
    assert (spec.task, spec.samples, spec.washout, spec.hold) == ("memory-capacity", 520, 10,
                                                                  0.002)
    assert spec.offset == (0.8,) and spec.amplitude == (0.4,)
    # The same score as the engine's own run of that scenario (deterministic, seeded).
    direct = run_reservoir(document.validate(), settings={"alpha": 0.1, "max_delay": 10})
    result = panel.run.result
    assert result.score == pytest.approx(direct.result.score, rel=1e-9)
    assert len(result.per_delay) == 10 and 0 < result.score <= 10
    heights = panel.bars.opts["height"]
    assert np.allclose(heights, result.per_delay)  # one bar per delay
    assert f"MC = {result.score:.3f}" in panel.score.text()
    # Results written with the reservoir module's own writer, and saved on request.
    saved = read_reservoir_results(panel.save_to(tmp_path / "copy.h5"))
    assert saved["result"]["score"] == pytest.approx(result.score)
    assert saved["features"].shape == (len(panel.run.feature_names), 520)


def test_a_trained_task_shows_target_and_prediction(qtbot, document, tmp_path):
    panel = _panel(qtbot, document, tmp_path)
    panel.task.setCurrentText("narma2")
    panel.hold.setText("0.002")
    panel.samples.setValue(500)
    panel.washout.setValue(10)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.state != "running", timeout=120_000)
    assert panel.state == "done", panel.status.text()
    result = panel.run.result
    curves = {item.name(): item for item in panel.plot.listDataItems()}
    assert set(curves) == {"target", "prediction"}
    assert np.array_equal(curves["prediction"].getData()[1], result.prediction)
    assert curves["target"].getData()[1].size == result.target.size == 100  # 20 % test part
    nmse = np.mean((result.prediction - result.target) ** 2) / np.var(result.target)
    assert result.score == pytest.approx(np.sqrt(nmse), rel=1e-6)  # NRMSE of what is drawn
    assert "NRMSE" in panel.score.text()


def test_cancel_stops_the_run(qtbot, document, tmp_path):
    panel = _panel(qtbot, document, tmp_path)
    panel.hold.setText("0.01")
    panel.samples.setValue(5000)  # 50 s of simulated time: minutes, unless cancelled
    assert panel.start()
    qtbot.waitUntil(lambda: panel.bar.value() > 0, timeout=120_000)
    asked = time.monotonic()
    panel.cancel()
    qtbot.waitUntil(lambda: panel.state == "cancelled", timeout=20_000)
    assert time.monotonic() - asked < 5 and not panel.busy and panel.run_button.isEnabled()
    assert panel.run is None and not (tmp_path / "reservoir.h5").exists()


@pytest.mark.parametrize("change, message", [
    ("no_input", "reservoir.inputs must name at least one electrode"),
    ("no_features", "no features"),
    ("hold", "hold must be a whole number of run.dt"),
    ("samples", "memory-capacity needs at least"),
    ("alpha", "alpha must be a number"),
])
def test_bad_settings_are_a_message_not_a_traceback(qtbot, tmp_path, change, message):
    from nwn.app.models.document import Document

    scenario = parse_scenario(THREE)
    if change == "no_input":  # nothing driven: every electrode floats or is grounded
        left = scenario.electrodes[0]
        floating = dataclasses.replace(left, source=type(left.source)("floating"))
        scenario = dataclasses.replace(scenario, electrodes=(floating,) + scenario.electrodes[1:])
    if change == "no_features":  # two terminals, nothing floating and no current read
        scenario = parse_scenario(two_terminal() + """
[reservoir]
inputs = ["left"]
offset = 1.0
amplitude = 0.5
hold = 0.002
read_current = ["right"]
""")
    panel = _panel(qtbot, Document(scenario), tmp_path)
    if change == "no_features":
        panel.document.scenario = dataclasses.replace(
            panel.document.scenario,
            reservoir=dataclasses.replace(panel.document.scenario.reservoir, read_current=()))
    if change == "hold":
        panel.hold.setText("0.0015")
    if change == "samples":
        panel.samples.setValue(40)
    if change == "alpha":
        panel.alpha.setText("lots")
    if panel.start():  # refused in the worker before any simulation
        qtbot.waitUntil(lambda: panel.state != "running", timeout=30_000)
    assert message in panel.status.text(), panel.status.text()
    assert "Traceback" not in panel.status.text() and panel.run_button.isEnabled()
    assert not (tmp_path / "reservoir.h5").exists()


def test_the_studio_has_a_compute_tab_that_follows_the_open_document(qtbot, tmp_path):
    from nwn.app.models.document import Document
    from nwn.app.widgets.studio import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(Document(parse_scenario(THREE)), settings=settings)
    win.ask_unsaved = lambda: "discard"
    qtbot.addWidget(win)
    assert win.compute_dock.widget() is win.compute
    assert win.compute_dock.windowTitle() == "Compute"
    assert win.compute.document is win.document
    assert win.open_preset("rc_memory_capacity")
    assert win.compute.document is win.document
    assert win.compute.hold.text() == "0.2" and win.compute.samples.value() == 3000
    assert "input <b>pad1</b>" in win.compute.roles.text()
    win.close()


def test_a_canvas_click_marks_rc_roles_when_the_compute_tab_asks(qtbot, tmp_path):
    from nwn.app.models.document import Document
    from nwn.app.models.rc_roles import rc_roles
    from nwn.app.widgets.studio import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(Document(parse_scenario(THREE)), settings=settings)
    win.ask_unsaved = lambda: "discard"
    qtbot.addWidget(win)
    before = rc_roles(win.document.scenario)
    win.canvas.electrodeClicked.emit("right")  # marking off: a click only selects
    assert rc_roles(win.document.scenario) == before
    win.compute.marking.setCurrentText("input")
    win.canvas.electrodeClicked.emit("left")
    win.compute.marking.setCurrentText("read")
    win.canvas.electrodeClicked.emit("right")
    roles = rc_roles(win.document.scenario)
    assert roles["left"] == "input" and roles["right"] == "read"
    assert win.document.scenario.reservoir.read_current == ("right",)
    # the electrode table's RC role column follows
    column = win.electrodes.COLUMNS.index("RC role")
    boxes = {win.electrodes.table.item(r, 0).text(): win.electrodes.table.cellWidget(r, column)
             for r in range(win.electrodes.table.rowCount())}
    assert boxes["right"].currentText() == "read"
    # a refused role is a message, the table unchanged
    win.compute.marking.setCurrentText("input")
    win.canvas.electrodeClicked.emit("top")
    assert "'top' is floating" in win.compute.status.text()
    assert rc_roles(win.document.scenario) == roles
    win.close()


@pytest.mark.parametrize("task, shown", [
    ("mackey-glass-forecast", "valid for"), ("generalization-rank", "kernel rank")])
def test_online_tasks_run_from_the_tab(qtbot, document, tmp_path, task, shown):
    panel = _panel(qtbot, document, tmp_path)
    panel.task.setCurrentText(task)
    panel.hold.setText("0.002")
    panel.samples.setValue(520)
    panel.washout.setValue(10)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.state != "running", timeout=120_000)
    assert panel.state == "done", panel.status.text()
    assert shown in panel.score.text()
    if task == "mackey-glass-forecast":
        curves = {item.name(): item for item in panel.plot.listDataItems()}
        assert np.array_equal(curves["prediction"].getData()[1], panel.run.context["forecast"])


@pytest.mark.parametrize("task, setting, value", [
    ("mackey-glass-forecast", "horizon", 17), ("generalization-rank", "streams", 5)])
def test_online_task_settings_go_through_to_the_engine(qtbot, document, tmp_path, monkeypatch,
                                                       task, setting, value):
    """The horizon and stream-count fields: shown for their task only, with the engine's
    default and range, and their value is what the engine's run receives."""
    import nwn.engine.reservoir.experiment as experiment
    from nwn.engine.reservoir.online import DEFAULT_STREAMS, check_online_settings
    from nwn.engine.reservoir.tasks import DEFAULT_HORIZON, HORIZON_RANGE, STREAMS_RANGE
    from nwn.geometry.checks import InputError

    panel = _panel(qtbot, document, tmp_path)
    box = getattr(panel, setting)
    default, allowed = {"horizon": (DEFAULT_HORIZON, HORIZON_RANGE),
                        "streams": (DEFAULT_STREAMS, STREAMS_RANGE)}[setting]
    assert box.value() == default and (box.minimum(), box.maximum()) == allowed
    panel.task.setCurrentText("memory-capacity")
    assert box.isHidden() and setting not in panel.settings()
    panel.task.setCurrentText(task)
    assert not box.isHidden()
    # out of range cannot be typed: the box holds its limit, the engine's own
    box.setValue(allowed[0] - 1)
    assert box.value() == allowed[0]
    box.setValue(value)
    assert panel.settings()[setting] == value
    seen = {}

    def fake_run(scenario, *, settings=None, **_):
        seen.update(settings)
        seen["checked"] = check_online_settings(scenario.reservoir, settings)
        raise InputError("stopped by the test before simulating")

    monkeypatch.setattr(experiment, "run_reservoir", fake_run)
    panel.hold.setText("0.002")
    panel.samples.setValue(520)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.state != "running", timeout=30_000)
    assert "stopped by the test" in panel.status.text()
    assert seen[setting] == value and seen["checked"][setting] == value
