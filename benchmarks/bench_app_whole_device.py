"""Benchmark: the studio with a whole device (``whole_device``: 1,000,000 wires, ~4.7 million
junctions): open, deposit (Finish now), build, draw, then pan, zoom and click, with the GUI
thread watched throughout.

What is measured (offscreen by default, or on a real X server with ``QT_QPA_PLATFORM=xcb``):

* the time from Deposit to the film's first frame and to the built network drawn;
* the longest event-loop gap (a 10 ms QTimer's longest interval between two ticks) in each
  phase, next to the idle gap measured first in the same run (the baseline); a watchdog thread
  records where the GUI thread was whenever a gap passes ``--report-ms``, so a freeze names its
  cause;
* pan and zoom: for each of a series of view changes, the time until the canvas has painted
  the new view's wire and junction buffers (drawn by the background rasterizer) and the
  longest gap meanwhile;
* clicks: the time the picking of a junction takes on the GUI thread;
* peak resident memory of the process (``ru_maxrss``).

Usage::

    QT_QPA_PLATFORM=offscreen nice -n 5 python benchmarks/bench_app_whole_device.py
        [--scenario whole_device] [--wires N] [--report-ms 100] [--run-s 60]
        [--steps-per-frame 1] [--path]

``--path`` shows the lowest-resistance path during the run (and says how many were made).
``--wires`` scales the preset's wire count (and its box, keeping the density), e.g. 300000
for a quicker look at the same path.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import tempfile
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

import nwn.app  # noqa: E402, F401


def wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)
    return predicate()


class Watchdog:
    """A 10 ms GUI timer and a thread that notes where the GUI thread is while it is late.

    ``gaps`` collects every interval between two ticks; for each gap longer than
    ``report_s`` the GUI thread's innermost frames seen during it are kept in ``where``.
    """

    def __init__(self, report_s: float) -> None:
        self.report_s = report_s
        self.timer = QtCore.QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.gaps: list[tuple[float, float, float]] = []  # (start, length, GUI-thread CPU)
        self.where: list[tuple[float, float, float, list[str]]] = []
        self._seen: list[str] = []
        self._main = threading.main_thread().ident
        self._stop = False
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)

    def start(self) -> None:
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.timer.start()
        self._thread.start()

    def stop(self) -> None:
        self._tick()
        self.timer.stop()
        self._stop = True

    def _tick(self) -> None:
        # The GUI thread's CPU time over a gap tells its own work from waiting (for a core
        # on a loaded machine, or for the interpreter lock another thread holds).
        now, cpu = time.perf_counter(), time.thread_time()
        gap = now - self.last
        self.gaps.append((self.last, gap, cpu - self.last_cpu))
        if gap > self.report_s:
            self.where.append((self.last, gap, cpu - self.last_cpu,
                               list(dict.fromkeys(self._seen))))
        self._seen = []
        self.last, self.last_cpu = now, cpu

    def _watch(self) -> None:
        while not self._stop:
            time.sleep(0.02)
            if time.perf_counter() - self.last > self.report_s:
                frame = sys._current_frames().get(self._main)
                names = []
                while frame is not None and len(names) < 6:
                    code = frame.f_code
                    names.append(f"{os.path.basename(code.co_filename)}:{frame.f_lineno} "
                                 f"{code.co_name}")
                    frame = frame.f_back
                self._seen.append(" < ".join(names))

    def longest(self, start: float, end: float) -> float:
        return max((gap for t, gap, _ in self.gaps if start <= t < end), default=0.0)

    def longest_cpu(self, start: float, end: float) -> float:
        """The most GUI-thread CPU time between two ticks (s): its own longest stretch of
        work, whatever the machine's load."""
        return max((cpu for t, _, cpu in self.gaps if start <= t < end), default=0.0)

    def report(self, start: float, end: float, t0: float) -> None:
        for t, gap, cpu, seen in self.where:
            if start <= t < end:
                print(f"    gap {1e3 * gap:5.0f} ms ({1e3 * cpu:4.0f} ms GUI CPU) at "
                      f"{t - t0:6.2f} s: " + (" | ".join(seen[:3]) if seen else "(not caught)"))


