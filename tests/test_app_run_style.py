"""How a run's state is styled (app.models.run_style), checked element by element against the
rule it implements, and the view applying a style made elsewhere only while it is current
(pytest-qt, offscreen)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from path_support import assert_shortest  # noqa: E402
from scenarios import two_terminal  # noqa: E402

from nwn.app.models.palette import COLOR_MODES  # noqa: E402
from nwn.app.models.run_style import (  # noqa: E402
    N_COLOR_BINS,
    N_WIDTHS,
    RunSettings,
    make_run_style,
)
from nwn.app.models.scene import ColorScale, NetworkScene, lowest_resistance_path  # noqa: E402
from nwn.engine.build import build_simulation  # noqa: E402
from nwn.engine.scenario import parse_scenario  # noqa: E402


@pytest.fixture(scope="module")
def run():
    scenario = parse_scenario(two_terminal(n_wires=250, duration=0.02, seed=5))
    simulation = build_simulation(scenario)
    snapshots = list(simulation.iter_run(0.02, snapshot_every=1))
    return scenario, simulation.network, NetworkScene(simulation.network), snapshots


def _wire_current(network, snapshot) -> np.ndarray:
    """Per wire, the largest node throughput (half the |I| of the node's edges), by loops."""
    through = np.zeros(network.n_nodes)
    for (a, b), current in zip(network.edge_nodes, np.nan_to_num(snapshot.edge_current),
                               strict=True):
        through[a] += 0.5 * abs(current)
        through[b] += 0.5 * abs(current)
    out = np.full(network.wires.endpoints.shape[0], np.nan)
    for node, wire in enumerate(network.node_wire):
        if wire >= 0:
            out[wire] = through[node] if np.isnan(out[wire]) else max(out[wire], through[node])
    return out


def _bin(value: float, scale: ColorScale) -> int:
    """The colour bin of one value, by the scale's definition (-1: no value)."""
    if not np.isfinite(value):
        return -1
    if scale.log:
        if value <= 0:
            return 0
        position = (np.log10(value) - np.log10(scale.low)) / (np.log10(scale.high)
                                                              - np.log10(scale.low))
    else:
        position = (value - scale.low) / (scale.high - scale.low)
    return min(max(int(position * scale.n_bins), 0), scale.n_bins - 1)


def _expected_groups(network, snapshot, settings):
    """Every wire's and junction's group, element by element."""
    mode = settings.mode
    edge = np.asarray(network.junction_edge)
    wire_current = _wire_current(network, snapshot)
    pairs = network.edge_nodes[edge]
    junction = {"state": snapshot.junction_state,
                "conductance": snapshot.junction_conductance,
                "current": np.abs(snapshot.edge_current[edge]),
                "voltage": 0.5 * (snapshot.node_voltage[pairs[:, 0]]
                                  + snapshot.node_voltage[pairs[:, 1]])}[mode]
    wire = {"current": wire_current,
            "voltage": np.array([snapshot.node_voltage[network.node_wire == w].mean()
                                 for w in range(len(wire_current))])}.get(mode)
    values = junction if wire is None else np.concatenate([wire, junction])
    scale = ColorScale.for_mode(values, mode, log=settings.use_log, n_bins=N_COLOR_BINS,
                                fixed=settings.fixed_scale)
    peak = np.nanmax(wire_current)
    wire_group = []
    for k, current in enumerate(wire_current):
        fraction = np.nan_to_num(current) / peak
        width = 0 if fraction < 0.02 else 1 if fraction < 0.2 else 2
        color = 0 if wire is None else _bin(wire[k], scale)
        n_colors = 1 if wire is None else N_COLOR_BINS
        wire_group.append(n_colors * N_WIDTHS if color < 0 else color * N_WIDTHS + width)
    junction_group = [N_COLOR_BINS if _bin(v, scale) < 0 else _bin(v, scale)
                      for v in junction]
    wire_group, junction_group = np.array(wire_group), np.array(junction_group)
    if settings.backbone is not None:
        total = np.nansum(snapshot.terminal_current[snapshot.terminal_current > 0])
        threshold = settings.backbone * total
        wire_group[~(np.nan_to_num(wire_current) > threshold)] = -1
        junction_group[~(np.nan_to_num(np.abs(snapshot.edge_current[edge])) > threshold)] = -1
    return scale, wire_group, junction_group


@pytest.mark.parametrize("mode", list(COLOR_MODES))
@pytest.mark.parametrize("log", [None, True, False])
@pytest.mark.parametrize("backbone", [None, 0.05])
def test_run_style_groups_follow_the_rule_for_every_element(run, mode, log, backbone):
    scenario, network, scene, snapshots = run
    snapshot = snapshots[-1]
    settings = RunSettings(mode=mode, log=log, backbone=backbone,
                           path_between=("left", "right"))
    style = make_run_style(scene, snapshot, settings)
    scale, wire_group, junction_group = _expected_groups(network, snapshot, settings)
    assert style.scale == scale
    np.testing.assert_array_equal(style.wire_group, wire_group)
    np.testing.assert_array_equal(style.junction_group, junction_group)
    assert style.n_wire_colors == (N_COLOR_BINS if mode in ("current", "voltage") else 1)
    assert not style.wire_group.flags.writeable and not style.junction_group.flags.writeable
    if backbone is not None:  # a backbone hides something and keeps something
        assert 0 < np.count_nonzero(style.wire_group >= 0) < scene.n_wires
    # the path: the lowest-resistance one under this state's conductances
    conductance = np.array(network.edge_conductance, dtype=np.float64)
    conductance[network.junction_edge] = snapshot.junction_conductance
    expected = lowest_resistance_path(network, conductance, "left", "right")
    assert expected.size > 0
    np.testing.assert_array_equal(style.path_edges, expected)
    np.testing.assert_array_equal(style.path_points, scene.path_points(expected))


def test_run_style_fixed_scale_and_no_path(run):
    _, network, scene, snapshots = run
    settings = RunSettings(mode="state", fixed_scale=(0.2, 0.7))
    style = make_run_style(scene, snapshots[-1], settings, path=False)
    assert (style.scale.low, style.scale.high) == (0.2, 0.7)
    _, wire_group, junction_group = _expected_groups(network, snapshots[-1], settings)
    np.testing.assert_array_equal(style.junction_group, junction_group)
    assert style.path_edges is None and style.path_points is None
    # no pair of electrodes asked for, or one not in the network: no path at all
    for between in (None, ("left", "nowhere"), ("left", "left")):
        style = make_run_style(scene, snapshots[-1], RunSettings(path_between=between))
        assert style.path_edges.size == 0


def test_run_style_reuses_the_previous_groups_when_equal(run):
    _, _, scene, snapshots = run
    settings = RunSettings(mode="state")
    first = make_run_style(scene, snapshots[-1], settings)
    again = make_run_style(scene, snapshots[-1], settings, previous=first)
    assert again.wire_group is first.wire_group
    assert again.junction_group is first.junction_group
    # another state: a group array that changed is its own, one that did not is reused
    current = RunSettings(mode="current")
    first = make_run_style(scene, snapshots[0], current)
    other = make_run_style(scene, snapshots[-1], current, previous=first)
    assert not np.array_equal(other.wire_group, first.wire_group)
    assert other.wire_group is not first.wire_group
    np.testing.assert_array_equal(other.wire_group,
                                  make_run_style(scene, snapshots[-1], current).wire_group)


def test_view_draws_the_style_and_refuses_a_stale_one(qtbot, run):
    from nwn.app.render.network_view import NetworkView

    scenario, network, scene, snapshots = run
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_network(network, scene=scene)
    view.set_view("current", log=None, backbone=None, path=("left", "right"))
    snapshot = snapshots[-1]
    style = make_run_style(scene, snapshot, view.run_settings())
    view.show_snapshot(snapshot, live=True, style=style)
    # applied as it is: the layers hold the style's own arrays, nothing was styled again
    assert view.wires._group is style.wire_group
    assert view.junctions._group is style.junction_group
    assert view.path_edges is style.path_edges and view.last_scale == style.scale
    assert view.path_layer.n_segments == len(style.path_points) - 1
    # made for other settings (the mode changed meanwhile): drawn for the view's settings
    stale = make_run_style(scene, snapshot, RunSettings(mode="state"))
    view.show_snapshot(snapshot, live=True, style=stale)
    assert view.wires._group is not stale.wire_group
    np.testing.assert_array_equal(view.wires._group, style.wire_group)
    assert view.last_scale == style.scale
    # made for another state: this one is drawn
    older = make_run_style(scene, snapshots[0], view.run_settings())
    view.show_snapshot(snapshot, style=older)
    assert view.junctions._group is not older.junction_group
    np.testing.assert_array_equal(view.junctions._group, style.junction_group)


# -- the studio: live frames are styled off the GUI thread ------------------------------------


@pytest.fixture
def window(qtbot, tmp_path):
    from studio_support import open_window

    from nwn.app.models.document import Document

    yield from open_window(qtbot, tmp_path, Document(parse_scenario(
        two_terminal(seed=3, n_wires=200, duration=0.4))))


def _record_styles(monkeypatch):
    """Every style made, with the name of the thread that made it."""
    import threading

    import nwn.app.render.network_view as network_view
    import nwn.app.widgets.studio as studio

    made = []

    def recording(*args, **kwargs):
        style = make_run_style(*args, **kwargs)
        made.append((threading.current_thread().name, style))
        return style

    monkeypatch.setattr(studio, "make_run_style", recording)
    monkeypatch.setattr(network_view, "make_run_style", recording)
    return made


def _record_applied(monkeypatch, win):
    """Every style the canvas applies, with whether a run was going then."""
    applied = []
    original = win.canvas.set_style

    def recording(style):
        applied.append((win.controller.busy, style))
        original(style)

    monkeypatch.setattr(win.canvas, "set_style", recording)
    return applied


def test_live_frames_draw_the_styles_made_in_the_styling_thread(qtbot, window, monkeypatch):
    from studio_support import deposit_now

    win = window
    deposit_now(qtbot, win)
    win.path_check.setChecked(True)  # left - right: the path goes with the style
    made = _record_styles(monkeypatch)
    applied = _record_applied(monkeypatch, win)
    win.paced.setChecked(True)
    win.steps_per_frame.setValue(1)
    assert win.run()
    qtbot.waitUntil(lambda: sum(busy for busy, _ in applied) >= 5, timeout=60_000)
    win.controller.pause()
    qtbot.waitUntil(lambda: not win.controller.busy, timeout=10_000)
    styled = {id(style): thread for thread, style in made}
    live = [style for busy, style in applied if busy]
    # every frame drawn during the run was styled in the styling thread, none on the GUI's
    # (the first state, drawn when the run was set up, is styled with the set-up)
    assert all(styled.get(id(style)) in ("nwn-run-style", "nwn-background") for style in live)
    assert sum(styled.get(id(style)) == "nwn-run-style" for style in live) >= 4
    assert not [s for thread, s in made if thread == "MainThread"
                and any(s.snapshot is style.snapshot for style in live)]
    assert any(style.path_edges is not None and style.path_edges.size for style in live)
    assert win.canvas.drawn_style.snapshot is win.canvas.snapshot


def test_a_live_style_made_for_old_settings_is_not_drawn(qtbot, window, monkeypatch):
    import threading

    from studio_support import deposit_now

    win = window
    deposit_now(qtbot, win)
    made = _record_styles(monkeypatch)
    win.paced.setChecked(True)
    win.steps_per_frame.setValue(1)
    # the styler is slow: the colour mode changes while a frame is being styled
    release, entered, original = threading.Event(), threading.Event(), win._make_style

    def held(request):
        entered.set()
        release.wait(10)
        return original(request)

    monkeypatch.setattr(win.styler, "_make", held)
    assert win.run()
    qtbot.waitUntil(entered.is_set, timeout=60_000)  # a state-mode frame is being styled
    applied = _record_applied(monkeypatch, win)
    win.color_mode.setCurrentText("voltage")  # styled for it in the styling thread
    release.set()
    qtbot.waitUntil(lambda: sum(busy and s.settings.mode == "voltage" and
                                any(s is m for t, m in made if t == "nwn-run-style")
                                for busy, s in applied) >= 2, timeout=30_000)
    win.controller.pause()
    qtbot.waitUntil(lambda: not win.controller.busy, timeout=10_000)
    # a style for state mode was made in the thread after the change, and never drawn
    assert any(t == "nwn-run-style" and s.settings.mode == "state" for t, s in made)
    assert all(s.settings.mode == "voltage" for _, s in applied)


# -- the compiled passes repeat numpy's expressions bit for bit --------------------------------


def _awkward(rng, n):
    """Values with every awkward case: NaN, +-inf, zeros of both signs, negatives, huge and
    tiny magnitudes, and values on bin edges."""
    values = rng.lognormal(-10, 4, n) * rng.choice([-1.0, 1.0], n, p=[0.2, 0.8])
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300, 5e-324, 0.25, 0.5, 1.0]
    values[rng.integers(0, n, 300)] = rng.choice(special, 300)
    return values


