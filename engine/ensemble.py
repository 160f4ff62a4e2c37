"""Ensembles: one scenario over K seeds, the basis of the statistical picture.

Two kinds of repetition:

* ``vary="dynamics"``: the same device (wires from the scenario's seed) measured K times; only
  the junction agents' random streams change. The spread is the device's intrinsic stochastic
  variability (cycle-to-cycle).
* ``vary="all"``: K different devices drawn from the same recipe (geometry and dynamics both
  change with the seed): device-to-device variability.

An ensemble is the seeds-only case of a sweep (:mod:`nwn.engine.sweep`): the same machinery,
cluster and file layout; ``vary`` is the sweep's ``reseed``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nwn.engine.scenario import Scenario
from nwn.engine.sweep.runner import SERIAL
from nwn.geometry.checks import InputError, check_choice

__all__ = ["EnsembleResult", "run_ensemble"]


@dataclass(frozen=True, eq=False)
class EnsembleResult:
    """Two-terminal conductance of every member.

    Attributes
    ----------
    seeds : ndarray of int64, shape (K,)
    t : ndarray, shape (T,)
        Time (s), shared by all members.
    conductance : ndarray, shape (K, T)
        Two-terminal conductance of each member (S).
    terminal_current : ndarray, shape (K, T, E)
        Current into the network through each electrode (A).
    vary : str
        ``"dynamics"`` or ``"all"``.
    """

    seeds: np.ndarray
    t: np.ndarray
    conductance: np.ndarray
    terminal_current: np.ndarray
    vary: str

    @classmethod
    def from_sweep(cls, sweep: Any) -> EnsembleResult:
        """The ensemble held by a seeds-only sweep (:class:`~nwn.engine.sweep.SweepResult`).

        Members that did not finish are NaN rows.
        """
        definition = sweep.definition
        if definition.keys:
            raise InputError(f"{sweep.path.name} varies {', '.join(definition.keys)}: an "
                             f"ensemble varies only the seed")
        data = sweep.dataset
        return cls(seeds=np.asarray(data["seed"].values, dtype=np.int64),
                   t=np.asarray(data["time"].values),
                   conductance=np.asarray(data["conductance"].values),
                   terminal_current=np.asarray(data["terminal_current"].values),
                   vary=definition.reseed)

    @property
    def mean(self) -> np.ndarray:
        """Ensemble mean of G(t), shape (T,) (S)."""
        return self.conductance.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """Ensemble standard deviation of G(t), shape (T,) (S); 0 for one member."""
        ddof = 1 if self.conductance.shape[0] > 1 else 0
        return self.conductance.std(axis=0, ddof=ddof)


def run_ensemble(scenario: Scenario, seeds: Sequence[int], *, vary: str = "dynamics",
                 client: Any = SERIAL, workers: int | None = None,
                 scheduler_file: str | Path | None = None, output: str | Path | None = None,
                 progress: Callable[[float, str], None] | None = None) -> EnsembleResult:
    """Run the scenario once per seed and collect the two-terminal traces.

    An ensemble is the seeds-only sweep (:func:`nwn.engine.sweep.run_sweep` with nothing
    varied), so it runs wherever a sweep runs and writes the same file layout.

    Parameters
    ----------
    scenario : Scenario
    seeds : sequence of int
        One run per seed (junction streams, and with ``vary="all"`` the wires too).
    vary : {"dynamics", "all"}
        What the seed changes (see the module docstring).
    client, workers, scheduler_file
        Where the members run, as for :func:`~nwn.engine.sweep.run_sweep`; by default here,
        one after another.
    output : path, optional
        Keep the sweep file here (resumable); by default a temporary file.
    progress : callable, optional
        ``progress(fraction, message)``.
    """
    from nwn.engine.sweep import run_sweep

    vary = check_choice("vary", vary, ("dynamics", "all"))
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise InputError("seeds must list at least one seed (got none)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(output) if output is not None else Path(folder) / "ensemble.h5"
        with run_sweep(scenario, None, seeds, reseed=vary, client=client, workers=workers,
                       scheduler_file=scheduler_file, output=path, progress=progress) as sweep:
            failures = sweep.failures()
            if failures:
                raise InputError(f"{len(failures)} of {len(seeds)} ensemble members failed; "
                                 f"{failures[0]}")
            return EnsembleResult.from_sweep(sweep)
