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