def test_style_kernels_match_the_numpy_expressions():
    from nwn.app.models import style_kernels as k

    rng = np.random.default_rng(11)
    n, n_nodes = 5000, 700
    current = _awkward(rng, n)
    a, b = rng.integers(0, n_nodes, n), rng.integers(0, n_nodes, n)
    magnitude = np.abs(np.nan_to_num(current))
    with np.errstate(over="ignore"):  # two 1e300 currents at one node
        expected = 0.5 * (np.bincount(a, magnitude, minlength=n_nodes)
                          + np.bincount(b, magnitude, minlength=n_nodes))
    np.testing.assert_array_equal(k.node_throughput(a, b, current, n_nodes), expected)
    # per-wire maximum, wires without nodes NaN
    node_values = _awkward(rng, n_nodes)
    wire_node = rng.permutation(n_nodes)[:600]
    wire_of_node = rng.integers(0, 250, 600)
    out = np.full(260, -np.inf)
    with np.errstate(invalid="ignore"):
        np.maximum.at(out, wire_of_node, node_values[wire_node])
    out[np.isinf(out)] = np.nan
    np.testing.assert_array_equal(k.per_wire_max(node_values, wire_node, wire_of_node, 260),
                                  out)
    np.testing.assert_array_equal(k.take_abs(current, a), np.abs(current[a]))
    np.testing.assert_array_equal(k.take_mean(current, a, b), 0.5 * (current[a] + current[b]))
    # ranges and bins, linear and log, against the expressions they replace
    second = _awkward(rng, 300)
    for positive in (False, True):
        both = np.concatenate([current, second])
        both = both[np.isfinite(both)]
        if positive:
            both = both[both > 0]
        assert k.finite_range(current, second, positive) == (both.size, both.min(),
                                                             both.max())
    assert k.finite_range(np.array([np.nan]), np.array([-1.0]), True) == (0, 0.0, 0.0)
    for log, low, high in ((False, -1e-3, 2e-3), (True, 1e-9, 1e-2), (False, 0.0, 1.0),
                           (False, -1e-290, 1e-290)):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if log:
                position = (np.log10(current) - np.log10(low)) / (np.log10(high)
                                                                  - np.log10(low))
                position[current <= 0] = 0.0
            else:
                position = (current - low) / (high - low)
            reference = np.full(n, -1, dtype=np.int64)
            finite = np.isfinite(position)
            reference[finite] = np.clip((position[finite] * 16).astype(np.int64), 0, 15)
        from nwn.app.models.scene import bin_values

        np.testing.assert_array_equal(bin_values(current, ColorScale(low, high, log, 16)),
                                      reference)


