"""Every control of the studio window says what it means (a tooltip with its unit and range
where there is one), generated from the metadata where the field is, and keeps saying it
through edits, refusals and corrections."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6 import QtCore, QtTest, QtWidgets  # noqa: E402
from studio_support import controls_without_tooltip, open_window  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    yield from open_window(qtbot, tmp_path)


def test_every_control_in_every_tab_has_a_tooltip(window):
    from nwn.engine.junctions import MODELS
    from nwn.engine.reservoir.tasks import TASKS
    from nwn.engine.stimuli import STIMULUS_KINDS

    win = window
    lacking = controls_without_tooltip(win)
    # the forms that are generated: every junction model's, every distribution's, every
    # waveform kind's (the selected electrode's source), every task's settings
    for model in MODELS:
        win.parameters.model.setCurrentText(model)  # rebuilds the junction form
        assert win.document.scenario.junction.model == model
        lacking |= controls_without_tooltip(win)
    panel = win.parameters
    for combo, kind in ((panel.length_kind, "normal"), (panel.angle_kind, "vonmises"),
                        (panel.centre_kind, "gennorm")):
        combo.setCurrentText(kind)
    lacking |= controls_without_tooltip(win)
    win.electrodes.select("left")
    editor = win.electrodes.waveform
    assert editor.isEnabled()
    for kind in STIMULUS_KINDS:
        editor.kind.setCurrentText(kind)
        assert editor.waveform()["kind"] == kind
        lacking |= controls_without_tooltip(win)
    for task in TASKS:
        win.compute.task.setCurrentText(task)
        lacking |= controls_without_tooltip(win)
    assert not lacking, "controls without a tooltip:\n" + "\n".join(sorted(lacking))
    # the dock title bars' buttons, and the electrode and segment tables' column headers
    docks = win.findChildren(QtWidgets.QDockWidget)
    assert docks and all(b.toolTip() for d in docks for b in d.findChildren(
        QtWidgets.QAbstractButton, "qt_dockwidget_closebutton"))
    table = win.electrodes.table
    assert all(table.horizontalHeaderItem(c).toolTip() for c in range(table.columnCount()))
    editor.kind.setCurrentText("sequence")
    segments = editor.segment_table
    assert all(segments.horizontalHeaderItem(c).toolTip()
               for c in range(segments.columnCount()))


def test_generated_tooltips_say_the_metadata_unit_and_range(window):
    """The junction form from the model's parameters, the waveform form from the stimulus
    definitions, the Compute tab's horizon and streams from the engine's ranges."""
    from nwn.engine.junctions import MODELS
    from nwn.engine.reservoir.online import DEFAULT_STREAMS
    from nwn.engine.reservoir.tasks import DEFAULT_HORIZON, HORIZON_RANGE, STREAMS_RANGE
    from nwn.engine.stimuli import WAVEFORM_FIELDS

    win = window
    model = MODELS[win.document.scenario.junction.model]
    for name, param in model.PARAMETERS.items():
        if param.choices is None:
            tip = win.parameters.fields[f"junction.params.{name}"].toolTip()
            assert param.meaning in tip and param.allowed() in tip
            assert not param.unit or f"in {param.unit}" in tip
    win.electrodes.select("left")
    editor = win.electrodes.waveform
    editor.kind.setCurrentText("pulse")
    for field in WAVEFORM_FIELDS["pulse"]:
        tip = editor.fields[field.name].toolTip()
        unit = "V" if field.unit == "level" else field.unit
        assert field.meaning in tip and field.allowed() in tip
        assert not unit or f"in {unit}" in tip
    # the parameter panel's limits are the scenario schema's (nwn.engine.limits)
    from nwn.engine.limits import MAX_WIRES

    assert f"1 to {MAX_WIRES:.0e}".replace("+0", "") in win.parameters.fields["n_wires"].toolTip()
    assert "µm" in win.parameters.fields["width"].toolTip()
    compute = win.compute
    assert (compute.horizon.minimum(), compute.horizon.maximum()) == HORIZON_RANGE
    assert (compute.streams.minimum(), compute.streams.maximum()) == STREAMS_RANGE
    assert (compute.horizon.value(), compute.streams.value()) == (DEFAULT_HORIZON,
                                                                   DEFAULT_STREAMS)
    assert "1 to 1e6" in compute.horizon.toolTip() and "2 to 10000" in compute.streams.toolTip()


def _type(field, text: str) -> None:
    field.setFocus()
    field.selectAll()
    QtTest.QTest.keyClicks(field, text)
    QtTest.QTest.keyClick(field, QtCore.Qt.Key.Key_Return)


def test_a_fields_tooltip_is_the_same_after_an_invalid_edit_and_its_correction(window):
    from nwn.engine.stimuli import WAVEFORM_FIELDS

    win = window
    # a junction parameter (generated from the model's metadata): kd0 > 0
    win.parameters.model.setCurrentText("rate")
    field = win.parameters.fields["junction.params.kd0"]
    tip = field.toolTip()
    _type(field, "-1")
    assert field.error and field.toolTip().startswith(tip + "\n⚠ ")
    assert "must be" in field.toolTip()
    _type(field, "7")
    assert not field.error and field.toolTip() == tip
    assert win.document.scenario.junction.params["kd0"] == 7
    # the field rebuilt from the document (Undo) says the same again
    win.document.undo()
    assert win.parameters.fields["junction.params.kd0"].toolTip() == tip
    # a waveform field (generated from the stimulus definitions): a bound refused, then met
    win.electrodes.select("left")
    editor = win.electrodes.waveform
    editor.kind.setCurrentText("pulse")
    delay = next(f for f in WAVEFORM_FIELDS["pulse"] if f.name == "delay")
    edit = editor.fields["delay"]
    tip = edit.toolTip()
    _type(edit, f"{delay.low - 1:g}")  # before t = 0
    assert edit.error and edit.toolTip().startswith(tip + "\n⚠ ")
    _type(edit, f"{delay.low + 0.01:g}")
    assert not edit.error and editor.fields["delay"].toolTip() == tip
    assert editor.waveform()["delay"] == pytest.approx(delay.low + 0.01)
    # a button whose tooltip says what it would do keeps its meaning as that changes
    undo = win.electrodes.undo_button
    assert undo.toolTip().startswith(win.electrodes.UNDO_TIP)
    # Run disabled for a reason: the reason is added to what Run means, and goes with it
    from nwn.app.widgets.menus import TOOLTIPS

    run_tip = win.run_button.toolTip()
    assert run_tip.startswith(TOOLTIPS["run_button"])
    assert "\n⚠ " in run_tip  # no network yet
