"""The results file of a run: its layout (defined here once) and its reader.

:class:`nwn.engine.recording.HDF5Recorder` writes what :data:`DATASETS`, :data:`GEOMETRY` and
:data:`ATTRIBUTES` describe; :class:`Results` reads it back. Both take every path, unit and
data type from these tables, so the writer and the reader cannot drift apart. The same
tables name the arrays everywhere in Python: ``Results.terminal_current`` is the dataset
``/electrodes/current``, and :class:`~nwn.engine.recording.TraceRecorder` and
:class:`~nwn.engine.monitors.StateMonitor` use the same names.

Layout (SI units; each dataset carries a ``units`` attribute)::

    /t                      (T,)    s      time of each trace row
    /step                   (T,)    -      step index of each trace row
    /electrodes/current     (T, K)  A      current into the network through each electrode
    /electrodes/voltage     (T, K)  V      potential of each electrode terminal
    /network/conductance    (T,)    S      two-terminal conductance (NaN unless 2 driven)
    /junctions/t            (S,)    s      times of the junction rows
    /junctions/state        (S, M)  -      normalized junction state in [0, 1] (float32)
    /junctions/conductance  (S, M)  S      junction conductance
    /nodes/t                (S2,)   s      times of the node rows
    /nodes/voltage          (S2, N) V      node potentials (NaN on excluded clusters)
    /geometry/...                          wires, junctions and graph, to redraw the network

Rows come on three clocks: trace rows every ``run.record_every`` steps, junction rows every
``run.junction_every`` and node rows every ``run.snapshot_every`` (the scenario keys).

A file that is still being written, or whose run was killed, is read up to its last flush:
each clock keeps only the rows present in all of its datasets (a time axis may have been
flushed a block ahead of its data), and ``complete`` is False.
"""

from __future__ import annotations

import io
import json
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from nwn.geometry.checks import InputError

__all__ = ["ATTRIBUTES", "DATASETS", "FORMAT", "GEOMETRY", "Dataset", "RecordedElectrode",
           "Results", "load_results"]

#: Value of the root attribute ``format``.
FORMAT = "nwn-studio results 1"


@dataclass(frozen=True)
class Dataset:
    """One appendable dataset of a results file.

    Attributes
    ----------
    path : str
        Path inside the file, e.g. ``"electrodes/current"``.
    name : str
        Its name in Python (attribute of :class:`Results`, the recorders and monitors).
    clock : {"trace", "junction", "node"}
        Which row series it belongs to (see :data:`CLOCKS`).
    width : {"", "K", "M", "N"}
        Columns per row: one value, or one per electrode, junction or node.
    dtype : numpy dtype
    units : str
    required : bool
        Whether a file without it is refused as not a results file.
    """

    path: str
    name: str
    clock: str
    width: str
    dtype: Any
    units: str
    required: bool = False


#: Every appendable dataset, in writing order.
DATASETS: tuple[Dataset, ...] = (
    Dataset("t", "t", "trace", "", np.float64, "s", True),
    Dataset("step", "step", "trace", "", np.int64, ""),
    Dataset("electrodes/current", "terminal_current", "trace", "K", np.float64, "A", True),
    Dataset("electrodes/voltage", "terminal_voltage", "trace", "K", np.float64, "V", True),
    Dataset("network/conductance", "conductance", "trace", "", np.float64, "S", True),
    Dataset("junctions/t", "junction_t", "junction", "", np.float64, "s"),
    # State in [0, 1] needs no more than float32: halves the largest dataset of a run.
    Dataset("junctions/state", "junction_state", "junction", "M", np.float32, ""),
    Dataset("junctions/conductance", "junction_conductance", "junction", "M", np.float64, "S"),
    Dataset("nodes/t", "node_t", "node", "", np.float64, "s"),
    Dataset("nodes/voltage", "node_voltage", "node", "N", np.float64, "V"),
)

#: The scenario ``[run]`` key that sets the interval (steps) of each clock.
CLOCKS = {"trace": "record_every", "junction": "junction_every", "node": "snapshot_every"}

_BY_NAME = {d.name: d for d in DATASETS}
_BY_PATH = {d.path: d for d in DATASETS}

