"""Build the circuit graph (:class:`~nwn.geometry.network.Network`) of a nanowire network.

Node numbering and edge order
-----------------------------
* ``"jda"``: node ``w`` is wire ``w`` (every wire, isolated ones included), then the K terminal
  nodes. Edges: the M junctions (edge ``k`` is junction ``k``), then the contact edges,
  electrode by electrode, wires in increasing order.
* ``"mnr"``: nodes are points on wires: junction points and electrode contact points, ordered
  by wire and then by position along the wire, then the K terminal nodes. Points on one wire
  closer than 1e-9 of its length share a node (several wires crossing at one point, a contact
  on a junction), so no wire piece has zero resistance. Wires with no junction and no contact
  have no node. Edges: the M junctions, then the wire pieces between consecutive nodes of each
  wire (conductance ``pi (D/2)^2 / (rho * length)``), then the contact edges as in JDA. The
  wire beyond its outermost nodes carries no current and is left out.

Contacts
--------
A wire touches an electrode when its segment and the electrode's shape share a point. In MNR
the contact sits at the point of the wire inside the shape that is nearest, along the wire, to
the wire's midpoint: where a wire enters a bar or pad, that is the entry point on the side of
the wire's middle; for a line electrode, the crossing point; for a wire lying wholly inside a
pad, its midpoint. Each contact edge has conductance ``1 / contact_resistance``.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
import shapely

from .checks import InputError, check_choice, check_positive
from .clusters import component_labels
from .electrodes import check_electrodes, wires_touching
from .junctions import Junctions
from .network import EDGE_CONTACT, EDGE_JUNCTION, EDGE_WIRE, Network
from .wires import Wires

__all__ = ["build_network", "contact_positions", "MERGE_FRACTION"]

#: Points on a wire closer than this fraction of its length share one MNR node.
MERGE_FRACTION = 1e-9


def contact_positions(wires: Wires, wire_index: np.ndarray, shape: Any) -> np.ndarray:
    """Where each given wire contacts a shape, as a fraction of the wire from its first end.

    Parameters
    ----------
    wires : Wires
    wire_index : ndarray of int64, shape (C,)
        Wires that touch ``shape``.
    shape : shapely geometry
        The electrode shape.

    Returns
    -------
    ndarray of float64, shape (C,)
        Fraction in [0, 1]: the point of the wire inside the shape nearest (along the wire)
        to the wire's midpoint.
    """
    wire_index = np.asarray(wire_index, dtype=np.int64)
    result = np.full(wire_index.shape[0], np.nan)
    if wire_index.size == 0:
        return result
    ends = wires.endpoints[wire_index]
    lines = shapely.linestrings(ends)
    overlap = shapely.intersection(lines, shape)
    parts, owner = shapely.get_parts(overlap, return_index=True)
    coords, coord_part = shapely.get_coordinates(parts, return_index=True)
    if coords.shape[0]:
        wire_of = owner[coord_part]
        start = ends[wire_of, 0]
        step = ends[wire_of, 1] - start
        t = np.clip(np.sum((coords - start) * step, axis=1) / np.sum(step * step, axis=1),
                    0.0, 1.0)
        t_low = np.full(parts.shape[0], np.inf)
        t_high = np.full(parts.shape[0], -np.inf)
        np.minimum.at(t_low, coord_part, t)
        np.maximum.at(t_high, coord_part, t)
        nearest = np.clip(0.5, t_low, t_high)
        gap = np.abs(nearest - 0.5)
        rows = np.lexsort((gap, owner))
        first = np.unique(owner[rows], return_index=True)[1]
        result[owner[rows][first]] = nearest[rows][first]
    missing = np.flatnonzero(np.isnan(result))
    if missing.size:
        # GEOS may return an empty overlap for a wire that only grazes the shape: use the
        # wire's point nearest to the shape
        touch = shapely.shortest_line(lines[missing], shape)
        start_points = shapely.get_point(touch, 0)
        result[missing] = shapely.line_locate_point(lines[missing], start_points,
                                                    normalized=True)
    return result


@numba.njit(cache=True, nogil=True)
def _first_off_wire(ends, lengths, pairs, position, points):
    """The first junction (side 0 for all, then side 1) whose point is not where its position
    along that wire says, as (junction, side); (-1, -1) if none. The same arithmetic as
    ``start + t * (end - start)`` and ``hypot`` in numpy, fused in one pass."""
    for side in range(2):
        for k in range(pairs.shape[0]):
            w = pairs[k, side]
            t = position[k, side]
            x0 = ends[w, 0, 0]
            y0 = ends[w, 0, 1]
            x = x0 + t * (ends[w, 1, 0] - x0)
            y = y0 + t * (ends[w, 1, 1] - y0)
            if math.hypot(x - points[k, 0], y - points[k, 1]) > 1e-6 * lengths[w]:
                return k, side
    return -1, -1


@numba.njit(cache=True, nogil=True)
def _order_along_wires(point_wire, point_t, n_wires):
    """``np.lexsort((point_t, point_wire))`` in O(P + sum of k^2) for a few points per wire:
    a stable counting sort by wire, then a stable insertion sort by t within each wire (a
    stable merge sort for wires with many points). Ties keep the input order, as lexsort's."""
    count = np.zeros(n_wires + 1, dtype=np.int64)
    for p in range(point_wire.shape[0]):
        count[point_wire[p] + 1] += 1
    for w in range(n_wires):
        count[w + 1] += count[w]
    order = np.empty(point_wire.shape[0], dtype=np.int64)
    fill = count[:n_wires].copy()
    for p in range(point_wire.shape[0]):
        w = point_wire[p]
        order[fill[w]] = p
        fill[w] += 1
    for w in range(n_wires):
        lo = count[w]
        hi = count[w + 1]
        if hi - lo > 32:
            group = order[lo:hi].copy()
            rank = np.argsort(point_t[group], kind="mergesort")
            for q in range(hi - lo):
                order[lo + q] = group[rank[q]]
            continue
        for q in range(lo + 1, hi):
            v = order[q]
            t = point_t[v]
            r = q - 1
            while r >= lo and point_t[order[r]] > t:
                order[r + 1] = order[r]
                r -= 1
            order[r + 1] = v
    return order


