"""Numba kernels of the Kirchhoff nodal solver (see :mod:`nwn.engine.solver`).

Every kernel loops sequentially in a fixed order, so results are bit-identical from run to run
whatever the number of threads. The matrices enter as CSR/CSC ``indptr, indices, data``
triplets. The reduced Laplacian is symmetric, so its CSR arrays are also its CSC arrays.
"""

from __future__ import annotations

import numba
import numpy as np

from nwn.engine.prefetch import prefetch, prefetch_up
from nwn.engine.sources import SOURCE_KINDS
from nwn.engine.supernodal import solve as ldl_solve

__all__: list[str] = []

#: Terminal kind codes used inside the kernels: the position of each kind in SOURCE_KINDS.
KIND_VOLTAGE = SOURCE_KINDS.index("voltage")
KIND_CURRENT = SOURCE_KINDS.index("current")
KIND_GROUND = SOURCE_KINDS.index("ground")
KIND_FLOATING = SOURCE_KINDS.index("floating")

#: How many stored entries ahead of the product with A its prefetches run (8 KB of values).
_MATRIX_AHEAD = 1024
#: How many edges ahead of the assembly it prefetches the matrix entries they write (each at
#: a place of its own in the values, ~one cache miss per entry at 100,000 wires and above).
_EDGES_AHEAD = 64


@numba.njit(cache=True, nogil=True)
def assemble(junction_conductance, edge_conductance, edge_junction, edge_free_a, edge_free_b,
             edge_node_a, edge_node_b, edge_offdiag_ab, edge_offdiag_ba, shared_edges,
             node_fixed_voltage, terminal_kind, terminal_free, terminal_series_g,
             terminal_value, diag_pos, diagonal, data, rhs, edge_g):
    """Rewrite the values of the reduced Laplacian and its right-hand side.

    Edges are visited in the network's order, which streams the reads of
    ``junction_conductance`` and the writes of ``edge_g``; visiting them sorted by matrix row
    instead (sequential writes into ``data``) measured slower (``benchmarks/README.md``).
    Once ``data`` outgrows the cache (83 MB at a million wires) every read-modify-write of it
    is a trip to memory, so the diagonal is summed in ``diagonal`` (n entries, in cache) and
    written once, and an off-diagonal entry that only one edge fills is stored, not added to
    (no zeroing pass, no read): 0.0 - g is -g exactly, and every sum keeps the edges' order,
    so the values are bit for bit those of adding each edge's conductance into a zeroed
    matrix. The few entries several edges fill (``shared_edges``) are summed afterwards, in
    edge order. Those entries lie scattered over ``data``, a cache miss each: they are
    prefetched ``_EDGES_AHEAD`` edges ahead, so that the misses overlap
    (``benchmarks/bench_cg_kernels.py``).

    Parameters
    ----------
    junction_conductance : (M,) float64, S
    edge_conductance : (E,) float64, S, fixed edges (NaN on junction edges)
    edge_junction : (E,) int, junction index or -1
    edge_free_a, edge_free_b : (E,) int
        Reduced index of end a / b, -1 where that end is not free (both -1 for a self-loop).
    edge_node_a, edge_node_b : (E,) int, network node of end a / b
    edge_offdiag_ab, edge_offdiag_ba : (E,) int
        Position in ``data`` of entry (a, b) and (b, a), -1 unless both ends are free.
    shared_edges : (P,) int, ascending
        The edges whose off-diagonal entries other edges fill too.
    node_fixed_voltage : (N,) float64, V, voltage of each Dirichlet node (0 elsewhere)
    terminal_kind : (K,) int64, ``KIND_*`` code
    terminal_free : (K,) int64, reduced index of the terminal node or -1
    terminal_series_g : (K,) float64, S, 1/series resistance (0 for ideal sources)
    terminal_value : (K,) float64, source voltage (V) or current (A)
    diag_pos : (n,) int64, position in ``data`` of each diagonal entry
    diagonal : (n,) float64, scratch
    data : (nnz,) float64, out
    rhs : (n,) float64, out, injected current (A)
    edge_g : (E,) float64, out, conductance of every edge this step (S)

    Returns
    -------
    int
        -1 if every junction conductance is finite and > 0, else a bad junction.
    """
    for k in range(diagonal.shape[0]):
        diagonal[k] = 0.0
    for k in range(rhs.shape[0]):
        rhs[k] = 0.0
    n_edges = edge_junction.shape[0]
    for s in range(n_edges):
        if s + _EDGES_AHEAD < n_edges:  # the matrix entries an edge a little ahead writes
            prefetch(data, edge_offdiag_ab[s + _EDGES_AHEAD])
            prefetch(data, edge_offdiag_ba[s + _EDGES_AHEAD])
        j = edge_junction[s]
        if j >= 0:
            g = junction_conductance[j]
            if not (g > 0.0 and g < np.inf):
                return j
        else:
            g = edge_conductance[s]
        edge_g[s] = g
        ra = edge_free_a[s]
        rb = edge_free_b[s]
        if ra >= 0:
            diagonal[ra] += g
            if rb >= 0:
                data[edge_offdiag_ab[s]] = -g
                data[edge_offdiag_ba[s]] = -g
            else:
                rhs[ra] += g * node_fixed_voltage[edge_node_b[s]]
        if rb >= 0:
            diagonal[rb] += g
            if ra < 0:
                rhs[rb] += g * node_fixed_voltage[edge_node_a[s]]
    for s in shared_edges:
        data[edge_offdiag_ab[s]] = 0.0
        data[edge_offdiag_ba[s]] = 0.0
    for s in shared_edges:
        data[edge_offdiag_ab[s]] -= edge_g[s]
        data[edge_offdiag_ba[s]] -= edge_g[s]
    for i in range(diagonal.shape[0]):
        data[diag_pos[i]] = diagonal[i]
    for t in range(terminal_kind.shape[0]):
        r = terminal_free[t]
        if r < 0:
            continue
        kind = terminal_kind[t]
        if kind == KIND_CURRENT:
            rhs[r] += terminal_value[t]
        elif kind == KIND_VOLTAGE or kind == KIND_GROUND:
            # series resistance: the ideal source node is eliminated into this free node
            gs = terminal_series_g[t]
            data[diag_pos[r]] += gs
            if kind == KIND_VOLTAGE:
                rhs[r] += gs * terminal_value[t]
    return -1


