"""The solver's preconditioner: an exact factorization of an earlier matrix, and when to renew it.

Conjugate gradient on the reduced Laplacian A is preconditioned by M = L D L^T, the
supernodal factorization (:mod:`nwn.engine.supernodal`) of the matrix of an *earlier* step.
The eigenvalues of M^{-1} A lie between the smallest and the largest ratio of a junction's
conductance now to its conductance at the factorization, so while conductances drift slowly
a few iterations suffice, and a factorization is worth its cost only once the iterations
have grown. L is stored in float32 panels (:data:`PANEL_DTYPE`).

When to refactorize is decided on operation counts, so that it is deterministic
(:meth:`Preconditioner.should_refactor`): factorize the next matrix once a step's iterations
exceed the average cost per step since the last factorization, that factorization included (a
renewal rule, optimal while the iterations grow with the factor's age), or once the iterations
spent beyond those of the step that factorized add up to more than three factorizations (which
catches a factor left stale at a flat, high count: the renewal rule alone kept a factor made
during a fast transient at 9 iterations per step for 50 steps, where a new one needed 3). A
fixed ``refactor_iterations`` replaces both by a plain threshold.
"""

from __future__ import annotations

import numpy as np

from nwn.engine import supernodal

__all__ = ["PANEL_DTYPE", "Preconditioner"]

#: Precision in which L is stored (it is computed in float64). float32 halves the memory the
#: triangular solves stream, the bulk of a step once the factor outgrows the cache; a rounded
#: factor of an earlier matrix is as good a preconditioner as the exact one, since it is stale
#: by far more than 1e-7 anyway.
PANEL_DTYPE = np.float32
#: Cost of a factorization per dense multiply-add and per panel entry, relative to one entry
#: of a CG iteration (matrix entry or panel entry read by the solves); see ``factor_cost``.
_MULTIPLY_ADD_WEIGHT = 0.05
_PANEL_ENTRY_WEIGHT = 24.0
#: Factorizations' worth of iterations beyond the fresh factor's after which a factor is
#: renewed whatever the renewal rule says: enough (3) that in a cycle of slowly growing
#: iterations the renewal rule decides (it renews within 10-20 steps at 1-2 extra iterations
#: a step), few enough to leave a plateau of 7 extra iterations within 5 steps.
_EXCESS_FACTORIZATIONS = 3.0


