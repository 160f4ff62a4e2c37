"""The parameter panel asks the scenario schema: same limits, same messages as a file."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402

import pytest  # noqa: E402

from nwn.app.models.document import Document  # noqa: E402
from nwn.engine import limits  # noqa: E402
from nwn.geometry.checks import InputError  # noqa: E402


@pytest.fixture
def panel(qtbot):
    from nwn.app.widgets.panels.parameters import ParameterPanel

    widget = ParameterPanel(Document())
    qtbot.addWidget(widget)
    return widget


def _type(field, text):
    """Type ``text`` over the field's text and press Enter (fields commit on Enter)."""
    from PySide6 import QtCore, QtTest

    field.selectAll()
    QtTest.QTest.keyClicks(field, text)
    QtTest.QTest.keyClick(field, QtCore.Qt.Key.Key_Return)


def _schema_message(build):
    with pytest.raises(InputError) as info:
        build()
    return str(info.value)


def test_wire_count_limit_is_the_schema_one(panel):
    document = panel.document
    field = panel.fields["n_wires"]
    # 3e6 wires: the GUI used to refuse above 2e6 while files allowed 5e7 (on a 1 cm box:
    # in the default one they would cross thousands of others each, which the schema refuses)
    document.replace(network=dataclasses.replace(document.scenario.network, box=(1e-2, 1e-2)))
    _type(field, "3000000")
    assert field.error == "" and document.scenario.network.n_wires == 3_000_000
    too_many = limits.MAX_WIRES + 1
    _type(field, str(too_many))
    assert document.scenario.network.n_wires == 3_000_000  # refused, not committed
    # the schema's refusal, said with the field's label instead of the key path
    assert _schema_message(lambda: dataclasses.replace(
        document.scenario.network, n_wires=too_many)).startswith("network.n_wires must be <=")
    assert field.error == f"wires must be <= {limits.MAX_WIRES} (got {too_many})"


def test_run_fields_refuse_with_the_schema_messages(panel):
    document = panel.document
    run = document.scenario.run
    _type(panel.fields["duration"], "1e300")
    assert panel.fields["duration"].error.startswith("duration / dt gives")
    _type(panel.fields["dt"], str(3e3 * run.duration))  # ms: three durations, under a step
    assert _schema_message(lambda: dataclasses.replace(run, dt=3 * run.duration)).startswith(
        "run.duration must be at least one step")
    # said of dt, the field typed in, not of the duration
    assert panel.fields["dt"].error == "dt must leave at least one step in the duration 1 s: " \
                                       "at most 2000 ms (got 3000 ms)"
    assert document.scenario.run == run
    _type(panel.fields["dt"], "2")
    assert document.scenario.run.dt == pytest.approx(2e-3) and panel.fields["dt"].error == ""


def test_waveform_editor_refuses_with_the_schema_message(qtbot):
    from nwn.app.widgets.panels.electrodes import ElectrodePanel

    document = Document()
    widget = ElectrodePanel(document)
    qtbot.addWidget(widget)
    widget.select("right")  # the default scenario's ground electrode
    assert widget.selected_name() == "right"
    with pytest.raises(InputError, match=r"^electrodes\[1\]\.source: a ground electrode takes "
                                         r"no waveform$"):
        widget._set_waveform({"kind": "dc", "value": 1.0})
    widget.select("left")
    widget._set_waveform({"kind": "dc", "value": 2.5})
    assert document.scenario.electrode("left").source.waveform == {"kind": "dc", "value": 2.5}