def test_group_kernels_match_the_numpy_expressions():
    from nwn.app.models import style_kernels as k

    rng = np.random.default_rng(12)
    wire_current = np.abs(_awkward(rng, 4000))
    wire_current[wire_current == np.inf] = 3.0  # a finite peak, and one wire at it
    color_bin = rng.integers(-1, 16, 4000)
    peak = float(np.nanmax(wire_current))
    junction_bin = rng.integers(-1, 16, 9000)
    junction_current = np.abs(_awkward(rng, 9000))
    for has_colors in (True, False):
        for backbone, threshold in ((False, 0.0), (True, 1e-6), (True, 0.0)):
            for p in (peak, 0.0, np.nan):
                fraction = (np.nan_to_num(wire_current) / p if p and np.isfinite(p)
                            else np.zeros_like(wire_current))
                width = np.digitize(fraction, (0.02, 0.2))
                bins = color_bin if has_colors else np.zeros(4000, dtype=np.int64)
                n_colors = 16 if has_colors else 1
                group = np.where(bins >= 0, np.maximum(bins, 0) * 3 + width, n_colors * 3)
                junction = np.where(junction_bin >= 0, junction_bin, 16)
                if backbone:
                    keep = (np.nan_to_num(wire_current) > threshold) if threshold > 0 else \
                        np.zeros(4000, bool)
                    group = np.where(keep, group, -1)
                    keep = (np.nan_to_num(junction_current) > threshold) if threshold > 0 \
                        else np.zeros(9000, bool)
                    junction = np.where(keep, junction, -1)
                made = k.wire_groups(wire_current, color_bin if has_colors else
                                     np.zeros(0, dtype=np.int64), has_colors, n_colors, p,
                                     0.02, 0.2, 3, backbone, threshold)
                np.testing.assert_array_equal(made, group)
                np.testing.assert_array_equal(
                    k.junction_groups(junction_bin, 16, backbone, junction_current, threshold),
                    junction)


