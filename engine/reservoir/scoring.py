"""Score a measured (or exported) pad recording on a task.

The input is the input pad's measured voltage; the features are, as RCbench takes them, the
voltages of every pad except the input and the ground pads. Unless named, the ground pads are
the pads other than the input whose current was measured: in this format only driven pads
(the input, the grounds) have a current column that is not ``nan``. Pads whose voltage was never
measured are left out of the features (RCbench drops all-NaN columns too); a feature pad
measured on only some samples, or an input that is not measured, is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nwn.engine.reservoir.recordings import PadRecording
from nwn.engine.reservoir.tasks import TaskResult, get_task, score_task
from nwn.geometry.checks import InputError

__all__ = ["default_ground_pads", "recording_features", "score_recording"]


def recording_features(recording: PadRecording, input_pad: str,
                       ground_pads: Sequence[str] | None = None
                       ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """The input and the features of a recording.

    Parameters
    ----------
    recording : PadRecording
    input_pad : str
    ground_pads : sequence of str, optional
        Default: every other pad with a measured current.

    Returns
    -------
    u : ndarray, shape (T,)
        The input pad's voltage (V).
    features : ndarray, shape (F, T)
        Voltages of the other measured pads (V), in the recording's pad order.
    names : tuple of str
        The feature pads.
    """
    input_pad = str(input_pad)
    recording.index(input_pad)
    grounds = default_ground_pads(recording, input_pad) if ground_pads is None \
        else [str(g) for g in ground_pads]
    for pad in grounds:
        recording.index(pad)
        if pad == input_pad:
            raise InputError(f"pad {pad!r} cannot be both the input and a ground pad")
    u = recording.voltage_of(input_pad, role="input")
    names = tuple(p for p in recording.pads
                  if p != input_pad and p not in grounds and recording.measured_voltage(p))
    if not names:
        raise InputError("the recording has no feature pads: every measured pad is the input "
                         "or a ground")
    features = np.stack([recording.voltage_of(p, role="feature") for p in names])
    return u, features, names


def default_ground_pads(recording: PadRecording, input_pad: str) -> list[str]:
    """Pads other than ``input_pad`` whose current was measured (driven, hence grounds)."""
    return [p for p in recording.pads if p != str(input_pad)
            and np.any(np.isfinite(recording.current[recording.index(p)]))]


def score_recording(recording: PadRecording, task: str, input_pad: str,
                    ground_pads: Sequence[str] | None = None, **settings: Any) -> TaskResult:
    """Score a recording on ``task`` (settings as :func:`.tasks.score_task`)."""
    spec = get_task(task)
    if spec.online:
        from nwn.engine.reservoir.tasks import _online_only

        raise _online_only(task)
    if not spec.from_input:
        raise InputError(f"task {task!r} cannot be scored from a recording (its target does "
                         f"not follow from the input alone); run it with `nwn reservoir run`")
    if ground_pads is None:
        ground_pads = default_ground_pads(recording, input_pad)
    u, features, names = recording_features(recording, input_pad, ground_pads)
    result = score_task(task, u, features, **settings)
    result.details.update(input_pad=str(input_pad), ground_pads=[str(g) for g in ground_pads],
                          feature_pads=list(names), samples=int(u.size))
    return result
