"""Wire-electrode contacts as junctions of the network's junction model.

nwn's default contact is a fixed resistance (``contact_resistance`` of
:func:`~nwn.geometry.circuit.build_network`). MemNNetSim (mnns) instead joins a wire to a
line electrode through a junction of the same memristive kind as wire-wire junctions; this
is a modelling choice (is the wire-electrode interface a switching junction?), and
:func:`contacts_as_junctions` offers it: the contact edges become junction edges whose
conductance the junction model sets at every step.

Numbering: junctions ``0 .. M-1`` are the wire-wire junctions as before (``network.junctions``
describes them); junctions ``M .. M+C-1`` are the C contacts, in edge order (electrode by
electrode, wires in increasing order). Edges keep their order and their nodes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .checks import InputError
from .network import EDGE_CONTACT, EDGE_JUNCTION, Network

__all__ = ["contacts_as_junctions"]


def contacts_as_junctions(network: Network) -> Network:
    """The same network with every wire-electrode contact turned into a junction.

    Parameters
    ----------
    network : Network

    Returns
    -------
    Network
        ``n_junctions`` grows by the number of contact edges C; ``edge_kind`` of those
        edges is ``EDGE_JUNCTION`` and their ``edge_conductance`` NaN.
    """
    if not isinstance(network, Network):
        raise InputError(f"network must be a Network (got {type(network).__name__})")
    kind = np.array(network.edge_kind)
    contact = np.flatnonzero(kind == EDGE_CONTACT)
    kind[contact] = EDGE_JUNCTION
    conductance = np.array(network.edge_conductance, dtype=np.float64)
    conductance[contact] = np.nan
    junction_edge = np.concatenate([np.asarray(network.junction_edge, dtype=np.int64), contact])
    edge_junction = np.array(network.edge_junction, dtype=np.int64)
    edge_junction[contact] = network.n_junctions + np.arange(contact.size, dtype=np.int64)
    return replace(network, edge_kind=kind, edge_conductance=conductance,
                   junction_edge=junction_edge, edge_junction=edge_junction)
