"""Kirchhoff nodal solver for a nanowire :class:`~nwn.geometry.network.Network`.

Nodal analysis (docs/physics.md, section 3): ideal voltage-source and ground terminals are
Dirichlet nodes eliminated from the system; a voltage source with a series resistance r makes
its terminal a free node tied through 1/r to the (eliminated) ideal source; current-source
terminals inject their current into their node; floating terminals are free nodes with no
injection, their potential is measured. The reduced conductance Laplacian of the free nodes is
symmetric positive definite once every cluster left in it reaches a Dirichlet node.

What is built once (:class:`CircuitSolver`): the connected clusters and which of them reach a
grounded or voltage-driven electrode (the others are excluded and reported, or refused with a
:class:`CircuitError` when a current source would have no return path); a fill-reducing order
of the free nodes (SuperLU's minimum degree on A + A^T, then an elimination-tree postorder);
the CSR pattern of the reduced Laplacian in that order, an edge -> matrix-entry map, and the
supernodal structure of its factor (:mod:`nwn.engine.supernodal`). Each step a numba kernel
rewrites the values and the right-hand side in place.

Solver choice (benchmarks/bench_solver.py and bench_step.py, reference workload: JDA, 7 um
wires at 0.3 /um^2, side-bar electrodes, DC bias, conductances evolving under the `rate`
model). Refactorizing every step with a fixed order (splu) costs ~0.5x one plain spsolve, and
Jacobi-preconditioned CG needs hundreds of iterations (the Laplacian of a 2-D network has a
condition number growing with its area). What this module does wins by 5-20x: conjugate
gradient in numba, warm-started from the previous steps' voltages, preconditioned by an exact
factorization M = L D L^T of an *earlier* matrix. Since M^{-1} A has its eigenvalues between
the smallest and largest ratio of a junction's conductance now to its conductance at the
factorization, a few iterations reach 1e-13 while conductances drift slowly. Per step,
whole step included (junction agents, recording)::

    wires    junctions  whole step      plain spsolve  ratio        CG iterations/step
      500      2,169     0.36-0.51 ms     1.9-2.6 ms   0.19-0.20      3.0
    2,000      9,138     1.5-1.8 ms       8-13 ms      0.14-0.18      3.0
   10,000     45,764     6.9-8.7 ms       66-98 ms     0.09-0.12      2.9
  100,000    464,898     88-116 ms        2.1-2.5 s    0.04-0.05      3.0-3.2

(2-core machine shared with other jobs: absolute times drift by +-30 % from minute to minute,
so each figure is a range over runs; the ratios are measured within one run.)

The factorization (:mod:`nwn.engine.supernodal`) is multifrontal on relaxed supernodes, with
the dense work in rows that LLVM vectorizes; it costs 9-12 CG iterations at every size (6 ms
at 10,000 wires, 0.1 s at 100,000). L is stored in float32 panels: the triangular solves
stream half the memory (at 100,000 wires 19 % less time per solve, where the factor no
longer fits in cache), and a rounded factor of an earlier matrix preconditions as well as the
exact one. When to refactorize is a renewal rule on operation counts (deterministic):
factorize the next matrix once a step's iterations exceed the average cost per step since
the last factorization, that factorization included (``refactor_iterations`` fixes a plain
threshold instead). Should CG ever fail to converge, the current matrix is factorized and the
step redone, so a result is never less accurate than the tolerance. CG starts from the linear
extrapolation 2 x_k - x_(k-1) of the last two solutions. Convergence: z = M^{-1} r is a sharp
estimate of the voltage error; CG stops when max|z| <= rtol * max|x| (rtol = 1e-13) and the
recomputed true residual passes the same test (KCL residuals below 1e-13 of the terminal
current are tested).

Growth with size (``bench_step.py --scaling 10000 30000 100000``, the sizes' steps interleaved
in one process, four runs): the whole step grows x3.0-3.3 from 10,000 to 30,000 wires and
x12.8-14.2 to 100,000 (x10.2 junctions), an exponent of 1.00-1.14 in the number of junctions
(1.21-1.23 with the earlier up-looking, column-stored factor, same run conditions). The CG
iterations per step stay at ~3 at every size; what grows faster than N is the factor, whose
fill is N log N (nnz(L) 251k at 10,000 wires, 3.6M at 100,000), and at 100,000 wires the
working set outgrowing the 32 MB cache. Measured and rejected: SuperLU's COLAMD and MMD_ATA
orders (2x the fill), a nested dissection by coordinate bisection (more fill than minimum
degree), edges sorted by matrix row in the assembly (the junction gather becomes random:
slower), an assembly that gathers each matrix entry's junctions with sequential writes (in the
step loop no faster at 100,000 wires, 11.6 vs 11.7 ms, and slower at 10,000, 0.72 vs 0.47 ms).

Precision: when the conductances span so many decades (1e4 S wire segments or 1e9 S contacts
beside 1e-3 S junctions) that float64 cannot reach ``rtol``, the step that finds out has a
fresh factorization of its own matrix (rounded to float32, so CG still iterates, up to
``max_iterations``), so its error estimate is what float64 can attain; that level (x4) becomes
the solver's tolerance floor (kept in its state; a RuntimeError only beyond 1e-8). A contact
from an ideal source to a wire node whose conductance outweighs all the node's other edges
gets its current from Kirchhoff's law at that node rather than g * dV across it, which would
lose digits to cancellation (1 nOhm contacts keep 13 digits of the terminal current).

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
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from nwn.engine import solver_kernels as _k
from nwn.engine import supernodal
from nwn.geometry.checks import (
    InputError,
    check_choice,
    check_finite,
    check_int,
    check_nonnegative,
    check_positive,
)
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

SOURCE_KINDS = ("voltage", "current", "ground", "floating")
#: Worst relative voltage error accepted when float64 cannot reach ``rtol``.
_ATTAINABLE_LIMIT = 1e-8
#: Precision in which L is stored (it is computed in float64). float32 halves the memory the
#: triangular solves stream, the bulk of a step from ~30,000 wires on (at 100,000 wires the
#: solve takes 19 % less time); a rounded factor of an earlier matrix is as good a
#: preconditioner as the exact one, since it is stale by far more than 1e-7 anyway.
PANEL_DTYPE = np.float32
#: Cost of a factorization per dense multiply-add and per panel entry, relative to one entry
#: of a CG iteration (matrix entry or panel entry read by the solves); see ``_factor_cost``.
_MULTIPLY_ADD_WEIGHT = 0.05
_PANEL_ENTRY_WEIGHT = 24.0
_KIND_CODE = {
    "voltage": _k.KIND_VOLTAGE,
    "current": _k.KIND_CURRENT,
    "ground": _k.KIND_GROUND,
    "floating": _k.KIND_FLOATING,
}


class CircuitError(ValueError):
    """The circuit has no unique solution; the message says why in physical words."""


@dataclass(frozen=True)
class Source:
    """How one electrode terminal is driven.

    Parameters
    ----------
    kind : {"voltage", "current", "ground", "floating"}
    value : float
        Source voltage (V) or current (A, positive into the network); ignored for ground
        and floating terminals.
    series_resistance : float
        Ohm, >= 0; only for voltage and ground terminals (0: ideal source).
    """

    kind: str
    value: float = 0.0
    series_resistance: float = 0.0

    def __post_init__(self):
        check_choice("source kind", self.kind, SOURCE_KINDS)
        object.__setattr__(self, "value", check_finite("source value", self.value))
        resistance = check_nonnegative("series_resistance", self.series_resistance)
        if resistance > 0 and self.kind not in ("voltage", "ground"):
            raise InputError(
                f"series_resistance is only for voltage or ground terminals "
                f"(got {resistance:g} ohm on a {self.kind} terminal)"
            )
        object.__setattr__(self, "series_resistance", resistance)


@dataclass(frozen=True)
class ExcludedComponent:
    """A cluster left out of the solve because it reaches no driven electrode.

    Attributes
    ----------
    label : int
        Component label (the solver's own labelling of ``Network`` nodes).
    n_nodes : int
        Nodes in the cluster, terminal nodes included.
    n_wires : int
        Distinct wires in the cluster.
    electrodes : tuple of str
        Floating electrodes in the cluster (their potential is undefined: NaN).
    """

    label: int
    n_nodes: int
    n_wires: int
    electrodes: tuple[str, ...]


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
    """

    node_voltage: np.ndarray
    edge_current: np.ndarray
    terminal_current: np.ndarray
    terminal_voltage: np.ndarray
    conductance: float = math.nan
    iterations: int = 0
    factorized: bool = False


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


def _as_source(name: str, spec) -> Source:
    if isinstance(spec, Source):
        return spec
    if isinstance(spec, str):
        spec = (spec,)
    if not isinstance(spec, (tuple, list)) or not 1 <= len(spec) <= 3:
        raise InputError(
            f"sources[{name!r}] must be a Source or a tuple (kind[, value[, series_resistance]])"
            f" (got {spec!r})"
        )
    return Source(*spec)


def _quote(names) -> str:
    return ", ".join(repr(n) for n in names)


class CircuitSolver:
    """Solve a network's node voltages step after step with changing junction conductances.

    Parameters
    ----------
    network : Network
    sources : mapping of str to Source or tuple
        One entry per driven electrode name: ``Source(...)`` or ``("voltage", V)``,
        ``("voltage", V, R_series)``, ``("current", A)``, ``("ground",)``, ``("floating",)``.
        Electrodes not listed are floating.
    rtol : float, keyword-only
        Voltage tolerance relative to the largest node voltage (default 1e-13).
    refactor_iterations : int or None, keyword-only
        Factorize the next step's matrix after a step that needed more CG iterations than
        this. None (default): decide by cost, see :meth:`_should_refactor`.
    max_iterations : int, keyword-only
        CG iterations after which a step is redone with a fresh factorization.

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

    def __init__(self, network: Network, sources: Mapping, *, rtol: float = 1e-13,
                 refactor_iterations: int | None = None, max_iterations: int = 200):
        if not isinstance(network, Network):
            raise InputError(f"network must be a Network (got {type(network).__name__})")
        if not isinstance(sources, Mapping):
            raise InputError(f"sources must map electrode names to sources (got {sources!r})")
        self.network = network
        self.rtol = check_positive("rtol", rtol)
        self.refactor_iterations = (None if refactor_iterations is None else
                                    check_int("refactor_iterations", refactor_iterations,
                                              minimum=1))
        self.max_iterations = check_int("max_iterations", max_iterations, minimum=1)

        names = tuple(network.electrode_names)
        unknown = [n for n in sources if n not in names]
        if unknown:
            raise InputError(
                f"sources: electrode {unknown[0]!r} does not exist (known: {_quote(names)})"
            )
        self.sources = tuple(
            _as_source(n, sources[n]) if n in sources else Source("floating") for n in names
        )
        self._build()
        self.timings = dict(assembly=0.0, solve=0.0, factorize=0.0, scatter=0.0,
                            steps=0, iterations=0, factorizations=0)

    # ---------------------------------------------------------------- construction

    def _build(self) -> None:
        net = self.network
        n_nodes = int(net.n_nodes)
        edge_nodes = np.ascontiguousarray(net.edge_nodes, dtype=np.int64)
        n_edges = edge_nodes.shape[0]
        edge_junction = np.ascontiguousarray(net.edge_junction, dtype=np.int64)
        edge_conductance = np.ascontiguousarray(net.edge_conductance, dtype=np.float64)
        fixed = edge_junction < 0
        bad = fixed & ~((edge_conductance > 0) & np.isfinite(edge_conductance))
        if np.any(bad):
            e = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"network.edge_conductance must be finite and > 0 on wire and contact edges "
                f"(got {edge_conductance[e]!r} S on edge {e})"
            )
        names = tuple(net.electrode_names)
        terminal_nodes = np.asarray(net.terminal_nodes, dtype=np.int64)
        n_terms = terminal_nodes.shape[0]
        kind = np.array([_KIND_CODE[s.kind] for s in self.sources], dtype=np.int64)
        series = np.array([s.series_resistance for s in self.sources], dtype=np.float64)
        series_g = np.where(series > 0, 1.0 / np.where(series > 0, series, 1.0), 0.0)
        reference = (kind == _k.KIND_VOLTAGE) | (kind == _k.KIND_GROUND)
        dirichlet_term = reference & (series == 0)

        if not reference.any():
            driven = [n for n, s in zip(names, self.sources, strict=True)
                      if s.kind == "current"]
            if driven:
                raise CircuitError(
                    f"no electrode is grounded or voltage-driven, so node voltages are "
                    f"undefined and the current of {_quote(driven)} has no return path; "
                    f"ground an electrode or drive one with a voltage source"
                )
            raise CircuitError(
                f"no electrode is driven (all of {_quote(names) or 'none'} are floating): "
                f"ground one electrode and drive another with a voltage or current source"
            )

        # clusters, counting every edge (an electrode joins the wires that touch it)
        adjacency = sp.coo_matrix(
            (np.ones(n_edges, dtype=np.int8), (edge_nodes[:, 0], edge_nodes[:, 1])),
            shape=(n_nodes, n_nodes),
        )
        n_comp, label = connected_components(adjacency, directed=False)
        label = label.astype(np.int64)
        comp_reference = np.zeros(n_comp, dtype=bool)
        comp_reference[label[terminal_nodes[reference]]] = True
        node_wire = np.asarray(net.node_wire, dtype=np.int64)

        def wires_in(c: int) -> int:
            w = node_wire[(label == c) & (node_wire >= 0)]
            return int(np.unique(w).size)

        current_terms = np.flatnonzero(kind == _k.KIND_CURRENT)
        stranded: dict[int, list[str]] = {}
        for t in current_terms:
            c = int(label[terminal_nodes[t]])
            if not comp_reference[c]:
                stranded.setdefault(c, []).append(names[t])
        if stranded:
            c, who = next(iter(stranded.items()))
            noun = "current source" if len(who) == 1 else "current sources"
            n_w = wires_in(c)
            if n_w == 0:
                where = "touches no wire" if len(who) == 1 else "touch no wire"
            else:
                verb = "is" if len(who) == 1 else "are"
                where = (f"{verb} in a cluster of {n_w} wire{'s' * (n_w != 1)} that reaches "
                         f"no grounded or voltage-driven electrode")
            raise CircuitError(
                f"electrode {_quote(who)} ({noun}) {where}, so its current has no return "
                f"path; ground or voltage-drive an electrode connected to it, or make it "
                f"floating"
            )

        node_solved = comp_reference[label]
        excluded = []
        term_label = label[terminal_nodes]
        for c in np.flatnonzero(~comp_reference):
            members = np.flatnonzero(label == c)
            excluded.append(ExcludedComponent(
                label=int(c), n_nodes=int(members.size), n_wires=wires_in(int(c)),
                electrodes=tuple(names[t] for t in np.flatnonzero(term_label == c)),
            ))
        self.excluded_components = tuple(excluded)
        self._n_components = int(n_comp)

        # reduced system: solved nodes that are not ideal-source terminals
        node_dirichlet = np.zeros(n_nodes, dtype=bool)
        node_dirichlet[terminal_nodes[dirichlet_term]] = True
        free_mask = node_solved & ~node_dirichlet
        free_natural = np.flatnonzero(free_mask)
        n_free = free_natural.size
        order = self._fill_reducing_order(free_natural, free_mask, edge_nodes, series_g,
                                          terminal_nodes)
        free_node = free_natural[order]
        node_free = np.full(n_nodes, -1, dtype=np.int64)
        node_free[free_node] = np.arange(n_free, dtype=np.int64)

        # CSR pattern of the reduced Laplacian (symmetric), sorted, diagonal included
        ra = node_free[edge_nodes[:, 0]]
        rb = node_free[edge_nodes[:, 1]]
        both = (ra >= 0) & (rb >= 0) & (ra != rb)
        rows = np.concatenate([ra[both], rb[both], np.arange(n_free)])
        cols = np.concatenate([rb[both], ra[both], np.arange(n_free)])
        keys = np.unique(rows * max(n_free, 1) + cols)
        indices = (keys % max(n_free, 1)).astype(np.int32)
        indptr = np.zeros(n_free + 1, dtype=np.int32)
        np.cumsum(np.bincount(keys // max(n_free, 1), minlength=n_free), out=indptr[1:])

        def position(r, c):
            return np.searchsorted(keys, r * max(n_free, 1) + c).astype(np.int64)

        edge_offdiag_ab = np.full(n_edges, -1, dtype=np.int64)
        edge_offdiag_ba = np.full(n_edges, -1, dtype=np.int64)
        edge_offdiag_ab[both] = position(ra[both], rb[both])
        edge_offdiag_ba[both] = position(rb[both], ra[both])
        diag_pos = position(np.arange(n_free), np.arange(n_free))
        edge_diag_a = np.where(ra >= 0, diag_pos[np.maximum(ra, 0)] if n_free else -1, -1)
        edge_diag_b = np.where(rb >= 0, diag_pos[np.maximum(rb, 0)] if n_free else -1, -1)

        node_terminal = np.full(n_nodes, -1, dtype=np.int64)
        node_terminal[terminal_nodes] = np.arange(n_terms, dtype=np.int64)

        # contacts whose current is better taken from KCL at their wire node (see kernel)
        fixed_a = node_dirichlet[edge_nodes[:, 0]] & node_solved[edge_nodes[:, 0]]
        fixed_b = node_dirichlet[edge_nodes[:, 1]] & node_solved[edge_nodes[:, 1]]
        one_end = fixed_a ^ fixed_b
        wire_end = np.where(fixed_a, edge_nodes[:, 1], edge_nodes[:, 0])
        touches = np.bincount(wire_end[one_end], minlength=n_nodes)
        eligible = (one_end & (node_terminal[wire_end] < 0) & (node_free[wire_end] >= 0)
                    & (touches[wire_end] == 1))
        edge_kcl_node = np.where(eligible, wire_end, -1).astype(np.int64)

        # per-edge arrays of the assembly kernel (self-loops carry no current: no free end)
        loop = edge_nodes[:, 0] == edge_nodes[:, 1]
        # (indices in int32: the per-edge arrays are streamed every step, and at 100,000
        # wires they no longer fit in cache)
        self._assembly_edges = (np.ascontiguousarray(edge_conductance),) + tuple(
            np.ascontiguousarray(a, dtype=np.int32) for a in (
                edge_junction, np.where(loop, -1, ra), np.where(loop, -1, rb),
                edge_nodes[:, 0], edge_nodes[:, 1], edge_offdiag_ab, edge_offdiag_ba,
                edge_diag_a, edge_diag_b))

        self.n_free = int(n_free)
        self._edge_nodes = edge_nodes
        self._edge_kcl_node = edge_kcl_node
        # the scatter's short passes visit only the edges they concern
        self._kcl_edges = np.flatnonzero(edge_kcl_node >= 0).astype(np.int32)
        self._terminal_edges = np.flatnonzero(
            (node_terminal[edge_nodes[:, 0]] >= 0) | (node_terminal[edge_nodes[:, 1]] >= 0)
        ).astype(np.int32)
        self._node_net = np.zeros(n_nodes, dtype=np.float64)
        self._node_free = node_free
        self._free_node = free_node.astype(np.int64)
        self._node_solved = node_solved
        self._node_terminal = node_terminal
        self._node_fixed_voltage = np.zeros(n_nodes, dtype=np.float64)
        self._terminal_nodes = terminal_nodes
        self._terminal_kind = kind
        self._terminal_free = node_free[terminal_nodes].copy()
        self._terminal_series_g = series_g
        self._terminal_solved = node_solved[terminal_nodes].copy()
        self._dirichlet_terms = np.flatnonzero(dirichlet_term)
        self._default_values = np.array([s.value for s in self.sources], dtype=np.float64)
        self._driven = np.flatnonzero(kind != _k.KIND_FLOATING)
        self._indptr = indptr
        self._indices = indices
        self._diag_pos = diag_pos
        self._data = np.zeros(indices.size, dtype=np.float64)
        self._rhs = np.zeros(n_free, dtype=np.float64)
        self._edge_g = np.zeros(n_edges, dtype=np.float64)
        self._x = np.zeros(n_free, dtype=np.float64)
        # the solution before the last one, for a linearly extrapolated starting guess
        self._x_previous = np.zeros(n_free, dtype=np.float64)
        self._x_spare = np.zeros(n_free, dtype=np.float64)
        self._history = 0
        self._work = np.zeros((4, n_free), dtype=np.float64)
        # symbolic LDL^T once (supernodes of L); each factorization reuses it
        l_indptr, l_indices = _k.ldl_symbolic(indptr, indices)[:2]
        pattern = supernodal.symbolic(l_indptr, l_indices)
        del l_indptr, l_indices
        self._pattern = pattern
        self._panels = np.zeros(pattern.panel_size, dtype=PANEL_DTYPE)
        self._inv_diag = np.zeros(n_free)
        self._factor_work = supernodal.work_arrays(pattern, n_free)
        self._solve_scratch = np.zeros(max(pattern.max_width, 1))
        # cost of one factorization in CG-iteration units, from operation counts (so that
        # the refactorization rule stays deterministic); the weights are fitted to
        # factorization / iteration times measured from 2,000 to 100,000 wires (9-11 there):
        # the vectorized dense multiply-adds are cheap, per-entry work dominates
        iteration = indices.size + 2.0 * pattern.panel_size + 8.0 * n_free + 1.0
        self._factor_cost = (_MULTIPLY_ADD_WEIGHT * pattern.multiply_adds
                             + _PANEL_ENTRY_WEIGHT * pattern.panel_size) / iteration
        self.nnz_factor = pattern.nnz
        self._factored = False
        self._factor_conductance = None
        self._refactor_due = False
        self._steps_since_factor = 0
        self._iterations_since_factor = 0
        self._error_floor = 0.0

    @staticmethod
    def _fill_reducing_order(free_natural, free_mask, edge_nodes, series_g, terminal_nodes):
        """Minimum-degree order of the free nodes (SuperLU on the pattern), then postordered."""
        n_free = free_natural.size
        if n_free <= 2:
            return np.arange(n_free)
        index = np.full(free_mask.shape[0], -1, dtype=np.int64)
        index[free_natural] = np.arange(n_free)
        ra = index[edge_nodes[:, 0]]
        rb = index[edge_nodes[:, 1]]
        both = (ra >= 0) & (rb >= 0) & (ra != rb)
        # unit-weight, strictly diagonally dominant stand-in: only the pattern matters
        offdiag = sp.coo_matrix(
            (-np.ones(2 * both.sum()), (np.r_[ra[both], rb[both]], np.r_[rb[both], ra[both]])),
            shape=(n_free, n_free),
        ).tocsc()
        degree = -np.asarray(offdiag.sum(axis=1)).ravel() + 1.0
        pattern = (offdiag + sp.diags(degree)).tocsc()
        lu = splu(pattern, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                  options=dict(SymmetricMode=True))
        # SuperLU puts old column k at new position perm_c[k]
        order = np.argsort(lu.perm_c, kind="stable")
        # the multifrontal factorization needs every elimination subtree contiguous
        ordered = pattern[order][:, order].tocsr()
        return order[supernodal.etree_postorder(ordered.indptr, ordered.indices)]

    # ---------------------------------------------------------------- stepping

    def _factorize(self, conductance: np.ndarray) -> None:
        """Factorize the matrix now in ``self._data`` as the new preconditioner."""
        t0 = time.perf_counter()
        bad = supernodal.factorize(self._indptr, self._indices, self._data, self._pattern,
                                   self._panels, self._inv_diag, self._factor_work)
        if bad >= 0:
            self._factored = False
            raise RuntimeError(
                f"the reduced Laplacian lost positive definiteness in floating point at node "
                f"{int(self._free_node[bad])}; the conductances may span too many decades"
            )
        self._factored = True
        self._factor_conductance = np.array(conductance, dtype=np.float64)
        self._steps_since_factor = 0
        self._iterations_since_factor = 0
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

    def _assemble(self, junction_conductance, values) -> np.ndarray:
        g = np.asarray(junction_conductance, dtype=np.float64)
        if g.shape != (self.network.n_junctions,):
            raise InputError(
                f"junction_conductance must have shape ({self.network.n_junctions},) "
                f"(got {g.shape})"
            )
        for t in self._dirichlet_terms:
            self._node_fixed_voltage[self._terminal_nodes[t]] = (
                values[t] if self._terminal_kind[t] == _k.KIND_VOLTAGE else 0.0)
        bad = _k.assemble(
            g, *self._assembly_edges, self._node_fixed_voltage,
            self._terminal_kind, self._terminal_free, self._terminal_series_g, values,
            self._diag_pos, self._data, self._rhs, self._edge_g,
        )
        if bad >= 0:
            bad = int(np.flatnonzero(~((g > 0) & (g < np.inf)))[0])
            raise InputError(
                f"junction_conductance must be finite and > 0 S (got {g[bad]!r} at junction "
                f"{bad})"
            )
        return g

    def _cg(self) -> tuple[int, bool, float]:
        r, z, p, q = self._work
        tolerance = max(self.rtol, self._error_floor)
        return _k.pcg(self._indptr, self._indices, self._data, self._rhs, self._x,
                      *self._pattern.arrays(), self._panels, self._inv_diag,
                      self._solve_scratch, tolerance, self.max_iterations, r, z, p, q)

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
            the values given at construction.
        out : Solution, optional
            Filled in place (its arrays are overwritten) instead of allocating a new one.

        Returns
        -------
        Solution
        """
        t0 = time.perf_counter()
        values = self._values(source_values)
        g = self._assemble(junction_conductance, values)
        t1 = time.perf_counter()
        factorize_before = self.timings["factorize"]
        iterations = 0
        factorized = False
        if self.n_free:
            if not np.any(self._rhs):
                self._x[:] = 0.0  # no source drives the system: exactly zero everywhere
                self._history = 0
            else:
                if self._history >= 2:
                    self._extrapolate()
                else:
                    self._x_previous[:] = self._x
                self._history = min(self._history + 1, 2)
                if not self._factored or self._refactor_due:
                    self._factorize(g)
                    self._refactor_due = False
                    factorized = True
                iterations, converged, error = self._cg()
                if not converged and not factorized:
                    self._factorize(g)
                    factorized = True
                    extra, converged, error = self._cg()
                    iterations += extra
                if not converged:
                    # with the exact factorization the error estimate is what float64 can
                    # attain for this conductance contrast: accept it and stop asking for more
                    if not error <= _ATTAINABLE_LIMIT:
                        raise RuntimeError(
                            f"the node voltages cannot be resolved better than {error:.1e} "
                            f"(relative) in float64; the conductances span too many decades"
                        )
                    self._error_floor = max(self._error_floor, 4.0 * error)
                self._refactor_due = self._should_refactor(iterations)
        t2 = time.perf_counter()
        n_nodes = self.network.n_nodes
        n_terms = self._terminal_kind.size
        if out is None:
            out = Solution(np.empty(n_nodes), np.empty(self._edge_nodes.shape[0]),
                           np.empty(n_terms), np.empty(n_terms))
        _k.scatter_solution(
            self._x, self._free_node, self._node_free, self._node_fixed_voltage,
            self._node_solved, self._edge_nodes, self._edge_g, self._edge_kcl_node,
            self._kcl_edges, self._terminal_edges, self._data, self._diag_pos, self._node_terminal,
            self._terminal_kind, self._terminal_free, self._terminal_series_g, values,
            self._terminal_solved, self._node_net, out.node_voltage, out.edge_current,
            out.terminal_current, out.terminal_voltage,
        )
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

    def _extrapolate(self) -> None:
        """Start CG from 2 x_k - x_(k-1) instead of x_k; x_k becomes the previous solution.

        Conductances and sources change smoothly between steps, so the linear extrapolation
        is off by O(dt^2) instead of O(dt): one to two CG iterations fewer per step.
        """
        x, previous, spare = self._x, self._x_previous, self._x_spare
        spare[:] = x
        x *= 2.0
        x -= previous
        self._x_previous, self._x_spare = spare, previous

    def _should_refactor(self, iterations: int) -> bool:
        """Whether to factorize the next step's matrix.

        With a fixed ``refactor_iterations``: when this step needed more. Otherwise the
        renewal rule: refactorize once this step's cost (its iterations) exceeds the average
        cost per step since the last factorization, that factorization included (its cost in
        iteration units is estimated from operation counts, so the decision is
        deterministic). This minimizes the long-run cost per step while the stale
        preconditioner degrades.
        """
        self._steps_since_factor += 1
        self._iterations_since_factor += iterations
        if self.refactor_iterations is not None:
            return iterations > self.refactor_iterations
        average = ((self._factor_cost + self._iterations_since_factor)
                   / self._steps_since_factor)
        return iterations > max(average, 2.0)

    def _two_terminal_conductance(self, sol: Solution) -> float:
        if self._driven.size != 2:
            return math.nan
        a, b = self._driven
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
            ``x`` (n,) V, ``x_previous`` (n,) V and ``history`` (the solution before, for
            the extrapolated start, and how many are known), ``factor_conductance`` (M,) S
            or None, and the refactorization
            bookkeeping (copies). Passing it to :meth:`set_state` makes later steps
            bit-identical to what they would have been.
        """
        fc = None if self._factor_conductance is None else self._factor_conductance.copy()
        return {"x": self._x.copy(), "x_previous": self._x_previous.copy(),
                "history": int(self._history), "factor_conductance": fc,
                "refactor_due": bool(self._refactor_due),
                "steps_since_factor": int(self._steps_since_factor),
                "iterations_since_factor": int(self._iterations_since_factor),
                "error_floor": float(self._error_floor)}

    def set_state(self, state: Mapping) -> None:
        """Restore a history saved by :meth:`get_state` (refactorizes the stored matrix)."""
        x = np.asarray(state["x"], dtype=np.float64)
        if x.shape != self._x.shape:
            raise InputError(f"state['x'] must have shape {self._x.shape} (got {x.shape})")
        self.reset()
        fc = state["factor_conductance"]
        if fc is not None and self.n_free:
            self._assemble(fc, self._default_values)
            self._factorize(fc)
            self.timings["factorizations"] -= 1  # bookkeeping, not a step's work
        self._x[:] = x
        if "x_previous" in state:  # states saved before extrapolation carry no second solution
            self._x_previous[:] = np.asarray(state["x_previous"], dtype=np.float64)
            self._history = int(state["history"])
        self._refactor_due = bool(state["refactor_due"])
        self._steps_since_factor = int(state["steps_since_factor"])
        self._iterations_since_factor = int(state["iterations_since_factor"])
        self._error_floor = float(state["error_floor"])

    def reset(self) -> None:
        """Forget the warm-start history (next step factorizes and starts from 0 V)."""
        self._factored = False
        self._factor_conductance = None
        self._refactor_due = False
        self._steps_since_factor = 0
        self._iterations_since_factor = 0
        self._error_floor = 0.0
        self._x[:] = 0.0
        self._x_previous[:] = 0.0
        self._history = 0

    def report(self) -> str:
        """A few lines saying what is solved, what is excluded and why."""
        net = self.network
        solved_nodes = int(self._node_solved.sum())
        n_w = np.asarray(net.node_wire)
        solved_wires = int(np.unique(n_w[self._node_solved & (n_w >= 0)]).size)
        lines = [
            f"solved: {solved_nodes} of {net.n_nodes} nodes ({solved_wires} wires), "
            f"{self.n_free} unknowns, {self._indices.size} matrix entries",
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
                lines.append(f"floating electrodes left undefined (NaN): {_quote(floating)}")
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
    """
    solver = CircuitSolver(network, sources)
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