#: ``/geometry/*`` datasets: name -> (Network attribute or None, units, required).
GEOMETRY: dict[str, tuple[str | None, str, bool]] = {
    "edge_nodes": ("edge_nodes", "", True),
    "edge_kind": ("edge_kind", "", True),
    "edge_conductance": ("edge_conductance", "S", True),
    "junction_edge": ("junction_edge", "", True),
    "terminal_nodes": ("terminal_nodes", "", True),
    "node_position": ("node_position", "m", True),
    "node_wire": ("node_wire", "", True),
    "component": ("component", "", True),
    "wire_endpoints": (None, "m", False),     # (W, 2, 2) wire ends
    "wire_diameters": (None, "m", False),     # (W,)
    "junction_pairs": (None, "", False),      # (M, 2) wire indices of each junction
    "junction_points": (None, "m", False),    # (M, 2) where each junction sits
}
#: Group whose attributes map each electrode name to its outline as WKT (m).
ELECTRODE_SHAPES = "geometry/electrodes"

#: Root attributes and what they hold.
ATTRIBUTES = {
    "format": "FORMAT",
    "electrode_names": "names of the K electrodes, in column order",
    "electrode_sources": "source kind of each electrode (voltage, current, ground, floating)",
    "scenario": "the scenario (TOML text) that ran",
    "seed": "seed of the run (-1: none)",
    "dt": "time step (s)",
    "mode": "graph representation, 'jda' or 'mnr'",
    "model": "junction model name",
    "model_parameters": "junction-model parameters (JSON)",
    "versions": "versions of nwn-studio and the numerical libraries (JSON)",
    "created": "local time the run started (ISO 8601)",
    "complete": "False until the run ends normally",
}

# Relative slack when matching a requested time to recorded row times (float round-off).
_TIME_SLACK = 1e-9

#: Rows :meth:`Results.columns` reads at a time.
COLUMN_BLOCK_ROWS = 4096


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


def load_results(source: str | Path | io.BytesIO, *, lazy: bool = True) -> Results:
    """Open a results file (see :class:`Results`)."""
    return Results(source, lazy=lazy)


