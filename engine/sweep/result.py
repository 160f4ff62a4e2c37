"""The result of a sweep: its file, opened with xarray, with the sweep's named dimensions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nwn.engine.sweep.keys import SweepDefinition, format_value
from nwn.geometry.checks import InputError, check_choice

__all__ = ["SweepResult", "open_sweep"]


class SweepResult:
    """A sweep results file (layout in :mod:`nwn.engine.sweep.store`), read with xarray.

    Opening is lazy: :attr:`dataset` and :attr:`members` open the file on first use and read
    arrays only when they are used; :meth:`close` (or a ``with`` block) lets the file go, and
    :meth:`load` reads everything into memory and closes it.

    Attributes
    ----------
    path : Path
    definition : SweepDefinition
    scenario_text : str
        TOML of the base scenario.
    complete : bool
        True once every member has run (done or failed).
    """

    def __init__(self, path: str | Path) -> None:
        import h5py

        from nwn.engine.sweep.store import FORMAT

        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"sweep file {str(self.path)!r} does not exist")
        try:
            with h5py.File(self.path, "r") as file:
                attrs = {k: file.attrs[k] for k in file.attrs}
        except OSError as error:
            raise InputError(f"{self.path} is not a readable HDF5 file ({error})") from None

        def text(name: str) -> str:
            value = attrs.get(name, "")
            return value.decode() if isinstance(value, bytes) else str(value)

        if text("format") != FORMAT:
            raise InputError(f"{self.path} is not an nwn sweep file (format "
                             f"{text('format') or 'missing'!r}, expected {FORMAT!r})")
        self.definition = SweepDefinition.from_json(text("sweep"))
        self.scenario_text = text("scenario")
        self.outputs = tuple(json.loads(text("outputs") or "[]"))
        self.complete = bool(attrs.get("complete", False))
        self._dataset = None
        self._members = None

    @property
    def dataset(self) -> Any:
        """Every per-member array with dims (varied keys | case, seed, own dims); xarray."""
        import xarray

        if self._dataset is None:
            self._dataset = xarray.open_dataset(self.path, engine="h5netcdf")
        return self._dataset

    @property
    def members(self) -> Any:
        """The member table (dim ``member``): key values, seed, status, wall time, worker,
        error; xarray."""
        import xarray

        if self._members is None:
            self._members = xarray.open_dataset(self.path, engine="h5netcdf", group="members")
        return self._members

    def __getitem__(self, name: str) -> Any:
        return self.dataset[name]

    @property
    def status(self) -> np.ndarray:
        """Status of every member in member order: "pending", "done" or "failed"."""
        return np.asarray(self.members["status"].values, dtype=str)

    @property
    def n_done(self) -> int:
        return int(np.count_nonzero(self.status == "done"))

    @property
    def n_failed(self) -> int:
        return int(np.count_nonzero(self.status == "failed"))

    def failures(self) -> list[str]:
        """One line per failed member: ``member 3 (network.n_wires=20, seed 1): reason``."""
        table = self.members
        lines = []
        for index in np.flatnonzero(self.status == "failed"):
            member = self.definition.member(int(index))
            error = str(table["error"].values[index])
            lines.append(f"member {index} ({member.label(self.definition.keys)}): {error}")
        return lines

    def conductance_summary(self, reduce: str = "final") -> dict[str, Any]:
        """Final (or time-averaged) conductance against the first varied key, over seeds.

        Parameters
        ----------
        reduce : {"final", "mean"}
            Each member's last finite conductance, or its mean over time.

        Returns
        -------
        dict
            ``key`` (the first varied key, or "" when only seeds vary), ``x`` (its values,
            shape (n,)), and ``lines``: one ``(label, mean (n,), std (n,), count (n,))`` per
            value of the other keys (label "" when there are none), with mean, standard
            deviation (ddof 1; 0 for one seed) and number of finished members over the seeds,
            in S.
        """
        check_choice("reduce", reduce, ("final", "mean"))
        data = self.dataset
        if "conductance" not in data:
            raise InputError(f"{self.path.name} holds no conductance (a runner of its own "
                             f"returned {', '.join(data.data_vars) or 'nothing'})")
        g = np.asarray(data["conductance"].values, dtype=np.float64)
        finite = np.isfinite(g)
        if reduce == "mean":
            with np.errstate(invalid="ignore"):
                per_member = np.where(finite.any(-1), np.nansum(np.where(finite, g, 0), -1)
                                      / np.maximum(finite.sum(-1), 1), np.nan)
        else:
            last = g.shape[-1] - 1 - np.argmax(finite[..., ::-1], axis=-1)
            per_member = np.take_along_axis(g, last[..., None], axis=-1)[..., 0]
            per_member[~finite.any(-1)] = np.nan
        definition = self.definition
        keys = definition.keys
        if not keys:
            per_member = per_member[None]
            x, key, others = np.array([0.0]), "", []
        elif definition.zip:
            x, key, others = np.asarray(data[keys[0]].values), keys[0], []
        else:
            x, key = np.asarray(data[keys[0]].values), keys[0]
            # (x, every combination of the other keys, seed)
            per_member = per_member.reshape(per_member.shape[0], -1, per_member.shape[-1])
            others = [dict(zip(keys[1:], definition.case_values(int(c))[1:], strict=True))
                      for c in range(per_member.shape[1])]
        if not others:
            per_member = per_member.reshape(per_member.shape[0], 1, per_member.shape[-1])
            others = [{}]
        lines = []
        for j, values in enumerate(others):
            rows = per_member[:, j, :]
            count = np.isfinite(rows).sum(axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(count > 0, np.nansum(rows, -1) / np.maximum(count, 1), np.nan)
                spread = np.where(count > 1, np.sqrt(np.nansum((rows - mean[:, None]) ** 2, -1)
                                                     / np.maximum(count - 1, 1)), 0.0)
            label = ", ".join(f"{k}={format_value(v)}" for k, v in values.items())
            lines.append((label, mean, np.where(count > 0, spread, np.nan), count))
        return {"key": key, "x": x, "lines": lines, "reduce": reduce}

    def load(self) -> SweepResult:
        """Read every array into memory and let the file go; returns self."""
        self.dataset.load()
        self.members.load()
        self._close_files()
        return self

    def _close_files(self) -> None:
        for data in (self._dataset, self._members):
            if data is not None:
                data.close()

    def close(self) -> None:
        """Let the file go (arrays already loaded stay usable)."""
        self._close_files()
        self._dataset = self._members = None

    def __enter__(self) -> SweepResult:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        shape = " x ".join(f"{d}={n}" for d, n in zip(self.definition.dims,
                                                      self.definition.shape, strict=True))
        return f"SweepResult({str(self.path)!r}, {shape})"


def open_sweep(path: str | Path) -> SweepResult:
    """Open a sweep results file (lazily; see :class:`SweepResult`)."""
    return SweepResult(path)