def test_state_histogram_is_numpys(run):
    from nwn.app.models.run_style import STATE_BINS, state_histogram

    rng = np.random.default_rng(13)
    states = np.concatenate([rng.uniform(-0.1, 1.1, 20_000), np.linspace(0, 1, 21),
                             np.nextafter(np.linspace(0, 1, 21), -1),
                             [np.nan, np.inf, -np.inf, 1.0, 0.0]])
    counts, edges = state_histogram(states)
    expected, expected_edges = np.histogram(states[np.isfinite(states)], bins=STATE_BINS,
                                            range=(0.0, 1.0))
    np.testing.assert_array_equal(edges, expected_edges)
    np.testing.assert_array_equal(counts, expected)
    assert state_histogram(np.zeros(0))[0].sum() == 0
    # a live frame's style carries the snapshot's when asked
    _, _, scene, snapshots = run
    style = make_run_style(scene, snapshots[-1], RunSettings(), histogram=True)
    np.testing.assert_array_equal(style.state_histogram[0], np.histogram(
        snapshots[-1].junction_state, bins=STATE_BINS, range=(0.0, 1.0))[0])
    assert make_run_style(scene, snapshots[-1], RunSettings()).state_histogram is None


def test_the_first_state_of_a_run_is_styled_with_its_set_up(qtbot, window, monkeypatch):
    from studio_support import deposit_now

    win = window
    deposit_now(qtbot, win)
    win.color_mode.setCurrentText("current")
    made = _record_styles(monkeypatch)
    assert win._set_up_then()
    qtbot.waitUntil(lambda: not win.setup_job.busy and win.controller.simulation is not None,
                    timeout=60_000)
    qtbot.wait(300)  # frames pass: the initial state is drawn again, not styled again
    initial = win.controller.history[0]
    assert win.canvas.snapshot is initial and win.canvas.drawn_style.snapshot is initial
    threads = [thread for thread, style in made if style.snapshot is initial]
    assert threads == ["nwn-background"]
    assert win.canvas.drawn_style.settings.mode == "current"


