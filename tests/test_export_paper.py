"""Exports fit for a paper: one colour scale per movie, small GIFs, the movie dialog's
defaults, PNG size and resolution without editing handles, SVGs that render like the PNGs."""

import dataclasses
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import imageio.v3 as iio  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scenarios import two_terminal  # noqa: E402

from nwn.app.render.movie import (  # noqa: E402
    MovieOptions,
    SnapshotSource,
    frame_schedule,
    movie_color_scale,
    write_movie,
)
from nwn.engine.build import build_simulation  # noqa: E402
from nwn.engine.scenario import parse_scenario  # noqa: E402

SCENARIO = two_terminal(seed=5, n_wires=150, length=7e-6,
                        waveform='{kind = "dc", value = 5.0}', dt=1e-2, duration=0.1)


@pytest.fixture(scope="module")
def run():
    scenario = parse_scenario(SCENARIO)
    simulation = build_simulation(scenario)
    snapshots = []
    for _ in range(6):
        simulation.run(scenario.run.dt)
        snapshots.append(simulation.snapshot())
    return scenario, simulation.network, snapshots


def _scaled(snapshot, factor, t):
    """The same junction states driven ``factor`` times as hard: at fixed conductances every
    voltage and current scales with the drive (Ohm and Kirchhoff are linear)."""
    return dataclasses.replace(
        snapshot, t=t, node_voltage=snapshot.node_voltage * factor,
        edge_current=snapshot.edge_current * factor,
        terminal_current=snapshot.terminal_current * factor,
        terminal_voltage=snapshot.terminal_voltage * factor,
        junction_voltage=snapshot.junction_voltage * factor)


def _source(run, snapshots):
    scenario, network, _ = run
    return SnapshotSource(network, scenario.electrodes, scenario.network.box, snapshots)


def _network_pixels(frame):
    """The network's part of a frame (left of the colour bar) as float RGB."""
    return frame[:, : int(0.7 * frame.shape[1]), :3].astype(np.float64)


def test_a_movie_keeps_one_colour_scale_so_a_pulse_and_a_read_differ(run, tmp_path):
    _, _, snapshots = run
    pulse = _scaled(snapshots[-1], 1.0, 0.0)  # 5 V
    read = _scaled(snapshots[-1], 1e-3, 0.01)  # 5 mV, the same film
    source = _source(run, [pulse, read])
    options = MovieOptions(color="current", size=(320, 240), fps=100, speed=1.0,
                           show_time=False, show_names=False, show_scale_bar=False)
    times = frame_schedule(source.frame_times, options.checked(fmt="gif"))
    low, high = movie_color_scale(source, times, options)
    current = np.abs(pulse.edge_current)
    assert high >= current.max() and low <= 1e-3 * current.max()
    target = tmp_path / "pulse_read.gif"
    write_movie(source, target, options)
    frames = iio.imread(target)
    assert len(frames) == 2
    bright_pulse = _network_pixels(frames[0]).mean()
    bright_read = _network_pixels(frames[-1]).mean()
    # inferno: small currents are dark. Re-fitting the scale per frame drew both alike.
    assert bright_read < 0.8 * bright_pulse, (bright_pulse, bright_read)
    # A user-fixed range is kept as given: everything above it saturates.
    fixed = MovieOptions(color="current", size=(320, 240), fps=100, speed=1.0,
                         show_time=False, scale=(1e-12, 1e-9))
    assert movie_color_scale(source, times, fixed) == (1e-12, 1e-9)
    with pytest.raises(ValueError, match="scale must have finite low < high"):
        MovieOptions(scale=(1.0, 0.5)).checked()
    with pytest.raises(ValueError, match="logarithmic colour scale must be > 0"):
        MovieOptions(color="current", scale=(0.0, 1.0)).checked()


def test_gif_uses_one_palette_and_frame_differences(run, tmp_path):
    # 3 s of 720p in at most 3 MB is 0.036 bytes per pixel per frame; the per-frame-palette
    # GIF of that movie was 8.4 MB (0.10 B/px/frame). A smaller movie of the same kind here.
    _, _, snapshots = run
    frames = [_scaled(snapshots[k % len(snapshots)], 1.0, 0.01 * k) for k in range(24)]
    source = _source(run, frames)
    options = MovieOptions(color="current", size=(640, 360), fps=24, speed=0.24,
                           trace=None)
    target = tmp_path / "run.gif"
    write_movie(source, target, options)
    read = iio.imread(target)
    assert read.shape[:3] == (24, 360, 640)
    size = target.stat().st_size
    assert size <= 0.036 * 24 * 640 * 360, size
    # Frames still show the network (many colours), the same as the MP4's frames would.
    assert len(np.unique(read[5].reshape(-1, 3), axis=0)) > 30
    assert [p.name for p in tmp_path.iterdir()] == ["run.gif"]  # no temporary files left


