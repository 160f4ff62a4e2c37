"""Benchmark: the longest event-loop stall while an edit of a large document rebuilds its
circuit graph (the graph mode, the contact resistance, the wire resistivity).

Workload: the studio window of ``bench_input_to_paint`` (1300 x 850, offscreen or a real X
server) on ``--wires`` wires (default 100,000), deposited at once. Each edit is committed as
the Parameters panel commits it (from a queued slot), and a 10 ms QTimer records the longest
gap between two of its ticks until the new graph is drawn:

* as the studio does it: the graph (and its display values) built in a worker thread behind
  the busy row (``MainWindow._rebuild_in_background``), and
* the baseline, measured in this run on the same window: the document with no builder, so
  the graph is built on the GUI thread inside the edit's slot (what the studio did before).

Each edit is repeated ``--repeats`` times (each time to the other of two values); printed:
the range of the longest gap of each edit, the baseline's over the studio's, and the GUI
thread's CPU time when a graph built in the worker arrives (its share of a gap; the rest is
the worker holding the interpreter lock). The target is 100 ms.

Usage::

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_edit_stall.py [--wires 100000]
        [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_input_to_paint import gap_probe_during, open_window, wait  # noqa: E402

#: (label, [network] changes, the other value to alternate with)
EDITS = (("graph mode", "mode", ("mnr", "jda")),
         ("contact resistance", "contact_resistance", (50.0, 10.0)),
         ("wire resistivity", "wire_resistivity", (3e-8, 2e-8)))


#: GUI-thread CPU time (s) of each arrival of a graph built in the worker (apply_build: the
#: document's event, the canvas's new network, the panels)
ARRIVALS: list[float] = []


def time_arrivals(document) -> None:
    """Record in :data:`ARRIVALS` the GUI thread's CPU time of each ``apply_build``."""
    real = document.apply_build

    def timed(build):
        started = time.thread_time()
        try:
            return real(build)
        finally:
            ARRIVALS.append(time.thread_time() - started)

    document.apply_build = timed


def edit_stall(window, key: str, value) -> tuple[float, float]:
    """Longest gap (s) from committing ``key = value`` until the new graph is drawn, and the
    wall time (s) that took."""
    document = window.document
    old = document.built
    started = time.perf_counter()

    def commit() -> None:
        QtCore.QTimer.singleShot(0, lambda: window.parameters._commit(
            lambda v: window.parameters._network(**v), {key: value}))

    def done() -> bool:
        return document.built is not None and document.built is not old and \
            not document.rebuilding and window.canvas.network is document.built.network

    gap = gap_probe_during(commit, done, 300.0)
    if not done():
        raise SystemExit(f"the {key} edit was not rebuilt within 300 s")
    return gap, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wires", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        window = open_window(args.wires, folder)
        window.deposit_seconds.setValue(0)
        window.deposit()
        if not wait(lambda: not window.depositing and window.document.built is not None, 900):
            raise SystemExit("the deposition did not finish within 900 s")
        wait(lambda: False, 1.0)
        builder = window.document.builder
        time_arrivals(window.document)
        print(f"{args.wires:,} wires, {window.document.built.network.n_junctions:,} junctions; "
              f"longest event-loop gap (ms) from an edit to its graph drawn, "
              f"{args.repeats} repeats; load {os.getloadavg()[0]:.1f}")
        for label, key, values in EDITS:
            result = {}
            ARRIVALS.clear()
            for name, off_thread in (("studio", True), ("baseline", False)):
                window.document.builder = builder if off_thread else None
                gaps, walls = [], []
                for _ in range(args.repeats):
                    now = getattr(window.document.scenario.network, key)
                    gap, wall = edit_stall(window, key, values[1] if now == values[0]
                                           else values[0])
                    gaps.append(gap)
                    walls.append(wall)
                result[name] = (gaps, walls)
            window.document.builder = builder
            (gaps, walls), (base, _) = result["studio"], result["baseline"]
            print(f"  {label:18s}: {1e3 * min(gaps):5.0f}-{1e3 * max(gaps):5.0f} ms "
                  f"(graph in {min(walls):.2f}-{max(walls):.2f} s); on the GUI thread "
                  f"(baseline) {1e3 * min(base):5.0f}-{1e3 * max(base):5.0f} ms, "
                  f"{min(base) / max(gaps):.1f}-{max(base) / min(gaps):.1f}x longer; GUI-thread "
                  f"CPU when the graph arrives {1e3 * min(ARRIVALS):.0f}-"
                  f"{1e3 * max(ARRIVALS):.0f} ms")
        print(f"load after: {os.getloadavg()[0]:.1f}")
        window.close()


if __name__ == "__main__":
    main()
