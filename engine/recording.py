"""Recorders: what a run keeps, in an HDF5 file or in memory.

:class:`HDF5Recorder` writes the results file whose layout :mod:`nwn.engine.results` defines
(and reads back); :class:`TraceRecorder` keeps the terminal traces in memory and
:class:`StateMonitor` chosen junctions and nodes, Brian2-style, with the same names.

Every recorder follows the :class:`~nwn.engine.simulation.Recorder` protocol: declared before
the run, it is called at every step and keeps the rows of its own clock (``step % every ==
0``), the run's first state included.

The HDF5 file is written incrementally: rows are buffered in memory and appended in blocks,
written and flushed at least every ``flush_interval`` seconds of wall time. Between flushes
nothing touches the file, so a run killed half-way leaves a file that any HDF5 tool opens
normally, with everything up to the last flush (the ``complete`` attribute stays False);
memory stays bounded however long the run. The disk is bounded too: the full-state rows
(junction states and conductances, node voltages) that a planned run would store are held to
:data:`STATE_BUDGET` bytes per clock; a run of a huge network (a million wires: 80 MB per row
of junction states) keeps every k-th row instead, with k the smallest interval at least the
scenario's that fits, and says so (:attr:`HDF5Recorder.widened`; ``state_budget=None`` keeps
the scenario's intervals however large the file grows).

(SWMR mode would also survive a kill *during* a flush, but its files then refuse ordinary
readers until ``h5clear`` is run, which is worse for the people who open them.)
"""

from __future__ import annotations

import io
import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nwn.engine.results import CLOCKS, DATASETS, ELECTRODE_SHAPES, FORMAT, GEOMETRY, Results
from nwn.engine.results_layout import LAYOUT, Layout, expected_rows
from nwn.geometry.checks import InputError, check_int

__all__ = ["STATE_BUDGET", "HDF5Recorder", "StateMonitor", "TraceRecorder", "package_versions",
           "row_value", "widened_every"]


def package_versions() -> dict[str, str]:
    """Versions of nwn-studio and the libraries that shape its numbers."""
    import importlib
    from importlib.metadata import PackageNotFoundError, version

    try:
        versions = {"nwn-studio": version("nwn-studio")}
    except PackageNotFoundError:
        versions = {"nwn-studio": "unknown"}
    # The libraries' own __version__ (a run has imported them all already): looking each up
    # in the installed distributions' metadata costs ~10 ms apiece at every start.
    for name in ("numpy", "scipy", "numba", "shapely", "h5py"):
        try:
            versions[name] = str(importlib.import_module(name).__version__)
        except (ImportError, AttributeError):
            versions[name] = "unknown"
    return versions


# What each dataset of the layout holds, taken from the simulation at a recorded step.
_ROW_VALUE = {
    "t": lambda simulation, step, t, solution: t,
    "step": lambda simulation, step, t, solution: step,
    "terminal_current": lambda simulation, step, t, solution: solution.terminal_current,
    "terminal_voltage": lambda simulation, step, t, solution: solution.terminal_voltage,
    "conductance": lambda simulation, step, t, solution: solution.conductance,
    "junction_t": lambda simulation, step, t, solution: t,
    "junction_state": lambda simulation, step, t, solution: simulation.model.state(),
    "junction_conductance":
        lambda simulation, step, t, solution: simulation.junction_conductance,
    "node_t": lambda simulation, step, t, solution: t,
    "node_voltage": lambda simulation, step, t, solution: solution.node_voltage,
}
assert set(_ROW_VALUE) == {d.name for d in DATASETS}, "every dataset needs a row value"


def row_value(name: str, simulation: Any, step: int, t: float, solution: Any) -> Any:
    """The value of dataset ``name`` (a :data:`nwn.engine.results.DATASETS` name) now."""
    return _ROW_VALUE[name](simulation, step, t, solution)


def _widths(network: Any) -> dict[str, int | None]:
    return {"": None, "K": network.n_terminals, "M": network.n_junctions,
            "N": network.n_nodes}


