"""Where the Kirchhoff solver's conjugate gradient starts each step: an extrapolation.

Conductances drift smoothly from step to step and sources follow their waveforms, so the
node voltages of the next step are well predicted by a polynomial through the last few
solutions x_k, x_(k-1), ...: order 1 (2 x_k - x_(k-1)) is off by O(dt^2), order 2
(3 x_k - 3 x_(k-1) + x_(k-2)) by O(dt^3), order 3 (4 x_k - 6 x_(k-1) + 4 x_(k-2) - x_(k-3))
by O(dt^4). Two things make a high order worse, and each step's order is the lower of two
choices, one for each:

- **The sources.** Where a waveform jumps or turns (a square wave's edge, a triangle's
  corner) the polynomials overshoot, the more the higher the order. The solver knows this
  step's source values, so one choice is the order that predicts *them* best from the values
  of the solutions in the history: the highest where they follow a polynomial (DC, ramps, and
  smooth waveforms to within the order's error), order 0 (start from x_k) once an edge is in
  the history, rebuilt step by step after it.
- **The solutions.** Where conductances jump at random from step to step (stochastic
  junctions), a polynomial through noisy points amplifies the noise: the weights' squares sum
  to 69 at order 3, 19 at order 2, 5 at order 1, against 1 for x_k itself. The other choice is
  the order that would best have predicted the last solution x_k from the ones before it:
  the error of order p there is the (p + 1)-th backward difference of the solutions.

Measured at 10,000 wires and the default tolerance (``bench_tolerance.py`` workload, DC):
1.16 CG iterations per step with order 3, 1.65 with order 2; order 4 gave 1.23, the errors of
five solutions (each within the tolerance) weighing 31 times in it, 15 in order 3. Figures
for square waves and stochastic junctions: ``benchmarks/README.md``, "Stopping criterion".

``"legacy"`` (the solver before the physical tolerance) keeps what it had: order 1 from the
second step on, whatever the sources do.

Everything is sequential and deterministic; :meth:`WarmStart.get_state` /
:meth:`WarmStart.set_state` carry the history across store/restore.
"""

from __future__ import annotations

from collections.abc import Mapping

import numba
import numpy as np

__all__ = ["MAX_ORDER", "WarmStart"]

#: The highest extrapolation order (see the module docstring for why not higher).
MAX_ORDER = 3
#: Extrapolation weights of x_k, x_(k-1), ... per order (the source values' prediction).
_WEIGHTS = (np.array([1.0]), np.array([2.0, -1.0]), np.array([3.0, -3.0, 1.0]),
            np.array([4.0, -6.0, 4.0, -1.0]))
#: Relative difference of two orders' prediction errors (of the source values, of the last
#: solution) below which they count as equal, so the higher order is taken (rounding).
_TIE = 1e-12


