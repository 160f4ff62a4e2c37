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
#: Extrapolation weights of x_k, x_(k-1), ... per order (rows; the source values'
#: prediction).
_WEIGHTS = np.array([[1.0, 0.0, 0.0, 0.0], [2.0, -1.0, 0.0, 0.0], [3.0, -3.0, 1.0, 0.0],
                     [4.0, -6.0, 4.0, -1.0]])
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

    def start(self, values: np.ndarray) -> None:
        """Make :attr:`x` the start for a step with source values ``values`` (shape (K,)).

        Shifts the history: the x now held (the last solution) becomes x_k.
        """
        order = self._choose(values)
        x, previous, older, oldest = self.x, self._previous, self._older, self._oldest
        fourth, spare = self._fourth, self._spare
        if order == 0:
            spare[:] = x  # (no kernel: a one-step run loads none of this module's)
        else:
            _extrapolate(order, x, previous, older, oldest, spare)
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
        return _choose(self.x, self._previous, self._older, self._oldest, self._fourth,
                       self.history, self._values, values, self._errors)

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


@numba.njit(cache=True, nogil=True)
def _choose(x, previous, older, oldest, fourth, history, source_history, values, errors):
    """The lower of two orders, each the highest among those of least error (within
    rounding): the one whose extrapolation of ``source_history`` (rows: the source values of
    x_k, x_(k-1), ...; NaN where unknown) best predicts ``values`` (K,), and the one whose
    extrapolation from the solutions before x_k best predicts x_k, its error the (p + 1)-th
    backward difference of x, previous, older, ... (``errors``: (MAX_ORDER + 1,) scratch, V).
    Order p needs p + 1 solutions to start from, and p + 2 to be judged on x_k: up to
    ``history`` - 2. One pass over the vectors."""
    judged = min(history - 2, MAX_ORDER)
    for p in range(errors.shape[0]):
        errors[p] = 0.0
    scale = 0.0
    for i in range(x.shape[0]):
        scale = max(scale, abs(x[i]))
        d1 = x[i] - previous[i]
        errors[0] = max(errors[0], abs(d1))
        if judged >= 1:
            d2 = previous[i] - older[i]
            errors[1] = max(errors[1], abs(d1 - d2))
            if judged >= 2:
                d3 = older[i] - oldest[i]
                errors[2] = max(errors[2], abs((d1 - d2) - (d2 - d3)))
                if judged >= 3:
                    d4 = oldest[i] - fourth[i]
                    errors[3] = max(errors[3], abs(((d1 - d2) - (d2 - d3))
                                                   - ((d2 - d3) - (d3 - d4))))
    least = errors[0]
    for p in range(1, judged + 1):
        least = min(least, errors[p])
    by_solutions = 0
    for p in range(judged + 1):
        if errors[p] <= least + _TIE * max(least, scale):
            by_solutions = p
    # the sources: each order's prediction of this step's values from the history's
    by_sources = 0
    best = np.inf
    largest = 0.0  # the values' scale, for what rounding leaves in the errors
    for k in range(values.shape[0]):
        largest = max(largest, abs(values[k]))
        for j in range(min(history, MAX_ORDER + 1)):
            if not np.isnan(source_history[j, k]):
                largest = max(largest, abs(source_history[j, k]))
    for p in range(min(history, MAX_ORDER + 1)):
        error = 0.0
        for k in range(values.shape[0]):
            predicted = 0.0
            for j in range(p + 1):
                predicted += _WEIGHTS[p, j] * source_history[j, k]
            error = max(error, abs(predicted - values[k]))
        if np.isnan(error):
            break  # a history restored from before the source values were kept
        if error <= best + _TIE * max(largest, best):
            by_sources = p
            best = min(best, error)
    return min(by_sources, by_solutions)


@numba.njit(cache=True, nogil=True)
def _extrapolate(order, x, previous, older, oldest, spare):
    """``spare`` = x, and x = its extrapolation of ``order`` (1 ... MAX_ORDER) from x,
    previous, older, oldest, in one pass."""
    for i in range(x.shape[0]):
        xk = x[i]
        spare[i] = xk
        if order == 3:
            # x_k + 3 ((x_k - x_(k-1)) - (x_(k-1) - x_(k-2))) + (x_(k-2) - x_(k-3)): the
            # differences of close solutions first, which round least
            x[i] = ((xk - previous[i]) - (previous[i] - older[i])) * 3.0 \
                + (older[i] - oldest[i]) + xk
        elif order == 2:
            x[i] = (xk - previous[i]) * 3.0 + older[i]
        else:
            x[i] = xk * 2.0 - previous[i]