@numba.njit(cache=True, nogil=True)
def _matvec(indptr, indices, data, x, out):
    """out = A x, each row summed from its first stored entry to its last.

    The positions and column indices are taken as unsigned: numba wraps a signed index
    that might be negative around the array's end, which cost about ten instructions per
    stored entry, more than the multiply-add itself. The values and column indices are
    prefetched a few kilobytes ahead (:mod:`nwn.engine.prefetch`). The floating-point
    operations and their order are those of the plain loop (figures and the comparison:
    ``benchmarks/bench_cg_kernels.py``).
    """
    n = indptr.shape[0] - 1
    data_ahead = 0
    indices_ahead = 0
    for i in range(n):
        data_ahead = prefetch_up(data, data_ahead, indptr[i + 1] + _MATRIX_AHEAD)
        indices_ahead = prefetch_up(indices, indices_ahead, indptr[i + 1] + _MATRIX_AHEAD)
        s = 0.0
        for k in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):
            s += data[k] * x[np.uint32(indices[k])]
        out[i] = s


@numba.njit(cache=True, nogil=True)
def _matvec_dot(indptr, indices, data, x, out):
    """out = A x as :func:`_matvec`, and returns x . out (summed in row order, as a separate
    pass would)."""
    n = indptr.shape[0] - 1
    dot = 0.0
    data_ahead = 0
    indices_ahead = 0
    for i in range(n):
        data_ahead = prefetch_up(data, data_ahead, indptr[i + 1] + _MATRIX_AHEAD)
        indices_ahead = prefetch_up(indices, indices_ahead, indptr[i + 1] + _MATRIX_AHEAD)
        s = 0.0
        for k in range(np.uint64(indptr[i]), np.uint64(indptr[i + 1])):
            s += data[k] * x[np.uint32(indices[k])]
        out[i] = s
        dot += x[i] * s
    return dot


@numba.njit(cache=True, nogil=True)
def _residual(indptr, indices, data, rhs, x, q, r, row_bound, row_gamma):
    """r = rhs - A x (``q`` = A x on the way).

    Returns
    -------
    (float, float, float)
        A bound (A) on how far each r_i is from the exact residual of x,
        gamma (row_bound max|x| + max|rhs|), max|x| (V) and max|r| (A).
    """
    _matvec(indptr, indices, data, x, q)
    scale = 0.0
    largest = 0.0
    residual = 0.0
    for i in range(rhs.shape[0]):
        r[i] = rhs[i] - q[i]
        scale = max(scale, abs(x[i]))
        largest = max(largest, abs(rhs[i]))
        residual = max(residual, abs(r[i]))
    return row_gamma * (row_bound * scale + largest), scale, residual