def test_movie_dialog_defaults_to_what_the_canvas_shows(run, qtbot, tmp_path):
    from nwn.app.widgets.export_dialog import ExportDialog

    _, _, snapshots = run
    source = _source(run, snapshots)
    dialog = ExportDialog(source, view={"color": "voltage", "log": True})
    qtbot.addWidget(dialog)
    assert dialog.color.currentText() == "voltage" and dialog.log.isChecked()
    options = dialog.options()
    assert options.color == "voltage" and options.log is True and options.scale is None
    dialog.scale_auto.setChecked(False)
    dialog.scale_low.setText("0.5")
    dialog.scale_high.setText("4")
    assert dialog.options().scale == (0.5, 4.0)
    dialog.scale_high.setText("lots")
    with pytest.raises(ValueError, match="colour range must be two numbers"):
        dialog.options()
    # An existing file is replaced only when the user says so.
    existing = tmp_path / "keep.gif"
    existing.write_bytes(b"old")
    asked = []
    dialog.confirm = lambda paths: asked.append(paths) or False
    dialog.path.setText(str(existing))
    dialog.start()
    assert asked == [[existing]] and dialog.job is None and existing.read_bytes() == b"old"
    plain = ExportDialog(source)
    qtbot.addWidget(plain)
    assert plain.color.currentText() == "state" and not plain.log.isChecked()


# -- PNG and SVG figures ------------------------------------------------------------------------

G_PEN = (0, 255, 140)  # the live G(t) curve's colour


def _render_svg_qt(path, size):
    from PySide6 import QtGui, QtSvg

    renderer = QtSvg.QSvgRenderer(str(path))
    assert renderer.isValid()
    image = QtGui.QImage(size[0], size[1], QtGui.QImage.Format.Format_RGBX8888)
    image.fill(QtGui.QColor(0, 0, 0))
    painter = QtGui.QPainter(image)
    renderer.render(painter)
    painter.end()
    # A copy: the array must not outlive the QImage's memory.
    return np.frombuffer(image.constBits(), np.uint8).reshape(size[1], size[0], 4)[:, :, :3].copy()


def _render_svg_cairo(path, size):
    import io

    try:  # the second, independent renderer (cairo); a test dependency
        import cairosvg
    except (ImportError, OSError) as error:  # OSError: no libcairo on this system
        pytest.skip(f"cairosvg unavailable: {error}")
    from PIL import Image

    png = cairosvg.svg2png(url=str(path), output_width=size[0], output_height=size[1],
                           background_color="black")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _near(pixels, rgb, tolerance=60):
    return np.abs(pixels.astype(int) - rgb).max(axis=2) < tolerance


@pytest.fixture
def plots(qtbot):
    from nwn.app.widgets.panels.plots import PlotsPanel

    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 640)
    panel.show()
    panel.set_electrodes(["a", "b"])
    t = np.linspace(0.0, 2.0, 401)
    panel.update_traces({
        "t": t, "terminal_current": np.c_[np.sin(t), np.cos(t)] * 1e-3,
        "terminal_voltage": np.c_[t, 0 * t],
        "conductance": 1e-3 * np.exp(-((t - 0.6) / 0.1) ** 2) + 1e-4})
    qtbot.wait(50)
    return panel


def test_plot_png_is_a_journal_column_at_300_dpi(plots, tmp_path):
    from PIL import Image

    from nwn.app.render.export import FigureSize, save_plot

    target = save_plot(plots.conductance_plot, tmp_path / "g.png")
    image = Image.open(target)
    assert image.width == round(89 / 25.4 * 300) == 1051
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)
    small = save_plot(plots.conductance_plot, tmp_path / "g2.png",
                      figure=FigureSize(width_mm=40, dpi=600))
    assert Image.open(small).width == round(40 / 25.4 * 600)
    with pytest.raises(ValueError, match="figure resolution must be 50-2400 dpi"):
        save_plot(plots.conductance_plot, tmp_path / "g3.png", figure=FigureSize(dpi=10))