class WarmStart:
    """The solutions of the last steps, their source values, and CG's start made from them.

    Parameters
    ----------
    n : int
        Unknowns of the reduced system.
    n_sources : int
        Terminals (the length of the solver's source-value vectors).
    legacy : bool
        Keep the earlier rule: linear extrapolation from the second step on.

    Attributes
    ----------
    x : ndarray, shape (n,), float64
        V: CG's iterate. Before a solve :meth:`start` makes it the extrapolated start; CG
        overwrites it with the solution, which the next :meth:`start` keeps as x_k.
    history : int
        How many solutions are known (0 ... MAX_ORDER + 2).
    order : int
        The order of the last start (-1 before any).
    """

    def __init__(self, n: int, n_sources: int, *, legacy: bool):
        self.legacy = bool(legacy)
        self.x = np.zeros(n)
        # x_(k-1), x_(k-2), x_(k-3), x_(k-4) (the last only to judge order 3 by how well
        # it would have predicted x_k) and a spare for rotating them
        self._previous = np.zeros(n)
        self._older = np.zeros(n)
        self._oldest = np.zeros(n)
        self._fourth = np.zeros(n)
        self._spare = np.zeros(n)
        # source values of x_k, x_(k-1), ... (rows), NaN where unknown
        self._values = np.full((MAX_ORDER + 1, n_sources), np.nan)
        self._errors = np.zeros(MAX_ORDER + 1)
        self.history = 0
        self.order = -1

    def reset(self) -> None:
        """Forget the history: the next start is 0 V."""
        for array in (self.x, self._previous, self._older, self._oldest, self._fourth):
            array[:] = 0.0
        self._values[:] = np.nan
        self.history = 0
        self.order = -1

    def zero(self) -> None:
        """No source drives the system: the solution is exactly zero, and the history gone."""
        self.reset()

    def start(self, values: np.ndarray) -> None:
        """Make :attr:`x` the start for a step with source values ``values`` (shape (K,)).

        Shifts the history: the x now held (the last solution) becomes x_k.
        """
        order = self._choose(values)
        x, previous, older, oldest = self.x, self._previous, self._older, self._oldest
        fourth, spare = self._fourth, self._spare
        spare[:] = x
        if order == 3:
            # x_k + 3 ((x_k - x_(k-1)) - (x_(k-1) - x_(k-2))) + (x_(k-2) - x_(k-3)): the
            # differences of close solutions first, which round least
            x -= previous
            x -= previous - older
            x *= 3.0
            x += older - oldest
            x += spare
        elif order == 2:
            x -= previous
            x *= 3.0
            x += older
        elif order == 1:
            x *= 2.0
            x -= previous
        self._fourth, self._oldest, self._older, self._previous, self._spare = (
            oldest, older, previous, spare, fourth)
        self._values[1:] = self._values[:-1]
        self._values[0] = values
        self.history = min(self.history + 1, MAX_ORDER + 2)
        self.order = order

    def _choose(self, values: np.ndarray) -> int:
        """The lower of the orders that best predict ``values`` from the history's source
        values and x_k from the solutions before it (the highest among equals)."""
        if self.legacy:
            return 1 if self.history >= 2 else 0
        if self.history < 2:
            return 0
        # order p predicts x_k from p + 1 solutions before it: judged up to history - 2
        judged = min(self.history - 2, MAX_ORDER)
        scale = _prediction_errors(self.x, self._previous, self._older, self._oldest,
                                   self._fourth, judged, self._errors)
        return min(self._by_sources(values), _best(self._errors[:judged + 1], scale))

    def _by_sources(self, values: np.ndarray) -> int:
        """The order whose extrapolation of the history's source values best predicts
        ``values`` (the highest among equals), within what the history allows."""
        best_order, best = 0, np.inf
        scale = float(np.max(np.abs(values), initial=0.0))
        for order in range(min(self.history, MAX_ORDER + 1)):
            known = self._values[:order + 1]
            if np.isnan(known).any():
                break
            error = float(np.max(np.abs(_WEIGHTS[order] @ known - values), initial=0.0))
            if error <= best + _TIE * max(scale, best):
                best_order, best = order, min(best, error)
        return best_order

    def get_state(self) -> dict:
        """The history (copies): ``x``, ``x_previous``, ``x_older``, ``x_oldest``,
        ``x_fourth`` (n,) V, ``source_history`` (MAX_ORDER + 1, K) and ``history``."""
        return {"x": self.x.copy(), "x_previous": self._previous.copy(),
                "x_older": self._older.copy(), "x_oldest": self._oldest.copy(),
                "x_fourth": self._fourth.copy(), "source_history": self._values.copy(),
                "history": int(self.history)}

    def set_state(self, state: Mapping) -> None:
        """Restore :meth:`get_state`'s history; states saved before a vector existed restore
        what they carry (the orders they allow)."""
        self.reset()
        self.x[:] = np.asarray(state["x"], dtype=np.float64)
        known = 1
        for key, array in (("x_previous", self._previous), ("x_older", self._older),
                           ("x_oldest", self._oldest), ("x_fourth", self._fourth)):
            if key not in state:
                break
            array[:] = np.asarray(state[key], dtype=np.float64)
            known += 1
        self.history = min(int(state.get("history", 0)), known)
        if "source_history" in state:
            self._values[:] = np.asarray(state["source_history"], dtype=np.float64)


def _best(errors: np.ndarray, scale: float) -> int:
    """The order of least error, the highest among equals (within rounding of ``scale``,
    the largest |x|)."""
    least = float(np.min(errors))
    return int(np.flatnonzero(errors <= least + _TIE * max(least, scale))[-1])


@numba.njit(cache=True, nogil=True)
def _prediction_errors(x, previous, older, oldest, fourth, judged, out):
    """``out[p]`` = max_i |x_i - (order-p extrapolation from the solutions before x)_i| for
    p <= ``judged``: the (p + 1)-th backward differences of x, previous, older, ... (V).
    One pass over the vectors; returns max|x| (V)."""
    for p in range(out.shape[0]):
        out[p] = 0.0
    scale = 0.0
    for i in range(x.shape[0]):
        scale = max(scale, abs(x[i]))
        d1 = x[i] - previous[i]
        e0 = abs(d1)
        if e0 > out[0]:
            out[0] = e0
        if judged >= 1:
            d2 = previous[i] - older[i]
            e1 = abs(d1 - d2)
            if e1 > out[1]:
                out[1] = e1
            if judged >= 2:
                d3 = older[i] - oldest[i]
                e2 = abs((d1 - d2) - (d2 - d3))
                if e2 > out[2]:
                    out[2] = e2
                if judged >= 3:
                    d4 = oldest[i] - fourth[i]
                    e3 = abs(((d1 - d2) - (d2 - d3)) - ((d2 - d3) - (d3 - d4)))
                    if e3 > out[3]:
                        out[3] = e3
    return scale