def row_bound(largest_diagonal: float) -> float:
    """``row_bound`` of :func:`pcg` for a reduced Laplacian whose largest diagonal entry is
    ``largest_diagonal`` (S): a row's off-diagonal magnitudes sum to at most its diagonal
    entry, so every row's sum of |a_ij| is at most twice it, with room for that entry's own
    rounding (a sum of fewer than 1e9 conductances)."""
    return 2.0 * (1.0 + 1e-6) * largest_diagonal


def row_rounding(indptr) -> float:
    """``row_gamma`` of :func:`pcg` for a CSR pattern: gamma_(m+2), m its most entries in a
    row. The rounding of a sum of m products is at most gamma_m times the sum of their
    magnitudes (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., 3.1).

    Parameters
    ----------
    indptr : ndarray, shape (n + 1,)
    """
    most = int(np.max(np.diff(indptr))) if indptr.size > 1 else 0
    k = (most + 2) * (float(np.finfo(np.float64).eps) / 2.0)
    return k / (1.0 - k)


@numba.njit(cache=True, nogil=True)
def _errors(r, z, x, contact_free, contact_g, contact_v, contact_term, term_sum, term_err,
            current_scale, rounding_current, test_current):
    """The stopping criterion's measures (:mod:`nwn.engine.solver_tolerance`).

    Returns
    -------
    (float, float)
        max(max|r|, largest terminal-current error estimate) / I_ref, and max|z| / max|x|.
    """
    n = r.shape[0]
    voltage_error = 0.0
    scale = 0.0
    residual = 0.0
    for i in range(n):
        voltage_error = max(voltage_error, abs(z[i]))
        scale = max(scale, abs(x[i]))
        residual = max(residual, abs(r[i]))
    return _measures(voltage_error, scale, residual, z, x, contact_free, contact_g,
                     contact_v, contact_term, term_sum, term_err, current_scale,
                     rounding_current, test_current)


@numba.njit(cache=True, nogil=True)
def _measures(voltage_error, scale, residual, z, x, contact_free, contact_g, contact_v,
              contact_term, term_sum, term_err, current_scale, rounding_current, test_current):
    """:func:`_errors` from max|z| (``voltage_error``), max|x| (``scale``) and max|r|
    (``residual``), which CG's vector updates find on their way."""
    if scale > 0.0:
        voltage = voltage_error / scale
    else:
        voltage = 0.0 if voltage_error == 0.0 else np.inf
    if not test_current:
        return 0.0, voltage
    for t in range(term_sum.shape[0]):
        term_sum[t] = 0.0
        term_err[t] = 0.0
    for c in range(contact_free.shape[0]):
        i = contact_free[c]
        g = contact_g[c]
        term_sum[contact_term[c]] += g * (contact_v[c] - x[i])
        term_err[contact_term[c]] += abs(g * z[i])
    # the rounding of r and of the terminal sums themselves, per volt (S), over the tolerance:
    # when the terminal currents vanish (every source at one voltage) this is the scale
    reference = max(current_scale, rounding_current * scale)
    worst = residual
    for t in range(term_sum.shape[0]):
        reference = max(reference, abs(term_sum[t]))
        worst = max(worst, term_err[t])
    if reference > 0.0:
        current = worst / reference
    else:
        current = 0.0 if worst == 0.0 else np.inf
    return current, voltage


