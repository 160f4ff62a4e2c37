"""Score reservoir tasks across a sweep: a runner for :func:`nwn.engine.sweep.run_sweep`.

``run_sweep(scenario, vary={...}, seeds=..., runner=TaskRunner(("memory-capacity", "nlt")))``
runs the scenario's ``[reservoir]`` protocol once per task for every member and stores, per
task, its score (variable ``<task>``, with ``-`` written ``_``), MC(tau) for memory capacity
(``memory_capacity__per_delay``) and the task's other numeric figures
(``<task>__<figure>``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nwn.engine.reservoir.experiment import check_task, run_reservoir
from nwn.engine.reservoir.tasks import get_task
from nwn.geometry.checks import InputError, check_int

__all__ = ["TaskRunner", "output_name"]


def output_name(task: str, figure: str | None = None) -> str:
    """Variable name of a task's score (or of one of its figures) in a sweep's file."""
    base = task.replace("-", "_")
    return base if figure is None else f"{base}__{figure.replace('-', '_')}"


@dataclass(frozen=True)
class TaskRunner:
    """A picklable ``runner(scenario) -> dict[str, ndarray]`` scoring tasks on a member.

    Attributes
    ----------
    tasks : tuple of str
        Tasks to score; empty: the scenario's ``reservoir.task``.
    settings : mapping
        Task settings passed to every task (alpha, max_delay, ...).
    samples : int or None
        Overrides ``reservoir.samples``.
    """

    tasks: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    samples: int | None = None

    def __post_init__(self) -> None:
        for task in self.tasks:
            get_task(task)

    def check(self, scenario: Any) -> None:
        """Refuse, before the sweep sends anything, a member whose scoring would fail after
        its simulation (too few samples for a task, a bad setting): ``run_sweep`` calls this
        on every key combination's scenario (see :func:`.experiment.check_task`)."""
        spec = scenario.reservoir
        if spec is None:
            raise InputError("the scenario has no [reservoir] table (see `nwn presets --show "
                             "rc_memory_capacity` for one)")
        for task in self.tasks or (spec.task,):
            check_task(dataclasses.replace(
                spec, task=task, samples=spec.samples if self.samples is None else
                check_int("samples", self.samples, minimum=2)), dict(self.settings))

    def __call__(self, scenario: Any) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for task in self.tasks or (scenario.reservoir.task,):
            run = run_reservoir(scenario, task=task, samples=self.samples,
                                settings=dict(self.settings))
            result = run.result
            out[output_name(task)] = np.asarray(result.score, dtype=np.float64)
            if result.per_delay is not None:
                out[output_name(task, "per_delay")] = np.asarray(result.per_delay)
            for key, value in result.details.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[output_name(task, key)] = np.asarray(value, dtype=np.float64)
            k = run.electrode_names.index(scenario.reservoir.inputs[0])
            conductance = np.abs(run.electrode_current[k]) / np.abs(run.electrode_voltage[k])
            out[output_name(task, "input_conductance")] = np.asarray(np.mean(conductance))
        return out
