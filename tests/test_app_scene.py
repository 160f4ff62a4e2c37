"""Qt-free display logic of the studio: binning, lowest-resistance path, deposition replay,
layout presets, bounded snapshot history."""

import itertools

import numpy as np
import pytest
import shapely

from nwn.app.models.layouts import LAYOUTS, make_layout
from nwn.app.models.scene import ColorScale, bin_values, lowest_resistance_path
from nwn.geometry import point_contact
from nwn.geometry.network import Network
from nwn.geometry.wires import Wires


def _graph_network(edges, n_nodes, terminals, names=("a", "b")):
    edges = np.asarray(edges, dtype=np.int64)
    return Network(mode="jda", n_nodes=n_nodes, edge_nodes=edges,
                   edge_kind=np.zeros(len(edges), np.int8),
                   edge_conductance=np.ones(len(edges)), junction_edge=np.arange(len(edges)),
                   edge_junction=np.arange(len(edges)), electrode_names=tuple(names),
                   terminal_nodes=np.asarray(terminals), node_position=np.zeros((n_nodes, 2)),
                   node_wire=np.arange(n_nodes), component=np.zeros(n_nodes, np.int64))


def test_bin_values_linear_log_and_nan():
    scale = ColorScale(0.0, 1.0, False, 4)
    assert bin_values(np.array([0.0, 0.24, 0.26, 0.99, 1.0, np.nan]), scale).tolist() == \
        [0, 0, 1, 3, 3, -1]
    log = ColorScale(1e-6, 1e-2, True, 4)
    assert bin_values(np.array([1e-7, 1e-6, 1e-5, 1e-3, 1e-2, 0.0]), log).tolist() == \
        [0, 0, 1, 3, 3, 0]


def test_lowest_resistance_path_matches_brute_force():
    rng = np.random.default_rng(3)
    n = 7
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5]
    edges += [(0, 1), (1, 6)]
    network = _graph_network(edges, n, [0, 6])
    conductance = rng.uniform(0.1, 10.0, len(edges))
    path = lowest_resistance_path(network, conductance, "a", "b")
    # brute force: every simple path from node 0 to node 6 over the edge list
    best = np.inf
    for length in range(1, n):
        for chain in itertools.permutations(range(1, 6), length - 1):
            nodes = (0, *chain, 6)
            total = 0.0
            for u, v in itertools.pairwise(nodes):
                options = [1 / conductance[k] for k, e in enumerate(edges) if set(e) == {u, v}]
                if not options:
                    break
                total += min(options)
            else:
                best = min(best, total)
    assert np.isclose(np.sum(1 / conductance[path]), best)
    walk = {0}
    for edge in path:  # the edges chain from terminal a to terminal b
        a, b = edges[edge]
        assert a in walk or b in walk
        walk |= {a, b}
    assert 6 in walk


def test_lowest_resistance_path_empty_when_disconnected():
    network = _graph_network([(0, 1), (2, 3)], 4, [0, 3])
    assert lowest_resistance_path(network, np.ones(2), "a", "b").size == 0


@pytest.mark.parametrize("kind", LAYOUTS)
def test_layouts_fit_in_box_and_are_runnable(kind):
    box = (100e-6, 80e-6)
    electrodes = make_layout(kind, box, n=6)
    roles = [e.source.kind for e in electrodes]
    assert roles[0] == "voltage" and roles[-1] == "ground"
    outline = shapely.box(0, 0, *box)
    for electrode in electrodes:
        assert outline.buffer(1e-12).contains(electrode.geometry())
    shapes = [e.geometry() for e in electrodes]
    for a, b in itertools.combinations(shapes, 2):
        assert not a.intersects(b)


def test_layout_refuses_pads_that_do_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        make_layout("row", (50e-6, 50e-6), n=20, size=5e-6, pitch=6e-6)


def test_snapshot_history_stays_bounded_and_spans_the_run():
    from types import SimpleNamespace

    from nwn.app.widgets.worker import SnapshotHistory

    def snap(t):
        zero = np.zeros(100)
        return SimpleNamespace(t=t, node_voltage=zero, edge_current=zero,
                               terminal_current=zero, terminal_voltage=zero,
                               junction_conductance=zero, junction_state=zero,
                               junction_voltage=zero)

    history = SnapshotHistory(budget_bytes=7 * 800 * 20)
    for k in range(1000):
        history.append(snap(float(k)))
    assert 10 <= len(history) <= 20
    times = history.times()
    assert times[0] == 0.0 and times[-1] > 900
    assert np.all(np.diff(times) > 0)