def _as_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class Results:
    """A run's results: the datasets of :data:`DATASETS` as arrays, and the network.

    Parameters
    ----------
    source : str, Path or binary file object
        An HDF5 file written by :class:`nwn.engine.recording.HDF5Recorder` (or its bytes in
        memory, as :func:`nwn.engine.run` keeps them when given no output file).
    lazy : bool
        True: the file stays open and each array is read when first used (rows of the
        network state one at a time by :meth:`snapshot_at`), so memory stays bounded however
        long the run. False: everything is read now and the file is closed.

    Attributes
    ----------
    t, step : ndarray, shape (T,)
        Time (s) and step index of each trace row.
    terminal_current, terminal_voltage : ndarray, shape (T, K)
        Current into the network (A) and potential (V) of each electrode.
    conductance : ndarray, shape (T,)
        Two-terminal conductance (S), NaN unless two terminals are driven.
    junction_t : ndarray, shape (S,)
        Times of the junction rows (s).
    junction_state, junction_conductance : ndarray, shape (S, M)
        Junction state (-, float32) and conductance (S).
    node_t : ndarray, shape (S2,)
        Times of the node rows (s).
    node_voltage : ndarray, shape (S2, N)
        Node potentials (V).
    path : Path or None
        The file (None in memory).
    electrode_names : tuple of str, length K
    electrode_sources : tuple of str, length K
    electrodes : tuple of RecordedElectrode
    network : Network
        Rebuilt from ``/geometry/*``.
    box : tuple of float
        Substrate ``(width, height)`` (m).
    scenario_text : str
        The scenario that ran (root attribute ``scenario``).
    seed : int or None
    dt : float
        Time step (s).
    model : str
        Junction model name.
    complete : bool
        False when the run that wrote the file did not end normally (or is still running).
    monitors : tuple
        Monitors that recorded alongside (set by :func:`nwn.engine.run`).

    The arrays are also available by dataset path, ``results["electrodes/current"]``.

    Raises
    ------
    InputError
        When the file is missing or is not an nwn results file; when a part the file lacks
        (e.g. ``/geometry``) is asked for.
    """

    def __init__(self, source: str | Path | io.BytesIO, *, lazy: bool = True) -> None:
        import h5py

        self.monitors: tuple = ()
        self._cache: dict[str, np.ndarray] = {}
        if isinstance(source, (str, Path)):
            self.path: Path | None = Path(source)
            self._label = f"results file {str(self.path)!r}"
            if self.path.is_dir():
                raise InputError(f"{self._label} is a folder, not a results file")
            if not self.path.is_file():
                raise InputError(f"{self._label} does not exist")
            try:
                try:
                    self._file = h5py.File(self.path, "r")
                except OSError as error:
                    if "lock" not in str(error):
                        raise
                    # A run is still writing the file and holds HDF5's lock on it; between
                    # its flushes the file is whole (nothing touches it), so read it anyway.
                    self._file = h5py.File(self.path, "r", locking=False)
            except OSError as error:
                raise InputError(f"{self._label} is not a readable HDF5 file "
                                 f"({error})") from None
        else:
            self.path = None
            self._label = "results in memory"
            self._file = h5py.File(source, "r")
        try:
            self._read(lazy)
        except InputError:
            self.close()
            raise
        except (OSError, KeyError, RuntimeError, ValueError) as error:
            # A file caught in the middle of a flush by a running writer, or damaged.
            self.close()
            raise InputError(f"{self._label} could not be read ({error}); if a run is "
                             f"writing it, try again") from None

    def _read(self, lazy: bool) -> None:
        file = self._file
        missing = [d.path for d in DATASETS if d.required and d.path not in file]
        if missing:
            raise InputError(f"{self._label} is not an nwn results file "
                             f"(missing {', '.join('/' + m for m in missing)})")
        attrs = file.attrs
        self.scenario_text = _as_text(attrs.get("scenario", ""))
        self.complete = bool(attrs.get("complete", False))
        self.dt = float(attrs.get("dt", np.nan))
        seed = int(attrs.get("seed", -1))
        self.seed = None if seed < 0 else seed
        self.mode = _as_text(attrs.get("mode", "jda"))
        self.model = _as_text(attrs.get("model", ""))
        self.created = _as_text(attrs.get("created", ""))
        self.electrode_names = tuple(_as_text(n) for n in attrs.get("electrode_names", ()))
        self.electrode_sources = tuple(_as_text(n) for n in attrs.get("electrode_sources", ()))
        self._model_parameters = _as_text(attrs.get("model_parameters", "{}"))
        self._versions = _as_text(attrs.get("versions", "{}"))
        # Rows of a clock are appended in lockstep, but one dataset may have been flushed a
        # block ahead of another when the run was killed; keep the rows present in all.
        self._rows: dict[str, int] = {}
        for clock in CLOCKS:
            lengths = [file[d.path].shape[0] for d in DATASETS
                       if d.clock == clock and d.path in file]
            self._rows[clock] = min(lengths, default=0)
        for d in DATASETS:
            if d.clock == "trace" and d.path in file:
                self._cache[d.name] = file[d.path][: self._rows["trace"]]
        if not lazy:
            for d in DATASETS:
                if d.path in file:
                    self._array(d.name)
            _ = self.electrodes, self.box
            if "geometry/edge_nodes" in file:
                _ = self.network
            self.close()

    # -- file ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (idempotent); arrays already read stay usable."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Results:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open_file(self):
        if self._file is None:
            raise InputError(f"{self._label} is closed")
        return self._file

    # -- arrays -------------------------------------------------------------------------------

    def _array(self, name: str) -> np.ndarray:
        if name not in self._cache:
            dataset = _BY_NAME[name]
            file = self._open_file()
            if dataset.path not in file:
                raise InputError(f"{self._label} has no /{dataset.path}")
            self._cache[name] = file[dataset.path][: self._rows[dataset.clock]]
        return self._cache[name]

    def _row(self, name: str, row: int) -> np.ndarray:
        """One row of a dataset, without reading the rest."""
        if name in self._cache:
            return self._cache[name][row]
        path = _BY_NAME[name].path
        file = self._open_file()
        if path not in file:
            raise InputError(f"{self._label} has no /{path}")
        return file[path][row]

    def columns(self, name: str, index) -> np.ndarray:
        """Some columns of a per-junction or per-node dataset, over all its complete rows.

        Read :data:`COLUMN_BLOCK_ROWS` rows at a time and only the asked columns are kept, so
        memory holds those columns, never whole rows of the network (a million-junction row is
        8 MB); a file still being written is read up to its rows at opening.

        Parameters
        ----------
        name : str
            A dataset of width ``"M"`` or ``"N"`` in :data:`DATASETS` (``"junction_state"``,
            ``"junction_conductance"``, ``"node_voltage"``).
        index : sequence of int
            Junction or node indices, in any order, repeats allowed.

        Returns
        -------
        ndarray, shape (R, len(index))
            In the dataset's dtype; R = :meth:`rows` of its clock.
        """
        dataset = _BY_NAME[name]
        if dataset.width not in ("M", "N"):
            raise ValueError(f"{name!r} has no junction or node columns")
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        rows = self._rows[dataset.clock]
        if name in self._cache:  # read whole already (lazy=False)
            return np.asarray(self._cache[name])[:, index]
        file = self._open_file()
        if dataset.path not in file:
            raise InputError(f"{self._label} has no /{dataset.path}")
        data = file[dataset.path]
        width = data.shape[1]
        if index.size and (index.min() < 0 or index.max() >= width):
            raise InputError(f"{self._label}: /{dataset.path} has {width} columns, not "
                             f"{int(index.max()) + 1}")
        wanted, inverse = np.unique(index, return_inverse=True)
        out = np.empty((rows, wanted.size), dtype=data.dtype)
        if wanted.size:
            for start in range(0, rows, COLUMN_BLOCK_ROWS):
                stop = min(rows, start + COLUMN_BLOCK_ROWS)
                out[start:stop] = data[start:stop, wanted]
        return out[:, inverse]

    def frame_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The junction row and the node row of each recorded state (:attr:`frame_times`),
        the rows :meth:`snapshot_at` reads for it; two int arrays of shape (F,)."""
        times = self.frame_times
        if times.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        slack = self._slack()
        junction_rows = np.searchsorted(self.junction_t, times + slack, side="right") - 1
        node_rows = np.searchsorted(self.node_t, times + slack, side="right") - 1
        return (np.maximum(junction_rows, 0).astype(np.int64),
                np.maximum(node_rows, 0).astype(np.int64))

    def history(self, *, nodes=(), edges=(), junctions=()) -> dict[str, np.ndarray]:
        """Some nodes, edges and junctions through every recorded state, read column by
        column (:meth:`columns`): the values :meth:`snapshot_at` gives at each of
        :attr:`frame_times`, without reading whole rows.

        Parameters
        ----------
        nodes, edges, junctions : sequence of int
            Indices into the network's nodes, edges and junctions.

        Returns
        -------
        dict
            ``t`` (F,) s; ``node_voltage`` (F, len(nodes)) V; ``edge_current``
            (F, len(edges)) A (NaN on unsolved clusters); ``junction_state``,
            ``junction_conductance`` (S) and ``junction_voltage`` (V, 0 on unsolved
            clusters), each (F, len(junctions)).
        """
        network = self.network
        nodes = np.asarray(nodes, dtype=np.int64).reshape(-1)
        edges = np.asarray(edges, dtype=np.int64).reshape(-1)
        junctions = np.asarray(junctions, dtype=np.int64).reshape(-1)
        junction_rows, node_rows = self.frame_rows()
        ends = np.asarray(network.edge_nodes)[edges]  # (E, 2)
        own_edges = np.asarray(network.junction_edge)[junctions]
        junction_ends = np.asarray(network.edge_nodes)[own_edges]  # (J, 2)
        # one read of each dataset: every node and junction column any output needs
        node_set = np.concatenate([nodes, ends.reshape(-1), junction_ends.reshape(-1)])
        edge_junction = np.asarray(network.edge_junction)[edges]
        junction_set = np.concatenate([junctions, edge_junction[edge_junction >= 0]])
        voltage = self.columns("node_voltage", node_set)[node_rows].astype(np.float64)
        conductance = self.columns("junction_conductance", junction_set)[junction_rows]
        conductance = conductance.astype(np.float64)
        n_nodes, n_ends = nodes.size, 2 * edges.size
        frames = node_rows.size
        end_voltage = voltage[:, n_nodes:n_nodes + n_ends].reshape(frames, edges.size, 2)
        drop = end_voltage[..., 0] - end_voltage[..., 1]
        fixed = np.nan_to_num(np.asarray(network.edge_conductance, dtype=np.float64)[edges],
                              nan=0.0)
        edge_conductance = np.broadcast_to(fixed, drop.shape).copy()
        edge_conductance[:, edge_junction >= 0] = conductance[:, junctions.size:]
        junction_voltage = voltage[:, n_nodes + n_ends:].reshape(frames, junctions.size, 2)
        state = self.columns("junction_state", junctions)[junction_rows].astype(np.float64)
        return {"t": np.asarray(self.junction_t)[junction_rows].astype(np.float64),
                "node_voltage": voltage[:, :n_nodes],
                "edge_current": edge_conductance * drop,
                "junction_state": state,
                "junction_conductance": conductance[:, :junctions.size],
                "junction_voltage": np.nan_to_num(junction_voltage[..., 0]
                                                  - junction_voltage[..., 1], nan=0.0)}

    def __getitem__(self, path: str) -> np.ndarray:
        """A dataset by its path in the file, e.g. ``results["junctions/state"]``."""
        dataset = _BY_PATH.get(path.lstrip("/"))
        if dataset is None:
            raise KeyError(f"{path!r} is not a results dataset (datasets: "
                           f"{', '.join(d.path for d in DATASETS)})")
        return self._array(dataset.name)

    def rows(self, clock: str) -> int:
        """Number of complete rows of a clock (``"trace"``, ``"junction"`` or ``"node"``)."""
        return self._rows[clock]

    # -- static content -----------------------------------------------------------------------

    @property
    def model_parameters(self) -> dict:
        """Junction-model parameters stored with the run."""
        return json.loads(self._model_parameters)

    @property
    def versions(self) -> dict:
        """Versions of the packages that made the file."""
        return json.loads(self._versions)

    @cached_property
    def _scenario_table(self) -> dict:
        try:
            return tomllib.loads(self.scenario_text)
        except tomllib.TOMLDecodeError:
            return {}

    @cached_property
    def electrodes(self) -> tuple[RecordedElectrode, ...]:
        """The electrodes with their outlines and source kinds, in column order."""
        file = self._open_file()
        stored = file[ELECTRODE_SHAPES].attrs if ELECTRODE_SHAPES in file else {}
        written = {}
        for table in self._scenario_table.get("electrodes", ()):
            if isinstance(table, dict) and isinstance(table.get("shape"), dict):
                written[table.get("name")] = table["shape"]
        electrodes = []
        for k, name in enumerate(self.electrode_names):
            if name not in stored:
                continue
            geometry, shape = _outline(stored[name], f"{self._label}: /{ELECTRODE_SHAPES} "
                                                     f"attribute {name!r}")
            kind = self.electrode_sources[k] if k < len(self.electrode_sources) else "floating"
            electrodes.append(RecordedElectrode(name, written.get(name, shape), geometry,
                                                SimpleNamespace(kind=kind)))
        return tuple(electrodes)

    @cached_property
    def box(self) -> tuple[float, float]:
        """Substrate ``(width, height)`` (m): the scenario's, else the wires' extent."""
        try:
            box = self._scenario_table["network"]["box"]
            width, height = float(box[0]), float(box[1])
            if width > 0 and height > 0:
                return width, height
        except (KeyError, TypeError, ValueError, IndexError):
            pass
        file = self._open_file()
        ends = file["geometry/wire_endpoints"][:].reshape(-1, 2) \
            if "geometry/wire_endpoints" in file else np.zeros((0, 2))
        high = ends.max(axis=0) if ends.size else np.ones(2) * 1e-6
        return float(high[0]), float(high[1])

    @cached_property
    def network(self):
        """The circuit graph, wires and junctions, rebuilt from ``/geometry/*``."""
        from nwn.geometry.junctions import Junctions
        from nwn.geometry.network import Network
        from nwn.geometry.wires import Wires

        file = self._open_file()
        missing = [name for name, (_, _, required) in GEOMETRY.items()
                   if required and f"geometry/{name}" not in file]
        if missing:
            raise InputError(f"{self._label} holds no network geometry (missing "
                             f"{', '.join('/geometry/' + m for m in missing)})")
        geometry = file["geometry"]
        read = {name: geometry[name][:] for name, (attribute, _, _) in GEOMETRY.items()
                if attribute is not None}
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
        return Network(
            mode=self.mode, n_nodes=int(read["node_position"].shape[0]),
            edge_nodes=read["edge_nodes"].astype(np.int64),
            edge_kind=read["edge_kind"], edge_conductance=read["edge_conductance"],
            junction_edge=read["junction_edge"].astype(np.int64), edge_junction=edge_junction,
            electrode_names=self.electrode_names,
            terminal_nodes=read["terminal_nodes"].astype(np.int64),
            node_position=read["node_position"], node_wire=read["node_wire"].astype(np.int64),
            component=read["component"].astype(np.int64), wires=wires, junctions=junctions,
            electrodes=tuple(SimpleNamespace(name=e.name, shape=e.geometry)
                             for e in self.electrodes))

    # -- time ---------------------------------------------------------------------------------

    @property
    def frame_times(self) -> np.ndarray:
        """Times (s) at which a full network state was recorded, shape (F,): the junction
        rows that have a node-voltage row at or before them."""
        if self._rows["node"] == 0 or self._rows["junction"] == 0:
            return np.zeros(0)
        return self.junction_t[self.junction_t >= self.node_t[0] - self._slack()]

    def _slack(self) -> float:
        t = self.t
        span = float(t[-1] - t[0]) if len(t) > 1 else 1.0
        return _TIME_SLACK * max(span, abs(self.dt) if np.isfinite(self.dt) else 0.0, 1e-30)

    def _row_at(self, clock: str, times_name: str, t: float, what: str) -> int:
        if self._rows[clock] == 0:
            raise InputError(f"{self._label} holds no {what} rows")
        times = self._array(times_name)
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

        junction_row = self._row_at("junction", "junction_t", t, "junction")
        node_row = self._row_at("node", "node_t", t, "node-voltage")
        junction_conductance = self._row("junction_conductance", junction_row).astype(
            np.float64)
        junction_state = self._row("junction_state", junction_row).astype(np.float64)
        node_voltage = self._row("node_voltage", node_row).astype(np.float64)
        network = self.network
        edge_conductance = np.nan_to_num(
            np.asarray(network.edge_conductance, dtype=np.float64), nan=0.0)
        edge_conductance[network.junction_edge] = junction_conductance
        nodes = network.edge_nodes
        drop = node_voltage[nodes[:, 0]] - node_voltage[nodes[:, 1]]
        edge_current = edge_conductance * drop
        junction_voltage = np.nan_to_num(drop[network.junction_edge], nan=0.0)
        k = len(self.electrode_names)
        if self._rows["trace"] == 0:
            terminal_current = np.full(k, np.nan)
            terminal_voltage = np.full(k, np.nan)
            conductance = np.nan
        else:
            trace_row = self._row_at("trace", "t", t, "trace")
            terminal_current = np.array(self.terminal_current[trace_row])
            terminal_voltage = np.array(self.terminal_voltage[trace_row])
            conductance = float(self.conductance[trace_row])
        t_row = float(self.junction_t[junction_row])
        step = int(round(t_row / self.dt)) if self.dt > 0 else 0
        return Snapshot(step=step, t=t_row, node_voltage=node_voltage,
                        edge_current=edge_current, terminal_current=terminal_current,
                        terminal_voltage=terminal_voltage,
                        junction_conductance=junction_conductance,
                        junction_state=junction_state, junction_voltage=junction_voltage,
                        conductance=conductance)

    def __repr__(self) -> str:
        where = str(self.path) if self.path is not None else "memory"
        return (f"<Results {where}: {self._rows['trace']} trace rows, "
                f"{self._rows['junction']} junction rows, {self._rows['node']} node rows"
                f"{'' if self.complete else ', incomplete'}>")


def _dataset_property(name: str) -> property:
    dataset = _BY_NAME[name]
    return property(lambda self: self._array(name),
                    doc=f"``/{dataset.path}`` ({dataset.units or '-'}), read when first used.")


for _dataset in DATASETS:
    setattr(Results, _dataset.name, _dataset_property(_dataset.name))
del _dataset


def _outline(wkt: Any, where: str) -> tuple[Any, dict]:
    """The shapely geometry of an electrode stored as WKT, and a shape dict to draw it.

    The dict is only used when the file holds no scenario naming the electrode (the
    scenario's own shape is exact); it is :func:`nwn.geometry.shapes.shape_dict` with
    ``lenient`` (a bare point is a contact of radius 0, multi-part shapes or shapes with holes
    are drawn by their convex hull). ``where`` names the file and the attribute in the
    InputError raised for text that is not the WKT of an electrode outline.
    """
    import shapely
    from shapely.errors import ShapelyError

    from nwn.geometry.shapes import shape_dict

    try:
        text = _as_text(wkt)
        geometry = shapely.from_wkt(text)
        if geometry is None or geometry.is_empty:
            raise ValueError("empty geometry")
        return geometry, shape_dict(geometry, lenient=True)
    except (ShapelyError, ValueError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        shown = repr(wkt)[:60]
        raise InputError(f"{where} is not an electrode outline in WKT (got {shown}: "
                         f"{reason}); the file is damaged") from None