def test_the_kept_edge_pairs_give_the_same_path_as_sorting_every_time(run):
    from nwn.app.models.scene import EdgePairs

    _, network, scene, snapshots = run
    rng = np.random.default_rng(14)
    base = scene.edge_conductance(snapshots[-1])
    n_edges = base.size
    for trial in range(12):
        conductance = base.copy()
        if trial % 3 == 1:  # ties everywhere: every junction alike (the path before a run)
            conductance[network.junction_edge] = 1e-6
        if trial % 3 == 2:  # few distinct values, some edges unusable
            conductance = rng.choice([1e-6, 2e-6, 0.0, np.nan, 1e-3], n_edges)
        for pair in (("left", "right"), ("right", "left")):
            # scipy's very edges where the path is unique (trial 0: continuous conductances);
            # with ties, a path as short as scipy's (the two break ties differently)
            assert_shortest(network, conductance, *pair,
                            lowest_resistance_path(network, conductance, *pair,
                                                   graph=scene.path_graph),
                            same_edges=trial % 3 == 0)
    # parallel edges between the same two nodes: the lightest (first on a tie) is taken
    pairs = EdgePairs.of(network)
    assert np.all(np.diff(pairs.key) >= 0)
    np.testing.assert_array_equal(np.sort(pairs.order), np.arange(n_edges))