def test_wires_touching_helpers_agree_with_shapely():
    wires = Wires.from_endpoints([[[0, 0], [2, 2]], [[5, 5], [6, 6]]])
    from nwn.geometry.shapes import shape_geometry

    geometry = shape_geometry({"type": "point", "centre": [1.0, 1.0], "radius": 0.1})
    assert shapely.intersects(wires.geometries(), geometry).tolist() == [True, False]


def test_layout_shapes_come_back_from_geometry_shapes():
    from nwn.engine.scenario import ElectrodeSpec
    from nwn.geometry.shapes import shape_dict

    disc = point_contact("p", 3e-6, 4e-6, 1.5e-6)
    assert shape_dict(disc.shape) == {"type": "point", "centre": [3e-6, 4e-6],
                                      "radius": pytest.approx(1.5e-6, rel=1e-12)}
    box = shapely.box(1e-6, 2e-6, 5e-6, 9e-6)
    assert shape_dict(box) == {"type": "rectangle", "bounds": [1e-6, 2e-6, 5e-6, 9e-6]}
    triangle = shapely.Polygon([(0, 0), (4e-6, 0), (0, 3e-6)])
    back = ElectrodeSpec("t", shape_dict(triangle)).geometry()
    assert back.equals(triangle)
    line = shapely.LineString([(0, 0), (1e-6, 2e-6)])
    assert shape_dict(line) == {"type": "line", "points": [[0.0, 0.0], [1e-6, 2e-6]]}


def test_inline_toml_round_trips_waveforms():
    import tomllib

    from nwn.app.widgets.panels.electrodes import parse_waveform, waveform_text

    waveform = {"kind": "sequence", "steps": [{"kind": "pulse", "amplitude": 2.0,
                                                "width": 1e-3, "period": 5e-3}],
                "label": 'a "quoted"\\path', "flag": True, "n": 3}
    text = waveform_text(waveform)
    assert tomllib.loads(f"w = {text}")["w"] == waveform
    dc = {"kind": "dc", "value": 1 / 3}  # every bit of a value that is not float noise
    assert parse_waveform(waveform_text(dc)) == dc
    # Float noise is not written (0.1 + 0.2 is 0.30000000000000004), and text reads back to
    # the same text.
    noisy = waveform_text({"kind": "dc", "value": 0.1 + 0.2})
    assert noisy == '{kind = "dc", value = 0.3}'
    assert waveform_text(parse_waveform(noisy)) == noisy
    assert waveform_text(None) == ""


def test_document_deposits_the_wires_nwn_run_simulates():
    from nwn.app.models.document import Document
    from nwn.engine.build import build_network_from, build_simulation
    from nwn.engine.scenario import load_scenario
    from nwn.resources import preset_path

    scenario = load_scenario(preset_path("two_terminal_pulse"))
    document = Document(scenario)
    document.deposit_all()
    headless = build_network_from(scenario)
    assert np.array_equal(document.wires.endpoints, headless.wires.endpoints)
    assert np.array_equal(document.junctions.pairs, headless.junctions.pairs)
    assert np.array_equal(document.built.network.edge_nodes, headless.network.edge_nodes)
    # the simulation the studio builds steps exactly like the headless one
    ours = build_simulation(scenario, built=document.built)
    theirs = build_simulation(scenario)
    for _ in range(3):
        ours.step()
        theirs.step()
    assert np.array_equal(ours.snapshot().junction_state, theirs.snapshot().junction_state)


def test_colour_scale_bounds_are_round_and_cover_the_data():
    values = np.array([3.3e-7, 2e-5, 4.2e-3])
    log = ColorScale.fit(values, log=True, n_bins=8)
    assert log.low <= 3.3e-7 and log.high >= 4.2e-3
    assert 4 * np.log10(log.high) == pytest.approx(round(4 * np.log10(log.high)))
    linear = ColorScale.fit(np.array([0.13, 0.61, 0.97]), log=False, n_bins=8)
    assert (linear.low, linear.high) == pytest.approx((0.1, 1.0))
    # A small drift of the data leaves the scale unchanged.
    assert ColorScale.fit(values * 1.01, log=True, n_bins=8) == log
