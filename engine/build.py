"""From a :class:`~nwn.engine.scenario.Scenario` to a ready :class:`Simulation`.

Randomness: one :class:`numpy.random.SeedSequence` from the scenario's seed is spawned into
independent streams, one for the geometry (wire deposition) and one for the junction agents
(parameter spread, initial state and every junction's own dynamics stream), so changing, say,
the junction model never changes the wires, and the same scenario and seed give bit-identical
runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nwn.engine.electrode_conflicts import check_shorting_wires, contact_wires
from nwn.engine.scenario import Scenario
from nwn.engine.simulation import Simulation
from nwn.engine.sources import Source
from nwn.geometry.checks import InputError

__all__ = ["BuiltNetwork", "build_network_from", "build_simulation", "deposit_wires",
           "make_drives", "seed_streams"]


@dataclass(frozen=True, eq=False)
class BuiltNetwork:
    """Wires, junctions, electrodes and the circuit graph of a scenario."""

    wires: Any
    junctions: Any
    electrodes: tuple
    network: Any


def seed_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent generators for (geometry, junction agents) from one seed."""
    geometry_seq, junction_seq = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.default_rng(geometry_seq), np.random.default_rng(junction_seq)


def deposit_wires(scenario: Scenario, *, seed: int | None = None):
    """The scenario's wires: deposited from its geometry stream, or read from its wire file.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Overrides ``scenario.seed``.

    Returns
    -------
    Wires
        Identical for the same scenario network section and seed.
    """
    from nwn.geometry import drop_wires, load_wires

    geometry_rng, _ = seed_streams(scenario.seed if seed is None else seed)
    spec = scenario.network
    if spec.wire_file is not None:
        return load_wires(scenario.resolve(spec.wire_file), diameter=spec.diameter)
    options: dict[str, Any] = {"box": spec.box, "length": spec.length,
                               "diameter": spec.diameter, "rng": geometry_rng}
    if spec.angle is not None:
        options["angle"] = spec.angle
    if spec.centre is not None:
        options["centre"] = spec.centre
    if spec.n_wires is not None:
        return drop_wires(spec.n_wires, **options)
    return drop_wires(density=spec.density, **options)


def build_network_from(scenario: Scenario, *, seed: int | None = None) -> BuiltNetwork:
    """Deposit (or load) the wires, find junctions and build the circuit graph.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Overrides ``scenario.seed``.

    Raises
    ------
    InputError
        For geometry that cannot be simulated, e.g. an electrode touching no wire, or a wire
        touching two electrodes that it would short
        (:func:`~nwn.engine.electrode_conflicts.check_shorting_wires`).
    """
    from nwn.geometry import Electrode, build_network, find_junctions

    spec = scenario.network
    wires = deposit_wires(scenario, seed=seed)
    junctions = find_junctions(wires)
    electrodes = tuple(Electrode(e.name, e.geometry()) for e in scenario.electrodes)
    network = build_network(wires, junctions, list(electrodes), mode=spec.mode,
                            wire_resistivity=spec.wire_resistivity,
                            contact_resistance=spec.contact_resistance)
    check_shorting_wires(scenario.electrodes, contact_wires(network))
    return BuiltNetwork(wires=wires, junctions=junctions, electrodes=electrodes,
                        network=network)


def make_drives(scenario: Scenario) -> dict[str, Source]:
    """The runtime :class:`~nwn.engine.sources.Source` of every electrode of the scenario."""
    return {electrode.name: Source.from_spec(electrode.source, base_dir=scenario.base_dir)
            for electrode in scenario.electrodes}


def build_simulation(scenario: Scenario, *, seed: int | None = None,
                     built: BuiltNetwork | None = None, recorders=(),
                     drives: Mapping[str, Source] | None = None) -> Simulation:
    """Build the network, the junction agents and the drives of a scenario.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Overrides ``scenario.seed``.
    built : BuiltNetwork, optional
        A network already built from this scenario (e.g. deposited live in the GUI).
    recorders : sequence
        Recorders for the simulation.
    drives : mapping of str to Source, optional
        Sources that replace the scenario's on the electrodes they name (e.g. an
        :class:`~nwn.engine.online_input.OnlineInput` fed during the run).
    """
    from nwn.engine.junctions import make_model

    seed = scenario.seed if seed is None else int(seed)
    if built is None:
        built = build_network_from(scenario, seed=seed)
    _, junction_rng = seed_streams(seed)
    network = built.network
    if network.n_junctions == 0:
        raise InputError("network has no junctions: increase network.n_wires or "
                         "network.density, or the wire length")
    junction = scenario.junction
    model = make_model(junction.model, network.n_junctions, params=junction.params,
                       spread=junction.spread, initial=junction.initial, rng=junction_rng)
    sources = make_drives(scenario)
    sources.update(drives or {})
    return Simulation(network, model, sources, dt=scenario.run.dt, recorders=recorders,
                      solver_tolerance=scenario.run.solver_tolerance)
