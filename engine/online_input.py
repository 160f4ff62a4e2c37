"""An electrode input whose values are computed while the run goes: fed sample by sample.

Every waveform of :mod:`nwn.engine.stimuli` is known in advance, and the time loop computes
its values many steps ahead (:data:`nwn.engine.simulation._STIMULUS_BLOCK`). A closed-loop
experiment cannot work that way: the next input sample is the readout's prediction from the
state the network reaches under the present one. :class:`OnlineInput` is a sample-and-hold
source that is fed its next value during the run (:meth:`OnlineInput.feed`), and declares
``lookahead = 1`` so that the time loop computes its value one step at a time, at the step it
is used. A simulation without one computes its stimuli exactly as before.

The value fed with ``feed(value, t_from)`` applies from time ``t_from`` on; earlier times (the
step still under way, which a Runge-Kutta junction model may evaluate again) keep the value
held before. :meth:`get_state` / :meth:`set_state` let
:meth:`~nwn.engine.simulation.Simulation.store` and ``restore`` rewind it with the network.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from nwn.engine.stimuli import Stimulus
from nwn.geometry.checks import InputError, check_finite

__all__ = ["OnlineInput"]


class OnlineInput(Stimulus):
    """A held value (V or A) fed during the run.

    Parameters
    ----------
    value : float
        The value held from the start (V for a voltage source, A for a current source).
    """

    kind: ClassVar[str] = "online"
    #: Steps of values the time loop may compute ahead: one, the value is not known further.
    lookahead: ClassVar[int] = 1

    def __init__(self, value: float = 0.0) -> None:
        value = check_finite("online input", value)
        self._previous = value
        self._value_now = value
        self._from = -math.inf

    @property
    def value(self) -> float:
        """The value fed last (V or A)."""
        return self._value_now

    def feed(self, value: float, t_from: float) -> None:
        """Hold ``value`` from time ``t_from`` (s) on; times before keep the value held so far.

        Raises
        ------
        InputError
            If ``value`` is not finite (a diverging readout fed back).
        """
        value = check_finite("online input", value)
        self._previous = self._value_now
        self._value_now = value
        self._from = float(t_from)

    def get_state(self) -> tuple[float, float, float]:
        """Everything :meth:`set_state` needs to return to this point."""
        return (self._previous, self._value_now, self._from)

    def set_state(self, state: tuple[float, float, float]) -> None:
        """Return to a state of :meth:`get_state`."""
        self._previous, self._value_now, self._from = state

    def _value(self, t: np.ndarray) -> np.ndarray:
        return np.where(t >= self._from, self._value_now, self._previous)

    def to_spec(self) -> dict[str, Any]:
        raise InputError("an online input is fed during a run and has no waveform to save")
