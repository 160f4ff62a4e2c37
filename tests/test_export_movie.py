"""Movies, figures and CSV exports of a small seeded run, read back independently."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import h5py  # noqa: E402
import imageio.v3 as iio  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scenarios import record_run, two_terminal  # noqa: E402

from nwn.app.cli.main import main  # noqa: E402
from nwn.app.render.export import read_csv, write_junction_table, write_traces_csv, write_wire_table  # noqa: E402,E501
from nwn.app.render.movie import (  # noqa: E402,E501
    ExportCancelled,
    MovieOptions,
    frame_schedule,
    movie_from_results,
    write_movie,
)
from nwn.engine.results import Results  # noqa: E402

SCENARIO = two_terminal(n_wires=160, length=7e-6, waveform='{kind = "dc", value = 5.0}',
                        model="filament", params="{n_max = 20}", duration=0.06)


@pytest.fixture(scope="module")
def results_path(tmp_path_factory):
    return record_run(tmp_path_factory.mktemp("run") / "run.h5", SCENARIO)


def test_snapshot_currents_obey_ohm_and_kirchhoff(results_path):
    with Results(results_path) as results:
        snapshot = results.snapshot_at(results.frame_times[-1])
        network = results.network
        with h5py.File(results_path) as file:
            voltage = file["nodes/voltage"][-1]
            g_junction = file["junctions/conductance"][-1]
        # Independent check: KCL at every free node (net current out of it is zero).
        current = np.nan_to_num(snapshot.edge_current)
        net = np.zeros(network.n_nodes)
        np.add.at(net, network.edge_nodes[:, 0], current)
        np.add.at(net, network.edge_nodes[:, 1], -current)
        free = np.ones(network.n_nodes, bool)
        free[network.terminal_nodes] = False
        scale = np.abs(current).max()
        assert np.abs(net[free]).max() < 1e-8 * scale
        # Terminal currents match the recorded ones (net current out of each terminal node).
        np.testing.assert_allclose(net[network.terminal_nodes], snapshot.terminal_current,
                                   rtol=1e-6, atol=1e-9 * scale)
        edge = network.junction_edge[0]
        a, b = network.edge_nodes[edge]
        assert snapshot.edge_current[edge] == pytest.approx(
            g_junction[0] * (voltage[a] - voltage[b]))


def test_mp4_has_expected_frames_and_changes(results_path, tmp_path):
    target = tmp_path / "run.mp4"
    movie_from_results(results_path, target, fps=10, size=(320, 240), speed=0.1,
                       trace="conductance")
    import imageio.v2 as iio2

    reader = iio2.get_reader(target)
    frames = [frame for frame in reader]
    reader.close()
    # 0.06 s at 0.1 s per movie second and 10 fps: a frame every 10 ms, 7 frames.
    assert len(frames) == 7
    assert frames[0].shape == (240, 320, 3)
    # Junctions grew: the network's picture (left part) changed between first and last.
    difference = np.abs(frames[-1].astype(int) - frames[0].astype(int))[:, :200].mean()
    assert difference > 1.0
    assert not list(tmp_path.glob(".run.*"))


def test_gif_reads_back(results_path, tmp_path):
    target = tmp_path / "run.gif"
    movie_from_results(results_path, target, fps=20, size=(200, 160), color="current")
    frames = iio.imread(target)
    with Results(results_path) as results:
        expected = len(results.frame_times)
    assert frames.shape[0] == expected
    assert frames.shape[1:3] == (160, 200)
    assert np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean() > 0.5


def test_frame_schedule_counts():
    times = np.linspace(0.0, 1.0, 101)
    schedule = frame_schedule(times, MovieOptions(fps=25, speed=0.5).checked())
    assert len(schedule) == 51 and schedule[-1] == pytest.approx(1.0)
    assert len(frame_schedule(times, MovieOptions(fps=5).checked())) == 50  # 10 s cap
    clipped = frame_schedule(times, MovieOptions(fps=10, speed=1, start=0.2, end=0.5).checked())
    np.testing.assert_allclose(clipped, [0.2, 0.3, 0.4, 0.5])


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_cancel_leaves_no_file(results_path, tmp_path, suffix):
    target = tmp_path / f"cancelled{suffix}"
    seen = []

    def cancel():
        return len(seen) >= 3

    with Results(results_path) as results, pytest.raises(ExportCancelled):
        write_movie(results, target, MovieOptions(fps=10, size=(160, 128)),
                    progress=lambda done, total: seen.append(done), cancel=cancel)
    assert seen == [1, 2, 3]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("options, fragment", [
    # each message names the option as typed (they said fps, size, end ... without the --)
    (["--fps", "0"], "--fps must be > 0 (got 0)"),
    (["--fps", "500"], "--fps must be in (0, 120]"),
    (["--color", "pressure"], "--color must be one of"),
    (["--size", "wide"], "--size must be WIDTHxHEIGHT"),
    (["--size", "32x240"], "--size width must be >= 64"),
    (["--size", "321x240"], "--size must have an even width and height"),
    (["--speed", "-1"], "--speed must be > 0"),
    (["--start", "-1"], "--start must be a time >= 0"),
    (["--start", "0.02", "--end", "0.01"], "--end must be later than --start (got --start"),
    (["--start", "100"], "--start must be within the recorded times"),
    (["--trace", "voltage"], "--trace must be one of"),
    (["-o", "m.avi"], "-o must end in .mp4 or .gif (got 'm.avi')"),
])
def test_bad_movie_options_exit_2_with_one_line(results_path, tmp_path, capsys, options,
                                                 fragment, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["movie", str(results_path), "-o", str(tmp_path / "m.mp4"), *options])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and fragment in err and err.startswith("nwn: error:"), err
    assert not (tmp_path / "m.mp4").exists()


@pytest.mark.parametrize("options, fragment", [
    (["--duration", "0"], "--duration must be > 0"),
    (["--until", "never"], "--until must be one of 'all', 'percolation'"),
])
def test_bad_deposition_movie_options_name_the_option(tmp_path, capsys, options, fragment):
    code = main(["movie", "--deposition", "two_terminal_pulse", "-o",
                 str(tmp_path / "m.gif"), *options])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "m.gif").exists()


def test_missing_results_file_exit_2(tmp_path, capsys):
    code = main(["movie", str(tmp_path / "nope.h5"), "-o", str(tmp_path / "m.mp4")])
    err = capsys.readouterr().err
    assert code == 2 and "does not exist" in err and err.count("\n") == 1


def test_plot_and_csv_exports_read_back(results_path, tmp_path):
    assert main(["plot", str(results_path), "-o", str(tmp_path / "fig.png"),
                 "--csv", str(tmp_path / "traces.csv")]) == 0
    image = iio.imread(tmp_path / "fig.png")
    assert image.shape[:2] == (900, 1000)
    assert main(["plot", str(results_path), "-o", str(tmp_path / "fig.svg"), "--log"]) == 0
    assert (tmp_path / "fig.svg").read_text().lstrip().startswith("<?xml")
    header, rows = read_csv(tmp_path / "traces.csv")
    with Results(results_path) as results:
        assert header == ["t_s", "V_left_V", "V_right_V", "I_left_A", "I_right_A", "G_S"]
        np.testing.assert_array_equal(rows[:, 0], results.t)
        np.testing.assert_array_equal(rows[:, 3], results.terminal_current[:, 0])
        np.testing.assert_array_equal(rows[:, 5], results.conductance)
        snapshot = results.snapshot_at(results.frame_times[-1])
        write_wire_table(tmp_path / "wires.csv", results.network, snapshot)
        write_junction_table(tmp_path / "junctions.csv", results.network, snapshot)
        header, wires = read_csv(tmp_path / "wires.csv")
        assert wires.shape == (len(results.network.wires), len(header))
        np.testing.assert_allclose(wires[:, 5], results.network.wires.lengths)
        header, junctions = read_csv(tmp_path / "junctions.csv")
        assert junctions.shape[0] == results.network.n_junctions
        np.testing.assert_array_equal(junctions[:, 6], snapshot.junction_conductance)
        # Ohm's law per junction row (junctions of unsolved clusters carry no current: NaN).
        solved = np.isfinite(junctions[:, 8])
        assert solved.sum() > 10
        np.testing.assert_allclose(junctions[solved, 8],
                                   junctions[solved, 6] * junctions[solved, 7], rtol=1e-9,
                                   atol=1e-15)
    with Results(results_path) as results:
        write_traces_csv(tmp_path / "again.csv", results)
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "traces.csv").read_bytes()


def test_deposition_movie_cli(tmp_path, capsys):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    target = tmp_path / "deposit.gif"
    assert main(["movie", "--deposition", str(scenario), "-o", str(target), "--fps", "5",
                 "--size", "160x128", "--duration", "2"]) == 0
    # Progress through the CLI's one progress bar (plain lines: stderr is not a terminal).
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"wrote {target}"
    assert all(line.startswith("rendering frames [") for line in err[:-1])
    assert 2 <= len(err) - 1 <= 11 and "100%  18/18  eta" in err[-2]
    frames = iio.imread(target)
    # 2 s at 5 fps of deposition, then 1.5 s held at the end.
    assert frames.shape[0] == 10 + 8
    assert np.abs(frames[9].astype(int) - frames[0].astype(int)).mean() > 0.5


def test_trace_panel_draws_up_to_the_present_only():
    from PySide6 import QtCore, QtGui

    from nwn.app.models.palette import trace_color
    from nwn.app.render.movie import _Trace, _TracePanel

    t = np.linspace(0.0, 1.0, 101)
    panel = _TracePanel(_Trace(t, [("G", 1e-3 * (1 + t))], "G", "S", False), (0.0, 1.0),
                        (300, 400))
    view = panel.plot.getViewBox()

    def series_columns(t_now):
        image = QtGui.QImage(300, 400, QtGui.QImage.Format.Format_RGB32)
        image.fill(QtGui.QColor(0, 0, 0))
        painter = QtGui.QPainter(image)
        panel.draw(painter, QtCore.QRectF(0, 0, 300, 400), t_now)
        painter.end()
        pixels = np.frombuffer(image.constBits(), np.uint8).reshape(400, 300, 4)[:, :, 2::-1]
        near = np.abs(pixels.astype(int) - trace_color(0)).max(axis=2) < 40
        return np.flatnonzero(near.any(axis=0))

    def x_of(time):
        return view.mapViewToScene(QtCore.QPointF(time, 1e-3)).x()

    half, full = series_columns(0.5), series_columns(1.0)
    assert half.size and full.size
    # The curve starts at t = 0 and stops at the present (plus the dot's radius).
    assert abs(half.min() - x_of(0.0)) <= 3 and abs(full.min() - x_of(0.0)) <= 3
    assert abs(half.max() - x_of(0.5)) <= 6
    assert full.max() > x_of(0.95)
    panel.close()


def test_log_axis_ticks():
    from nwn.app.render.movie import _log_ticks

    ticks, prefix = _log_ticks(-6.18, -2.82)
    assert prefix == "" and ticks == [(-6.0, "10⁻⁶"), (-5.0, "10⁻⁵"), (-4.0, "10⁻⁴"),
                                      (-3.0, "10⁻³")]
    ticks, prefix = _log_ticks(-12.5, 0.5)  # long axis: every few decades
    assert [label for _, label in ticks] == ["10⁻¹²", "10⁻⁹", "10⁻⁶", "10⁻³", "10⁰"]
    # Under a decade (2.55 to 2.93 mS): round values in mS, placed at their logarithm.
    ticks, prefix = _log_ticks(np.log10(2.55e-3), np.log10(2.93e-3))
    assert prefix == "m" and [label for _, label in ticks] == ["2.6", "2.7", "2.8", "2.9"]
    np.testing.assert_allclose([position for position, _ in ticks],
                               np.log10([2.6e-3, 2.7e-3, 2.8e-3, 2.9e-3]))
