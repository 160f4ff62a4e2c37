"""Inputs that mean what they say: fields commit on Enter, accept every way a number is
written, refuse in the words and units of their label, warn about implausible values, and show
the whole length, angle and centre distributions (pytest-qt, offscreen)."""

import dataclasses
import math
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtTest  # noqa: E402

from nwn.app.models.document import Document  # noqa: E402
from nwn.app.models.number_text import (  # noqa: E402
    FieldWords,
    field_message,
    read_integer,
    read_number,
)


@pytest.fixture
def panel(qtbot):
    from nwn.app.widgets.panels.parameters import ParameterPanel

    widget = ParameterPanel(Document())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _keys(field, text):
    field.selectAll()
    QtTest.QTest.keyClicks(field, text)


def _enter(field, text):
    _keys(field, text)
    QtTest.QTest.keyClick(field, QtCore.Qt.Key.Key_Return)


@pytest.mark.parametrize("text, value", [
    ("10000", 10000), ("1e4", 10000), ("1E4", 10000), ("10000.0", 10000), (" 10 000 ", 10000),
    ("10_000", 10000), ("1,000", 1000), ("10k", 10000), ("1.5M", 1_500_000),
    ("\u22125", -5), ("+.5", 0.5), ("1x10^4", 10000)])
def test_every_way_of_writing_a_number_is_read(text, value):
    assert read_number("wires", text) == value


@pytest.mark.parametrize("text, words", [
    ("2,5", "decimal point, not a comma"), ("abc", "must be a number"), ("", "must be a number"),
    ("1e999", "finite"), ("50000x", "must be a number")])
def test_what_is_not_a_number_is_refused_by_name(text, words):
    with pytest.raises(ValueError, match=f"^wires .*{words}"):
        read_number("wires", text)


def test_whole_numbers_may_be_written_in_exponent_form():
    assert read_integer("wires", "1e4") == 10000 and isinstance(read_integer("wires", "1e4"), int)
    with pytest.raises(ValueError, match=r"^wires must be a whole number \(got 1.5\)$"):
        read_integer("wires", "1.5")


def test_schema_messages_are_rewritten_in_the_fields_words_and_unit():
    words = FieldWords("wire length", "µm", 1e-6)
    assert field_message("network.length must be > 0 (got -2.628e-05)", "network.length",
                         words) == "wire length must be > 0 µm (got -26.28 µm)"
    dt = FieldWords("dt", "ms", 1e-3)
    assert field_message("run.duration / run.dt gives 1e+12 steps (allowed: at most 1e+09)",
                         "run.duration", FieldWords("duration", "s"), {"run.dt": dt}) == \
        "duration / dt gives 1e+12 steps (allowed: at most 1e+09)"


def test_keystrokes_do_not_commit_enter_does(panel):
    document = panel.document
    field = panel.fields["n_wires"]
    before = document.scenario.network.n_wires
    _keys(field, "50000x")
    assert document.scenario.network.n_wires == before  # old behaviour: 50000 committed
    assert field.error == "wires must be a number (got '50000x')"
    assert panel.errors == {"n_wires": field.error}
    _keys(field, "5000")
    assert field.error == "" and document.scenario.network.n_wires == before  # not yet
    QtTest.QTest.keyClick(field, QtCore.Qt.Key.Key_Return)
    assert document.scenario.network.n_wires == 5000
    _enter(field, "1e4")  # was refused as "not a whole number"
    assert document.scenario.network.n_wires == 10000 and field.error == ""


def test_focus_out_commits(panel, qtbot):
    field, other = panel.fields["n_wires"], panel.fields["seed"]
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    _keys(field, "2,000")
    assert panel.document.scenario.network.n_wires == 600
    other.setFocus()
    qtbot.waitUntil(lambda: panel.document.scenario.network.n_wires == 2000, timeout=2000)


