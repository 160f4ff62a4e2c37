"""Electrodes that short each other (issue #14, "wrong answers accepted silently"): shapes that
overlap are refused by ``nwn validate`` and ``nwn run`` from the scenario alone; a wire touching
a driven and a grounded electrode is refused when the network is built; both in one line naming
the two electrodes. What stays allowed: one potential described in pieces, and floating probes
sharing wires with anything (rules in nwn.engine.electrode_conflicts)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hostile_support import BASE

from nwn.engine.build import build_network_from, deposit_wires
from nwn.engine.scenario import parse_scenario
from nwn.geometry.checks import InputError

R_BOUNDS = "bounds = [45e-6, 0, 50e-6, 50e-6]"
GROUND = 'source = {kind = "ground"}'


def _with(*replacements: tuple[str, str]) -> str:
    text = BASE
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return text


#: Overlapping shapes: (case, replacements of the base scenario).
OVERLAPS = [
    ("R over most of the box (29 S before)", [(R_BOUNDS, "bounds = [2e-6, 0, 48e-6, 50e-6]")]),
    ("R identical to L (30 S before)", [(R_BOUNDS, "bounds = [0, 0, 5e-6, 50e-6]")]),
    ("R touching L along an edge", [(R_BOUNDS, "bounds = [5e-6, 0, 10e-6, 50e-6]")]),
    ("R a line crossing L", [('{type = "rectangle", ' + R_BOUNDS + "}",
                              '{type = "line", points = [[1e-6, 1e-6], [49e-6, 49e-6]]}')]),
    ("R a point contact on L's edge", [('{type = "rectangle", ' + R_BOUNDS + "}",
                                        '{type = "point", centre = [5.5e-6, 25e-6], '
                                        'radius = 1e-6}')]),
    ("a floating probe on L", [(GROUND, GROUND + '\n[[electrodes]]\nname = "P"\nshape = '
                                '{type = "point", centre = [3e-6, 25e-6], radius = 1e-6}\n'
                                'source = {kind = "floating"}')]),
    ("two voltages of different waveforms", [
        (GROUND, GROUND + '\n[[electrodes]]\nname = "P"\nshape = {type = "rectangle", '
         'bounds = [4e-6, 20e-6, 20e-6, 30e-6]}\nsource = {kind = "voltage", waveform = '
         '{kind = "dc", value = 2.0}}')]),
]


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case,replacements", OVERLAPS, ids=[c[0] for c in OVERLAPS])
def test_overlapping_electrodes_are_refused_naming_both(hostile, tmp_path, case, replacements,
                                                        command):
    text = _with(*replacements)
    (tmp_path / "s.toml").write_text(text)
    argv = [command, tmp_path / "s.toml"] + (["-o", tmp_path / "r.h5", "-q"]
                                               if command == "run" else [])
    code, line = hostile(argv)
    assert code == 2
    second = "'P'" if "name = \"P\"" in text else "'R'"
    assert "overlap" in line and "'L'" in line and second in line, line
    assert not (tmp_path / "r.h5").exists()


def test_the_overlap_is_refused_by_the_python_api_too():
    text = _with((R_BOUNDS, "bounds = [2e-6, 0, 48e-6, 50e-6]"))
    with pytest.raises(InputError, match=r"electrodes\[0\] 'L' \(voltage\) and electrodes\[1\] "
                                         r"'R' \(ground\) overlap"):
        parse_scenario(text)


#: R 1 um right of L: 7 um wires bridge the gap, none of the shapes overlap.
NEAR = _with((R_BOUNDS, "bounds = [6e-6, 0, 10e-6, 50e-6]"))


def _bridging_wires(text: str) -> list[int]:
    """Wires touching both L and R, found with shapely directly (the independent check)."""
    scenario = parse_scenario(text)
    wires = deposit_wires(scenario)
    lines = shapely.linestrings(wires.endpoints)
    left, right = (e.geometry() for e in scenario.electrodes[:2])
    both = shapely.intersects(lines, left) & shapely.intersects(lines, right)
    return np.flatnonzero(both).tolist()


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_wire_shorting_driven_and_grounded_electrodes_is_refused(hostile, tmp_path, command):
    bridging = _bridging_wires(NEAR)
    assert bridging  # the case is real: some wire touches both bars
    (tmp_path / "s.toml").write_text(NEAR)
    argv = [command, tmp_path / "s.toml"] + (["-o", tmp_path / "r.h5", "-q"]
                                               if command == "run" else [])
    code, line = hostile(argv)
    assert code == 2
    assert f"wire {bridging[0]} touches both electrodes[0] 'L' (voltage) and electrodes[1] " \
           f"'R' (ground)" in line, line


@pytest.mark.parametrize("case,text", [
    ("current source and ground", NEAR.replace(
        'source = {kind = "voltage", waveform = {kind = "dc", value = 1.0}}',
        'source = {kind = "current", waveform = {kind = "dc", value = 1e-6}}')),
    ("voltage behind a series resistance and ground", NEAR.replace(
        'source = {kind = "voltage",', 'source = {kind = "voltage", series_resistance = 100.0,')),
    ("two different voltages", NEAR.replace(
        GROUND, 'source = {kind = "voltage", waveform = {kind = "dc", value = 0.5}}')),
])
def test_other_differently_driven_pairs_sharing_a_wire_are_refused(case, text):
    with pytest.raises(InputError, match="touches both electrodes.* it shorts them"):
        build_network_from(parse_scenario(text))


#: What stays allowed: the same potential in pieces, a floating probe near a bar.
ALLOWED = [
    ("two grounded pieces overlapping", _with(
        (GROUND, GROUND + '\n[[electrodes]]\nname = "R2"\nshape = {type = "rectangle", '
         'bounds = [40e-6, 20e-6, 48e-6, 30e-6]}\nsource = {kind = "ground"}'))),
    ("two pieces on the same dc voltage overlapping", _with(
        (GROUND, GROUND + '\n[[electrodes]]\nname = "L2"\nshape = {type = "rectangle", '
         'bounds = [3e-6, 20e-6, 12e-6, 30e-6]}\nsource = {kind = "voltage", waveform = '
         '{kind = "dc", value = 1.0}}'))),
    ("a floating bar sharing wires with L", NEAR.replace(GROUND, 'source = {kind = "floating"}')
     + '[[electrodes]]\nname = "G"\nshape = '
     '{type = "rectangle", bounds = [45e-6, 0, 50e-6, 50e-6]}\nsource = {kind = "ground"}\n'),
    ("a grounded bar sharing wires with another ground", _with(
        (GROUND, GROUND + '\n[[electrodes]]\nname = "R2"\nshape = {type = "rectangle", '
         'bounds = [39e-6, 0, 44e-6, 50e-6]}\nsource = {kind = "ground"}'))),
]


@pytest.mark.parametrize("case,text", ALLOWED, ids=[c[0] for c in ALLOWED])
def test_one_potential_in_pieces_and_floating_probes_are_allowed(hostile, tmp_path, case, text):
    (tmp_path / "s.toml").write_text(text)
    code, _ = hostile(["validate", tmp_path / "s.toml"], codes=(0,))
    assert code == 0


def test_the_allowed_cases_really_share_shapes_or_wires():
    # so that the test above checks what it says: pieces overlap, or a wire touches both
    scenario = parse_scenario(ALLOWED[0][1])
    r, r2 = (e.geometry() for e in scenario.electrodes[1:3])
    assert r.intersects(r2)
    floating = parse_scenario(ALLOWED[2][1])
    wires = deposit_wires(floating)
    lines = shapely.linestrings(wires.endpoints)
    left, right = (e.geometry() for e in floating.electrodes[:2])
    assert np.any(shapely.intersects(lines, left) & shapely.intersects(lines, right))
    grounds = parse_scenario(ALLOWED[3][1])
    r, r2 = (e.geometry() for e in grounds.electrodes[1:3])
    assert not r.intersects(r2)
    assert np.any(shapely.intersects(lines, r) & shapely.intersects(lines, r2))


def test_the_studio_shows_the_same_lines(qtbot, tmp_path):
    from studio_support import deposit_now, open_window, rebuilt

    windows = open_window(qtbot, tmp_path)
    win = next(windows)
    try:
        deposit_now(qtbot, win)
        assert win.document.built is not None
        # a drag of 'right' onto 'left' is refused, the electrode stays where it was
        win._electrode_edited("right", {"type": "rectangle", "bounds": [2e-6, 0, 30e-6, 60e-6]})
        assert win.error_bar.text().startswith("electrodes[0] 'left' (voltage) and "
                                               "electrodes[1] 'right' (ground) overlap")
        assert win.document.scenario.electrode("right").shape["bounds"][0] == 56e-6
        # next to it, 1 um apart: wires bridge the gap and the network is not built
        win._electrode_edited("right", {"type": "rectangle", "bounds": [5e-6, 0, 9e-6, 60e-6]})
        rebuilt(qtbot, win)  # the edit's circuit graph is built in a worker thread
        assert win.document.built is None
        banner = win.canvas.banner.toPlainText()
        assert banner.startswith("not built: wire ") and "touches both electrodes[0] 'left' " \
            "(voltage) and electrodes[1] 'right' (ground)" in banner, banner
        assert any("touches both" in p for p in win.document.problems())
    finally:
        next(windows, None)
