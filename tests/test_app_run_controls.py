"""The run toolbar and the panels as a person reads them: Stop and Reset say why they have
nothing to do, fields show their whole text, the currents legend fits its plot."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402
from scenarios import two_terminal  # noqa: E402
from studio_support import deposit_now, open_window  # noqa: E402

from nwn.app.models.document import Document  # noqa: E402
from nwn.engine.scenario import parse_scenario  # noqa: E402


@pytest.fixture
def small(qtbot, tmp_path):
    """A window on a 160-wire two-terminal network."""
    yield from open_window(qtbot, tmp_path, Document(parse_scenario(
        two_terminal(seed=3, n_wires=160, duration=0.05))))


@pytest.fixture
def preset(qtbot, tmp_path):
    """A window on the two_terminal_pulse preset."""
    yield from open_window(qtbot, tmp_path, Document.from_preset("two_terminal_pulse"))


def test_stop_and_reset_are_disabled_with_a_reason_until_a_run_gives_them_work(qtbot, small):
    win = small
    stop, reset = win.stop_button, win.reset_button
    # a fresh window: no run at all
    assert not stop.isEnabled() and "no run to stop" in stop.toolTip()
    assert not reset.isEnabled() and "nothing to reset" in reset.toolTip()
    assert stop.toolTip().startswith("end the run here")  # the meaning stays on top
    deposit_now(qtbot, win)
    assert not stop.isEnabled() and not reset.isEnabled()
    # a step: a run under way, paused part-way
    assert win.step(3)
    qtbot.waitUntil(lambda: win.controller.state == "paused" and
                    win.controller.simulation.t > 0, timeout=60_000)
    assert stop.isEnabled() and reset.isEnabled()
    assert "⚠" not in stop.toolTip() and "⚠" not in reset.toolTip()
    # Stop: nothing more to stop, the recording is still there to drop
    stop.click()
    assert not stop.isEnabled() and "stopped" in stop.toolTip()
    assert reset.isEnabled()
    # Reset: back to t = 0, nothing recorded
    reset.click()
    qtbot.waitUntil(lambda: not win.setup_job.busy and win.controller.simulation is not None
                    and win.controller.simulation.t == 0.0, timeout=60_000)
    qtbot.waitUntil(lambda: not reset.isEnabled(), timeout=5_000)
    assert not stop.isEnabled()


def test_stop_is_enabled_while_a_run_goes(qtbot, small):
    win = small
    deposit_now(qtbot, win)
    win.paced.setChecked(True)
    win.steps_per_frame.setValue(1)
    assert win.run()
    qtbot.waitUntil(lambda: win.controller.busy, timeout=60_000)
    assert win.stop_button.isEnabled() and win.reset_button.isEnabled()
    win.controller.pause()
    win.controller.wait_idle()


def _text_room(box: QtWidgets.QAbstractSpinBox) -> tuple[int, int]:
    line = box.lineEdit()
    return line.fontMetrics().horizontalAdvance(line.text()), line.contentsRect().width()


def test_every_spin_box_shows_its_whole_text(qtbot, preset):
    win = preset
    win.resize(1280, 800)
    need, room = _text_room(win.backbone_fraction)
    assert need + 10 <= room, (win.backbone_fraction.text(), need, room)
    cut = []
    for index in range(win.left_tabs.count()):
        win.left_tabs.setCurrentIndex(index)
        qtbot.wait(20)
        for box in win.findChildren(QtWidgets.QAbstractSpinBox):
            if box.isVisible():
                need, room = _text_room(box)
                # QLineEdit keeps 2 px of margin on each side
                if need + 4 > room:
                    cut.append((box.text(), need, room))
    assert not cut


def test_the_currents_legend_fits_its_plot_on_a_1280_x_800_screen(qtbot, preset):
    win = preset
    win.resize(1280, 800)
    qtbot.wait(50)
    plot = win.plots.current_plot
    legend = plot.legend
    assert [label.text for _, label in legend.items] == ["source", "drain"]
    area = plot.vb.sceneBoundingRect()
    box = legend.sceneBoundingRect()
    assert area.contains(box), (area, box)
    # one row: both names side by side
    (_, first), (_, second) = legend.items
    assert abs(first.sceneBoundingRect().top() - second.sceneBoundingRect().top()) < 1