#: Bytes of full-state rows (junction states + conductances; node voltages) one run stores per
#: clock by default: 1 GiB, e.g. 100 rows of junction states at 60,000 wires, 13 at a million.
STATE_BUDGET = 2**30


def widened_every(every: int, planned_steps: int, row_bytes: int, budget: int) -> int:
    """The smallest interval >= ``every`` whose rows over ``planned_steps`` steps (the first
    state included) take at most ``budget`` bytes of ``row_bytes`` each (at least one row)."""
    most_rows = max(1, budget // max(1, row_bytes))
    if planned_steps // every + 1 <= most_rows:
        return every
    # rows = steps // e + 1 <= most_rows  <=>  e > steps / most_rows
    return max(every, planned_steps // most_rows + 1)


class _Series:
    """An appendable 1-D or 2-D HDF5 dataset fed through a fixed-size memory buffer."""

    def __init__(self, file: Any, path: str, width: int | None, dtype: Any, units: str,
                 rows: int, storage: dict[str, Any]) -> None:
        shape = (0,) if width is None else (0, width)
        maxshape = (None,) if width is None else (None, width)
        # storage: chunks and filters, from nwn.engine.results_layout (the one policy)
        self.dataset = file.create_dataset(path, shape=shape, maxshape=maxshape,
                                           dtype=dtype, **storage)
        self.dataset.attrs["units"] = units
        self.buffer = np.empty((rows,) if width is None else (rows, width), dtype=dtype)
        self.filled = 0
        self.row_bytes = int(np.dtype(dtype).itemsize * (width or 1))
        self.chunk_rows = int(self.dataset.chunks[0])
        self.compressed = self.dataset.compression is not None
        self.on_disk = 0  #: rows known to be on the disk (at the last successful flush)

    def bytes_to_grow(self) -> int:
        """Disk space the next :meth:`write` may take: HDF5 allocates whole chunks, and
        rewrites a partly filled last chunk (a compressed one moves to new space)."""
        before = self.dataset.shape[0]
        # Chunks started so far: a compressed one that is only partly filled is rewritten.
        started = (before // self.chunk_rows if self.compressed else
                   -(-before // self.chunk_rows))
        new_chunks = -(-(before + self.filled) // self.chunk_rows) - started
        return max(0, new_chunks) * self.chunk_rows * self.row_bytes

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
    """Write a run to an HDF5 file incrementally (layout: :mod:`nwn.engine.results`).

    Parameters
    ----------
    path : str, Path or None
        Output file; replaced if it exists. None keeps the file in memory (read it with
        :meth:`results` after :meth:`close`).
    keep_existing : bool
        If ``path`` exists when the run starts, write under a temporary name next to it
        (:func:`nwn.engine.output_files.partial_file`) and replace ``path`` only when
        :meth:`close` is told the run is complete (or to keep it anyway), so that a run that
        fails leaves the earlier file as it was. A new file is always written in place, so a
        run killed at any moment leaves a readable file under its name.
    record_every : int
        Steps between trace rows (terminal traces and network conductance).
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
    planned_steps : int, optional
        Steps the run will take (``scenario.run.n_steps`` through :meth:`for_scenario`), for
        ``state_budget``; None applies no budget.
    state_budget : int or None
        Bytes of junction-state rows, and of node-voltage rows, the planned run may store
        (default :data:`STATE_BUDGET`); intervals that would store more are widened
        (:func:`widened_every`) and listed in :attr:`widened`. None: no limit.
    layout : Layout
        Chunk shapes and compression of the row datasets
        (:data:`nwn.engine.results_layout.LAYOUT`); chunks follow ``planned_steps`` when it
        is given.

    Attributes
    ----------
    widened : dict
        ``{clock: (asked, used)}`` for each clock (``"junction"``, ``"node"``) whose interval
        the budget widened; empty otherwise. The intervals used are also the file's
        ``junction_every`` and ``snapshot_every`` attributes.
    """

    def __init__(self, path: str | Path | None, *, record_every: int = 1,
                 junction_every: int = 10, snapshot_every: int = 10, scenario_text: str = "",
                 seed: int | None = None, flush_interval: float = 1.0,
                 buffer_bytes: int = 32 * 2**20, keep_existing: bool = False,
                 planned_steps: int | None = None,
                 state_budget: int | None = STATE_BUDGET, layout: Layout = LAYOUT) -> None:
        self.path = None if path is None else Path(path)
        self.layout = layout
        self.keep_existing = bool(keep_existing)
        #: The file being written: ``path``, or a temporary name while ``path`` is kept.
        self.writing: Path | None = self.path
        self.every = {"trace": check_int("run.record_every", record_every, minimum=1),
                      "junction": check_int("run.junction_every", junction_every, minimum=1),
                      "node": check_int("run.snapshot_every", snapshot_every, minimum=1)}
        assert set(self.every) == set(CLOCKS)
        self.scenario_text = scenario_text
        self.seed = seed
        self.flush_interval = float(flush_interval)
        self.buffer_bytes = int(buffer_bytes)
        self.planned_steps = (None if planned_steps is None else
                              check_int("planned_steps", planned_steps, minimum=0))
        self.state_budget = (None if state_budget is None else
                             check_int("state_budget", state_budget, minimum=1))
        self.widened: dict[str, tuple[int, int]] = {}
        self._image: bytes | None = None  # the finished file, when kept in memory
        self._file = None
        #: The write fault that stopped the recorder (an OSError with one line), if any.
        self.fault: OSError | None = None
        #: Time (s) of the last trace row known to be on the disk (None before any).
        self.kept_until: float | None = None
        self._t_latest: float | None = None
        self._kept: Path | None = None
        self._series: dict[str, _Series] = {}
        self._clocks: list[tuple[int, list[tuple[_Series, Any]]]] = []

    @classmethod
    def for_scenario(cls, path: str | Path | None, scenario: Any, *,
                     scenario_text: str | None = None, **options: Any) -> HDF5Recorder:
        """A recorder with the intervals of ``scenario.run`` and the scenario stored.

        ``scenario_text`` defaults to ``scenario.to_toml()``; ``options`` are passed on.
        """
        run = scenario.run
        text = scenario.to_toml() if scenario_text is None else scenario_text
        options.setdefault("planned_steps", run.n_steps)
        return cls(path, record_every=run.record_every, junction_every=run.junction_every,
                   snapshot_every=run.snapshot_every, scenario_text=text, seed=scenario.seed,
                   **options)

    @property
    def record_every(self) -> int:
        return self.every["trace"]

    @property
    def junction_every(self) -> int:
        return self.every["junction"]

    @property
    def snapshot_every(self) -> int:
        return self.every["node"]

    # -- Recorder protocol --------------------------------------------------------------------

    def start(self, simulation: Any) -> None:
        if self._file is not None:
            return  # a second run() on the same simulation appends to the same file
        import h5py

        if self.path is None:
            # HDF5's own memory driver: as fast as a file, without touching the disk.
            file = h5py.File(f"nwn-results-{uuid.uuid4().hex}.h5", "w", driver="core",
                             backing_store=False)
            self._file = file
            self._create(file, simulation)
            return
        from nwn.engine.output_files import is_io_fault, partial_file, write_fault

        self.path.parent.mkdir(parents=True, exist_ok=True)
        keeping = self.keep_existing and self.path.exists()
        # The header goes under a hidden name too, which becomes the file's own once it is on
        # the disk: a run killed while HDF5 writes the header (tens of ms) leaves no damaged
        # file under the name the user gave (POSIX renames a file that is open; elsewhere the
        # file is made under its name).
        named_early = not keeping and os.name == "posix"
        if keeping or named_early:
            self.writing = partial_file(self.path)
        opened = False
        try:
            self._file = h5py.File(self.writing, "w")
            opened = True
            self._create(self._file, simulation)
            self._check_room(0)
            if named_early:
                os.replace(self.writing, self.path)
                self.writing = self.path
        except (OSError, RuntimeError) as error:
            if self._file is not None:
                try:
                    self._file.close()
                except Exception:  # noqa: BLE001 - the file is deleted below either way
                    pass
                self._file = None
            if not is_io_fault(error) and not isinstance(error, OSError):
                raise
            # A file that could not take even its header holds nothing worth keeping (one
            # that could not be opened is not ours to delete).
            if opened or self.writing != self.path:
                self.writing.unlink(missing_ok=True)
            self.writing = self.path
            raise (error if getattr(error, "nwn_message", None) else
                   write_fault(error, self.path, where="before the first step")) from None

    def _create(self, file: Any, simulation: Any) -> None:
        """Write the header (attributes, geometry) and create the growing datasets."""
        network = simulation.network
        file.attrs["format"] = FORMAT
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

        widths = _widths(network)
        self._series = {}
        self._clocks = []
        for clock in CLOCKS:
            datasets = [d for d in DATASETS if d.clock == clock]
            row_bytes = sum(np.dtype(d.dtype).itemsize * (widths[d.width] or 1)
                            for d in datasets)
            if clock != "trace" and self.planned_steps and self.state_budget is not None:
                asked = self.every[clock]
                used = widened_every(asked, self.planned_steps, row_bytes, self.state_budget)
                if used != asked:
                    self.every[clock] = used
                    self.widened[clock] = (asked, used)
            file.attrs[CLOCKS[clock]] = self.every[clock]
            rows = int(max(1, min(4096, self.buffer_bytes // len(CLOCKS) // row_bytes)))
            expected = expected_rows(self.planned_steps, self.every[clock])
            members = []
            for d in datasets:
                storage = self.layout.options(d.width, widths[d.width], d.dtype, expected, rows)
                series = _Series(file, d.path, widths[d.width], d.dtype, d.units, rows, storage)
                self._series[d.name] = series
                members.append((series, _ROW_VALUE[d.name]))
            self._clocks.append((self.every[clock], members))
        file.flush()
        self._last_flush = time.monotonic()

    #: Room (bytes) the recorder leaves on the disk: it stops writing rows before the disk is
    #: full, so that the file can still be closed cleanly with every row it holds intact
    #: (HDF5 cannot be trusted after a failed write: it may leave rows of zeros).
    DISK_MARGIN = 256 * 2**10

    def _check_room(self, pending: int) -> None:
        """Refuse (as a disk-full fault) a write of ``pending`` bytes that would fill the disk."""
        import errno
        import shutil

        if self.path is None:
            return
        try:
            free = shutil.disk_usage(self.writing.parent).free
        except OSError:
            return  # no figure for this file system: rely on the write's own error
        if free < pending + self.DISK_MARGIN:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))

    def _write_geometry(self, file: Any, network: Any) -> None:
        geometry = file.create_group("geometry")
        arrays = {name: np.asarray(getattr(network, attribute))
                  for name, (attribute, _, _) in GEOMETRY.items() if attribute is not None}
        if network.wires is not None:
            arrays["wire_endpoints"] = network.wires.endpoints
            arrays["wire_diameters"] = network.wires.diameters
        if network.junctions is not None:
            arrays["junction_pairs"] = network.junctions.pairs
            arrays["junction_points"] = network.junctions.points
        for name, data in arrays.items():
            geometry.create_dataset(name, data=data)
            units = GEOMETRY[name][1]
            if units:
                geometry[name].attrs["units"] = units
        electrodes = file.create_group(ELECTRODE_SHAPES)
        for electrode in network.electrodes:
            electrodes.attrs[electrode.name] = electrode.shape.wkt

    def record(self, simulation: Any, step: int, t: float, solution: Any,
               junction_voltage: np.ndarray) -> None:
        full = False
        self._t_latest = t
        for every, members in self._clocks:
            if step % every == 0:
                for series, value in members:
                    full |= series.append(value(simulation, step, t, solution))
        if full or time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

    def finish(self, simulation: Any) -> None:
        self.flush()

    # -- file ---------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write every buffered row and flush the file to disk.

        On a disk that is full (or nearly: :data:`DISK_MARGIN`) or fails, the recorder stops:
        the buffered rows are dropped, the file is closed holding only the rows written
        before (``complete`` false), and an ``OSError`` with one line ("disk full writing
        FILE at t = ...") is raised; :attr:`fault` keeps it.
        """
        if self._file is None:
            return
        from nwn.engine.output_files import is_io_fault

        pending = sum(series.bytes_to_grow() for series in self._series.values())
        try:
            self._check_room(pending)
            for series in self._series.values():
                series.write()
            self._file.flush()
        except (OSError, RuntimeError) as error:
            if self.path is None or not (isinstance(error, OSError) or is_io_fault(error)):
                raise
            raise self._stop(error) from None
        for series in self._series.values():
            series.on_disk = series.dataset.shape[0]
        trace = self._series.get("t")
        if trace is not None and trace.on_disk:
            self.kept_until = float(trace.dataset[trace.on_disk - 1])
        self._last_flush = time.monotonic()

    def _stop(self, error: BaseException) -> OSError:
        """Close the file after a failed write, keeping the rows on the disk; the fault."""
        from nwn.engine.output_files import write_fault

        where = "" if self._t_latest is None else f"at t = {self._t_latest:.4g} s"
        self.fault = write_fault(error, self.path, where=where)
        file, self._file = self._file, None
        # Best effort from here: the disk refused a write, each step may fail too.
        for series in self._series.values():
            series.filled = 0
            try:
                series.dataset.resize(series.on_disk, axis=0)
            except Exception:  # noqa: BLE001
                pass
        try:
            file.attrs["complete"] = False
            file.flush()
        except Exception:  # noqa: BLE001
            pass
        try:
            file.close()
        except Exception:  # noqa: BLE001
            pass
        return self.fault

    def close(self, *, complete: bool = True, keep: bool | None = None) -> Path | None:
        """Flush, mark the file complete (or not) and close it.

        Parameters
        ----------
        complete : bool
            Whether the run finished (the file's ``complete`` attribute).
        keep : bool, optional
            Only matters while an existing file is kept (``keep_existing``): whether the new
            file replaces it all the same. Default: when complete; otherwise the new file is
            deleted and the earlier one stays.

        Returns
        -------
        Path or None
            The file that holds the results now (None in memory, or if nothing was kept).
        """
        if self._file is None and self._kept is not None:
            return self._kept  # closed before: the same answer
        if self._file is not None:
            try:
                self.flush()
                self._file.attrs["complete"] = bool(complete)
                if self.path is None:
                    self._file.flush()
                    self._image = self._file.id.get_file_image()
            except OSError:
                if self.fault is None:
                    raise
                self._settle(False, keep)  # the fault stopped the recorder: settle, then say so
                raise
            finally:
                if self._file is not None:
                    self._file.close()
                    self._file = None
        if self.fault is not None:
            complete = False
        return self._settle(complete, keep)

    def _settle(self, complete: bool, keep: bool | None) -> Path | None:
        """Give the closed file its name, or delete it and keep the earlier one."""
        self._kept = self.path
        if self.writing is not None and self.writing != self.path:
            if complete if keep is None else keep:
                os.replace(self.writing, self.path)
            else:
                self.writing.unlink(missing_ok=True)
                self._kept = None
            self.writing = self.path
        return self._kept

    def results(self, *, lazy: bool = True) -> Results:
        """The recorded file, opened for reading (see :class:`nwn.engine.results.Results`)."""
        if self.path is not None:
            return Results(self.path, lazy=lazy)
        if self._file is not None:
            raise InputError("close the recorder before reading results kept in memory")
        if self._image is None:
            raise InputError("nothing was recorded: the run has not started")
        return Results(io.BytesIO(self._image), lazy=lazy)

    def __enter__(self) -> HDF5Recorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(complete=exc_type is None)


class _Rows:
    """Rows of one array kept in memory, growing by doubling (amortized O(1) per row)."""

    def __init__(self, dtype: Any, capacity: int = 1024) -> None:
        self.dtype = np.dtype(dtype)
        self.capacity = int(capacity)
        self.data: np.ndarray | None = None
        self.n = 0

    def append(self, row: Any) -> None:
        if self.data is None:
            self.data = np.empty((self.capacity,) + np.shape(row), dtype=self.dtype)
        elif self.n == self.data.shape[0]:
            grown = np.empty((2 * self.n,) + self.data.shape[1:], dtype=self.dtype)
            grown[: self.n] = self.data
            self.data = grown
        self.data[self.n] = row
        self.n += 1

    def keep_every_other(self) -> None:
        if self.data is not None:
            kept = self.data[: self.n: 2].copy()
            self.data[: kept.shape[0]] = kept
            self.n = kept.shape[0]

    def array(self, width: int | None = None) -> np.ndarray:
        """A copy of the rows, shape (T,) or (T, width)."""
        if self.data is None:
            return np.zeros((0,) if width is None else (0, width), dtype=self.dtype)
        return self.data[: self.n].copy()


class _MemoryRecorder:
    """What the in-memory recorders share: rows in ``_rows`` keyed by name, with ``t`` and
    ``step`` among them, and nothing to do when a run starts or ends."""

    _rows: dict[str, _Rows]

    def start(self, simulation: Any) -> None:
        pass

    def finish(self, simulation: Any) -> None:
        pass

    def __len__(self) -> int:
        return self._rows["t"].n

    @property
    def t(self) -> np.ndarray:
        return self._rows["t"].array()

    @property
    def step(self) -> np.ndarray:
        return self._rows["step"].array()


class TraceRecorder(_MemoryRecorder):
    """Keep the trace rows of a run (the layout's ``trace`` clock) in memory.

    Parameters
    ----------
    every : int
        Steps between rows.
    max_rows : int, optional
        None (default): keep every row; storage grows by doubling. A number bounds memory
        for open-ended runs (the GUI's live plots): when it is reached every other row is
        dropped and :attr:`every` doubles, so the trace still spans the whole run at half
        the resolution; :attr:`decimations` counts how often that happened.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Time of each row (s).
    step : ndarray, shape (T,)
        Step index of each row.
    terminal_current, terminal_voltage : ndarray, shape (T, K)
        Current into the network (A) and potential (V) of each electrode.
    conductance : ndarray, shape (T,)
        Two-terminal conductance (S), NaN unless two terminals are driven.
    every : int
        Steps between the rows kept now.
    """

    def __init__(self, *, every: int = 1, max_rows: int | None = None) -> None:
        self.first_every = check_int("every", every, minimum=1)
        self.max_rows = None if max_rows is None else check_int("max_rows", max_rows,
                                                                minimum=2)
        self.reset()

    def reset(self) -> None:
        """Forget every row and return to the first recording interval."""
        self.every = self.first_every
        self.decimations = 0
        self._rows = {d.name: _Rows(d.dtype) for d in DATASETS if d.clock == "trace"}

    def record(self, simulation: Any, step: int, t: float, solution: Any,
               junction_voltage: np.ndarray) -> None:
        if step % self.every:
            return
        for name, rows in self._rows.items():
            rows.append(_ROW_VALUE[name](simulation, step, t, solution))
        if self.max_rows is not None and self._rows["t"].n >= self.max_rows:
            for rows in self._rows.values():
                rows.keep_every_other()
            self.every *= 2
            self.decimations += 1

    @property
    def terminal_current(self) -> np.ndarray:
        return self._rows["terminal_current"].array(width=0)

    @property
    def terminal_voltage(self) -> np.ndarray:
        return self._rows["terminal_voltage"].array(width=0)

    @property
    def conductance(self) -> np.ndarray:
        return self._rows["conductance"].array()

    def __getattr__(self, name: str) -> Any:
        # Names this class used before it took the results file's: say where they went.
        renamed = {"current": "terminal_current", "voltage": "terminal_voltage"}.get(name)
        if renamed is not None:
            raise AttributeError(f"TraceRecorder.{name} is called {renamed} (the name of "
                                 f"Results, Snapshot and the solver)")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class StateMonitor(_MemoryRecorder):
    """Record chosen junctions and nodes in memory during a run, like Brian2's StateMonitor.

    Declare it before the run and pass it with the recorders (``Simulation(...,
    recorders=[monitor])`` or ``nwn.engine.run(..., monitors=[monitor])``).

    Parameters
    ----------
    junctions : sequence of int or True
        Junction indices (0 .. M-1) whose state and conductance are recorded; True: all.
    nodes : sequence of int or True
        Node indices (0 .. N-1) whose voltage is recorded; True: all.
    every : int
        Steps between samples; the first state of the run is sampled too.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Sample times (s).
    step : ndarray, shape (T,)
        Step index of each sample.
    junction_state : ndarray, shape (n_junctions, T)
        Normalized state in [0, 1], in the data type of the results file's
        ``/junctions/state``, so that a monitor and the file hold the same numbers.
    junction_conductance : ndarray, shape (n_junctions, T)
        Junction conductance (S).
    node_voltage : ndarray, shape (n_nodes, T)
        Node potential (V), NaN on clusters that reach no driven electrode.
    junctions, nodes : ndarray of int64
        The recorded indices, in row order.
    """

    _DTYPE = {d.name: d.dtype for d in DATASETS}

    def __init__(self, *, junctions: Sequence[int] | bool = (),
                 nodes: Sequence[int] | bool = (), every: int = 1) -> None:
        self.every = check_int("every", every, minimum=1)
        self._junctions_asked = junctions
        self._nodes_asked = nodes
        # Checked now as far as possible, against the network's size at start().
        self.junctions = self._indices("junctions", junctions, None)
        self.nodes = self._indices("nodes", nodes, None)
        self._rows = {"t": _Rows(np.float64), "step": _Rows(np.int64),
                      "junction_state": _Rows(self._DTYPE["junction_state"]),
                      "junction_conductance": _Rows(self._DTYPE["junction_conductance"]),
                      "node_voltage": _Rows(self._DTYPE["node_voltage"])}

    @staticmethod
    def _indices(what: str, asked: Any, size: int | None) -> np.ndarray:
        if isinstance(asked, bool):
            return np.arange(size if asked and size is not None else 0, dtype=np.int64)
        values = np.asarray(asked)
        if values.ndim != 1 or (values.size and not np.issubdtype(values.dtype, np.integer)):
            raise InputError(f"{what} must be a list of integer indices or True (got {asked!r})")
        values = values.astype(np.int64)
        if size is not None:
            bad = (values < 0) | (values >= size)
            if np.any(bad):
                raise InputError(f"{what} index {int(values[bad][0])} is out of range "
                                 f"(the network has {size}: 0 .. {size - 1})")
        return values

    def start(self, simulation: Any) -> None:
        network = simulation.network
        self.junctions = self._indices("junctions", self._junctions_asked, network.n_junctions)
        self.nodes = self._indices("nodes", self._nodes_asked, network.n_nodes)

    def record(self, simulation: Any, step: int, t: float, solution: Any,
               junction_voltage: np.ndarray) -> None:
        if step % self.every:
            return
        rows = self._rows
        rows["t"].append(t)
        rows["step"].append(step)
        if self.junctions.size:
            rows["junction_state"].append(simulation.model.state()[self.junctions])
            rows["junction_conductance"].append(simulation.junction_conductance[self.junctions])
        if self.nodes.size:
            rows["node_voltage"].append(solution.node_voltage[self.nodes])

    def _matrix(self, name: str, indices: np.ndarray) -> np.ndarray:
        rows = self._rows[name]
        if rows.n == 0:
            return np.zeros((indices.size, len(self) if indices.size == 0 else 0),
                            dtype=rows.dtype)
        return np.ascontiguousarray(rows.array().T)

    @property
    def junction_state(self) -> np.ndarray:
        return self._matrix("junction_state", self.junctions)

    @property
    def junction_conductance(self) -> np.ndarray:
        return self._matrix("junction_conductance", self.junctions)

    @property
    def node_voltage(self) -> np.ndarray:
        return self._matrix("node_voltage", self.nodes)
