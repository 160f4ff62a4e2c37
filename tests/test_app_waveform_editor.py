"""The waveform form editor: fields from the stimulus definitions, sequences, CSV import,
preview axes, and the TOML view's exact round trip (pytest-qt, offscreen)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtTest  # noqa: E402

from nwn.app.models.document import Document  # noqa: E402
from nwn.app.models.waveform_form import (  # noqa: E402
    new_waveform,
    parse_waveform_toml,
    waveform_toml,
)
from nwn.engine.stimuli import STIMULUS_KINDS, WAVEFORM_FIELDS, make_stimulus  # noqa: E402
from nwn.geometry.checks import InputError  # noqa: E402

PROTOCOL = {"kind": "sequence", "repeat": 2, "segments": [
    {"kind": "pulse", "amplitude": 2.0, "width": 0.05, "period": 0.1, "count": 3,
     "duration": 0.3},
    {"kind": "dc", "value": 0.01, "duration": 0.5},
    {"kind": "ramp", "start": 0.0, "stop": -1.5, "ramp_time": 0.2, "duration": 0.2}]}


@pytest.fixture
def panel(qtbot):
    from nwn.app.widgets.panels.electrodes import ElectrodePanel

    widget = ElectrodePanel(Document())
    qtbot.addWidget(widget)
    widget.show()
    widget.select("left")  # the default scenario's voltage source
    return widget


def _enter(field, text):
    field.selectAll()
    if text:
        QtTest.QTest.keyClicks(field, text)
    else:
        QtTest.QTest.keyClick(field, QtCore.Qt.Key.Key_Backspace)
    QtTest.QTest.keyClick(field, QtCore.Qt.Key.Key_Return)


def _waveform(panel):
    return panel.document.scenario.electrode("left").source.waveform


@pytest.mark.parametrize("kind", [k for k in STIMULUS_KINDS if k not in ("sequence", "samples")])
def test_form_fields_come_from_the_stimulus_definitions(panel, kind):
    editor = panel.waveform
    editor.kind.setCurrentText(kind)
    assert list(editor.fields) == [f.name for f in WAVEFORM_FIELDS[kind]]
    for field in WAVEFORM_FIELDS[kind]:
        edit = editor.fields[field.name]
        label = editor.form.labelForField(edit).text()
        unit = "V" if field.unit == "level" else field.unit
        assert label == (f"{field.name} ({unit})" if unit else field.name)
        assert field.allowed() in edit.toolTip() and field.meaning in edit.toolTip()
    # the kind's example values make a valid waveform, committed at once
    assert _waveform(panel)["kind"] == kind
    make_stimulus(_waveform(panel))


def test_levels_are_in_amperes_for_a_current_source(panel):
    from nwn.engine.scenario import SourceSpec

    panel.document.edit_electrode("left", source=SourceSpec("current", {"kind": "dc",
                                                                        "value": 1e-6}))
    panel.select("right")
    panel.select("left")
    editor = panel.waveform
    assert editor.form.labelForField(editor.fields["value"]).text() == "value (A)"
    assert editor.preview.getAxis("left").labelText == "current"
    assert editor.preview.getAxis("left").labelUnits == "A"


def test_pulse_fields_commit_and_relations_name_the_field(panel):
    editor = panel.waveform
    editor.kind.setCurrentText("pulse")
    _enter(editor.fields["width"], "0.05")
    assert _waveform(panel)["width"] == 0.05
    _enter(editor.fields["width"], "0.5")  # longer than the 0.2 s period
    assert editor.fields["width"].error == "width must be <= period 0.2 s (got 0.5 s)"
    assert _waveform(panel)["width"] == 0.05  # refused, not committed
    assert panel.errors == {"waveform": "waveform: width must be <= period 0.2 s (got 0.5 s)"}
    _enter(editor.fields["period"], "1")  # fixes the relation: the refused width goes through
    assert _waveform(panel)["period"] == 1.0 and _waveform(panel)["width"] == 0.5
    assert editor.fields["width"].error == "" and panel.errors == {}
    _enter(editor.fields["count"], "1e1")
    assert _waveform(panel)["count"] == 10 and isinstance(_waveform(panel)["count"], int)
    _enter(editor.fields["count"], "")  # empty: the default (unlimited)
    assert "count" not in _waveform(panel)


def test_preview_has_labelled_axes_with_units(panel):
    editor = panel.waveform
    editor.kind.setCurrentText("pulse")
    bottom, left = editor.preview.getAxis("bottom"), editor.preview.getAxis("left")
    assert (bottom.labelText, bottom.labelUnits) == ("time", "s")
    assert (left.labelText, left.labelUnits) == ("voltage", "V")
    t, v = editor.preview_data()
    assert t.size > 100 and t[-1] == pytest.approx(panel.document.scenario.run.duration)
    assert set(np.round(np.unique(v), 9)) == {0.0, 1.0}  # the example pulse train, square


def test_sequence_table_add_remove_reorder_repeat(panel):
    editor = panel.waveform
    editor.kind.setCurrentText("sequence")
    assert editor.segment_table.rowCount() == 2
    editor.segment_action("add")
    assert editor.segment_table.rowCount() == 3 and editor.selected_segment() == 2
    segment = editor.segment_editor
    segment.kind.setCurrentText("pulse")
    _enter(segment.fields["amplitude"], "3")
    _enter(segment.fields["duration"], "0.4")
    segments = _waveform(panel)["segments"]
    assert segments[2]["kind"] == "pulse" and segments[2]["amplitude"] == 3.0
    assert segments[2]["duration"] == 0.4
    editor.segment_action("up")
    segments = _waveform(panel)["segments"]
    assert [s["kind"] for s in segments] == ["dc", "pulse", "dc"]
    assert editor.selected_segment() == 1
    assert editor.segment_table.item(1, 0).text() == "pulse"
    editor.select_segment(0)
    editor.segment_action("remove")
    assert [s["kind"] for s in _waveform(panel)["segments"]] == ["pulse", "dc"]
    _enter(editor.fields["repeat"], "3")
    assert _waveform(panel)["repeat"] == 3
    make_stimulus(_waveform(panel))  # a valid three-times-repeated protocol


def test_csv_import_for_samples(panel, tmp_path):
    path = tmp_path / "drive.csv"
    path.write_text("t,value\n# measured\n0,0\n0.5,1.5\n1.0,-0.5\n", encoding="utf-8")
    editor = panel.waveform
    assert editor.import_csv(path)
    assert _waveform(panel) == {"kind": "samples", "times": [0.0, 0.5, 1.0],
                                "values": [0.0, 1.5, -0.5]}
    assert editor.kind.currentText() == "samples"
    assert editor.samples_label.text() == "3 samples, t = 0 to 1 s"
    editor.choices["interpolation"].setCurrentText("previous")
    assert _waveform(panel)["interpolation"] == "previous"
    bad = tmp_path / "bad.csv"
    bad.write_text("0,1\n1,x\n", encoding="utf-8")
    assert not editor.import_csv(bad)
    assert "line 2 of bad.csv" in editor.message.text()


@pytest.mark.parametrize("waveform", [
    PROTOCOL, {"kind": "dc", "value": 1}, {"kind": "sine", "amplitude": 0.5, "frequency": 3.0},
    {"kind": "samples", "times": [0.0, 0.1], "values": [1.0, 2.0], "interpolation": "previous"},
    {"kind": "pulse", "amplitude": 1.5e-5, "width": 0.00015, "period": 1e-3, "count": 4}])
def test_toml_view_round_trips_exactly(waveform):
    text = waveform_toml(waveform)
    back = parse_waveform_toml(text)
    assert back == waveform
    assert [type(v) for v in back.values()] == [type(v) for v in waveform.values()]
    assert waveform_toml(back) == text
    if waveform is PROTOCOL:  # a three-segment protocol reads whole: one line per segment
        assert text.count("\n") == 7


def test_toml_view_applies_to_the_document(panel):
    editor = panel.waveform
    editor.toml.setPlainText(waveform_toml(PROTOCOL))
    assert editor.apply_toml()
    assert _waveform(panel) == PROTOCOL
    assert editor.kind.currentText() == "sequence" and editor.segment_table.rowCount() == 3
    assert editor.toml.toPlainText() == waveform_toml(PROTOCOL)
    editor.toml.setPlainText('kind = "pulse"\namplitude = 1.0\n')
    assert not editor.apply_toml()
    assert editor.message.text() == "period is required for a 'pulse' waveform"
    assert _waveform(panel) == PROTOCOL


def test_kind_change_keeps_shared_fields():
    pulse = {"kind": "pulse", "amplitude": 2.5, "width": 0.1, "period": 0.3, "delay": 0.2}
    square = new_waveform("square", pulse)
    assert square["amplitude"] == 2.5 and square["delay"] == 0.2 and "width" not in square
    make_stimulus(square)


@pytest.mark.parametrize("kind, name, bad", [("pulse", "width", 0.0), ("pulse", "delay", -1.0),
                                             ("square", "duty", 1.0), ("pulse", "count", 0),
                                             ("sine", "frequency", -2.0)])
def test_engine_checks_fields_by_the_same_definitions(kind, name, bad):
    field = next(f for f in WAVEFORM_FIELDS[kind] if f.name == name)
    spec = {k: v for k, v in new_waveform(kind).items()}
    if name == "frequency":
        spec.pop("period")
    spec[name] = bad
    bound = field.allowed().replace("a whole number ", "")  # check_int words the bound alone
    with pytest.raises(InputError) as info:
        make_stimulus(spec)
    assert f"source.waveform.{name} must be {bound} (got" in str(info.value)


def test_invalid_waveform_blocks_run_with_reason(qtbot, tmp_path):
    from nwn.app.widgets.studio import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(Document(), settings=settings)
    win.ask_unsaved = lambda: "discard"
    qtbot.addWidget(win)
    win.show()
    win.electrodes.select("left")
    field = win.electrodes.waveform.fields["value"]
    field.selectAll()
    QtTest.QTest.keyClicks(field, "1 V")
    assert not win.run_button.isEnabled()
    assert "waveform: value must be a number (got '1 V')" in win.run_reason.text()
    _enter(field, "2.5")
    assert win.document.scenario.electrode("left").source.waveform == {"kind": "dc",
                                                                        "value": 2.5}
    assert "waveform" not in win.run_reason.text()
    win.close()


def test_no_waveform_form_for_ground_or_floating(panel):
    panel.select("right")  # ground
    assert not panel.waveform.isVisible()  # was a disabled dc form and a flat preview
    assert panel.no_waveform.text() == "ground: held at 0 V, no waveform"
    panel.select("left")
    assert panel.waveform.isVisible() and not panel.no_waveform.isVisible()
