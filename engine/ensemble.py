"""Ensembles: one scenario over K seeds, the basis of the statistical picture.

Two kinds of repetition:

* ``vary="dynamics"``: the same device (wires from the scenario's seed) measured K times; only
  the junction agents' random streams change. The spread is the device's intrinsic stochastic
  variability (cycle-to-cycle).
* ``vary="all"``: K different devices drawn from the same recipe (geometry and dynamics both
  change with the seed): device-to-device variability.

Runs are serial here; each is independent, so a scale-out only has to map :func:`run_member`
over seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nwn.engine.build import build_network_from, build_simulation
from nwn.engine.recording import TraceRecorder
from nwn.engine.scenario import Scenario
from nwn.geometry.checks import InputError, check_choice

__all__ = ["EnsembleResult", "run_ensemble", "run_member"]


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

    @property
    def mean(self) -> np.ndarray:
        """Ensemble mean of G(t), shape (T,) (S)."""
        return self.conductance.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        """Ensemble standard deviation of G(t), shape (T,) (S); 0 for one member."""
        ddof = 1 if self.conductance.shape[0] > 1 else 0
        return self.conductance.std(axis=0, ddof=ddof)


def run_member(scenario: Scenario, seed: int, *, vary: str = "dynamics", built=None,
               progress: Callable[[float, float], None] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run one member; returns ``(t (T,), conductance (T,), terminal_current (T, E))``."""
    trace = TraceRecorder()
    if vary == "all":
        simulation = build_simulation(scenario, seed=seed, recorders=[trace])
    else:
        simulation = build_simulation(scenario, seed=seed, built=built, recorders=[trace])
    simulation.run(scenario.run.duration, progress=progress)
    return trace.t, trace.conductance, trace.terminal_current


def run_ensemble(scenario: Scenario, seeds: Sequence[int], *, vary: str = "dynamics",
                 progress: Callable[[float, str], None] | None = None) -> EnsembleResult:
    """Run the scenario once per seed and collect the two-terminal traces.

    Parameters
    ----------
    scenario : Scenario
    seeds : sequence of int
        One run per seed (junction streams, and with ``vary="all"`` the wires too).
    vary : {"dynamics", "all"}
        What the seed changes (see the module docstring).
    progress : callable, optional
        ``progress(fraction, message)``.
    """
    vary = check_choice("vary", vary, ("dynamics", "all"))
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise InputError("seeds must list at least one seed (got none)")
    if any(s < 0 for s in seeds):
        raise InputError(f"seeds must be >= 0 (got {min(seeds)})")
    built = build_network_from(scenario) if vary == "dynamics" else None
    times, conductances, currents = None, [], []
    for k, seed in enumerate(seeds):
        def report(fraction, t, k=k, seed=seed):
            if progress is not None:
                progress((k + fraction) / len(seeds), f"seed {seed}, t = {t:.3g} s")

        t, g, current = run_member(scenario, seed, vary=vary, built=built, progress=report)
        times = t if times is None else times
        conductances.append(g)
        currents.append(current)
    return EnsembleResult(seeds=np.array(seeds, dtype=np.int64), t=times,
                          conductance=np.array(conductances),
                          terminal_current=np.array(currents), vary=vary)
