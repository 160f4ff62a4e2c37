"""Electrodes that short each other: overlapping shapes, and wires touching two of them.

Each electrode is one terminal node joined to every wire it touches by a contact edge
(:mod:`nwn.geometry.circuit`). Two electrodes whose shapes share a point are one piece of
metal, yet the model would hold them at two potentials: with base scenario B's right bar moved
onto the left one the network "conducted" 29-30 S, the contacts' conductance, not the wires'.
A wire touching two electrodes joins their terminals through two contacts, bypassing every
junction: between a driven and a grounded electrode it measures the contact, not the network.

The rules (one place; the scenario, ``nwn run``, ``nwn validate`` and the app apply them):

* **Overlapping shapes** (sharing any point, edges included: touching metal conducts) are
  refused unless both electrodes *hold the same potential*: both grounded, or both ideal
  voltage sources (no series resistance) with the same waveform. Such electrodes are one
  conductor described in pieces, which the model represents correctly. Anything else,
  a floating or current-driven electrode included, is refused: one conductor cannot float, or
  take a set current, apart from the metal it touches. Checked from the scenario alone (no
  wires), so ``nwn validate`` and the app's electrode editor refuse it at once.
* **A wire touching two electrodes** is refused when both are driven or grounded and they do
  not hold the same potential (a voltage source and a ground, two different waveforms, a
  current source and anything driven). A floating electrode may share wires with anything: it
  only reads the potential of the wires it touches (a probe next to a bar). Checked when the
  network is built, since it depends on the wires.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

from nwn.geometry.checks import InputError
from nwn.geometry.network import EDGE_CONTACT

__all__ = ["same_potential", "check_overlaps", "check_shorting_wires", "contact_wires"]


def _held_potential(source: Any) -> tuple | None:
    """What fixes a terminal's potential, comparable between electrodes; None if nothing
    does (floating, a current source, or a voltage source behind a series resistance)."""
    if source.kind == "ground":
        return ("ground",)
    if source.kind == "voltage" and not source.series_resistance:
        return ("voltage", json.dumps(source.waveform, sort_keys=True, default=str))
    return None


def same_potential(a: Any, b: Any) -> bool:
    """True when two sources (:class:`~nwn.engine.scenario.SourceSpec`) hold their terminals
    at one potential at every instant: both ground, or both ideal voltage sources with the same
    waveform."""
    held = _held_potential(a)
    return held is not None and held == _held_potential(b)


def _label(k: int, electrode: Any) -> str:
    return f"electrodes[{k}] {electrode.name!r} ({electrode.source.kind})"


def check_overlaps(electrodes: Sequence[Any]) -> None:
    """Refuse electrodes whose shapes share a point unless they hold the same potential.

    Parameters
    ----------
    electrodes : sequence of ElectrodeSpec
        Each with ``name``, ``source`` and ``geometry()``.

    Raises
    ------
    InputError
        One line naming both electrodes and a point (m) they share.
    """
    if len(electrodes) < 2:
        return
    shapes = [electrode.geometry() for electrode in electrodes]
    first, second = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    for i, j in sorted(zip(first.tolist(), second.tolist(), strict=True)):
        if i >= j or same_potential(electrodes[i].source, electrodes[j].source):
            continue
        x, y = shapely.get_coordinates(
            shapely.intersection(shapes[i], shapes[j]).representative_point())[0]
        raise InputError(
            f"{_label(i, electrodes[i])} and {_label(j, electrodes[j])} overlap (their shapes "
            f"share the point ({x:.4g}, {y:.4g}) m; touching metal is one conductor): move them "
            f"apart (allowed to overlap: only electrodes both grounded or both on the same "
            f"ideal voltage waveform)")


def check_shorting_wires(electrodes: Sequence[Any], touching: Sequence[np.ndarray]) -> None:
    """Refuse a wire that touches two driven electrodes not holding the same potential.

    Parameters
    ----------
    electrodes : sequence of ElectrodeSpec
        K electrodes (``name`` and ``source``).
    touching : sequence of ndarray of int64
        K arrays: the wires each electrode touches
        (:func:`nwn.geometry.electrodes.wires_touching`).

    Raises
    ------
    InputError
        One line naming the wire index and both electrodes.
    """
    driven = [k for k, e in enumerate(electrodes) if e.source.kind != "floating"]
    if len(driven) < 2:
        return
    wire = np.concatenate([np.asarray(touching[k], dtype=np.int64) for k in driven])
    owner = np.concatenate([np.full(len(touching[k]), k, dtype=np.int64) for k in driven])
    order = np.lexsort((owner, wire))
    wire, owner = wire[order], owner[order]
    shared = np.flatnonzero(wire[1:] == wire[:-1])
    for s in shared:
        i, j = int(owner[s]), int(owner[s + 1])
        if same_potential(electrodes[i].source, electrodes[j].source):
            continue
        raise InputError(
            f"wire {int(wire[s])} touches both {_label(i, electrodes[i])} and "
            f"{_label(j, electrodes[j])}: it shorts them through two contacts, bypassing the "
            f"network; move the electrodes further apart than a wire is long (a wire may touch "
            f"two electrodes only if one floats or both hold the same potential)")


def contact_wires(network: Any) -> list[np.ndarray]:
    """The wires each terminal of a built network touches, from its contact edges (no
    geometry again: the same answer as :func:`nwn.geometry.electrodes.wires_touching`).

    Parameters
    ----------
    network : Network

    Returns
    -------
    list of ndarray of int64
        One array per terminal, in ``network.electrode_names`` order.
    """
    contact = np.flatnonzero(np.asarray(network.edge_kind) == EDGE_CONTACT)
    nodes = np.asarray(network.edge_nodes)[contact]
    wire = np.asarray(network.node_wire)[nodes[:, 0]]
    terminal = np.searchsorted(np.asarray(network.terminal_nodes), nodes[:, 1])
    return [wire[terminal == k] for k in range(len(network.electrode_names))]