@numba.njit(cache=True, nogil=True)
def pcg(indptr, indices, data, rhs, x, start, panel_ptr, row_ptr, rows, panels, inv_diag, t,
        contact_free, contact_g, contact_v, contact_term, term_sum, term_err, current_scale,
        rounding_conductance, row_bound, row_gamma, tol_current, tol_voltage, max_iterations,
        give_up, fresh, r, z, p, q):
    """Preconditioned conjugate gradient, started from ``x`` (updated in place).

    The preconditioner is M = L D L^T, an exact factorization of an earlier matrix in
    supernodal panels (``start`` ... ``inv_diag``, see :mod:`nwn.engine.supernodal`; ``t``
    is its solves' scratch). Because M is close to A, z = M^{-1} r is a sharp estimate of the
    voltage error A^{-1} r. The iteration stops on the criterion of
    :mod:`nwn.engine.solver_tolerance` (Kirchhoff residual and terminal-current error below
    ``tol_current`` of the largest terminal current, voltage error below ``tol_voltage`` of
    the largest voltage; ``tol_current`` = inf tests the voltages alone), and the true
    residual must pass the same test: it is recomputed at the end unless a bound on how far
    the recursive residual can have drifted from it (rounding, from ``row_bound`` and
    ``row_gamma``) shows that it passes anyway, so skipping the product changes no result.

    Parameters
    ----------
    contact_free : (C,) int64
        Unknown at the wire end of each contact of an ideal source (or of each series
        resistance of a non-ideal one).
    contact_g : (C,) float64, S
    contact_v : (C,) float64, V, the source's voltage at the other end
    contact_term : (C,) int64, terminal of each contact
    term_sum, term_err : (K,) float64, scratch
    current_scale : float, A, the largest current-source value (0 if none)
    rounding_conductance : float, S
        What rounding alone leaves in the residual and the terminal sums per volt of the
        largest voltage (a small multiple of eps times the largest diagonal entry or terminal
        conductance): Kirchhoff's test asks for no less than that.
    row_bound : float, S
        An upper bound on every row's sum of |a_ij| (twice the largest diagonal entry of the
        reduced Laplacian); inf: unknown, so the true residual is always recomputed.
    row_gamma : float
        gamma_(m+2) = (m + 2) u / (1 - (m + 2) u), u the unit roundoff and m the most entries
        in a row of A: a bound on the relative rounding of one row's product with a vector
        and of a vector update (:func:`row_rounding`).
    give_up : float
        Iterations (the cost of refactorizing and solving afresh, in iterations) beyond which
        a stale factor is abandoned: two iterations after the first finite measure on, the
        iterations still needed are predicted from the average rate at which the larger of
        the two measures (each over its tolerance) fell so far, and CG
        returns unconverged once the step's predicted total exceeds ``give_up`` while more
        than ``fresh`` iterations remain. inf: never.
    fresh : float
        Iterations a fresh factor needs (those of the step that factorized last).

    Returns
    -------
    (int, bool, float, float)
        Iterations done, whether the criterion was met, and the final current and voltage
        measures (relative) from the true residual (from the recursive one when abandoned).
    """
    n = rhs.shape[0]
    test_current = tol_current < np.inf
    rounding_current = rounding_conductance / tol_current if test_current else 0.0
    # how far the exact residual of the computed x can be from the computed r (A): that of
    # the residual computed from x here, and per iteration that of the updates; twice the
    # former, as the recomputation that a pass of this bound saves would round too
    true_rounding, scale, residual = _residual(indptr, indices, data, rhs, x, q, r,
                                               row_bound, row_gamma)
    iterations = 0
    first = np.inf  # the first finite measure and its iteration, for the rate they fall at
    first_iteration = 0
    while True:  # a restart from the true residual, should the recursive one have drifted
        drift = 2.0 * true_rounding
        ldl_solve(start, panel_ptr, row_ptr, rows, panels, inv_diag, r, z, t)
        rz = 0.0
        voltage_error = 0.0
        for i in range(n):
            p[i] = z[i]
            rz += r[i] * z[i]
            voltage_error = max(voltage_error, abs(z[i]))
        exact = True  # r is the true residual (fresh names the parameter)
        # max|x| and max|r| came with the residual: the criterion from them and max|z|
        current, voltage = _measures(voltage_error, scale, residual, z, x, contact_free,
                                     contact_g, contact_v, contact_term, term_sum, term_err,
                                     current_scale, rounding_current, test_current)
        while True:
            if current <= tol_current and voltage <= tol_voltage:
                break
            if iterations >= max_iterations or not rz > 0.0:
                break
            if give_up < np.inf:
                # how far from the criterion (> 1), and how fast that has fallen so far
                measure = voltage / tol_voltage
                if test_current:
                    measure = max(measure, current / tol_current)
                if not first < np.inf:  # unset, or inf (started from x = 0)
                    first = measure
                    first_iteration = iterations
                elif iterations - first_iteration >= 2:
                    remaining = np.inf
                    if measure < first:
                        remaining = ((iterations - first_iteration) * np.log(measure)
                                     / np.log(first / measure))
                    if remaining > fresh and iterations + remaining > give_up:
                        return iterations, False, current, voltage
            # the criterion's maxima are taken in the passes that update the vectors, and
            # p . q in the product's: the same sums and maxima, a third fewer vector passes
            pq = _matvec_dot(indptr, indices, data, p, q)
            if not pq > 0.0:
                break
            alpha = rz / pq
            previous_residual = residual
            scale = 0.0
            residual = 0.0
            step = 0.0
            for i in range(n):
                x[i] += alpha * p[i]
                r[i] -= alpha * q[i]
                scale = max(scale, abs(x[i]))
                residual = max(residual, abs(r[i]))
                step = max(step, abs(alpha * p[i]))
            # the exact residual of x moves by -A (alpha p + dx), r by -alpha q + dr, with
            # |dx| <= u (|alpha p| + |x|), |q - A p| <= gamma row_bound max|p| and
            # |dr| <= u (|r_old| + |r_new|) (|alpha q| <= |r_old| + |r_new|)
            drift += row_gamma * (row_bound * (2.0 * step + scale)
                                  + 2.0 * (previous_residual + residual))
            ldl_solve(start, panel_ptr, row_ptr, rows, panels, inv_diag, r, z, t)
            rz_new = 0.0
            voltage_error = 0.0
            for i in range(n):
                rz_new += r[i] * z[i]
                voltage_error = max(voltage_error, abs(z[i]))
            beta = rz_new / rz
            rz = rz_new
            for i in range(n):
                p[i] = z[i] + beta * p[i]
            iterations += 1
            exact = False
            current, voltage = _measures(voltage_error, scale, residual, z, x, contact_free,
                                         contact_g, contact_v, contact_term, term_sum,
                                         term_err, current_scale, rounding_current,
                                         test_current)
        if not test_current:
            # the earlier criterion ("legacy"), kept as it was: confirm with the true residual
            # and its error estimate, no restart
            _matvec(indptr, indices, data, x, q)
            for i in range(n):
                r[i] = rhs[i] - q[i]
            ldl_solve(start, panel_ptr, row_ptr, rows, panels, inv_diag, r, z, t)
            current, voltage = _errors(r, z, x, contact_free, contact_g, contact_v,
                                       contact_term, term_sum, term_err, current_scale,
                                       rounding_current, test_current)
            return iterations, voltage <= tol_voltage, current, voltage
        if exact:
            break  # tested on the true residual already
        if current <= tol_current and voltage <= tol_voltage and _measures(
                voltage_error, scale, residual + drift, z, x, contact_free, contact_g,
                contact_v, contact_term, term_sum, term_err, current_scale, rounding_current,
                test_current)[0] <= tol_current:
            break  # the true residual passes, whatever the recursive one's drift
        # the recursive residual may have drifted from the true one: confirm Kirchhoff's law
        # with the true residual (one product with A; z's estimates stand, a rounding-level
        # change in r moves them by far less than any tolerance allowed)
        true_rounding, scale, residual = _residual(indptr, indices, data, rhs, x, q, r,
                                                   row_bound, row_gamma)
        current, voltage = _measures(voltage_error, scale, residual, z, x, contact_free,
                                     contact_g, contact_v, contact_term, term_sum, term_err,
                                     current_scale, rounding_current, test_current)
        if current <= tol_current and voltage <= tol_voltage:
            break
        if iterations >= max_iterations or not rz > 0.0:
            break
    return iterations, current <= tol_current and voltage <= tol_voltage, current, voltage