class Preconditioner:
    """Supernodal LDL^T factor of one matrix of a fixed pattern, and its renewal rule.

    Parameters
    ----------
    indptr, indices : ndarray
        CSR pattern of the matrices to factorize (both triangles, columns ascending), in a
        postorder of their elimination tree.
    node_of_row : ndarray, shape (n,), int
        Network node of each row, to name it when a pivot fails.
    refactor_iterations : int or None
        Renew after a step with more CG iterations than this; None: by cost.
    excess_rule : bool, keyword-only
        Whether the rule on iterations beyond the fresh factor's applies besides the renewal
        rule (default True; False: the renewal rule alone, as before it was added).

    Attributes
    ----------
    pattern : SupernodalPattern
        Supernodes of L, computed once.
    panels : ndarray, PANEL_DTYPE
        The panels of L of the last factorization.
    inv_diag : ndarray, shape (n,), float64
        1 / D of the last factorization.
    factor_cost : float
        Cost of one factorization in units of one CG iteration, from operation counts.
    factored : bool
        Whether ``panels`` hold a factorization.
    factor_conductance : ndarray, shape (M,), or None
        S, the junction conductances of the matrix factorized last.
    refactor_due : bool
        Whether the next step is to factorize its matrix first.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, node_of_row: np.ndarray,
                 refactor_iterations: int | None, *, excess_rule: bool = True):
        n = indptr.shape[0] - 1
        pattern = supernodal.symbolic_from_matrix(indptr, indices)
        self.pattern = pattern
        self.refactor_iterations = refactor_iterations
        self.excess_rule = bool(excess_rule)
        self._node_of_row = node_of_row
        self.panels = np.zeros(pattern.panel_size, dtype=PANEL_DTYPE)
        self.inv_diag = np.zeros(n)
        self._work = supernodal.work_arrays(pattern, n)
        self.solve_scratch = np.zeros(max(pattern.max_width, 1))
        # the weights are fitted to factorization / iteration times measured from 2,000 to
        # 100,000 wires (benchmarks/README.md): the vectorized dense multiply-adds are cheap,
        # per-entry work dominates
        iteration = indices.size + 2.0 * pattern.panel_size + 8.0 * n + 1.0
        self.factor_cost = (_MULTIPLY_ADD_WEIGHT * pattern.multiply_adds
                            + _PANEL_ENTRY_WEIGHT * pattern.panel_size) / iteration
        self.reset()

    def reset(self) -> None:
        """Forget the factorization and the renewal bookkeeping."""
        self.factored = False
        self.factor_conductance: np.ndarray | None = None
        self.refactor_due = False
        self._steps = 0
        self._iterations = 0
        self._fresh_iterations = 0
        self._excess = 0

    def factorize(self, indptr, indices, data, conductance: np.ndarray) -> None:
        """Factorize the matrix ``(indptr, indices, data)``, assembled from ``conductance``.

        Raises
        ------
        RuntimeError
            If a pivot is not > 0 in floating point.
        """
        bad = supernodal.factorize(indptr, indices, data, self.pattern, self.panels,
                                   self.inv_diag, self._work)
        if bad >= 0:
            self.factored = False
            raise RuntimeError(
                f"the reduced Laplacian lost positive definiteness in floating point at node "
                f"{int(self._node_of_row[bad])}; the conductances may span too many decades"
            )
        self.factored = True
        self.factor_conductance = np.array(conductance, dtype=np.float64)
        self.refactor_due = False
        self._steps = 0
        self._iterations = 0
        self._excess = 0

    def arrays(self) -> tuple:
        """What the preconditioned CG kernel reads: the pattern's arrays, panels, 1 / D and
        the solves' scratch."""
        return (*self.pattern.arrays(), self.panels, self.inv_diag, self.solve_scratch)

    def should_refactor(self, iterations: int) -> bool:
        """Count a step of ``iterations`` and decide whether to factorize the next matrix.

        With a fixed ``refactor_iterations``: when this step needed more. Otherwise the
        renewal rule: refactorize once this step's cost (its iterations) exceeds the average
        cost per step since the last factorization, that factorization included. This
        minimizes the long-run cost per step while the stale preconditioner degrades. With
        ``excess_rule``, also once the iterations beyond those of the step that factorized
        add up to more than three factorizations (paying for a new factor at the latest when
        the old one has cost a few times as much again). The decision is kept in
        ``refactor_due``.
        """
        if self._steps == 0:
            self._fresh_iterations = iterations  # this step factorized its own matrix
        else:
            self._excess += max(iterations - self._fresh_iterations, 0)
        self._steps += 1
        self._iterations += iterations
        if self.refactor_iterations is not None:
            due = iterations > self.refactor_iterations
        else:
            average = (self.factor_cost + self._iterations) / self._steps
            due = iterations > max(average, 2.0)
            if self.excess_rule and self._excess > _EXCESS_FACTORIZATIONS * self.factor_cost:
                due = True
        self.refactor_due = due
        return due

    def give_up(self) -> tuple[float, float]:
        """When CG is to abandon this factor within a step: ``(give_up, fresh)`` of
        :func:`nwn.engine.solver_kernels.pcg`.

        A step that would need more iterations than a factorization and a solve with a
        fresh factor (``factor_cost`` plus the iterations of the step that factorized last,
        at least 1) is cheaper refactorized at once, and so are the steps after it, which
        start from the fresh factor instead of one the renewal rule would renew next step
        anyway. The first step after a change of regime (at ``whole_device``'s start the
        junctions next to the electrodes jump from g_min towards g_max) needed 84
        iterations with the stale factor at 100,000 wires, where a factorization costs ~11.
        """
        fresh = float(max(self._fresh_iterations, 1))
        return self.factor_cost + fresh, fresh

    def get_state(self) -> dict:
        """The renewal bookkeeping and the conductances factorized last (copies)."""
        fc = None if self.factor_conductance is None else self.factor_conductance.copy()
        return {"factor_conductance": fc, "refactor_due": bool(self.refactor_due),
                "steps_since_factor": int(self._steps),
                "iterations_since_factor": int(self._iterations),
                "fresh_iterations": int(self._fresh_iterations),
                "excess_iterations": int(self._excess)}

    def set_bookkeeping(self, state) -> None:
        """Restore the renewal bookkeeping of :meth:`get_state` (not the factor itself)."""
        self.refactor_due = bool(state["refactor_due"])
        self._steps = int(state["steps_since_factor"])
        self._iterations = int(state["iterations_since_factor"])
        self._fresh_iterations = int(state.get("fresh_iterations", 0))  # absent before 0.1
        self._excess = int(state.get("excess_iterations", 0))
