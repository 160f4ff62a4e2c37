"""The sweep results file: one self-describing HDF5 file, streamed member by member.

Layout (netCDF4-style dimension scales, so ``xarray.open_dataset(path, engine="h5netcdf")``
opens the root with the sweep's dimensions and ``group="members"`` opens the member table)::

    /                         attrs: format, scenario (TOML of the base scenario), sweep (JSON
                              definition: keys, values, zip, seeds, reseed), outputs (JSON),
                              runner, versions (JSON), created, complete (bool)
    /<key path>   (n_k,)      values of each varied key: a dimension coordinate; with zip,
                              (case,) coordinates along the dimension /case
    /seed         (S,)        int64, the seed axis
    /time         (T,) s      time of each trace row (a coordinate when every member shares one
                              time grid, else a bare dimension and /t holds each member's times)
    /electrode    (E,)        electrode names of the scenario
    /conductance        (*grid, seed, time)            S
    /terminal_current   (*grid, seed, time, electrode) A
    /terminal_voltage   (*grid, seed, time, electrode) V
    /...                (*grid, seed, ...)             further outputs (junction_state,
                              node_voltage, fit_kp0, a runner's own arrays, ...)
    /members/member     (n,)  the member table, one row per member in member order:
    /members/<key path>, seed, status ("pending", "done", "failed"), wall_time (s),
    /members/worker, error (one line)

``*grid`` is one dimension per varied key (or ``case``). Every per-member array is float64,
NaN where a member has not finished or failed; arrays shorter than the longest member are
NaN-padded along their own (growable) dimensions. Each finished member is written and
flushed at once (memory on the client holds one member), so a file whose writer was killed
opens normally with every member finished before the kill (a kill during the millisecond of a
flush itself can still damage it, as with any HDF5 writer); ``complete`` stays False until the
last member is in.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from nwn.engine.sweep.keys import Member, SweepDefinition, format_value
from nwn.geometry.checks import InputError

__all__ = ["FORMAT", "PARTIAL_SUFFIX", "SweepStore", "partial_path"]

FORMAT = "nwn-studio sweep 1"
#: A fresh sweep is written under ``<output>.part`` and renamed when its last member is in.
PARTIAL_SUFFIX = ".part"
STATUSES = ("pending", "done", "failed")

# What netCDF4 writes as the NAME of a dimension that has no coordinate values; h5netcdf and
# netCDF4 read a scale with this name as a bare dimension.
_PHONY = "This is a netCDF dimension but not a netCDF variable."

#: Dimensions of the default runner's arrays (after the sweep's own dimensions).
KNOWN_DIMS = {
    "t": ("time",),
    "conductance": ("time",),
    "terminal_current": ("time", "electrode"),
    "terminal_voltage": ("time", "electrode"),
    "junction_state": ("junction",),
    "junction_conductance": ("junction",),
    "node_t": ("snapshot",),
    "node_voltage": ("snapshot", "node"),
}
UNITS = {"t": "s", "conductance": "S", "terminal_current": "A", "terminal_voltage": "V",
         "junction_conductance": "S", "node_t": "s", "node_voltage": "V", "time": "s"}


def partial_path(path: str | Path) -> Path:
    """Where a fresh sweep for ``path`` is written until it is complete."""
    path = Path(path)
    return path.with_name(path.name + PARTIAL_SUFFIX)


def _coordinate_values(values: tuple) -> np.ndarray:
    """Key values as a coordinate: int64 or float64 for numbers, text as it is, anything else
    (lists, tables, booleans) as its TOML text."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numbers and all(isinstance(v, int) for v in values) and \
            all(abs(v) < 2**63 for v in values):
        return np.array(values, dtype=np.int64)
    if numbers:
        return np.array(values, dtype=np.float64)
    if all(isinstance(v, str) for v in values):
        return np.array(values, dtype=object)
    return np.array([format_value(v) for v in values], dtype=object)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class SweepStore:
    """Create, resume and fill a sweep results file (the one writer of the layout above).

    Use :meth:`open`; then :meth:`pending`, :meth:`write` for each finished member, and
    :meth:`close`.
    """

    def __init__(self, file: Any, path: Path, final: Path, definition: SweepDefinition) -> None:
        self._file = file
        self.path = path  #: the file being written
        self.final = final  #: where it ends up once complete
        self.definition = definition
        self._grid = definition.shape
        self.created = False  #: whether this store made the file (else it resumes one)

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, output: str | Path, definition: SweepDefinition, *, scenario_text: str,
             outputs: tuple[str, ...], runner: str, electrodes: tuple[str, ...],
             common_time: bool) -> SweepStore:
        """Resume the sweep in ``output`` (or its ``.part`` file), or start a fresh one.

        Raises
        ------
        InputError
            If ``output`` exists and is not a sweep file, or holds a different scenario or
            sweep (the user's file is never overwritten).
        """
        import h5py

        final = Path(output)
        if final.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(final))
        identity = {"scenario": scenario_text, "sweep": definition.to_json(),
                    "outputs": json.dumps(list(outputs)), "runner": runner}
        for path in (final, partial_path(final)):
            if path.exists():
                try:
                    file = h5py.File(path, "r+")
                except OSError as error:
                    raise InputError(f"{path} exists and is not a readable HDF5 file "
                                     f"({error}); choose another output") from None
                store = cls(file, path, final, definition)
                try:
                    store._check_identity(identity)
                except InputError:
                    file.close()
                    raise
                return store
        path = partial_path(final)
        path.parent.mkdir(parents=True, exist_ok=True)
        file = h5py.File(path, "w")
        store = cls(file, path, final, definition)
        try:
            store._create(identity, electrodes, common_time)
        except BaseException:
            file.close()
            path.unlink(missing_ok=True)
            raise
        store.created = True
        return store

    def _check_identity(self, identity: dict[str, str]) -> None:
        attrs = self._file.attrs
        if _text(attrs.get("format", "")) != FORMAT:
            raise InputError(f"{self.path} exists and is not an nwn sweep file; choose another "
                             f"output (it is never overwritten)")
        for name, expected in identity.items():
            if _text(attrs.get(name, "")) != expected:
                what = {"scenario": "the scenario", "sweep": "the sweep (keys, values, seeds)",
                        "outputs": "the outputs", "runner": "the runner"}[name]
                raise InputError(f"{self.path} holds a different sweep ({what} differs); "
                                 f"re-run with the same scenario and sweep to continue it, or "
                                 f"choose another output")

    def _create(self, identity: dict[str, str], electrodes: tuple[str, ...],
                common_time: bool) -> None:
        import h5py

        from nwn.engine.recording import package_versions

        file = self._file
        definition = self.definition
        file.attrs["format"] = FORMAT
        for name, value in identity.items():
            file.attrs[name] = value
        file.attrs["versions"] = json.dumps(package_versions())
        file.attrs["created"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        file.attrs["complete"] = False
        file.attrs["common_time"] = bool(common_time)
        if definition.zip:
            case = file.create_dataset("case", data=np.arange(definition.shape[0]))
            case.make_scale("case")
            for key, values in zip(definition.keys, definition.values, strict=True):
                coordinate = self._values_dataset(file, key, values)
                coordinate.dims[0].attach_scale(case)
        else:
            for key, values in zip(definition.keys, definition.values, strict=True):
                self._values_dataset(file, key, values).make_scale(key)
        file.create_dataset("seed", data=np.array(definition.seeds, dtype=np.int64)) \
            .make_scale("seed")
        electrode = file.create_dataset("electrode", data=np.array(electrodes, dtype=object),
                                        dtype=h5py.string_dtype())
        electrode.make_scale("electrode")
        self._growable_dim("time", values=common_time)

        table = file.create_group("members")
        n = definition.n_members
        member = table.create_dataset("member", data=np.zeros(n, dtype=np.int8))
        member.make_scale(f"{_PHONY}{n:10d}")
        members = list(definition.members())
        columns: dict[str, Any] = {}
        for k, key in enumerate(definition.keys):
            columns[key] = _coordinate_values(tuple(m.values[k] for m in members))
        columns["seed"] = np.array([m.seed for m in members], dtype=np.int64)
        columns["wall_time"] = np.full(n, np.nan)
        for name in ("status", "worker", "error"):
            columns[name] = np.array(["pending" if name == "status" else ""] * n, dtype=object)
        for name, data in columns.items():
            kind = h5py.string_dtype() if data.dtype == object else data.dtype
            dataset = table.create_dataset(name, data=data, dtype=kind)
            dataset.dims[0].attach_scale(member)
        table["wall_time"].attrs["units"] = "s"
        file.flush()

    @staticmethod
    def _values_dataset(file: Any, key: str, values: tuple) -> Any:
        import h5py

        data = _coordinate_values(values)
        kind = h5py.string_dtype() if data.dtype == object else data.dtype
        return file.create_dataset(key, data=data, dtype=kind)

    def _growable_dim(self, name: str, *, values: bool = False) -> Any:
        """A dimension that grows with the longest member (a bare one unless ``values``)."""
        scale = self._file.create_dataset(name, shape=(0,), maxshape=(None,), dtype=np.float64,
                                          chunks=(4096,), fillvalue=np.nan)
        scale.make_scale(name if values else f"{_PHONY}{0:10d}")
        if name in UNITS and values:
            scale.attrs["units"] = UNITS[name]
        return scale

    # -- reading the table ------------------------------------------------------------------

    def statuses(self) -> np.ndarray:
        """Status of every member, shape (n,), as text."""
        return np.array([_text(s) for s in self._file["members/status"][...]], dtype=object)

    def pending(self) -> list[int]:
        """Indices of the members still to run (neither done nor failed)."""
        return [int(i) for i in np.flatnonzero(self.statuses() == "pending")]

    # -- writing ----------------------------------------------------------------------------

    def write(self, member: Member, outcome: dict[str, Any]) -> dict[str, Any]:
        """Store one member's outcome and flush the file.

        An array the file cannot hold (a shape that does not fit a fixed dimension, say)
        turns the member into a failed one with that reason rather than stopping the sweep.

        Returns
        -------
        dict
            The outcome as recorded (``status`` may have become "failed").
        """
        if outcome["status"] == "done":
            try:
                self._write_arrays(member, outcome["arrays"])
            except InputError as error:
                outcome = dict(outcome, status="failed", error=str(error))
        table = self._file["members"]
        i = member.index
        table["status"][i] = outcome["status"]
        table["wall_time"][i] = float(outcome["wall_time"])
        table["worker"][i] = str(outcome["worker"])
        table["error"][i] = str(outcome["error"])
        self._file.flush()
        return outcome

    def _write_arrays(self, member: Member, arrays: dict[str, np.ndarray]) -> None:
        file = self._file
        arrays = dict(arrays)
        if file.attrs["common_time"] and "t" in arrays:
            times = np.asarray(arrays["t"], dtype=np.float64)
            scale = file["time"]
            if scale.shape[0] == 0:
                scale.resize((times.size,))
                scale[:] = times
            if scale.shape[0] == times.size and np.array_equal(scale[...], times):
                del arrays["t"]  # the shared time coordinate already says it
        for name, value in arrays.items():
            if not name or "/" in name or name in file and name not in self._variables():
                raise InputError(f"output name {name!r} cannot be stored (it is empty, holds "
                                 f"'/' or is taken by the file's layout)")
            value = np.asarray(value, dtype=np.float64)
            dims = KNOWN_DIMS.get(name, tuple(f"{name}_dim{i}" for i in range(value.ndim)))
            if len(dims) != value.ndim:
                raise InputError(f"output {name!r} has shape {value.shape}; expected "
                                 f"{len(dims)} dimension(s) ({', '.join(dims)})")
            dataset = self._variable(name, dims, value.shape)
            for axis, (dim, size) in enumerate(zip(dims, value.shape, strict=True)):
                if size > dataset.shape[len(self._grid) + axis]:
                    self._grow(dim, size)
            region = tuple(member.position) + tuple(slice(0, s) for s in value.shape)
            dataset[region] = value

    def _variables(self) -> set[str]:
        return set(json.loads(_text(self._file.attrs.get("variables", "[]"))))

    def _variable(self, name: str, dims: tuple[str, ...], shape: tuple[int, ...]) -> Any:
        """The dataset of output ``name``, created on first use."""
        file = self._file
        if name in file:
            return file[name]
        for dim, size in zip(dims, shape, strict=True):
            if dim not in file:
                self._growable_dim(dim)
            scale = file[dim]
            if scale.maxshape[0] is None and scale.shape[0] < size:
                self._grow(dim, size)
        own = tuple(file[dim].shape[0] for dim in dims)
        grid = self._grid
        maxshape = grid + tuple(None if file[d].maxshape[0] is None else file[d].shape[0]
                                for d in dims)
        chunks = (1,) * len(grid) + tuple(max(1, s) for s in own)
        dataset = file.create_dataset(name, shape=grid + own, maxshape=maxshape,
                                      dtype=np.float64, chunks=chunks, fillvalue=np.nan)
        scales = [file[d] for d in self.definition.dims] + [file[d] for d in dims]
        for axis, scale in enumerate(scales):
            dataset.dims[axis].attach_scale(scale)
        if name in UNITS:
            dataset.attrs["units"] = UNITS[name]
        file.attrs["variables"] = json.dumps(sorted(self._variables() | {name}))
        return dataset

    def _grow(self, dim: str, size: int) -> None:
        """Lengthen dimension ``dim`` and every output that uses it to ``size``."""
        file = self._file
        scale = file[dim]
        if scale.maxshape[0] is not None:
            raise InputError(f"a member's output is {size} long along {dim!r}, which holds "
                             f"{scale.shape[0]} in this sweep")
        scale.resize((size,))
        n_grid = len(self._grid)
        for name in self._variables():
            dataset = file[name]
            for axis in range(n_grid, dataset.ndim):
                if dataset.dims[axis][0].name == scale.name and dataset.shape[axis] < size:
                    dataset.resize(size, axis=axis)

    # -- closing ----------------------------------------------------------------------------

    def close(self, *, discard_empty: bool = False) -> Path | None:
        """Mark the file complete when every member is in, close it, and give it its name.

        Parameters
        ----------
        discard_empty : bool
            Delete the file instead if this store made it and it holds no finished member (a
            sweep that failed before its first member keeps nothing).

        Returns
        -------
        Path or None
            Where the file now is: the output once complete, else the file written so far;
            None if it was discarded.
        """
        if self._file is None:
            return self.path
        if discard_empty and self.created and \
                not (self.statuses() != "pending").any():
            self._file.close()
            self._file = None
            self.path.unlink(missing_ok=True)
            return None
        complete = not self.pending()
        self._file.attrs["complete"] = complete
        self._file.close()
        self._file = None
        if complete and self.path != self.final:
            os.replace(self.path, self.final)
            self.path = self.final
        return self.path

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
