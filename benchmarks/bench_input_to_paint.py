"""Benchmark of the studio's responsiveness: input-to-paint latency at 10,000 wires while a run
is going, and the longest event-loop stall while 100,000 wires are deposited.

Workload: the studio window (1300 x 850, offscreen or a real X server) on a JDA network of
``--wires`` 7 um wires in a square box at n l^2 = 12 with side-bar electrodes (1 V dc /
ground), ``rate`` junctions, dt = 1 ms.

Input-to-paint probe: a separate thread (the "user") posts a left click on a random junction
every 0.25-0.4 s, stamped when it is posted, so time the GUI thread is busy counts; the
latency of one click is from that stamp to the end of the first paint of the canvas that
shows the picked junction ringed (the visible response; the probe's event filter runs that
paint and stamps when it returns). Printed as median / 90th
percentile / max over ``--clicks`` clicks

* with no run going (the baseline, measured in this run),
* while a run goes at the default real-time pace, and
* while a run goes flat out (real-time pace off),

each with its ratio to the baseline. The target is <= 100 ms while running.

Event-loop stall probe: a 10 ms QTimer records the longest gap between two of its ticks,
idle (the baseline) and from Deposit to the built network of ``--deposit-wires`` wires
(film of 3 s, then Finish now, as tests/test_app_responsive.py does). The target is 100 ms.
Cyclic garbage collections (``gc.callbacks``) are timed during the deposition: the longest of
each generation is printed, and whether one lay inside the longest gap (collections run on the
GUI thread only, see nwn.app.render.gui_garbage, so a long one is a stall).

Usage::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_input_to_paint.py [--wires 10000]
        [--clicks 20] [--deposit-wires 100000]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import tempfile
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

import nwn.app  # noqa: E402, F401  (protects None before Qt calls)

LENGTH = 7e-6  # m
#: a click not shown after this long (s) counts as this long (and is reported)
CLICK_TIMEOUT_S = 5.0
DENSITY_L2 = 12.0


def scenario_text(n_wires: int, density_l2: float = DENSITY_L2) -> str:
    side = float(np.sqrt(n_wires * LENGTH ** 2 / density_l2))
    bar = side / 10
    return f"""
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


def open_window(n_wires: int, folder: str):
    from nwn.app.models.document import Document
    from nwn.app.widgets.studio import MainWindow
    from nwn.engine.scenario import parse_scenario

    settings = QtCore.QSettings(os.path.join(folder, f"s{n_wires}.ini"),
                                QtCore.QSettings.Format.IniFormat)
    window = MainWindow(Document(parse_scenario(scenario_text(n_wires))), settings=settings)
    window.ask_unsaved = lambda: "discard"
    window.resize(1300, 850)
    window.show()
    window.warm_job.wait(300)
    return window


def wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
    return predicate()


class PaintProbe(QtCore.QObject):
    """Clicks posted from a thread; latency from posting to the end of the next paint."""

    def __init__(self, window, points) -> None:
        super().__init__()
        self.window = window
        self.viewport = window.canvas.viewport()
        self.points = points
        self.latencies: list[float] = []
        self.timeouts = 0
        self._shown = ("", -1)
        self._posted_at: float | None = None
        self._picked = False
        self.viewport.installEventFilter(self)
        window.canvas.picked.connect(self._on_pick)

    def _on_pick(self, kind, index) -> None:
        if self._posted_at is not None:
            self._picked = True
            self.viewport.update()  # the ring is drawn in the next paint

    def _shows_new_pick(self) -> bool:
        # the canvas marks a pick (and may paint at once, before _on_pick is called)
        selection = self.window.canvas.selection
        if self._posted_at is not None and selection[0] and selection != self._shown:
            self._shown = selection
            return True
        return False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() == QtCore.QEvent.Type.Paint and self._shows_new_pick():
            self._picked = False
            posted = self._posted_at
            # Paint here (the canvas's own handler, once) and stamp when it returns: the end
            # of the paint. Stamping from a zero timer instead also counted whatever events
            # and timers (the next frame) Qt took first.
            self.window.canvas.viewportEvent(event)
            self._painted(posted)
            return True
        return False

    def _painted(self, posted: float) -> None:
        self.latencies.append(time.perf_counter() - posted)
        self._posted_at = None

    def run(self, clicks: int, seed: int = 0) -> list[float]:
        """Post ``clicks`` clicks from a thread and wait for their paints."""
        rng = random.Random(seed)
        self.latencies = []
        self.timeouts = 0
        left = QtCore.Qt.MouseButton.LeftButton
        none = QtCore.Qt.KeyboardModifier.NoModifier

        def user() -> None:
            for _ in range(clicks):
                time.sleep(rng.uniform(0.25, 0.4))
                waited = time.perf_counter()
                while self._posted_at is not None:  # one click in flight at a time
                    if time.perf_counter() - waited > CLICK_TIMEOUT_S:
                        self.latencies.append(time.perf_counter() - self._posted_at)
                        self.timeouts += 1
                        self._posted_at = None  # never shown: counted at the timeout
                        break
                    time.sleep(0.005)
                point = QtCore.QPointF(*rng.choice(self.points))
                self._posted_at = time.perf_counter()
                for kind, buttons in ((QtCore.QEvent.Type.MouseButtonPress, left),
                                      (QtCore.QEvent.Type.MouseButtonRelease,
                                       QtCore.Qt.MouseButton.NoButton)):
                    QtCore.QCoreApplication.postEvent(self.viewport, QtGui.QMouseEvent(
                        kind, point, point, left, buttons, none))

        thread = threading.Thread(target=user, daemon=True)
        thread.start()
        wait(lambda: not thread.is_alive() and self._posted_at is None,
             clicks * (CLICK_TIMEOUT_S + 1))
        return list(self.latencies)


