"""An edit that needs a new circuit graph (the graph mode, an electrode, undo) builds it in a
worker thread, behind the busy row; Run waits for it, and a newer edit's graph wins."""

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scenarios import two_terminal  # noqa: E402
from studio_support import deposit_now, open_window, rebuilt  # noqa: E402

from nwn.app.models import document as document_module  # noqa: E402
from nwn.app.models.document import Document, prepare_network  # noqa: E402
from nwn.engine.scenario import parse_scenario  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    yield from open_window(qtbot, tmp_path, Document(parse_scenario(
        two_terminal(seed=2, n_wires=300, duration=0.02))))


@pytest.fixture
def build_threads(monkeypatch):
    """The threads the circuit graph is built in, from now on."""
    threads = []
    real = document_module.build_network

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(document_module, "build_network", spy)
    return threads


def _same_graph(built, document, threads) -> bool:
    """True when ``built`` is the graph of the document's wires, electrodes and settings now,
    built here from scratch (this build is not counted in ``threads``)."""
    seen = len(threads)
    fresh = prepare_network(document.wires, document.junctions, document.electrodes,
                            document.scenario.network).built
    del threads[seen:]
    a, b = built.network, fresh.network
    return a.mode == b.mode and np.array_equal(a.edge_nodes, b.edge_nodes) and \
        np.array_equal(a.edge_conductance, b.edge_conductance, equal_nan=True)


def test_a_graph_mode_edit_rebuilds_off_the_gui_thread_and_run_waits(qtbot, window,
                                                                     build_threads):
    win = window
    deposit_now(qtbot, win)
    before = win.document.built
    build_threads.clear()
    win.parameters.mode.setCurrentText("mnr")
    # at once: the old graph still drawn, Run held with the reason, the busy row says why
    assert win.document.rebuilding and win.document.built is before
    assert not win.run_button.isEnabled()
    assert "being rebuilt" in win.run_reason.text()
    assert win.busy_bar.isVisibleTo(win) and "rebuilding the circuit graph" in \
        win.busy_label.text()
    rebuilt(qtbot, win)
    assert build_threads and threading.main_thread() not in build_threads
    assert win.document.built is not before and win.document.built.network.mode == "mnr"
    assert _same_graph(win.document.built, win.document, build_threads)
    assert win.canvas.network is win.document.built.network  # drawn
    assert win.run_button.isEnabled() and not win.busy_bar.isVisibleTo(win)


def test_electrode_edits_and_undo_rebuild_off_the_gui_thread_the_last_one_wins(
        qtbot, window, build_threads):
    win = window
    deposit_now(qtbot, win)
    build_threads.clear()
    document = win.document
    first = document.electrodes[0]
    # three edits in a row before any graph is back: only the last one's graph is applied
    for dx in (2e-6, 4e-6, 6e-6):
        bounds = first.shape["bounds"] if "bounds" in first.shape else None
        if bounds is None:
            pytest.skip("the first electrode is not a rectangle")
        x0, y0, x1, y1 = bounds
        document.edit_electrode(first.name, shape=dict(first.shape,
                                                       bounds=[x0 + dx, y0, x1 + dx, y1]))
        assert document.rebuilding
    rebuilt(qtbot, win)
    assert threading.main_thread() not in build_threads
    assert _same_graph(document.built, document, build_threads)
    assert document.electrodes[0].shape["bounds"][0] == pytest.approx(x0 + 6e-6)
    document.undo()
    assert document.rebuilding
    rebuilt(qtbot, win)
    assert threading.main_thread() not in build_threads
    assert _same_graph(document.built, document, build_threads)


def test_a_deposit_during_a_rebuild_drops_it(qtbot, window):
    win = window
    deposit_now(qtbot, win)
    win.parameters.mode.setCurrentText("mnr")
    assert win.document.rebuilding
    deposit_now(qtbot, win)  # new wires: the old wires' graph is not wanted any more
    rebuilt(qtbot, win)
    assert win.document.built is not None and win.document.built.network.mode == "mnr"
    assert win.document.built.wires is win.document.wires


def test_a_document_without_a_builder_still_builds_at_once():
    document = Document(parse_scenario(two_terminal(seed=2, n_wires=200)))
    document.deposit_all()
    spec = document.scenario.network
    document.replace(network=dataclasses.replace(spec, mode="mnr"))
    assert not document.rebuilding and document.built.network.mode == "mnr"