def _check_junctions_lie_on(wires: Wires, junctions: Junctions) -> None:
    """Refuse junctions found on another wire set of the same size: each junction's point must
    lie on both its wires where its positions say (a cheap fingerprint, O(M); such junctions
    gave a network of 18 S)."""
    if len(junctions) == 0:
        return
    pairs = np.ascontiguousarray(junctions.pairs, dtype=np.int64)
    if pairs.min() < 0 or pairs.max() >= len(wires):
        raise InputError(f"junctions must come from these {len(wires)} wires (they name wire "
                         f"{int(pairs.max())})")
    k, side = _first_off_wire(
        np.ascontiguousarray(wires.endpoints, dtype=np.float64),
        np.ascontiguousarray(wires.lengths, dtype=np.float64), pairs,
        np.ascontiguousarray(junctions.position, dtype=np.float64),
        np.ascontiguousarray(junctions.points, dtype=np.float64))
    if k >= 0:
        x, y = junctions.points[k]
        raise InputError(
            f"junctions must come from these wires (junction {k} at ({x:.4g}, {y:.4g}) m is "
            f"not on wire {int(pairs[k, side])}: were they found on another wire set?)")


def build_network(
    wires: Wires,
    junctions: Junctions,
    electrodes: Any,
    *,
    mode: str = "jda",
    wire_resistivity: float = 22.6e-9,
    contact_resistance: float = 1.0,
    box: Any = None,
) -> Network:
    """Build the resistor graph of a wire set with its electrode terminals.

    Parameters
    ----------
    wires : Wires
        N wires.
    junctions : Junctions
        Their junctions (from :func:`find_junctions` on the same wires).
    electrodes : sequence of Electrode
        K electrodes with unique names; each must touch at least one wire.
    mode : {"jda", "mnr"}, optional
        Junction-dominated (node = wire) or multi-nodal (node = point on a wire).
    wire_resistivity : float, optional
        Wire resistivity rho (ohm m), > 0, for MNR wire pieces. Default 22.6 nOhm m (Ag).
    contact_resistance : float, optional
        Resistance of each wire-electrode contact (ohm), > 0. Default 1 ohm.
    box : (float, float), optional
        Substrate ``(width, height)`` (m) to check the electrodes against; default
        ``wires.box``.

    Returns
    -------
    Network
        See the module docstring for node numbering and edge order.

    Raises
    ------
    InputError
        On a bad mode or value, junctions of another wire set, an electrode outside the box
        or touching no wire (named in the message).
    """
    if not isinstance(wires, Wires):
        raise InputError(f"wires must be a Wires object (got {type(wires).__name__})")
    if not isinstance(junctions, Junctions):
        raise InputError(f"junctions must be a Junctions object (got {type(junctions).__name__})")
    if junctions.n_wires != len(wires):
        raise InputError(
            f"junctions must come from these {len(wires)} wires (got junctions of "
            f"{junctions.n_wires} wires)"
        )
    _check_junctions_lie_on(wires, junctions)
    mode = check_choice("mode", mode, ("jda", "mnr"))
    rho = check_positive("wire_resistivity", wire_resistivity)
    contact_conductance = 1.0 / check_positive("contact_resistance", contact_resistance)
    items = check_electrodes(electrodes, wires.box if box is None else box)

    n_wires = len(wires)
    contact_wire, contact_electrode, contact_t = [], [], []
    for k, (electrode, touching) in enumerate(zip(items, wires_touching(wires, items),
                                                  strict=True)):
        if touching.size == 0:
            raise InputError(
                f"electrode {electrode.name!r} touches no wire (bounds "
                f"{', '.join(f'{v:.4g}' for v in electrode.shape.bounds)} m; every electrode "
                "must touch at least one wire)"
            )
        contact_wire.append(touching)
        contact_electrode.append(np.full(touching.size, k, dtype=np.int64))
        if mode == "mnr":
            contact_t.append(contact_positions(wires, touching, electrode.shape))
    contact_wire = np.concatenate(contact_wire) if items else np.empty(0, np.int64)
    contact_electrode = np.concatenate(contact_electrode) if items else np.empty(0, np.int64)
    n_contacts = contact_wire.size
    n_junctions = len(junctions)
    n_terminals = len(items)
    centroids = np.array([e.centroid for e in items]).reshape(-1, 2)

    if mode == "jda":
        n_point_nodes = n_wires
        junction_nodes = junctions.pairs
        contact_nodes = contact_wire
        wire_nodes = np.empty((0, 2), np.int64)
        wire_conductance = np.empty(0)
        node_position = wires.midpoints
        node_wire = np.arange(n_wires, dtype=np.int64)
    else:
        contact_t = np.concatenate(contact_t) if items else np.empty(0)
        point_wire = np.concatenate([junctions.pairs[:, 0], junctions.pairs[:, 1], contact_wire])
        point_t = np.concatenate([junctions.position[:, 0], junctions.position[:, 1], contact_t])
        order = _order_along_wires(np.ascontiguousarray(point_wire, dtype=np.int64),
                                   np.ascontiguousarray(point_t, dtype=np.float64),
                                   n_wires)  # = np.lexsort((point_t, point_wire))
        sorted_wire = point_wire[order]
        sorted_t = point_t[order]
        new_node = np.ones(order.size, dtype=bool)
        new_node[1:] = (sorted_wire[1:] != sorted_wire[:-1]) | (
            sorted_t[1:] - sorted_t[:-1] > MERGE_FRACTION
        )
        point_node = np.empty(order.size, dtype=np.int64)
        point_node[order] = np.cumsum(new_node) - 1
        n_point_nodes = int(new_node.sum())
        node_wire = sorted_wire[new_node]
        node_t = sorted_t[new_node]
        junction_nodes = np.stack(
            [point_node[:n_junctions], point_node[n_junctions:2 * n_junctions]], axis=1
        )
        contact_nodes = point_node[2 * n_junctions:]
        same_wire = np.flatnonzero(node_wire[1:] == node_wire[:-1])
        wire_nodes = np.stack([same_wire, same_wire + 1], axis=1).astype(np.int64)
        segment_wire = node_wire[same_wire]
        segment_length = (node_t[same_wire + 1] - node_t[same_wire]) * wires.lengths[segment_wire]
        area = np.pi * (0.5 * wires.diameters[segment_wire]) ** 2
        wire_conductance = area / (rho * segment_length)
        start = wires.endpoints[node_wire, 0]
        node_position = start + node_t[:, None] * (wires.endpoints[node_wire, 1] - start)

    terminal_nodes = n_point_nodes + np.arange(n_terminals, dtype=np.int64)
    contact_edges = np.stack([contact_nodes, terminal_nodes[contact_electrode]], axis=1)
    edge_nodes = np.concatenate([
        np.asarray(junction_nodes, dtype=np.int64).reshape(-1, 2),
        wire_nodes.reshape(-1, 2),
        contact_edges.reshape(-1, 2).astype(np.int64),
    ])
    n_segments = wire_nodes.shape[0]
    edge_kind = np.concatenate([
        np.full(n_junctions, EDGE_JUNCTION, np.int8),
        np.full(n_segments, EDGE_WIRE, np.int8),
        np.full(n_contacts, EDGE_CONTACT, np.int8),
    ])
    edge_conductance = np.concatenate([
        np.full(n_junctions, np.nan), wire_conductance, np.full(n_contacts, contact_conductance)
    ])
    junction_edge = np.arange(n_junctions, dtype=np.int64)
    edge_junction = np.concatenate([junction_edge, np.full(n_segments + n_contacts, -1, np.int64)])
    n_nodes = n_point_nodes + n_terminals
    component = component_labels(n_nodes, edge_nodes)
    return Network(
        mode=mode,
        n_nodes=int(n_nodes),
        edge_nodes=edge_nodes,
        edge_kind=edge_kind,
        edge_conductance=edge_conductance,
        junction_edge=junction_edge,
        edge_junction=edge_junction,
        electrode_names=tuple(e.name for e in items),
        terminal_nodes=terminal_nodes,
        node_position=np.concatenate([np.asarray(node_position).reshape(-1, 2), centroids]),
        node_wire=np.concatenate([node_wire, np.full(n_terminals, -1, np.int64)]),
        component=component,
        wires=wires,
        junctions=junctions,
        electrodes=items,
    )
