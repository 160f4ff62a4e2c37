"""Kernel warm-up: compile (or load from numba's cache) what a studio session calls first.

On a fresh install numba compiles every kernel on its first call: tens of seconds in all
(the issue measured 14 s for the first deposit and 22 s for the first Run). The studio calls
:func:`warm_kernels` in a worker thread at launch, on a tiny network of the document's own
junction model, so by the time someone clicks Deposit or Run the kernels are ready; with a warm
cache it takes about a second.
"""

from __future__ import annotations

import dataclasses
import time

__all__ = ["warm_kernels"]

def warm_kernels(scenario) -> float:
    """Run every kernel a deposit and a run of ``scenario``'s junction model use, once.

    Deposits the default scenario's 600 wires, finds their junctions and clusters (the
    deposition film's frames), builds the circuit graph and runs three steps of ``scenario``'s
    junction model on it. Touches nothing outside (no file, no document).

    Parameters
    ----------
    scenario : Scenario
        Whose junction model (and parameters) to warm.

    Returns
    -------
    float
        Seconds it took.
    """
    from nwn.app.models.deposition_film import DepositionFilm
    from nwn.app.models.document import default_scenario, geometry_electrodes
    from nwn.engine.build import build_simulation, deposit_wires
    from nwn.geometry import find_junctions

    started = time.perf_counter()
    base = default_scenario()
    small = dataclasses.replace(base, junction=scenario.junction,
                                run=dataclasses.replace(base.run, duration=3 * base.run.dt))
    wires = deposit_wires(small)
    junctions = find_junctions(wires)
    film = DepositionFilm(wires, junctions, geometry_electrodes(small.electrodes),
                          small.network.box)
    film.frame(len(film) // 2)
    film.frame(len(film))
    _warm_path()
    try:
        simulation = build_simulation(small)
        simulation.run(small.run.duration)
    except ValueError:
        pass  # a tiny network that does not percolate still compiled the solver's set-up
    else:
        _warm_styling(simulation)
    return time.perf_counter() - started


def _warm_path() -> None:
    """Find a lowest-resistance path on a triangle (:mod:`nwn.app.models.path_kernels`: its
    adjacency build, pair resistances and Dijkstra), whether or not the tiny network
    percolates and gets styled."""
    import numpy as np

    from nwn.app.models.scene import lowest_resistance_path
    from nwn.geometry.network import Network

    edges = np.array([(0, 1), (1, 2), (0, 2)], dtype=np.int64)
    network = Network(mode="jda", n_nodes=3, edge_nodes=edges, edge_kind=np.zeros(3, np.int8),
                      edge_conductance=np.ones(3), junction_edge=np.arange(3),
                      edge_junction=np.arange(3), electrode_names=("a", "b"),
                      terminal_nodes=np.array([0, 2]), node_position=np.zeros((3, 2)),
                      node_wire=np.arange(3), component=np.zeros(3, np.int64))
    lowest_resistance_path(network, np.array([1.0, 1.0, 0.1]), "a", "b")


def _warm_styling(simulation) -> None:
    """Style the run's state once in every colour mode, log and linear, with the backbone
    and the lowest-resistance path (the compiled passes of a live frame,
    :mod:`nwn.app.models.style_kernels`)."""
    from nwn.app.models.palette import COLOR_MODES
    from nwn.app.models.run_style import RunSettings, make_run_style
    from nwn.app.models.scene import NetworkScene

    scene = NetworkScene(simulation.network)
    snapshot = simulation.snapshot()
    names = simulation.network.electrode_names
    for mode in COLOR_MODES:
        for log in (False, True):
            make_run_style(scene, snapshot, RunSettings(mode=mode, log=log, backbone=0.05,
                                                        path_between=tuple(names[:2])),
                           path=mode == "state", histogram=True)