def test_tooltips_survive_edits(panel):
    field = panel.fields["length"]
    tip = field.toolTip()
    assert tip
    _enter(field, "5")
    assert field.toolTip() == tip  # old behaviour: tooltip emptied after one edit
    _keys(field, "-5")
    assert field.toolTip().startswith(tip) and "must be > 0 µm" in field.toolTip()
    _enter(field, "6")
    assert field.toolTip() == tip


def test_refusals_name_the_label_and_its_unit(panel):
    field = panel.fields["length"]
    _enter(field, "-26.28")
    assert field.error == "wire length must be > 0 µm (got -26.28 µm)"
    _enter(panel.fields["diameter"], "0")
    assert panel.fields["diameter"].error == "diameter must be > 0 nm (got 0 nm)"
    assert all("network." not in message and " m)" not in message
               for message in panel.errors.values())


def test_relation_is_blamed_on_the_field_edited(panel):
    panel.document.replace(junction=panel.document.scenario.junction)  # default: rate model
    assert panel.document.scenario.junction.model == "rate"
    g_min = panel.fields["junction.params.g_min"]
    _enter(g_min, "1")
    # old behaviour: "junction.params.g_max must satisfy g_max >= g_min (got 0.1)" on g_min
    assert g_min.error == "g_min must satisfy g_max >= g_min (got g_min = 1 S, g_max = 0.1 S)"
    assert panel.document.scenario.junction.params.get("g_min", 1e-3) == 1e-3
    # raising g_max makes the refused g_min valid: it is committed and its error goes away
    _enter(panel.fields["junction.params.g_max"], "10")
    assert panel.fields["junction.params.g_min"].error == ""
    assert panel.errors == {}
    assert panel.document.scenario.junction.params["g_min"] == 1.0


def test_whole_length_distribution_is_shown_and_edited(qtbot):
    from nwn.app.widgets.panels.parameters import ParameterPanel

    document = Document()
    document.replace(network=dataclasses.replace(
        document.scenario.network,
        length={"distribution": "normal", "mean": 40e-6, "std": 14e-6}))
    panel = ParameterPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.length_kind.currentText() == "normal"
    assert panel.fields["length_std"].isVisible() and not panel.fields["length"].isVisible()
    assert panel.fields["length_std"].text() == "14"
    _enter(panel.fields["length_mean"], "5")
    # old behaviour: the 14 µm std stayed, hidden; now it is on screen and editable
    assert document.scenario.network.length == {"distribution": "normal", "mean": 5e-6,
                                                "std": 14e-6}
    _enter(panel.fields["length_std"], "1")
    assert document.scenario.network.length["std"] == pytest.approx(1e-6)
    panel.length_kind.setCurrentText("fixed")
    assert document.scenario.network.length == pytest.approx(5e-6)
    assert panel.fields["length"].isVisible() and not panel.fields["length_std"].isVisible()
    panel.length_kind.setCurrentText("lognormal")
    assert document.scenario.network.length["distribution"] == "lognormal"
    assert "n·⟨l²⟩" in panel.density_label.toolTip() and panel.density_label.text()


def test_angle_and_centre_distributions_are_edited_in_shown_units(panel):
    document = panel.document
    panel.angle_kind.setCurrentText("vonmises")
    _enter(panel.fields["angle_direction"], "90")
    _enter(panel.fields["angle_kappa"], "5")
    assert document.scenario.network.angle == {"distribution": "vonmises",
                                               "direction": pytest.approx(math.pi / 2),
                                               "kappa": 5.0}
    panel.centre_kind.setCurrentText("gennorm")
    _enter(panel.fields["centre_scale"], "12")
    assert document.scenario.network.centre["scale"] == pytest.approx(12e-6)
    _enter(panel.fields["centre_scale"], "-3")
    assert panel.fields["centre_scale"].error == "spread must be > 0 µm (got -3 µm)"
    _enter(panel.fields["centre_scale"], "20")
    panel.angle_kind.setCurrentText("uniform")
    assert document.scenario.network.angle is None
    assert not panel.fields["angle_kappa"].isVisible()


