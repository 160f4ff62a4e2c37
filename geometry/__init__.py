"""nwn.geometry: wires, junctions, electrodes, circuit graph, percolation, wire-set I/O.

Everything is in SI units (m, ohm, S); arrays name their shapes in the docstrings.
"""

from .checks import InputError
from .circuit import MERGE_FRACTION, build_network, contact_positions
from .clusters import ClusterReport, cluster_report, connected_components, connects
from .deposition import Deposition, DepositionStep
from .electrodes import (
    Electrode,
    check_electrodes,
    four_probe,
    pad_grid,
    pad_ring,
    pad_row,
    point_contact,
    side_bars,
    touching_wires,
)
from .junctions import Junctions, find_junctions
from .kernel_cache import refresh as _refresh_kernel_cache
from .network import EDGE_CONTACT, EDGE_JUNCTION, EDGE_WIRE, Network
from .percolation import CRITICAL_DENSITY_RATIO, spanning_probability, spans
from .wire_io import load_wires, save_wires
from .wires import Wires, drop_wires

# before any kernel of any layer runs (numba reads its cache at a kernel's first call, not
# at its definition): see kernel_cache
_refresh_kernel_cache()

__all__ = [
    "CRITICAL_DENSITY_RATIO",
    "ClusterReport",
    "Deposition",
    "DepositionStep",
    "EDGE_CONTACT",
    "EDGE_JUNCTION",
    "EDGE_WIRE",
    "Electrode",
    "InputError",
    "Junctions",
    "MERGE_FRACTION",
    "Network",
    "Wires",
    "build_network",
    "check_electrodes",
    "cluster_report",
    "connected_components",
    "connects",
    "contact_positions",
    "drop_wires",
    "find_junctions",
    "four_probe",
    "load_wires",
    "pad_grid",
    "pad_ring",
    "pad_row",
    "point_contact",
    "save_wires",
    "side_bars",
    "spanning_probability",
    "spans",
    "touching_wires",
]
