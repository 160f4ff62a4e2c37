"""Reservoir computing: score what a nanowire network (simulated or measured) computes.

A reservoir is scored from its input u, shape (T,), and its features, shape (F, T) (e.g. the
voltages of the floating pads, read once per input sample), by a trained linear readout
(:mod:`.readout`) on the tasks of :mod:`.tasks`. Measured recordings come in the INRiM /
RCbench text format (:mod:`.recordings`, scored by :func:`.scoring.score_recording`).

Modules: :mod:`.recordings` (file format), :mod:`.readout` (ridge regression, chronological
split), :mod:`.generators` (NARMA, Mackey-Glass), :mod:`.metrics` (MC, NMSE, accuracy, valid
time), :mod:`.tasks` (task definitions and registry), :mod:`.scoring` (recordings -> scores),
:mod:`.protocol` (the scenario's ``[reservoir]`` table), :mod:`.experiment` (simulate it:
sample-and-hold drive, feature reads, results file), :mod:`.sweeps` (a task runner for
:func:`nwn.engine.sweep.run_sweep`).
"""

from nwn.engine.reservoir.readout import RidgeReadout, choose_alpha, fit_ridge, split_index
from nwn.engine.reservoir.recordings import PadRecording, read_recording, write_recording
from nwn.engine.reservoir.scoring import recording_features, score_recording
from nwn.engine.reservoir.tasks import (
    TASKS,
    TaskResult,
    generalization_rank,
    make_input,
    score_task,
    task_names,
)

__all__ = ["PadRecording", "RidgeReadout", "TASKS", "TaskResult", "choose_alpha", "fit_ridge",
           "generalization_rank", "make_input", "read_recording", "recording_features",
           "score_recording", "score_task", "split_index", "task_names", "write_recording"]
