"""Electrode labels stay inside the canvas: a label grows from its contact towards the box's
interior, so the right-hand contact's name is not cut off at the view's right edge (the
``drain`` label of ``two_terminal_pulse`` was, in a 1280x800 window)."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PRESETS = ["two_terminal_pulse", "pad_array", "sheet_resistance_mnr", "decay_hp_network"]


@pytest.mark.parametrize("size", [(450, 670), (900, 380)], ids=["tall", "wide"])
@pytest.mark.parametrize("preset", PRESETS)
def test_labels_lie_inside_the_view(qapp, preset, size):
    from nwn.app.render.network_view import NetworkView
    from nwn.engine.scenario import load_scenario
    from nwn.resources import preset_path

    scenario = load_scenario(preset_path(preset))
    view = NetworkView()
    view.resize(*size)
    view.show()
    view.set_box(scenario.network.box)
    view.set_electrodes(scenario.electrodes, flagged=[scenario.electrodes[-1].name])
    qapp.processEvents()
    box = view.view.sceneBoundingRect()
    assert len(view._labels) == len(scenario.electrodes)
    for label, _ in view._labels:
        rect = label.sceneBoundingRect()
        assert rect.width() > 10  # laid out: the text has its size
        assert box.contains(rect), (label.toPlainText(), rect, box)
    view.close()


def test_labels_set_before_the_box_move_when_it_is_set(qapp):
    # the studio may show a document's electrodes before its network frames the box
    from nwn.app.render.network_view import NetworkView
    from nwn.engine.scenario import load_scenario
    from nwn.resources import preset_path

    scenario = load_scenario(preset_path("two_terminal_pulse"))
    view = NetworkView()
    view.resize(450, 670)
    view.show()
    view.set_electrodes(scenario.electrodes)
    view.set_box(scenario.network.box)
    qapp.processEvents()
    box = view.view.sceneBoundingRect()
    for label, _ in view._labels:
        assert box.contains(label.sceneBoundingRect()), label.toPlainText()
    view.close()