def click_points(window, count: int = 200, seed: int = 1) -> list[tuple[float, float]]:
    """Widget pixels of random junctions inside the view box (the canvas does not move during
    a probe; a run shows the colour bar, which narrows the view, so each probe asks anew)."""
    canvas = window.canvas
    xy = canvas.scene_data.junction_xy * 1e6
    inside = canvas.view.sceneBoundingRect().adjusted(8, 8, -8, -8)
    rng = np.random.default_rng(seed)
    points = []
    for k in rng.permutation(len(xy)):
        scene = canvas.view.mapViewToScene(QtCore.QPointF(*xy[k]))
        if not inside.contains(scene):  # under the colour bar or out of view: not a pick
            continue
        widget = canvas.mapFromScene(scene)
        points.append((float(widget.x()), float(widget.y())))
        if len(points) == count:
            break
    return points


def summary(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return statistics.median(ordered), p90, ordered[-1]


class GcLog:
    """Cyclic garbage collections while installed: ``(generation, start, end)`` (perf_counter s)."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, float, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.spans.append((info["generation"], self._started, time.perf_counter()))

    def __enter__(self) -> GcLog:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)

    def longest(self, generation: int) -> float:
        return max((b - a for g, a, b in self.spans if g == generation), default=0.0)

    def inside(self, start: float, end: float) -> list[tuple[int, float]]:
        """(generation, duration) of the collections that ran within [start, end]."""
        return [(g, b - a) for g, a, b in self.spans if a >= start and b <= end]


def gap_probe_during(action, done, timeout: float) -> float:
    """Longest gap (s) between ticks of a 10 ms timer from ``action()`` until ``done()``;
    ``gap_probe_during.window`` is that gap's (start, end) in perf_counter seconds."""
    last = [time.perf_counter()]
    gaps = [0.0]
    gap_probe_during.window = (0.0, 0.0)

    def tick() -> None:
        now = time.perf_counter()
        if now - last[0] > max(gaps):
            gap_probe_during.window = (last[0], now)
        gaps.append(now - last[0])
        last[0] = now

    timer = QtCore.QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    action()
    wait(done, timeout)
    tick()
    timer.stop()
    return max(gaps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wires", type=int, default=10_000)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--deposit-wires", type=int, default=100_000,
                        help="wires of the event-loop stall probe (0: skip it)")
    args = parser.parse_args()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    folder = tempfile.mkdtemp(prefix="nwn-bench-input-")
    window = open_window(args.wires, folder)
    window.deposit_seconds.setValue(0)
    window.deposit()
    if not wait(lambda: not window.depositing, 600):
        raise SystemExit("the network was not built in 10 minutes")
    wait(lambda: False, 0.5)
    probe = PaintProbe(window, click_points(window))
    print(f"input-to-paint at {args.wires:,} wires, {window.canvas.network.n_junctions:,} "
          f"junctions ({QtGui.QGuiApplication.platformName()}), {args.clicks} clicks each:")
    rows = []
    baseline = summary(probe.run(args.clicks))
    rows.append(("no run (baseline)", baseline, probe.timeouts))
    for label, paced in (("run, real-time pace", True), ("run, flat out", False)):
        window.paced.setChecked(paced)
        if not window.run() or not wait(lambda: window.controller.busy, 120):
            raise SystemExit(f"the run did not start: {window.error_bar.text()}")
        wait(lambda: False, 1.0)
        probe.points = click_points(window)
        rows.append((label, summary(probe.run(args.clicks)), probe.timeouts))
        window.controller.pause()
        wait(lambda: not window.controller.busy, 30)
    for label, (median, p90, top), timeouts in rows:
        print(f"  {label:22s} median {1e3 * median:6.0f} ms  p90 {1e3 * p90:6.0f} ms  "
              f"max {1e3 * top:6.0f} ms  (median x{median / baseline[0]:.2f} of baseline)"
              + (f", {timeouts} not shown within {CLICK_TIMEOUT_S:.0f} s" if timeouts else ""))
    window.stop()
    window.close()
    if args.deposit_wires:
        window = open_window(args.deposit_wires, folder)
        window.deposit_seconds.setValue(3)
        idle = gap_probe_during(lambda: None, lambda: False, 2.0)

        def deposit() -> None:
            window.deposit()

        def done() -> bool:
            state = getattr(window, "deposition_state", None)
            if window._film is not None and state is not None and state.n_wires > 10_000:
                window.finish_deposition()
            return not window.depositing

        with GcLog() as collections:
            stall = gap_probe_during(deposit, done, 600)
        print(f"event loop, longest gap of a 10 ms timer: idle (baseline) {1e3 * idle:.0f} ms, "
              f"depositing {args.deposit_wires:,} wires (3 s film, then Finish now) "
              f"{1e3 * stall:.0f} ms (x{stall / idle:.1f})")
        inside = collections.inside(*gap_probe_during.window)
        print("  garbage collections while depositing, longest: "
              + ", ".join(f"gen {g} {1e3 * collections.longest(g):.0f} ms" for g in range(3))
              + "; within the longest gap: "
              + (", ".join(f"gen {g} {1e3 * d:.0f} ms" for g, d in inside) or "none"))
        window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