def test_implausible_values_are_warned_about_in_physical_words(panel):
    assert panel.warning.text() == ""
    _enter(panel.fields["length"], "1e6")  # a 1 m wire in a 60 µm box
    assert "longer than the box" in panel.warning.text()
    _enter(panel.fields["length"], "7")
    # on a 1 cm square: in the 60 µm one 3e6 wires would hold ~4e10 junctions, which the
    # schema refuses (engine/limits.py)
    _enter(panel.fields["width"], "1e4")
    _enter(panel.fields["height"], "1e4")
    _enter(panel.fields["n_wires"], "3e6")
    assert "3,000,000 wires is more than ~1,000,000" in panel.warning.text()
    _enter(panel.fields["n_wires"], "600")
    _enter(panel.fields["height"], "60")
    _enter(panel.fields["width"], "5e5")  # 50 cm (the schema stops at 1 m)
    assert "real substrates are at most a few cm" in panel.warning.text()
    assert "far below the percolation threshold" in panel.warning.text()
    assert panel.errors == {}  # warnings never block


def test_fixed_and_zero_spread_lengths_deposit():
    # the schema accepts both; the deposition used to refuse them
    from nwn.geometry import drop_wires

    fixed = drop_wires(50, box=(20e-6, 20e-6), length={"distribution": "fixed", "value": 5e-6},
                       rng=1)
    flat = drop_wires(50, box=(20e-6, 20e-6), length={"distribution": "gamma", "mean": 5e-6,
                                                      "std": 0.0}, rng=1)
    assert np.allclose(fixed.lengths, 5e-6) and np.allclose(flat.lengths, 5e-6)


def test_deposit_disabled_while_a_field_is_invalid_and_reason_always_visible(qtbot, tmp_path):
    from nwn.app.widgets.studio import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "s.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(Document(), settings=settings)
    win.ask_unsaved = lambda: "discard"
    qtbot.addWidget(win)
    win.resize(1000, 700)  # narrow: a toolbar label would be in the overflow menu
    win.show()
    field = win.parameters.fields["n_wires"]
    _keys(field, "50000x")
    assert not win.deposit_button.isEnabled() and not win.run_button.isEnabled()
    assert win.run_reason.isVisible()
    assert win.run_reason.text() == "cannot deposit or run: wires must be a number " \
                                    "(got '50000x')"
    assert win.statusBar().isAncestorOf(win.run_reason)
    _enter(field, "400")
    assert win.deposit_button.isEnabled()
    assert "cannot deposit" not in win.run_reason.text()
    # the red bar shows a refusal until the next accepted edit
    win.show_error("something was refused")
    assert win.error_bar.isVisibleTo(win)
    _enter(win.parameters.fields["seed"], "3")
    assert not win.error_bar.isVisibleTo(win)  # old behaviour: it stayed
    win.close()


@pytest.mark.parametrize("bad", ["-1", "1e300"])
def test_every_field_refuses_in_its_own_words(panel, bad):
    # no key path (network., run., junction.), no SI metres, the field's own label first
    for key, field in list(panel.fields.items()):
        if not field.isVisible():
            continue
        label = panel.network_form.labelForField(field) or panel.run_form.labelForField(field) \
            or panel.junction_form.labelForField(field) \
            or panel.distribution_form.labelForField(field)
        words = label.text().split(" (")[0]
        _enter(field, bad)
        if field.error:
            assert field.error.startswith(words), (key, field.error)
            assert not any(path in field.error for path in ("network.", "run.", "junction.")), \
                (key, field.error)
            assert len(field.error) < 160, (key, field.error)
        _enter(field, "1")
        panel.document.replace(junction=panel.document.scenario.junction)
    assert all(not message.startswith("internal error") for message in panel.errors.values())
