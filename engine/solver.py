"""Kirchhoff nodal solver for a nanowire :class:`~nwn.geometry.network.Network`.

Nodal analysis (docs/physics.md, section 3): ideal voltage-source and ground terminals are
Dirichlet nodes eliminated from the system; a voltage source with a series resistance r
makes its terminal a free node tied through 1/r to the (eliminated) ideal source;
current-source terminals inject their current into their node; floating terminals are free
nodes with no injection, their potential is measured. The reduced conductance Laplacian of
the free nodes is symmetric positive definite once every cluster left in it reaches a
Dirichlet node.

What is built once (:class:`CircuitSolver`), each in its own module: the clusters and which of
them can be solved, with the physical reasons why the others cannot
(:mod:`~nwn.engine.solver_topology`); the unknowns in a fill-reducing order, the CSR pattern
of the reduced Laplacian and the edge -> matrix-entry map
(:mod:`~nwn.engine.solver_assembly`); the supernodal structure of its factor and the rule
for renewing the factorization (:mod:`~nwn.engine.solver_preconditioner`). Each step a numba
kernel rewrites the values and the right-hand side in place, conjugate gradient solves, and
another kernel maps the solution back to nodes, edges and terminals.

Why this solver (figures: ``benchmarks/README.md``): refactorizing every step is slower than
iterating, and Jacobi-preconditioned CG needs hundreds of iterations (the Laplacian of a 2-D
network has a condition number growing with its area). Conjugate gradient preconditioned by
an exact factorization M = L D L^T of an *earlier* matrix needs a few iterations while
conductances drift slowly, since M^{-1} A has its eigenvalues between the smallest and
largest ratio of a junction's conductance now to its conductance at the factorization.
Should CG ever fail to converge, the current matrix is factorized and the step redone, so a
result is never less accurate than the tolerance; and once CG's rate of convergence shows the
factor too stale to be worth iterating out (more iterations to go than a factorization and a
fresh solve cost), it is factorized at once and CG continues from where it stood. CG starts
from a polynomial extrapolation of the last solutions, of the order that best predicts both
this step's source values and the last solution (:mod:`~nwn.engine.solver_warm_start`).
Convergence
(:mod:`~nwn.engine.solver_tolerance`): the residual r is the current Kirchhoff's law leaves
unbalanced at each node and z = M^{-1} r a sharp estimate of the voltage error; CG stops when
no node leaks more than ``tolerance`` of the largest terminal current, no terminal current's
estimated error exceeds that, and max|z| <= ``tolerance`` * max|x|, and the true residual
passes the same test: recomputed (one product with A) unless a worst-case bound on the
rounding by which CG's recursive residual can have drifted from it shows that it passes.

Precision: when the conductances span so many decades (1e4 S wire segments or 1e9 S contacts
beside 1e-3 S junctions) that float64 cannot reach the tolerance, the step that finds out has a
fresh factorization of its own matrix (rounded to float32, so CG still iterates, up to
``max_iterations``), so its measures are what float64 can attain; that level (x4) becomes the
solver's tolerance floor (kept in its state; a RuntimeError only beyond 1e-8 in voltage, 1e-6
in current). A contact
from an ideal source to a wire node whose conductance outweighs all the node's other edges
gets its current from Kirchhoff's law at that node rather than g * dV across it, which would
lose digits to cancellation.

Everything is sequential and deterministic: the same inputs with the same history give
bit-identical results; :meth:`CircuitSolver.get_state` / :meth:`CircuitSolver.set_state`
carry the warm-start history across store/restore.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nwn.engine import solver_kernels as _k
from nwn.engine.solver_assembly import ReducedSystem
from nwn.engine.solver_ordering import MINIMUM_DEGREE, NESTED_DISSECTION, ORDERINGS
from nwn.engine.solver_preconditioner import Preconditioner
from nwn.engine.solver_tolerance import DEFAULT_TOLERANCE, LEGACY, check_tolerance
from nwn.engine.solver_topology import CircuitError, ExcludedComponent, find_topology, quote
from nwn.engine.solver_warm_start import WarmStart
from nwn.engine.sources import Source, as_source
from nwn.geometry.checks import InputError, check_choice, check_int
from nwn.geometry.network import Network

__all__ = [
    "CircuitError",
    "CircuitSolver",
    "DCSolution",
    "ExcludedComponent",
    "Solution",
    "Source",
    "solve_dc",
]

#: Worst relative voltage error accepted when float64 cannot reach the tolerance.
_ATTAINABLE_LIMIT = 1e-8
#: Worst Kirchhoff residual / terminal-current error, relative to the largest terminal current,
#: accepted when float64 cannot reach the tolerance.
_ATTAINABLE_CURRENT = 1e-6


@dataclass(eq=False)
class Solution:
    """The circuit's state at one step.

    Attributes
    ----------
    node_voltage : ndarray, shape (N,)
        V; NaN on nodes of excluded clusters.
    edge_current : ndarray, shape (E,)
        A, positive from ``edge_nodes[:, 0]`` to ``edge_nodes[:, 1]``; 0 in excluded clusters.
    terminal_current : ndarray, shape (K,)
        A through each terminal, positive into the network (0 for floating terminals).
    terminal_voltage : ndarray, shape (K,)
        V at each terminal: the source voltage for ideal sources, measured otherwise (NaN
        for a floating terminal in an excluded cluster).
    conductance : float
        Two-terminal conductance |I / dV| (S) when exactly two terminals are driven
        (voltage, ground or current), from their terminal voltages; NaN otherwise or at
        zero bias.
    iterations : int
        Conjugate-gradient iterations of this step.
    factorized : bool
        Whether this step factorized a matrix.
    junction_voltage : ndarray, shape (M,), or None
        V across each junction, from ``edge_nodes[:, 0]`` to ``edge_nodes[:, 1]`` of its
        edge; 0 in excluded clusters (where the node voltages are NaN). Filled by
        :meth:`CircuitSolver.solve` (allocated there when None).
    """

    node_voltage: np.ndarray
    edge_current: np.ndarray
    terminal_current: np.ndarray
    terminal_voltage: np.ndarray
    conductance: float = math.nan
    iterations: int = 0
    factorized: bool = False
    junction_voltage: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class DCSolution:
    """A DC operating point (:func:`solve_dc`).

    Attributes
    ----------
    node_voltage : ndarray, shape (N,)
        V; NaN on excluded nodes.
    edge_current : ndarray, shape (E,)
        A, positive from ``edge_nodes[:, 0]`` to ``edge_nodes[:, 1]``.
    terminal_current : dict of str to float
        A through each electrode, positive into the network.
    terminal_voltage : dict of str to float
        V at each electrode.
    conductance : float
        S, two-terminal conductance (see :class:`Solution`), else NaN.
    excluded_components : tuple of ExcludedComponent
    """

    node_voltage: np.ndarray
    edge_current: np.ndarray
    terminal_current: dict
    terminal_voltage: dict
    conductance: float
    excluded_components: tuple


class CircuitSolver:
    """Solve a network's node voltages step after step with changing junction conductances.

    Parameters
    ----------
    network : Network
    sources : mapping of str to Source or tuple
        One entry per driven electrode name: a :class:`~nwn.engine.sources.Source` or
        ``("voltage", V)``, ``("voltage", V, R_series)``, ``("current", A)``, ``("ground",)``,
        ``("floating",)``. Electrodes not listed are floating.
    tolerance : float or "legacy", keyword-only
        The stopping criterion's relative tolerance tau (:mod:`nwn.engine.solver_tolerance`):
        no node's Kirchhoff residual and no terminal current's estimated error above tau of
        the largest terminal current, no voltage error above tau of the largest node voltage.
        Default :data:`~nwn.engine.solver_tolerance.DEFAULT_TOLERANCE` (terminal currents
        right to 1e-10 relative); ``"legacy"``: the earlier voltage-only criterion at 1e-13.
    refactor_iterations : int or None, keyword-only
        Factorize the next step's matrix after a step that needed more CG iterations than
        this. None (default): decide by cost, see
        :meth:`~nwn.engine.solver_preconditioner.Preconditioner.should_refactor`.
    max_iterations : int, keyword-only
        CG iterations after which a step is redone with a fresh factorization.
    early_refactor : bool, keyword-only
        Abandon a stale factor within the step that finds it stale (default True): once CG's
        rate of convergence predicts more iterations than a factorization and a fresh solve
        cost, the step factorizes its own matrix and CG continues from where it stood
        (:meth:`~nwn.engine.solver_preconditioner.Preconditioner.give_up`). False: iterate
        to convergence with the stale factor, as before (always so for ``"legacy"``).
    ordering : {"nested-dissection", "minimum-degree"}, keyword-only
        The unknowns' fill-reducing order (:mod:`nwn.engine.solver_ordering`):
        ``"nested-dissection"`` (default, METIS), the smaller factor, for many steps;
        ``"minimum-degree"`` (METIS's multiple minimum degree), a fifth to a quarter of the
        time to compute for a factor about as large, for a single solve (:func:`solve_dc`).

    Raises
    ------
    CircuitError
        If a cluster with a current source reaches no grounded or voltage-driven electrode,
        or no electrode is grounded or voltage-driven at all.
    InputError
        On unknown electrode names, bad source specifications or bad fixed conductances.

    Attributes
    ----------
    excluded_components : tuple of ExcludedComponent
    n_free : int
        Unknowns in the reduced system.
    timings : dict
        Seconds spent in ``assembly``, ``solve`` (CG), ``factorize``, ``scatter``, and counts
        of ``steps``, ``iterations``, ``factorizations`` since construction.
    """

    def __init__(self, network: Network, sources: Mapping, *,
                 tolerance: float | str = DEFAULT_TOLERANCE,
                 refactor_iterations: int | None = None, max_iterations: int = 200,
                 early_refactor: bool = True, ordering: str = NESTED_DISSECTION):
        if not isinstance(network, Network):
            raise InputError(f"network must be a Network (got {type(network).__name__})")
        if not isinstance(sources, Mapping):
            raise InputError(f"sources must map electrode names to sources (got {sources!r})")
        self.network = network
        self.tolerance = check_tolerance("tolerance", tolerance)
        self.refactor_iterations = (None if refactor_iterations is None else
                                    check_int("refactor_iterations", refactor_iterations,
                                              minimum=1))
        self.max_iterations = check_int("max_iterations", max_iterations, minimum=1)
        self.early_refactor = bool(early_refactor) and self.tolerance.name != LEGACY
        ordering = check_choice("ordering", ordering, ORDERINGS)

        names = tuple(network.electrode_names)
        unknown = [n for n in sources if n not in names]
        if unknown:
            raise InputError(
                f"sources: electrode {unknown[0]!r} does not exist (known: {quote(names)})"
            )
        self.sources = tuple(
            as_source(sources[n], f"sources[{n!r}]") if n in sources else Source("floating")
            for n in names
        )
        self._topology = find_topology(network, self.sources)
        self.excluded_components = self._topology.excluded_components
        self._system = ReducedSystem(network, self._topology, ordering=ordering)
        self.n_free = self._system.n_free
        self._preconditioner = Preconditioner(
            self._system.indptr, self._system.indices, self._system.free_node,
            self.refactor_iterations, excess_rule=self.tolerance.name != LEGACY)
        self.nnz_factor = self._preconditioner.pattern.nnz
        self._default_values = np.array([s.at(0.0) for s in self.sources],
                                        dtype=np.float64)
        n = self.n_free
        # CG's unknowns (V) with the last solutions they start from, and CG's four work
        # vectors
        self._warm = WarmStart(n, len(self.sources), legacy=self.tolerance.name == LEGACY)
        self._work = np.zeros((4, n), dtype=np.float64)
        # the stopping criterion's per-terminal scratch (A)
        self._term_sum = np.zeros(len(self.sources))
        self._term_err = np.zeros(len(self.sources))
        self.reset()
        self.timings = dict(assembly=0.0, solve=0.0, factorize=0.0, scatter=0.0,
                            steps=0, iterations=0, factorizations=0)

    # ---------------------------------------------------------------- stepping

    def _factorize(self, conductance: np.ndarray) -> None:
        """Factorize the matrix just assembled as the new preconditioner."""
        t0 = time.perf_counter()
        system = self._system
        self._preconditioner.factorize(system.indptr, system.indices, system.data,
                                       conductance)
        self.timings["factorize"] += time.perf_counter() - t0
        self.timings["factorizations"] += 1

    def _values(self, source_values) -> np.ndarray:
        if source_values is None:
            return self._default_values
        values = np.asarray(source_values, dtype=np.float64)
        if values.shape != self._default_values.shape:
            raise InputError(
                f"source_values must have shape ({self._default_values.size},) "
                f"(got {values.shape})"
            )
        return values

    def _cg(self, give_up: float = math.inf, fresh: float = 0.0
            ) -> tuple[int, bool, float, float]:
        r, z, p, q = self._work
        system = self._system
        tol = self.tolerance
        return _k.pcg(system.indptr, system.indices, system.data, system.rhs, self._warm.x,
                      *self._preconditioner.arrays(), system.contact_free, system.contact_g,
                      system.contact_v, system.contact_term, self._term_sum, self._term_err,
                      system.current_scale, system.rounding_conductance, system.row_bound,
                      system.row_gamma, max(tol.current, self._current_floor),
                      max(tol.voltage, self._error_floor), self.max_iterations,
                      give_up, fresh, r, z, p, q)

    def solve(self, junction_conductance, source_values=None, *, out: Solution | None = None
              ) -> Solution:
        """Solve the circuit for this step's junction conductances and source values.

        Parameters
        ----------
        junction_conductance : array_like, shape (M,)
            S, finite and > 0.
        source_values : array_like, shape (K,), optional
            Per electrode, in ``network.electrode_names`` order: volts for voltage terminals,
            amperes for current terminals, ignored for ground and floating ones. Default:
            the sources' values at t = 0.
        out : Solution, optional
            Filled in place (its arrays are overwritten) instead of allocating a new one.

        Returns
        -------
        Solution
        """
        t0 = time.perf_counter()
        values = self._values(source_values)
        g = self._system.assemble(junction_conductance, values)
        t1 = time.perf_counter()
        factorize_before = self.timings["factorize"]
        iterations = 0
        factorized = False
        if self.n_free:
            preconditioner = self._preconditioner
            if not np.any(self._system.rhs):
                self._warm.reset()  # no source drives the system: exactly zero everywhere
            else:
                self._warm.start(values)
                if not preconditioner.factored or preconditioner.refactor_due:
                    self._factorize(g)
                    factorized = True
                if self.early_refactor and not factorized:
                    iterations, converged, current, error = self._cg(
                        *preconditioner.give_up())
                else:
                    iterations, converged, current, error = self._cg()
                counted = iterations  # with the factor the renewal rule judges next
                if not converged and not factorized:
                    self._factorize(g)
                    factorized = True
                    extra, converged, current, error = self._cg()
                    iterations += extra
                    counted = extra if self.early_refactor else iterations
                if not converged:
                    self._accept_attainable(current, error)
                preconditioner.should_refactor(counted)
        t2 = time.perf_counter()
        if out is None:
            n_terms = len(self.sources)
            out = Solution(np.empty(self.network.n_nodes), np.empty(self._system.n_edges),
                           np.empty(n_terms), np.empty(n_terms))
        if out.junction_voltage is None:
            out.junction_voltage = np.empty(self.network.n_junctions)
        self._system.scatter(self._warm.x, values, out.node_voltage, out.edge_current,
                             out.junction_voltage, out.terminal_current,
                             out.terminal_voltage)
        out.conductance = self._two_terminal_conductance(out)
        out.iterations = int(iterations)
        out.factorized = factorized
        t3 = time.perf_counter()
        tm = self.timings
        tm["assembly"] += t1 - t0
        tm["solve"] += (t2 - t1) - (tm["factorize"] - factorize_before)
        tm["scatter"] += t3 - t2
        tm["steps"] += 1
        tm["iterations"] += int(iterations)
        return out

    def _accept_attainable(self, current: float, error: float) -> None:
        """Settle for what float64 attains after a CG run with a fresh factorization failed.

        With the exact factorization the measures are what float64 can attain for this
        conductance contrast: accept them (x4) as the solver's floor and stop asking for more,
        up to the limits beyond which the solution means nothing.
        """
        if not error <= _ATTAINABLE_LIMIT:
            raise RuntimeError(
                f"the node voltages cannot be resolved better than {error:.1e} "
                f"(relative) in float64; the conductances span too many decades"
            )
        if not current <= _ATTAINABLE_CURRENT:
            raise RuntimeError(
                f"Kirchhoff's current law cannot be met better than {current:.1e} of the "
                f"largest terminal current in float64; the conductances span too many decades"
            )
        if error > self.tolerance.voltage:
            self._error_floor = max(self._error_floor, 4.0 * error)
        if current > self.tolerance.current:
            self._current_floor = max(self._current_floor, 4.0 * current)

    def _two_terminal_conductance(self, sol: Solution) -> float:
        if self._topology.driven.size != 2:
            return math.nan
        a, b = self._topology.driven
        dv = sol.terminal_voltage[a] - sol.terminal_voltage[b]
        if not dv or not math.isfinite(dv):
            return math.nan
        current = 0.5 * (sol.terminal_current[a] - sol.terminal_current[b])
        return abs(current / dv)

    # ---------------------------------------------------------------- state and report

    def get_state(self) -> dict:
        """The warm-start history: previous voltages and the conductances last factorized.

        Returns
        -------
        dict
            The warm start's history (:meth:`WarmStart.get_state
            <nwn.engine.solver_warm_start.WarmStart.get_state>`: the last solutions and
            their source values, for the extrapolated start),
            ``factor_conductance`` (M,) S or None, the refactorization bookkeeping and the
            tolerance floors (copies).
            Passing it to :meth:`set_state` makes later steps bit-identical to what they
            would have been.
        """
        return {**self._warm.get_state(), **self._preconditioner.get_state(),
                "error_floor": float(self._error_floor),
                "current_floor": float(self._current_floor)}

    def set_state(self, state: Mapping) -> None:
        """Restore a history saved by :meth:`get_state` (refactorizes the stored matrix)."""
        x = np.asarray(state["x"], dtype=np.float64)
        if x.shape != self._warm.x.shape:
            raise InputError(
                f"state['x'] must have shape {self._warm.x.shape} (got {x.shape})")
        self.reset()
        fc = state["factor_conductance"]
        if fc is not None and self.n_free:
            self._system.assemble(fc, self._default_values)
            self._factorize(fc)
            self.timings["factorizations"] -= 1  # bookkeeping, not a step's work
        self._warm.set_state(state)
        self._preconditioner.set_bookkeeping(state)
        self._error_floor = float(state["error_floor"])
        self._current_floor = float(state.get("current_floor", 0.0))  # absent before 0.1

    def reset(self) -> None:
        """Forget the warm-start history (next step factorizes and starts from 0 V)."""
        self._preconditioner.reset()
        self._error_floor = 0.0
        self._current_floor = 0.0
        self._warm.reset()

    def report(self) -> str:
        """A few lines saying what is solved, what is excluded and why."""
        net = self.network
        solved_nodes = int(self._topology.node_solved.sum())
        n_w = np.asarray(net.node_wire)
        solved_wires = int(np.unique(n_w[self._topology.node_solved & (n_w >= 0)]).size)
        lines = [
            f"solved: {solved_nodes} of {net.n_nodes} nodes ({solved_wires} wires), "
            f"{self.n_free} unknowns, {self._system.indices.size} matrix entries",
        ]
        roles = ", ".join(
            f"{n!r} {s.kind}" + (f" via {s.series_resistance:g} ohm"
                                 if s.series_resistance else "")
            for n, s in zip(net.electrode_names, self.sources, strict=True))
        lines.append(f"electrodes: {roles}")
        if self.excluded_components:
            exc = self.excluded_components
            wires = sum(c.n_wires for c in exc)
            lines.append(f"excluded: {len(exc)} cluster{'s' * (len(exc) != 1)} "
                         f"({wires} wires) reach no grounded or voltage-driven electrode")
            floating = [n for c in exc for n in c.electrodes]
            if floating:
                lines.append(f"floating electrodes left undefined (NaN): {quote(floating)}")
        else:
            lines.append("excluded: none")
        return "\n".join(lines)


def solve_dc(network: Network, junction_conductance, sources: Mapping) -> DCSolution:
    """DC operating point of a network with fixed junction conductances.

    Parameters
    ----------
    network : Network
    junction_conductance : float or array_like, shape (M,)
        S, one value for every junction or one per junction.
    sources : mapping of str to Source or tuple
        As in :class:`CircuitSolver`, e.g. ``{"left": ("voltage", 1.0), "right": ("ground",)}``.

    Returns
    -------
    DCSolution

    Notes
    -----
    The unknowns are ordered by minimum degree, not nested dissection: for one factorization
    the cheaper order wins (0.45-0.6x the CPU time of set-up and solve at 2,000 to 300,000
    wires; ``benchmarks/bench_setup.py``).
    """
    solver = CircuitSolver(network, sources, ordering=MINIMUM_DEGREE)
    g = np.asarray(junction_conductance, dtype=np.float64)
    if g.ndim == 0:
        g = np.full(network.n_junctions, float(g))
    sol = solver.solve(g)
    names = tuple(network.electrode_names)
    return DCSolution(
        node_voltage=sol.node_voltage,
        edge_current=sol.edge_current,
        terminal_current={n: float(v) for n, v in zip(names, sol.terminal_current,
                                                      strict=True)},
        terminal_voltage={n: float(v) for n, v in zip(names, sol.terminal_voltage,
                                                      strict=True)},
        conductance=sol.conductance,
        excluded_components=solver.excluded_components,
    )
