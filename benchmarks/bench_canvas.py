"""Benchmark of the network canvas at 10,000 wires: frame update time and the cost of drawing
to the simulation's throughput.

Workload: a JDA network of ``--wires`` 7 um wires in a square box at n l^2 = 12 (about twice
the spanning threshold), side-bar electrodes (1 V dc / ground), ``rate`` junctions, dt = 1 ms.

Prints

* frame update (ms): :meth:`NetworkCanvas.show_snapshot` (colour bins, widths, pens, paths)
  plus one full paint of the canvas at 1100 x 800 pixels, median over frames, per colour
  mode; the target is < 16 ms (60 frames/s);
* simulation steps/s in the studio's worker thread (:class:`RunController`, flat out) with
  the GUI thread redrawing the canvas from the latest snapshot at display rate (drawing on)
  against the same run with the GUI idle (drawing off, the baseline measured in this run),
  and their ratio; the target is drawing costing < 20 % of the throughput (ratio > 0.8).

Usage::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_canvas.py [--wires 10000] [--seconds 4]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

import nwn.app  # noqa: E402, F401  (protects None before Qt calls)

LENGTH = 7e-6  # m
DENSITY_L2 = 12.0
FRAME_MS = 33  # the studio's display timer


def make_scenario(n_wires: int):
    from nwn.engine.scenario import parse_scenario

    side = LENGTH * math.sqrt(n_wires / DENSITY_L2)
    bar = 0.03 * side
    text = f"""
seed = 7
[network]
box = [{side!r}, {side!r}]
n_wires = {n_wires}
length = {LENGTH!r}
[[electrodes]]
name = "left"
shape = {{type = "rectangle", bounds = [0.0, 0.0, {bar!r}, {side!r}]}}
source = {{kind = "voltage", waveform = {{kind = "dc", value = 1.0}}}}
[[electrodes]]
name = "right"
shape = {{type = "rectangle", bounds = [{side - bar!r}, 0.0, {side!r}, {side!r}]}}
source = {{kind = "ground"}}
[junction]
model = "rate"
[run]
dt = 1e-3
duration = 1000.0
"""
    return parse_scenario(text)


def paint(canvas, image: QtGui.QImage) -> None:
    painter = QtGui.QPainter(image)
    try:
        canvas.render(painter)
    finally:
        painter.end()


def time_frames(canvas, snapshots, mode: str, *, log: bool | None, path: bool,
                image: QtGui.QImage) -> tuple[float, float]:
    """Median (update, paint) times (ms) over the snapshots."""
    canvas.set_color_mode(mode, log=log)
    canvas.set_path(("left", "right") if path else None)
    update, draw = [], []
    for snapshot in snapshots:
        t0 = time.perf_counter()
        canvas.show_snapshot(snapshot)
        t1 = time.perf_counter()
        paint(canvas, image)
        t2 = time.perf_counter()
        update.append(1e3 * (t1 - t0))
        draw.append(1e3 * (t2 - t1))
    canvas.set_path(None)
    return statistics.median(update), statistics.median(draw)


def throughput(app, controller, canvas, image, seconds: float, *, drawing: bool) -> tuple:
    """Steps/s of the worker over ``seconds`` and the frames drawn meanwhile."""
    from nwn.app.models.pacing import FramePacer

    simulation = controller.simulation
    first = simulation.step_index
    frames = 0

    pacer = FramePacer(budget=0.15, min_interval=FRAME_MS / 1e3)  # as the studio paces

    def frame():
        nonlocal frames
        snapshot = controller.slot.take()
        if snapshot is None:
            return
        started = time.thread_time()  # CPU time of this thread, as the studio measures
        canvas.show_snapshot(snapshot, live=True)
        paint(canvas, image)
        pacer.record(time.thread_time() - started)
        timer.setInterval(pacer.interval_ms)
        frames += 1

    timer = QtCore.QTimer()
    timer.setInterval(FRAME_MS)
    if drawing:
        timer.timeout.connect(frame)
        timer.start()
    started = time.perf_counter()
    controller.start()
    while time.perf_counter() - started < seconds:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)
    controller.pause()
    controller.wait_idle()
    elapsed = time.perf_counter() - started
    timer.stop()
    return (simulation.step_index - first) / elapsed, frames / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wires", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="wall time of each throughput run")
    parser.add_argument("--steps-per-frame", type=int, default=10)
    args = parser.parse_args()

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from nwn.app.widgets.canvas import NetworkCanvas
    from nwn.app.widgets.worker import RunController
    from nwn.engine.build import build_network_from, build_simulation

    scenario = make_scenario(args.wires)
    t0 = time.perf_counter()
    built = build_network_from(scenario)
    network = built.network
    print(f"network: {args.wires} wires, {network.n_junctions} junctions, "
          f"{network.n_edges} edges, built in {time.perf_counter() - t0:.2f} s")

    canvas = NetworkCanvas()
    canvas.resize(1100, 800)
    canvas.show()
    canvas.set_network(network)
    canvas.set_electrodes(scenario.electrodes)
    app.processEvents()
    image = QtGui.QImage(1100, 800, QtGui.QImage.Format.Format_RGB32)

    # Snapshots of a real run, so junction states, voltages and currents vary.
    simulation = build_simulation(scenario, built=built)
    snapshots = []
    for _ in range(12):
        simulation.step(20)
        snapshots.append(simulation.snapshot())
    time_frames(canvas, snapshots[:2], "state", log=None, path=False, image=image)  # warm up
    print("\nframe update at 1100 x 800 px (median; target < 16 ms)")
    print(f"{'colour by':<24}{'update ms':>10}{'paint ms':>10}{'frame ms':>10}")
    for mode, log, path in (("state", None, False), ("conductance", None, False),
                            ("current", None, False), ("voltage", None, False),
                            ("current", None, True)):
        update, draw = time_frames(canvas, snapshots, mode, log=log, path=path, image=image)
        label = mode + (" + lowest-R path" if path else "")
        print(f"{label:<24}{update:>10.2f}{draw:>10.2f}{update + draw:>10.2f}")

    controller = RunController()
    controller.set_simulation(build_simulation(scenario, built=built),
                              duration=scenario.run.duration)
    controller.worker.paced = False
    controller.worker.steps_per_frame = args.steps_per_frame
    canvas.set_color_mode("current")
    # Warm the worker (numba caches, first solves) before timing.
    throughput(app, controller, canvas, image, 0.5, drawing=False)
    off, _ = throughput(app, controller, canvas, image, args.seconds, drawing=False)
    on, fps = throughput(app, controller, canvas, image, args.seconds, drawing=True)
    off2, _ = throughput(app, controller, canvas, image, args.seconds, drawing=False)
    baseline = 0.5 * (off + off2)
    print(f"\nsimulation in the worker thread, {args.steps_per_frame} steps per snapshot "
          f"(target: drawing costs < 20 %)")
    print(f"{'drawing off (baseline)':<28}{baseline:>10.0f} steps/s  "
          f"(runs before/after: {off:.0f}, {off2:.0f})")
    print(f"{'drawing on':<28}{on:>10.0f} steps/s  {fps:.1f} frames/s drawn")
    print(f"{'ratio on / off':<28}{on / baseline:>10.2f}  "
          f"(drawing costs {100 * (1 - on / baseline):.0f} % of throughput)")
    controller.shutdown()
    canvas.close()


if __name__ == "__main__":
    main()