@numba.njit(cache=True, nogil=True)
def scatter_solution(x, free_node, node_free, node_fixed_voltage, node_solved, edge_node_a,
                     edge_node_b, edge_junction, edge_g, kcl_edges, kcl_node, kcl_ptr,
                     kcl_incident, terminal_edges, data, diag_pos, node_terminal,
                     terminal_kind, terminal_free, terminal_series_g, terminal_value,
                     terminal_solved, node_voltage, edge_current, junction_voltage,
                     terminal_current, terminal_voltage):
    """Node voltages, edge and junction currents/voltages, terminal currents/voltages from the
    reduced solution.

    Parameters
    ----------
    x : (n,) float64, V, voltages of the free nodes in reduced order
    free_node : (n,) int64, node of each reduced index
    node_free : (N,) int64, reduced index or -1
    node_fixed_voltage : (N,) float64, V, Dirichlet voltages
    node_solved : (N,) bool, False on excluded nodes
    edge_node_a, edge_node_b : (E,) int, the ends of each edge
    edge_junction : (E,) int, junction of each edge or -1
    edge_g : (E,) float64, S
    kcl_edges : (P,) int
        Edges from an ideal-source terminal to a wire node that touches no other ideal
        source. When such an edge's conductance outweighs all others at that node, its current
        is taken from Kirchhoff's law at the node (the sum of the well-resolved currents
        through the other edges) rather than from g * dV across it, which loses digits to
        cancellation when g is huge.
    kcl_node : (P,) int, that wire node of each
    kcl_ptr : (P + 1,) int64, kcl_incident : int64
        The other edges at that node, in edge order, each as ``2 e`` where the node is their
        end a and ``2 e + 1`` where it is their end b (a self-loop twice): Kirchhoff's sum
        runs over them in the order a pass over all edges would add them, so only these few
        nodes' sums are formed.
    terminal_edges : (Q,) int32, the edges with an end on a terminal node
    data : (nnz,) float64, S, the reduced Laplacian's values this step
    diag_pos : (n,) int64, position of each diagonal entry in ``data``
    node_terminal : (N,) int64, terminal index of each node, -1 for wire nodes
    terminal_kind, terminal_free, terminal_series_g, terminal_value : (K,)
        As in :func:`assemble`.
    terminal_solved : (K,) bool
    node_voltage : (N,) float64, out, V (NaN on excluded nodes)
    edge_current : (E,) float64, out, A from end a to end b
        (0 in excluded clusters, where no current can flow)
    junction_voltage : (M,) float64, out, V across each junction's edge, from end a to end b
        (0 in excluded clusters)
    terminal_current : (K,) float64, out, A into the network
    terminal_voltage : (K,) float64, out, V
    """
    n_nodes = node_free.shape[0]
    for v in range(n_nodes):
        if node_free[v] >= 0:
            continue
        node_voltage[v] = node_fixed_voltage[v] if node_solved[v] else np.nan
    for i in range(free_node.shape[0]):
        node_voltage[free_node[i]] = x[i]
    for t in range(terminal_kind.shape[0]):
        terminal_current[t] = 0.0
    for e in range(edge_node_a.shape[0]):
        a = edge_node_a[e]
        if node_solved[a]:
            dv = node_voltage[a] - node_voltage[edge_node_b[e]]
        else:
            dv = 0.0
        edge_current[e] = edge_g[e] * dv
        j = edge_junction[e]
        if j >= 0:
            junction_voltage[j] = dv
    for c in range(kcl_edges.shape[0]):
        e = kcl_edges[c]
        u = kcl_node[c]
        if not 2.0 * edge_g[e] > data[diag_pos[node_free[u]]]:
            continue
        # Kirchhoff at u: what enters through the contact leaves through the rest
        net = 0.0
        for k in range(kcl_ptr[c], kcl_ptr[c + 1]):
            code = kcl_incident[k]
            if code & 1:
                net -= edge_current[code >> 1]
            else:
                net += edge_current[code >> 1]
        edge_current[e] = net if edge_node_b[e] == u else -net
    for e in terminal_edges:
        a = edge_node_a[e]
        b = edge_node_b[e]
        current = edge_current[e]
        ta = node_terminal[a]
        if ta >= 0:
            terminal_current[ta] += current
        tb = node_terminal[b]
        if tb >= 0:
            terminal_current[tb] -= current
    for t in range(terminal_kind.shape[0]):
        kind = terminal_kind[t]
        r = terminal_free[t]
        if kind == KIND_FLOATING:
            terminal_current[t] = 0.0
        elif kind == KIND_CURRENT:
            terminal_current[t] = terminal_value[t]
        elif r >= 0:
            # source behind a series resistance: its current is what crosses the resistance
            source = terminal_value[t] if kind == KIND_VOLTAGE else 0.0
            terminal_current[t] = terminal_series_g[t] * (source - x[r])
        if not terminal_solved[t]:
            terminal_voltage[t] = np.nan
        elif r >= 0:
            terminal_voltage[t] = x[r]
        elif kind == KIND_VOLTAGE:
            terminal_voltage[t] = terminal_value[t]
        else:
            terminal_voltage[t] = 0.0
