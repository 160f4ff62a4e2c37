"""Recorders: what a run keeps, in memory or in an HDF5 file.

HDF5 layout written by :class:`HDF5Recorder` (SI units; each dataset has a ``units``
attribute)::

    /t                      (T,)    s      time of each recorded row
    /step                   (T,)    -      step index of each row
    /electrodes/current     (T, K)  A      current into the network through each electrode
    /electrodes/voltage     (T, K)  V      potential of each electrode terminal
    /network/conductance    (T,)    S      two-terminal conductance (NaN unless 2 driven)
    /junctions/t            (S,)    s      times of the junction rows
    /junctions/state        (S, M)  -      normalized junction state in [0, 1]
    /junctions/conductance  (S, M)  S      junction conductance
    /nodes/t                (S2,)   s      times of the node rows
    /nodes/voltage          (S2, N) V      node potentials (NaN on excluded clusters)
    /geometry/...                          wires, junctions and graph, to redraw the network

Root attributes: ``electrode_names``, ``scenario`` (TOML text), ``seed``, ``dt``, ``mode``,
``model``, ``versions`` (JSON), ``complete`` (False until the run ends normally).

Rows are buffered in memory and appended in blocks, written and flushed at least every
``flush_interval`` seconds of wall time. Between flushes nothing touches the file, so a run
killed half-way leaves a file that any HDF5 tool opens normally, with everything up to the last
flush (the ``complete`` attribute stays False); memory stays bounded however long the run. (SWMR
mode would also survive a kill *during* a flush, but its files then refuse ordinary readers
until ``h5clear`` is run, which is worse for the people who open them.)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["HDF5Recorder", "TraceRecorder", "package_versions"]


def package_versions() -> dict[str, str]:
    """Versions of nwn-studio and the libraries that shape its numbers."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {}
    for name in ("nwn-studio", "numpy", "scipy", "numba", "shapely", "h5py"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "unknown"
    return versions


class _Series:
    """An appendable 1-D or 2-D HDF5 dataset fed through a fixed-size memory buffer."""

    def __init__(self, group: Any, name: str, width: int | None, dtype: Any, units: str,
                 rows: int) -> None:
        shape = (0,) if width is None else (0, width)
        maxshape = (None,) if width is None else (None, width)
        chunk_rows = max(1, min(rows, 4096))
        chunks = (chunk_rows,) if width is None else (chunk_rows, max(1, width))
        self.dataset = group.create_dataset(name, shape=shape, maxshape=maxshape,
                                            dtype=dtype, chunks=chunks)
        self.dataset.attrs["units"] = units
        self.buffer = np.empty((rows,) if width is None else (rows, width), dtype=dtype)
        self.filled = 0

    def append(self, row: Any) -> bool:
        """Buffer one row; True when the buffer is full and must be written."""
        self.buffer[self.filled] = row
        self.filled += 1
        return self.filled == self.buffer.shape[0]

    def write(self) -> None:
        if not self.filled:
            return
        start = self.dataset.shape[0]
        self.dataset.resize(start + self.filled, axis=0)
        self.dataset[start:] = self.buffer[: self.filled]
        self.filled = 0


class HDF5Recorder:
    """Write a run to an HDF5 file incrementally.

    Parameters
    ----------
    path : str or Path
        Output file; replaced if it exists.
    record_every : int
        Steps between rows of terminal traces and network conductance.
    junction_every : int
        Steps between rows of junction states and conductances.
    snapshot_every : int
        Steps between rows of node voltages.
    scenario_text : str
        The scenario (TOML) stored as an attribute, so the file says how it was made.
    seed : int or None
        Seed of the run.
    flush_interval : float
        Wall-clock seconds between flushes to disk.
    buffer_bytes : int
        Memory budget of the row buffers (bytes); bounds memory however long the run.
    """

    def __init__(self, path: str | Path, *, record_every: int = 1, junction_every: int = 10,
                 snapshot_every: int = 10, scenario_text: str = "", seed: int | None = None,
                 flush_interval: float = 1.0, buffer_bytes: int = 32 * 2**20) -> None:
        self.path = Path(path)
        self.record_every = int(record_every)
        self.junction_every = int(junction_every)
        self.snapshot_every = int(snapshot_every)
        self.scenario_text = scenario_text
        self.seed = seed
        self.flush_interval = float(flush_interval)
        self.buffer_bytes = int(buffer_bytes)
        self._file = None
        self._series: dict[str, _Series] = {}

    # -- Recorder protocol --------------------------------------------------------------------

    def start(self, simulation: Any) -> None:
        if self._file is not None:
            return  # a second run() on the same simulation appends to the same file
        import h5py

        network = simulation.network
        n_terminals, n_junctions = network.n_terminals, network.n_junctions
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = h5py.File(self.path, "w")
        self._file = file
        file.attrs["format"] = "nwn-studio results 1"
        file.attrs["electrode_names"] = list(network.electrode_names)
        file.attrs["electrode_sources"] = [d.kind for d in simulation.drives.values()]
        file.attrs["scenario"] = self.scenario_text
        file.attrs["seed"] = -1 if self.seed is None else int(self.seed)
        file.attrs["dt"] = simulation.dt
        file.attrs["mode"] = network.mode
        file.attrs["model"] = simulation.model.name
        file.attrs["model_parameters"] = json.dumps(
            {k: (v if np.isscalar(v) else list(np.ravel(v)))
             for k, v in simulation.model.parameters.items()}, default=float)
        file.attrs["versions"] = json.dumps(package_versions())
        file.attrs["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        file.attrs["complete"] = False
        self._write_geometry(file, network)

        def rows_for(width: int) -> int:
            return int(max(1, min(4096, self.buffer_bytes // 4 // max(8 * width, 1))))

        trace_rows = rows_for(2 * n_terminals + 3)
        electrodes = file.create_group("electrodes")
        net = file.require_group("network")
        junctions = file.require_group("junctions")
        nodes = file.create_group("nodes")
        self._series = {
            "t": _Series(file, "t", None, np.float64, "s", trace_rows),
            "step": _Series(file, "step", None, np.int64, "", trace_rows),
            "current": _Series(electrodes, "current", n_terminals, np.float64, "A",
                               trace_rows),
            "voltage": _Series(electrodes, "voltage", n_terminals, np.float64, "V",
                               trace_rows),
            "conductance": _Series(net, "conductance", None, np.float64, "S", trace_rows),
            "junction_t": _Series(junctions, "t", None, np.float64, "s",
                                  rows_for(2 * n_junctions)),
            "junction_state": _Series(junctions, "state", n_junctions, np.float32, "",
                                      rows_for(2 * n_junctions)),
            "junction_conductance": _Series(junctions, "conductance", n_junctions,
                                            np.float64, "S", rows_for(2 * n_junctions)),
            "node_t": _Series(nodes, "t", None, np.float64, "s", rows_for(network.n_nodes)),
            "node_voltage": _Series(nodes, "voltage", network.n_nodes, np.float64, "V",
                                    rows_for(network.n_nodes)),
        }
        file.flush()
        self._last_flush = time.monotonic()

    def _write_geometry(self, file: Any, network: Any) -> None:
        geometry = file.create_group("geometry")
        for name in ("edge_nodes", "edge_kind", "edge_conductance", "junction_edge",
                     "terminal_nodes", "node_position", "node_wire", "component"):
            geometry.create_dataset(name, data=np.asarray(getattr(network, name)))
        geometry["node_position"].attrs["units"] = "m"
        geometry["edge_conductance"].attrs["units"] = "S"
        if network.wires is not None:
            geometry.create_dataset("wire_endpoints", data=network.wires.endpoints)
            geometry["wire_endpoints"].attrs["units"] = "m"
            geometry.create_dataset("wire_diameters", data=network.wires.diameters)
        if network.junctions is not None:
            geometry.create_dataset("junction_pairs", data=network.junctions.pairs)
            geometry.create_dataset("junction_points", data=network.junctions.points)
        electrodes = geometry.create_group("electrodes")
        for electrode in network.electrodes:
            electrodes.attrs[electrode.name] = electrode.shape.wkt

    def record(self, simulation: Any, step: int, t: float, solution: Any,
               junction_voltage: np.ndarray) -> None:
        series = self._series
        full = False
        if step % self.record_every == 0:
            full |= series["t"].append(t)
            full |= series["step"].append(step)
            full |= series["current"].append(solution.terminal_current)
            full |= series["voltage"].append(solution.terminal_voltage)
            full |= series["conductance"].append(solution.conductance)
        if step % self.junction_every == 0:
            full |= series["junction_t"].append(t)
            full |= series["junction_state"].append(simulation.model.state())
            full |= series["junction_conductance"].append(simulation.junction_conductance)
        if step % self.snapshot_every == 0:
            full |= series["node_t"].append(t)
            full |= series["node_voltage"].append(solution.node_voltage)
        if full or time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

    def finish(self, simulation: Any) -> None:
        self.flush()

    # -- file ---------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write every buffered row and flush the file to disk."""
        if self._file is None:
            return
        for series in self._series.values():
            series.write()
        self._file.flush()
        self._last_flush = time.monotonic()

    def close(self, *, complete: bool = True) -> None:
        """Flush, mark the file complete (or not) and close it."""
        if self._file is None:
            return
        self.flush()
        self._file.attrs["complete"] = bool(complete)
        self._file.close()
        self._file = None

    def __enter__(self) -> HDF5Recorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(complete=exc_type is None)


class TraceRecorder:
    """Keep terminal traces in memory, decimated to a bounded number of rows.

    Used by scripts, tests and (through a locked subclass) the GUI's live plots. When
    ``max_rows`` is reached every other row is dropped and the recording interval doubles, so
    memory stays bounded and the trace still spans the whole run.

    Attributes (as arrays, via properties)
    --------------------------------------
    t : (T,) s; current : (T, K) A; voltage : (T, K) V; conductance : (T,) S
    """

    def __init__(self, *, every: int = 1, max_rows: int = 100_000) -> None:
        self.first_every = int(every)
        self.max_rows = int(max_rows)
        self.reset()

    def reset(self) -> None:
        """Forget every row and return to the first recording interval."""
        self.every = self.first_every
        self._t: list[float] = []
        self._current: list[np.ndarray] = []
        self._voltage: list[np.ndarray] = []
        self._conductance: list[float] = []

    def start(self, simulation: Any) -> None:
        pass

    def record(self, simulation: Any, step: int, t: float, solution: Any,
               junction_voltage: np.ndarray) -> None:
        if step % self.every:
            return
        self._t.append(t)
        self._current.append(np.array(solution.terminal_current, copy=True))
        self._voltage.append(np.array(solution.terminal_voltage, copy=True))
        self._conductance.append(float(solution.conductance))
        if len(self._t) >= self.max_rows:
            for series in (self._t, self._current, self._voltage, self._conductance):
                del series[1::2]
            self.every *= 2

    def finish(self, simulation: Any) -> None:
        pass

    @property
    def t(self) -> np.ndarray:
        return np.asarray(self._t)

    @property
    def current(self) -> np.ndarray:
        return np.asarray(self._current)

    @property
    def voltage(self) -> np.ndarray:
        return np.asarray(self._voltage)

    @property
    def conductance(self) -> np.ndarray:
        return np.asarray(self._conductance)
