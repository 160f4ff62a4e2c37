"""Suite-wide fixtures: compile the numba kernels once, before the first test.

Numba compiles a kernel on its first call (tens of seconds for the whole engine on a cold
cache, then loaded from ``__pycache__`` in about a second). Without a warm-up that cost lands on
whichever test happens to call a kernel first, so ``pytest --durations`` blames the wrong
test and a timing regression hides behind it. The session fixture below runs one tiny
workload through every kernel the suite uses and reports how long that took, so each test's
duration is its own.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_WARM_UP: dict[str, float] = {}


def _warm_geometry() -> None:
    import numpy as np

    from nwn.geometry import drop_wires, find_junctions, side_bars
    from nwn.geometry.deposition import Deposition

    box = (20e-6, 20e-6)
    wires = drop_wires(120, box=box, length=5e-6, rng=0)
    find_junctions(wires)
    find_junctions(wires, method="strtree")
    # a T-junction and a collinear overlap: the exact (rational) path
    from nwn.geometry import Wires

    find_junctions(Wires.from_endpoints(np.array([[[0, 0], [2, 0]], [[1, 0], [1, 1]],
                                                  [[1.5, 0], [3, 0]]], dtype=float)))
    deposition = Deposition(box, side_bars(box, width=2e-6), length=5e-6, rng=0)
    deposition.add(60)
    deposition.add(60)
    deposition.cluster_labels()


def _warm_engine() -> None:
    import numpy as np
    from scenarios import two_terminal

    from nwn.engine.analysis.fit import fit_deterministic
    from nwn.engine.analysis.traces import Trace
    from nwn.engine.build import build_simulation
    from nwn.engine.junctions import random_streams as rs
    from nwn.engine.lumped import LumpedParameters, simulate_lumped
    from nwn.engine.scenario import parse_scenario

    # every junction model inside the time loop (circuit assembly, supernodal factor, CG)
    for model, params in [("rate", ""), ("filament", "{n_max = 20, jump_rate = 50.0}"),
                          ("ou_jump", "{jump_rate = 50.0}"), ("threshold", ""),
                          ("threshold", '{mode = "binary"}'), ("ohmic", ""), ("hp", ""),
                          ("decay_hp", ""), ("mss", "")]:
        text = two_terminal(side=20e-6, n_wires=80, length=6e-6, model=model, params=params)
        simulation = build_simulation(parse_scenario(text))
        simulation.step(3)
    mnr = two_terminal(side=20e-6, n_wires=80, length=6e-6).replace(
        "[network]", '[network]\nmode = "mnr"')
    build_simulation(parse_scenario(mnr)).step(2)

    # the samplers the stream tests call directly
    state = rs.new_streams(np.random.default_rng(0), 1)[0]
    rs.fill_u64(state, np.empty(4, np.uint64))
    rs.fill_normal(state, np.empty(4))
    rs.fill_gamma(state, 2.0, np.empty(4))
    rs.fill_binomial(state, 50, 0.3, np.empty(4, np.int64))
    rs.fill_bounded_power_law(state, 2.5, 1e-3, 1e-1, np.empty(4))

    # the OU law's scalar functions, which its tests call from Python
    from nwn.engine import ou_law

    ou_law.one_minus_exp(2.0, 0.1)
    ou_law.relax(0.1, 0.6, 2.0, 0.1)
    ou_law.ou_spread(2.0, 0.2, 0.1)
    ou_law.ou_step(0.1, 0.6, 2.0, 0.2, 0.1, 1.5)
    ou_law.jump_up_probability(0.6, 0.1, 1e-2)
    ou_law.bounded_power_law_quantile(2.5, 1e-3, 1e-1, 0.5)
    ou_law.ou_variance_factor(np.array([2.0, 3.0]), 0.1)

    # the lumped law's three solvers and the fit's sensitivity kernel
    p = LumpedParameters.milano2025()
    t = np.linspace(0.0, 30.0, 61)
    volts = np.where(t < 15.0, 3.6, 0.5)
    for solver in ("deterministic", "noise", "jumps"):
        simulate_lumped(p, t, volts, solver=solver, rng=0)
    g = simulate_lumped(p, t, volts).conductance
    trace = Trace(t=t, current=g * volts, voltage=volts, conductance=g, source="warm-up")
    fit_deterministic(trace, n_starts=1, max_nfev=10)


def _warm_app(qapp) -> None:
    import numpy as np
    from PySide6 import QtGui

    import nwn.app  # noqa: F401  (its import guards Qt calls)
    from nwn.app.render.layers import PointLayer, SegmentLayer

    segments, points = SegmentLayer(), PointLayer()
    segments.set_segments(np.array([[[1.0, 1.0], [30.0, 20.0]], [[5.0, 25.0], [25.0, 2.0]]]))
    points.set_points(np.array([[10.0, 10.0], [20.0, 5.0]]))
    pen = QtGui.QPen(QtGui.QColor(255, 128, 0))
    pen.setCosmetic(True)
    for layer, n in ((segments, 2), (points, 2)):
        layer.set_style(np.zeros(n, dtype=np.int64), [pen])
        image = QtGui.QImage(40, 30, QtGui.QImage.Format.Format_RGB32)
        painter = QtGui.QPainter(image)
        try:
            layer.paint(painter)
        finally:
            painter.end()


def _session_draws(session) -> bool:
    """Whether the collected tests may draw the canvas (pytest-qt imports Qt in any session)."""
    return "nwn.app.render.layers" in sys.modules or any(
        {"qtbot", "qapp"} & set(getattr(item, "fixturenames", ())) for item in session.items)


@pytest.fixture(scope="session", autouse=True)
def numba_kernels(request):
    """Compile (or load from numba's cache) every numba kernel the suite uses, once."""
    started = time.perf_counter()
    _warm_geometry()
    _warm_engine()
    _WARM_UP["geometry and engine"] = time.perf_counter() - started
    if _session_draws(request.session):  # the canvas and exports: the raster kernels too
        started = time.perf_counter()
        _warm_app(request.getfixturevalue("qapp"))
        _WARM_UP["app raster layers"] = time.perf_counter() - started


@pytest.fixture(autouse=True)
def gui_thread_garbage(request):
    """Collect cyclic garbage on the GUI thread only, as the studio does (app/render/gui_garbage).

    Before this, a worker thread (a sweep's, a deposition's) could run the collector, find a
    closed window of an earlier test and destroy its Qt objects off the GUI thread: a deadlock
    between Qt's object mutex and the GIL that froze the suite. After each test the GUI thread
    collects whatever the generation counts call for, since most tests run no event loop.
    """
    from nwn.app.render import gui_garbage

    if {"qtbot", "qapp"} & set(request.fixturenames):
        request.getfixturevalue("qapp")
        gui_garbage.collect_on_gui_thread()
    yield
    gui_garbage.collect_now()


def pytest_terminal_summary(terminalreporter):
    if _WARM_UP:
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _WARM_UP.items())
        terminalreporter.write_line(f"numba kernels compiled or loaded before the tests: {parts}")