def test_plot_svg_lines_up_with_the_png_in_two_renderers(plots, tmp_path):
    from nwn.app.render.export import save_plot

    png = iio.imread(save_plot(plots.conductance_plot, tmp_path / "g.png"))[:, :, :3]
    svg = save_plot(plots.conductance_plot, tmp_path / "g.svg")
    size = (png.shape[1], png.shape[0])
    reference = _near(png, G_PEN)
    columns = np.flatnonzero(reference.any(axis=0))

    def bottom_axis(image):
        """(row, first column, last column) of the longest grey line: the time axis."""
        grey = _near(image, (150, 150, 150), 40)
        row = int(np.argmax(grey.sum(axis=1)))
        line = np.flatnonzero(grey[row])
        return row, line.min(), line.max()

    axis = bottom_axis(png)
    peak = np.argmin(np.where(reference.any(axis=0), reference.argmax(axis=0), 10**6))
    for render in (_render_svg_qt, _render_svg_cairo):
        drawn = _near(render(svg, size), G_PEN)
        assert drawn.mean() < 0.05, render.__name__  # a curve, not a solid block
        got = np.flatnonzero(drawn.any(axis=0))
        # Same start and end (the curve stops at the axis), same peak (t = 0.6 s), within
        # 1 % of the width.
        tolerance = 0.01 * size[0]
        assert abs(got.min() - columns.min()) <= tolerance, render.__name__
        assert abs(got.max() - columns.max()) <= tolerance, render.__name__
        got_peak = np.argmin(np.where(drawn.any(axis=0), drawn.argmax(axis=0), 10**6))
        assert abs(got_peak - peak) <= tolerance, render.__name__
        # ...and the axes where the PNG has them (they were drawn at 3/4 size: 72 / 96 dpi).
        got_axis = bottom_axis(render(svg, size))
        assert np.abs(np.subtract(got_axis, axis)).max() <= tolerance, (render.__name__,
                                                                      got_axis, axis)
    # The plot's own data only: none of the current or voltage traces' colours.
    from nwn.app.models.palette import trace_color

    text = svg.read_text()
    for k in range(2):
        assert "#{:02x}{:02x}{:02x}".format(*trace_color(k)) not in text
    current = save_plot(plots.current_plot, tmp_path / "i.svg").read_text()
    assert "#{:02x}{:02x}{:02x}".format(*trace_color(0)) in current and "#00ff8c" not in current
    assert svg.read_text().count("<polyline") < current.count("<polyline")


@pytest.fixture
def canvas(run, qtbot):
    from nwn.app.widgets.canvas import NetworkCanvas

    scenario, network, snapshots = run
    view = NetworkCanvas()
    qtbot.addWidget(view)
    view.resize(520, 400)
    view.show()
    view.set_network(network)
    view.set_electrodes(scenario.electrodes)
    view.set_color_mode("current")
    view.show_snapshot(snapshots[-1])
    qtbot.wait(50)
    return view


def test_canvas_png_has_no_editing_handles(canvas, qtbot, tmp_path):
    from nwn.app.render.export import save_canvas

    canvas.set_editable(True)  # the select tool: electrodes get move/resize handles
    qtbot.waitUntil(lambda: len(canvas._rois) == 2)
    rois = list(canvas._rois.values())
    assert all(roi.isVisible() for roi in rois)
    with_rois = iio.imread(save_canvas(canvas, tmp_path / "a.png"))
    assert all(roi.isVisible() for roi in rois)  # back on screen afterwards
    for roi in rois:
        roi.setVisible(False)
    without = iio.imread(save_canvas(canvas, tmp_path / "b.png"))
    assert with_rois.shape[1] == 1051
    np.testing.assert_array_equal(with_rois, without)


def test_canvas_svg_colour_bar_lines_up_with_the_png(canvas, tmp_path):
    from nwn.app.render.export import save_canvas

    png = iio.imread(save_canvas(canvas, tmp_path / "c.png"))[:, :, :3]
    svg = save_canvas(canvas, tmp_path / "c.svg")
    size = (png.shape[1], png.shape[0])
    # The colour bar: the right 12 % of the figure (gradient, ticks, labels; no wires).
    bar = slice(int(0.84 * size[0]), size[0])
    for render in (_render_svg_qt, _render_svg_cairo):
        drawn = render(svg, size)
        difference = np.abs(drawn[:, bar].astype(int) - png[:, bar].astype(int)).mean()
        assert difference < 6, (render.__name__, difference)
        # The ticks and their labels at the same heights (they were at 3/4: 72 / 96 dpi).
        rows = [_near(image[:, bar], (150, 150, 150), 50).sum(axis=1).astype(float)
                for image in (png, drawn)]
        assert np.corrcoef(*rows)[0, 1] > 0.8, (render.__name__, np.corrcoef(*rows)[0, 1])
        # The gradient: the column of the bar that changes most from top to bottom; the
        # same profile in the SVG as in the PNG.
        column = bar.start + int(np.argmax(png[:, bar].astype(float).sum(axis=2).std(axis=0)))
        expected = png[:, column].astype(float).sum(axis=1)
        got = drawn[:, column].astype(float).sum(axis=1)
        assert expected[: size[1] // 3].mean() > expected[-size[1] // 3:].mean()  # bright on top
        assert np.corrcoef(expected, got)[0, 1] > 0.95, render.__name__