def document_for(name: str, wires: int | None):
    from nwn.app.models.document import Document

    scenario = Document.from_preset(name).scenario
    if wires:
        import dataclasses

        network = scenario.network
        scale = float(np.sqrt(wires / network.n_wires))
        box = (network.box[0] * scale, network.box[1] * scale)
        electrodes = []
        for electrode in scenario.electrodes:
            shape = dict(electrode.shape)
            x0, y0, x1, y1 = shape["bounds"]
            width = x1 - x0
            x0 = 0.0 if x0 == 0 else box[0] - width
            shape["bounds"] = [x0, 0.0, x0 + width, box[1]]
            electrodes.append(dataclasses.replace(electrode, shape=shape))
        scenario = dataclasses.replace(scenario, network=dataclasses.replace(
            network, n_wires=wires, box=box), electrodes=tuple(electrodes))
    return Document(scenario)


def rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="whole_device")
    parser.add_argument("--wires", type=int, default=0,
                        help="scale the preset to this many wires (0: as it is)")
    parser.add_argument("--film", type=float, default=3.0,
                        help="seconds of film before Finish now")
    parser.add_argument("--report-ms", type=float, default=100.0)
    parser.add_argument("--run-s", type=float, default=0.0,
                        help="then press Run and watch this many seconds of the run (0: none)")
    parser.add_argument("--steps-per-frame", type=int, default=0,
                        help="the run's steps per frame (0: the studio's default)")
    parser.add_argument("--path", action="store_true",
                        help="show the lowest-resistance path during the run")
    args = parser.parse_args()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from nwn.app.widgets.studio import MainWindow

    folder = tempfile.mkdtemp(prefix="nwn-bench-whole-")
    settings = QtCore.QSettings(os.path.join(folder, "s.ini"), QtCore.QSettings.Format.IniFormat)
    document = document_for(args.scenario, args.wires or None)
    n_wires = document.scenario.network.n_wires
    window = MainWindow(document, settings=settings)
    window.ask_unsaved = lambda: "discard"
    window.resize(1500, 900)
    window.show()
    window.warm_job.wait(600)
    wait(lambda: False, 0.5)
    print(f"studio, {n_wires:,} wires ({args.scenario}), "
          f"{QtWidgets.QApplication.platformName()}, load {os.getloadavg()[0]:.1f}")
    collections: list[tuple[int, float]] = []  # (generation, seconds), on the GUI thread
    started = [0.0]

    def gc_timer(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections.append((info["generation"], time.perf_counter() - started[0]))

    gc.callbacks.append(gc_timer)
    dog = Watchdog(args.report_ms / 1e3)
    dog.start()
    t_idle = time.perf_counter()
    wait(lambda: False, 1.0)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    window.deposit()
    marks = {"deposit": t0}

    def film_playing() -> bool:
        return window._film is not None and getattr(window, "deposition_state", None) \
            is not None

    if not wait(film_playing, 1800):
        raise SystemExit(f"no film: {window.error_bar.text()}")
    marks["film"] = time.perf_counter()
    wait(lambda: False, args.film)
    marks["finish"] = time.perf_counter()
    window.finish_deposition()
    if not wait(lambda: not window.depositing, 1800):
        raise SystemExit("not built in 30 minutes")
    marks["built"] = time.perf_counter()
    canvas = window.canvas
    # drawn: both bulk layers hold a buffer of the current view
    wait(lambda: canvas.wires._requested_key is None and canvas.junctions._requested_key
         is None, 600)
    wait(lambda: False, 0.5)
    marks["drawn"] = time.perf_counter()
    print(f"  network: {canvas.wires.n_segments:,} wires, {canvas.junctions.n_points:,} "
          f"junctions; process CPU {time.process_time() - cpu0:.0f} s; peak memory "
          f"{rss_gib():.2f} GiB")
    phases = [("idle (baseline)", t_idle, t0), ("deposit to film", t0, marks["film"]),
              ("film", marks["film"], marks["finish"]),
              ("finish to built", marks["finish"], marks["built"]),
              ("built to drawn", marks["built"], marks["drawn"])]
    for label, a, b in phases:
        print(f"  {label:18s} {b - a:7.1f} s   longest GUI gap {1e3 * dog.longest(a, b):6.0f} ms")
        dog.report(a, b, t0)
    # pan and zoom
    view = canvas.view
    (x0, x1), (y0, y1) = view.viewRange()
    cx, cy, w = 0.5 * (x0 + x1), 0.5 * (y0 + y1), x1 - x0
    moves = [(cx, cy, w / 4), (cx + w / 8, cy, w / 4), (cx + w / 8, cy + w / 8, w / 16),
             (cx, cy, w / 2), (cx, cy, w)]
    times = []
    t_move = time.perf_counter()
    for mx, my, mw in moves:
        start = time.perf_counter()
        view.setRange(QtCore.QRectF(mx - mw / 2, my - mw / 2, mw, mw), padding=0)
        QtWidgets.QApplication.processEvents()
        wait(lambda: canvas.wires._requested_key is None
             and canvas.junctions._requested_key is None, 120)
        times.append(time.perf_counter() - start)
    t_moved = time.perf_counter()
    print(f"  pan/zoom: new view drawn in {', '.join(f'{1e3 * t:.0f}' for t in times)} ms; "
          f"longest GUI gap {1e3 * dog.longest(t_move, t_moved):.0f} ms")
    dog.report(t_move, t_moved, t0)
    # clicks: picking the nearest junction / wire
    rng = np.random.default_rng(0)
    xy = canvas.scene_data.junction_xy[rng.integers(0, canvas.junctions.n_points, 10)] * 1e6
    picks = []
    for x, y in xy:
        start = time.perf_counter()
        canvas.nearest(float(x), float(y), radius=1.0)
        picks.append(time.perf_counter() - start)
    print(f"  click picking: median {1e3 * float(np.median(picks)):.0f} ms, "
          f"max {1e3 * max(picks):.0f} ms")
    if args.run_s > 0:
        frames = []  # (wall s, GUI-thread CPU s) of each frame drawn while the run goes
        # Where the canvas draws a frame: _show since live frames are styled in a worker
        # thread (_display only asks for the style then), _display before.
        name = "_show" if hasattr(window, "_show") else "_display"
        original = getattr(window, name)

        def display(snapshot, **kwargs):
            start, cpu = time.perf_counter(), time.thread_time()
            original(snapshot, **kwargs)
            if window.controller.busy:
                frames.append((time.perf_counter() - start, time.thread_time() - cpu))

        setattr(window, name, display)
        paths = []  # seconds of each lowest-resistance path made while the run goes
        if args.path:
            from nwn.app.models import run_style

            path_edges = run_style.path_edges

            def timed_path(*path_args):
                start = time.perf_counter()
                edges = path_edges(*path_args)
                if window.controller.busy:
                    paths.append(time.perf_counter() - start)
                return edges

            run_style.path_edges = timed_path
            window.path_check.setChecked(True)  # styled now, before the run is watched
            wait(lambda: False, 5.0)
        if args.steps_per_frame:
            window.steps_per_frame.setValue(args.steps_per_frame)
        t_run = time.perf_counter()
        if not window.run():
            raise SystemExit(f"the run did not start: {window.error_bar.text()}")
        wait(lambda: window.controller.busy, 600)
        t_busy = time.perf_counter()
        wait(lambda: False, args.run_s)
        t_end = time.perf_counter()
        window.controller.pause()
        wait(lambda: not window.controller.busy, 120)
        print(f"  run: set-up {t_busy - t_run:.1f} s (longest GUI gap "
              f"{1e3 * dog.longest(t_run, t_busy):.0f} ms); {len(frames)} live frames drawn "
              f"in {args.run_s:.0f} s, each (wall/CPU ms of the GUI thread) "
              + ", ".join(f"{1e3 * w:.0f}/{1e3 * c:.0f}" for w, c in frames[:10])
              + f"; longest GUI gap {1e3 * dog.longest(t_busy, t_end):.0f} ms, most GUI "
              f"CPU between two ticks {1e3 * dog.longest_cpu(t_busy, t_end):.0f} ms")
        if args.path:
            print(f"  path: {len(paths)} lowest-resistance paths made during the run, "
                  f"{min(paths, default=0):.2f}-{max(paths, default=0):.2f} s each")
        dog.report(t_run, t_end, t0)
        window.stop()
    dog.stop()
    gc.callbacks.remove(gc_timer)
    print("  garbage collections, longest: " + ", ".join(
        f"gen {g} {1e3 * max((d for k, d in collections if k == g), default=0):.0f} ms"
        for g in range(3)) + f"; {len(gc.get_objects()):,} objects tracked")
    print(f"  peak memory {rss_gib():.2f} GiB; load {os.getloadavg()[0]:.1f}")
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
