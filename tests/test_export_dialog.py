"""The export dialog exports without blocking, cancels cleanly, and the menu actions work."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import imageio.v3 as iio  # noqa: E402
import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6 import QtWidgets  # noqa: E402
from scenarios import two_terminal  # noqa: E402

from nwn.app.render.export import read_csv  # noqa: E402
from nwn.app.render.movie import SnapshotSource  # noqa: E402
from nwn.app.widgets.canvas import NetworkCanvas  # noqa: E402
from nwn.app.widgets.export_dialog import ExportDialog, install_export_actions  # noqa: E402
from nwn.engine.build import build_simulation  # noqa: E402
from nwn.engine.scenario import parse_scenario  # noqa: E402

SCENARIO = two_terminal(seed=5, n_wires=150, length=7e-6,
                        waveform='{kind = "dc", value = 5.0}', dt=1e-2, duration=0.1)


def snapshot_source():
    scenario = parse_scenario(SCENARIO)
    simulation = build_simulation(scenario)
    snapshots = []
    for _ in range(8):
        simulation.run(scenario.run.dt)
        snapshots.append(simulation.snapshot())
    t = np.array([s.t for s in snapshots])
    return SnapshotSource(simulation.network, scenario.electrodes, scenario.network.box,
                          snapshots, trace_t=t,
                          terminal_current=np.array([s.terminal_current for s in snapshots]),
                          terminal_voltage=np.array([s.terminal_voltage for s in snapshots]),
                          conductance=np.array([s.conductance for s in snapshots]))


def test_dialog_exports_and_cancels(qtbot, tmp_path):
    source = snapshot_source()
    dialog = ExportDialog(source)
    qtbot.addWidget(dialog)
    dialog.size.setCurrentText("160x128")
    dialog.fps.setValue(10)
    dialog.trace.setCurrentText("conductance")
    target = tmp_path / "m.gif"
    dialog.path.setText(str(target))
    dialog.start()
    with qtbot.waitSignal(dialog.job.finished, timeout=20000):
        pass
    assert iio.imread(target).shape == (8, 128, 160, 3)
    # Cancel after two frames: nothing under the target name, no partial file left.
    cancelled = tmp_path / "c.mp4"
    dialog.path.setText(str(cancelled))
    dialog.start()
    job = dialog.job
    job.progress.connect(lambda done, total: job.cancel() if done == 2 else None)
    with qtbot.waitSignal(job.failed, timeout=20000) as blocker:
        pass
    assert blocker.args == ["cancelled"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.gif"]
    # Bad options: one line in the dialog, no job.
    dialog.size.setCurrentText("big")
    dialog.start()
    assert "size" in dialog.message.text()


def test_menu_actions_write_files(qtbot, tmp_path):
    source = snapshot_source()
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    canvas = NetworkCanvas()
    canvas.set_network(source.network)
    canvas.show_snapshot(source.snapshot_at(source.frame_times[-1]))
    window.setCentralWidget(canvas)
    plot = pg.PlotWidget()
    plot.plot(source.t, source.conductance)
    answers = iter([str(tmp_path / "net.png"), str(tmp_path / "p.svg"),
                    str(tmp_path / "traces.csv"), str(tmp_path / "state.csv")])
    actions = install_export_actions(
        window, canvas=lambda: canvas, plots=lambda: {"G": plot},
        movie_source=lambda: source, traces=lambda: source,
        final_state=lambda: (source.network, source.snapshot_at(source.frame_times[-1])),
        ask_path=lambda *args: next(answers))
    for key in ("canvas", "plots", "traces", "tables"):
        actions[key].trigger()
    assert iio.imread(tmp_path / "net.png").shape[2] in (3, 4)
    assert (tmp_path / "p_G.svg").read_text().lstrip().startswith("<?xml")
    header, rows = read_csv(tmp_path / "traces.csv")
    np.testing.assert_array_equal(rows[:, 0], source.t)
    _, junctions = read_csv(tmp_path / "state_junctions.csv")
    assert junctions.shape[0] == source.network.n_junctions
    assert (tmp_path / "state_wires.csv").exists()


def test_every_control_of_the_movie_dialog_has_a_tooltip(qtbot):
    from studio_support import controls_without_tooltip

    dialog = ExportDialog(snapshot_source())
    qtbot.addWidget(dialog)
    lacking = controls_without_tooltip(dialog)
    assert not lacking, "controls without a tooltip: " + ", ".join(sorted(lacking))
    assert "1 to 120" in dialog.fps.toolTip()  # the spin box's own range