def test_parallel_edges_keep_the_lightest_as_sorting_did():
    from nwn.geometry.network import Network

    rng = np.random.default_rng(15)
    n = 9
    edges = np.array([(int(i), int(j)) for i, j in rng.integers(0, n, (60, 2)) if i != j]
                     + [(0, 1), (1, 0), (1, 8), (8, 1)], dtype=np.int64)  # parallel both ways
    network = Network(mode="jda", n_nodes=n, edge_nodes=edges,
                      edge_kind=np.zeros(len(edges), np.int8),
                      edge_conductance=np.ones(len(edges)), junction_edge=np.arange(len(edges)),
                      edge_junction=np.arange(len(edges)), electrode_names=("a", "b"),
                      terminal_nodes=np.array([0, 8]), node_position=np.zeros((n, 2)),
                      node_wire=np.arange(n), component=np.zeros(n, np.int64))
    for _ in range(30):
        conductance = rng.choice([1.0, 2.0, 4.0, 0.0, np.nan], len(edges))
        assert_shortest(network, conductance, "a", "b",
                        lowest_resistance_path(network, conductance, "a", "b"),
                        same_edges=False)


def test_a_view_change_during_a_run_is_styled_in_the_styling_thread(qtbot, window,
                                                                   monkeypatch):
    from studio_support import deposit_now

    win = window
    deposit_now(qtbot, win)
    win.paced.setChecked(True)
    win.steps_per_frame.setValue(1)
    assert win.run()
    qtbot.waitUntil(lambda: win.canvas.drawn_style is not None and win.controller.busy
                    and win.canvas.snapshot is not win.controller.history[0], timeout=60_000)
    made = _record_styles(monkeypatch)
    win.path_check.setChecked(True)  # the path, and the colours by voltage
    win.color_mode.setCurrentText("voltage")
    qtbot.waitUntil(lambda: win.canvas.drawn_style.settings.mode == "voltage"
                    and win.canvas.drawn_style.settings.path_between is not None,
                    timeout=30_000)
    busy = win.controller.busy
    win.controller.pause()
    qtbot.waitUntil(lambda: not win.controller.busy, timeout=10_000)
    assert busy
    assert made and all(thread == "nwn-run-style" for thread, _ in made[:2])
    # the path came with the first style of the new settings (not only when next due)
    style = next(s for _, s in made if s.settings.path_between is not None)
    assert style.path_edges is not None and style.path_edges.size
