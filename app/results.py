"""Reading an nwn HDF5 results file back: traces, the network, and the state at any time.

:class:`Results` opens a file written by :class:`nwn.engine.recording.HDF5Recorder` and rebuilds
what the canvas needs without Qt: the :class:`~nwn.geometry.network.Network` from
``/geometry/*`` and, for any recorded time, a :class:`~nwn.engine.simulation.Snapshot` whose
edge currents are recomputed as ``G * (V_a - V_b)`` from the recorded node voltages and
junction conductances (wire-segment and contact edges keep their fixed conductance).

Junction rows (``/junctions/*``) and node rows (``/nodes/*``) may be recorded at different
intervals; a snapshot at time ``t`` takes the latest row of each at or before ``t``.
Rows are read on demand, one at a time, so memory stays bounded however long the run.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import shapely

from nwn.geometry.checks import InputError
from nwn.geometry.shapes import shape_dict

__all__ = ["RecordedElectrode", "Results", "load_results"]

# Relative slack when matching a requested time to recorded row times (float round-off).
_TIME_SLACK = 1e-9


@dataclass(frozen=True)
class RecordedElectrode:
    """An electrode as stored in a results file.

    Attributes
    ----------
    name : str
    shape : dict
        Scenario shape dict (m) for drawing, see :class:`nwn.engine.scenario.ElectrodeSpec`.
    geometry : shapely geometry
        The electrode outline (m).
    source : object
        Has ``kind``: ``"voltage" | "current" | "ground" | "floating"``.
    """

    name: str
    shape: dict
    geometry: object
    source: object


def load_results(path: str | Path) -> Results:
    """Open a results file (see :class:`Results`)."""
    return Results(path)


class Results:
    """A results file opened for reading.

    Parameters
    ----------
    path : str or Path
        HDF5 file written by :class:`nwn.engine.recording.HDF5Recorder`.

    Attributes
    ----------
    path : Path
    t : ndarray, shape (T,)
        Times of the trace rows (s).
    terminal_current, terminal_voltage : ndarray, shape (T, K)
        Current into the network (A) and potential (V) of each electrode.
    conductance : ndarray, shape (T,)
        Two-terminal conductance (S), NaN unless two terminals are driven.
    junction_t : ndarray, shape (S,)
        Times of the junction-state rows (s).
    node_t : ndarray, shape (S2,)
        Times of the node-voltage rows (s).
    electrode_names : tuple of str, length K
    electrodes : tuple of RecordedElectrode
    network : Network
    box : tuple of float
        Substrate ``(width, height)`` (m).
    scenario_text : str
    complete : bool
        False when the run that wrote the file did not end normally.

    Raises
    ------
    InputError
        When the file is missing or is not an nwn results file.
    """

    def __init__(self, path: str | Path) -> None:
        import h5py

        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"results file {str(self.path)!r} does not exist")
        try:
            # SWMR read: a file still being written by a run can be read too.
            self._file = h5py.File(self.path, "r", libver="latest", swmr=True)
        except OSError as error:
            raise InputError(f"results file {str(self.path)!r} is not a readable HDF5 file "
                             f"({error})") from None
        file = self._file
        missing = [name for name in ("t", "electrodes/current", "junctions/state",
                                     "nodes/voltage", "geometry/edge_nodes")
                   if name not in file]
        if missing:
            self.close()
            raise InputError(f"results file {str(self.path)!r} is not an nwn results file "
                             f"(missing {', '.join('/' + m for m in missing)})")
        attrs = file.attrs
        self.scenario_text = str(attrs.get("scenario", ""))
        self.complete = bool(attrs.get("complete", False))
        self.dt = float(attrs.get("dt", np.nan))
        self.electrode_names = tuple(str(n) for n in attrs.get("electrode_names", ()))
        self.t = file["t"][:]
        self.terminal_current = file["electrodes/current"][:]
        self.terminal_voltage = file["electrodes/voltage"][:]
        self.conductance = file["network/conductance"][:]
        self.junction_t = file["junctions/t"][:]
        self.node_t = file["nodes/t"][:]
        # Rows are appended in lockstep but the time axis may be flushed a block ahead of or
        # behind the data; keep only rows present in both.
        n = min(len(self.t), len(self.terminal_current), len(self.terminal_voltage),
                len(self.conductance))
        self.t, self.terminal_current = self.t[:n], self.terminal_current[:n]
        self.terminal_voltage, self.conductance = self.terminal_voltage[:n], self.conductance[:n]
        self._n_junction_rows = min(len(self.junction_t), file["junctions/state"].shape[0],
                                    file["junctions/conductance"].shape[0])
        self.junction_t = self.junction_t[: self._n_junction_rows]
        self._n_node_rows = min(len(self.node_t), file["nodes/voltage"].shape[0])
        self.node_t = self.node_t[: self._n_node_rows]
        self.electrodes = self._read_electrodes(attrs)
        self.box = self._read_box()
        self.network = self._read_network()
        self._fixed_conductance = np.nan_to_num(
            np.asarray(self.network.edge_conductance, dtype=np.float64), nan=0.0)
        self._junction_edge = np.asarray(self.network.junction_edge)

    # -- file -------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Results:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- static content -----------------------------------------------------------------------

    def _read_electrodes(self, attrs) -> tuple[RecordedElectrode, ...]:
        stored = self._file["geometry/electrodes"].attrs if \
            "geometry/electrodes" in self._file else {}
        kinds = [str(k) for k in attrs.get("electrode_sources", ())]
        electrodes = []
        for k, name in enumerate(self.electrode_names):
            if name not in stored:
                continue
            geometry = shapely.from_wkt(str(stored[name]))
            shape = shape_dict(geometry, lenient=True)
            kind = kinds[k] if k < len(kinds) else "floating"
            electrodes.append(RecordedElectrode(name, shape, geometry,
                                                SimpleNamespace(kind=kind)))
        return tuple(electrodes)

    def _read_box(self) -> tuple[float, float]:
        try:
            box = tomllib.loads(self.scenario_text)["network"]["box"]
            width, height = float(box[0]), float(box[1])
            if width > 0 and height > 0:
                return width, height
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, IndexError):
            pass
        # No scenario: frame the wires.
        ends = self._file["geometry/wire_endpoints"][:].reshape(-1, 2)
        high = ends.max(axis=0) if ends.size else np.ones(2) * 1e-6
        return float(high[0]), float(high[1])

    def _read_network(self):
        from nwn.geometry.junctions import Junctions
        from nwn.geometry.network import Network
        from nwn.geometry.wires import Wires

        geometry = self._file["geometry"]
        read = {name: geometry[name][:] for name in (
            "edge_nodes", "edge_kind", "edge_conductance", "junction_edge", "terminal_nodes",
            "node_position", "node_wire", "component")}
        n_edges = read["edge_nodes"].shape[0]
        edge_junction = np.full(n_edges, -1, dtype=np.int64)
        edge_junction[read["junction_edge"]] = np.arange(read["junction_edge"].size)
        wires = junctions = None
        if "wire_endpoints" in geometry:
            diameters = geometry["wire_diameters"][:] if "wire_diameters" in geometry else 60e-9
            wires = Wires.from_endpoints(geometry["wire_endpoints"][:], diameter=diameters,
                                         box=self.box)
        if "junction_pairs" in geometry and wires is not None:
            pairs = geometry["junction_pairs"][:].astype(np.int64).reshape(-1, 2)
            points = geometry["junction_points"][:].astype(np.float64).reshape(-1, 2)
            # Where each junction sits along its two wires (not stored; exact from the points).
            start = wires.endpoints[pairs, 0]
            distance = np.hypot(points[:, None, 0] - start[..., 0],
                                points[:, None, 1] - start[..., 1])
            position = distance / wires.lengths[pairs]
            junctions = Junctions(pairs=pairs, points=points, position=position,
                                  distance=distance, n_wires=len(wires))
        n_nodes = int(read["node_position"].shape[0])
        return Network(
            mode=str(self._file.attrs.get("mode", "jda")), n_nodes=n_nodes,
            edge_nodes=read["edge_nodes"].astype(np.int64),
            edge_kind=read["edge_kind"], edge_conductance=read["edge_conductance"],
            junction_edge=read["junction_edge"].astype(np.int64), edge_junction=edge_junction,
            electrode_names=self.electrode_names,
            terminal_nodes=read["terminal_nodes"].astype(np.int64),
            node_position=read["node_position"], node_wire=read["node_wire"].astype(np.int64),
            component=read["component"].astype(np.int64), wires=wires, junctions=junctions,
            electrodes=tuple(SimpleNamespace(name=e.name, shape=e.geometry)
                             for e in self.electrodes))

    @property
    def model_parameters(self) -> dict:
        """Junction-model parameters stored with the run."""
        return json.loads(self._file.attrs.get("model_parameters", "{}"))

    # -- time ---------------------------------------------------------------------------------

    @property
    def frame_times(self) -> np.ndarray:
        """Times (s) at which a full network state was recorded, shape (F,): the junction
        rows that have a node-voltage row at or before them."""
        if self._n_node_rows == 0:
            return np.zeros(0)
        return self.junction_t[self.junction_t >= self.node_t[0] - self._slack()]

    def _slack(self) -> float:
        span = float(self.t[-1] - self.t[0]) if len(self.t) > 1 else 1.0
        return _TIME_SLACK * max(span, abs(self.dt) if np.isfinite(self.dt) else 0.0, 1e-30)

    def _row_at(self, times: np.ndarray, t: float, what: str) -> int:
        if times.size == 0:
            raise InputError(f"results file {str(self.path)!r} holds no {what} rows")
        row = int(np.searchsorted(times, t + self._slack(), side="right")) - 1
        return max(row, 0)

    def snapshot_at(self, t: float):
        """The network state recorded at (or last before) time ``t``.

        Parameters
        ----------
        t : float
            Simulated time (s).

        Returns
        -------
        Snapshot
            Node voltages and junction states/conductances of the latest rows at or before
            ``t`` (the first rows for earlier ``t``); edge currents ``G * (V_a - V_b)`` (A), NaN
            on unsolved clusters; terminal traces and the two-terminal conductance of the
            latest trace row.
        """
        from nwn.engine.simulation import Snapshot

        file = self._file
        if file is None:
            raise InputError(f"results file {str(self.path)!r} is closed")
        junction_row = self._row_at(self.junction_t, t, "junction")
        node_row = self._row_at(self.node_t, t, "node-voltage")
        junction_conductance = file["junctions/conductance"][junction_row].astype(np.float64)
        junction_state = file["junctions/state"][junction_row].astype(np.float64)
        node_voltage = file["nodes/voltage"][node_row].astype(np.float64)
        edge_conductance = self._fixed_conductance.copy()
        edge_conductance[self._junction_edge] = junction_conductance
        nodes = self.network.edge_nodes
        drop = node_voltage[nodes[:, 0]] - node_voltage[nodes[:, 1]]
        edge_current = edge_conductance * drop
        junction_voltage = np.nan_to_num(drop[self._junction_edge], nan=0.0)
        trace_row = self._row_at(self.t, t, "trace") if len(self.t) else None
        k = len(self.electrode_names)
        if trace_row is None:
            terminal_current = np.full(k, np.nan)
            terminal_voltage = np.full(k, np.nan)
            conductance = np.nan
        else:
            terminal_current = self.terminal_current[trace_row]
            terminal_voltage = self.terminal_voltage[trace_row]
            conductance = float(self.conductance[trace_row])
        step = int(round(self.junction_t[junction_row] / self.dt)) if self.dt > 0 else 0
        return Snapshot(step=step, t=float(self.junction_t[junction_row]),
                        node_voltage=node_voltage, edge_current=edge_current,
                        terminal_current=np.array(terminal_current),
                        terminal_voltage=np.array(terminal_voltage),
                        junction_conductance=junction_conductance,
                        junction_state=junction_state, junction_voltage=junction_voltage,
                        conductance=conductance)
