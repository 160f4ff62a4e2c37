"""Supernodal LDL^T factorization of the reduced Laplacian, and its triangular solves.

The solver's preconditioner is an exact factorization A = L D L^T (L unit lower triangular,
D diagonal) of an earlier matrix (see :mod:`nwn.engine.solver_preconditioner`). Columns of
L whose patterns nest (column j + 1's pattern is column j's without row j + 1) form a
*supernode*: a dense block of w consecutive columns sharing one set of rows below it. In a nanowire
network ordered by nested dissection most of L and most of the factorization's multiply-adds
sit in wide supernodes, so both the factorization and the solves run on dense rows that the
compiler vectorizes, instead of one scattered entry at a time. Supernodes are then
*relaxed*: a supernode merges into its parent while few explicit zeros are added
(:func:`_relaxed`), which trades a few more stored entries for fewer, wider supernodes and
faster solves and factorization (figures: ``benchmarks/README.md``).

Storage: supernode s owns columns ``start[s]:start[s + 1]`` (w of them) and the rows
``rows[row_ptr[s]:row_ptr[s + 1]]`` below them (nr, ascending). Its *panel* is the dense
(w + nr, w) block of L on those rows, row-major, at ``values[panel_ptr[s]:]``: first the
w x w diagonal block (strict lower part; the diagonal and upper part hold 0), then the
nr x w block below it.

The factorization is multifrontal: in elimination-tree postorder, each supernode gathers its
columns of A and the update matrices its children left on a stack, factorizes its diagonal
block densely, computes the block below and leaves its own update (Schur complement on its
rows) for its parent. It needs the columns in a postorder of the elimination tree
(:func:`etree_postorder`), which leaves the fill of any order unchanged.

Every kernel runs sequentially in a fixed order, so results are bit-identical from run to run
whatever the number of threads. Dense dot products are compiled with reassociation allowed
(vectorized): the order of additions is fixed by the compiled code, not by the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from nwn.engine.prefetch import prefetch_down, prefetch_up

__all__ = ["SupernodalPattern", "etree_postorder", "factorize", "ldl_symbolic", "solve",
           "symbolic", "symbolic_from_matrix"]

#: Reassociation lets LLVM vectorize the dense dot products; no flag that changes NaN/inf
#: semantics, since the callers test pivots and residuals for NaN.
_FAST = {"reassoc", "contract"}

#: How far ahead of the triangular solves' reads their prefetches run: panel entries (8 KB of
#: float32) and rows (2 KB of int32). At 100,000 wires 512 to 32,768 entries measured alike.
_PANEL_AHEAD = 2048
_ROWS_AHEAD = 512


@dataclass(frozen=True)
class SupernodalPattern:
    """Structure of L in supernodes, computed once per matrix pattern.

    Attributes
    ----------
    start : (S + 1,) int64
        First column of each supernode (``start[S] = n``).
    panel_ptr : (S + 1,) int64
        Offset of each supernode's panel in the values array; ``panel_ptr[S]`` is its size.
    row_ptr : (S + 1,) int64
        Offset of each supernode's rows below its diagonal block in ``rows``.
    rows : (R,) int32
        Those rows, ascending within each supernode.
    parent : (S,) int64
        Supernode whose front receives this one's update matrix (-1 at a root).
    stack_size, update_size, scratch_size, max_width : int
        Sizes of the factorization's work arrays (float64 entries) and the widest supernode.
    nnz : int
        Entries of the strict lower triangle of L.
    multiply_adds : float
        Multiply-adds of one factorization.
    """

    start: np.ndarray
    panel_ptr: np.ndarray
    row_ptr: np.ndarray
    rows: np.ndarray
    parent: np.ndarray
    stack_size: int
    update_size: int
    scratch_size: int
    max_width: int
    nnz: int
    multiply_adds: float

    @property
    def n_supernodes(self) -> int:
        return int(self.start.size - 1)

    @property
    def panel_size(self) -> int:
        return int(self.panel_ptr[-1])

    def arrays(self) -> tuple:
        """``(start, panel_ptr, row_ptr, rows)``: what the triangular solves read."""
        return self.start, self.panel_ptr, self.row_ptr, self.rows


@numba.njit(cache=True)
def _etree(indptr, indices, order):
    """Elimination tree of a symmetric pattern (CSR, both triangles) renumbered by ``order``
    (column k is row ``order[k]`` of the pattern): parent of each new column."""
    n = indptr.shape[0] - 1
    position = np.empty(n, dtype=np.int64)
    for k in range(n):
        position[order[k]] = k
    parent = np.full(n, -1, dtype=np.int64)
    ancestor = np.full(n, -1, dtype=np.int64)
    for k in range(n):
        old = order[k]
        for p in range(indptr[old], indptr[old + 1]):
            i = position[indices[p]]
            # climb from i to the root of its current subtree, compressing the path to k
            while i != -1 and i < k:
                following = ancestor[i]
                ancestor[i] = k
                if following == -1:
                    parent[i] = k
                i = following
    return parent


@numba.njit(cache=True)
def _children(parent):
    """Each tree node's children as linked lists: the first child ``head[p]``, then
    ``sibling[c]`` (-1 ends a list); children in ascending order, so walks visit them so."""
    n = parent.shape[0]
    head = np.full(n, -1, dtype=np.int64)
    sibling = np.full(n, -1, dtype=np.int64)
    for j in range(n - 1, -1, -1):  # descending, each pushed in front of the list
        p = parent[j]
        if p >= 0:
            sibling[j] = head[p]
            head[p] = j
    return head, sibling


@numba.njit(cache=True)
def _postorder(parent):
    n = parent.shape[0]
    head, sibling = _children(parent)
    order = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    k = 0
    for root in range(n):
        if parent[root] != -1:
            continue
        top = 0
        stack[0] = root
        while top >= 0:
            j = stack[top]
            child = head[j]
            if child == -1:
                top -= 1
                order[k] = j
                k += 1
            else:
                head[j] = sibling[child]
                top += 1
                stack[top] = child
    return order


def etree_postorder(indptr: np.ndarray, indices: np.ndarray, order: np.ndarray | None = None
                    ) -> np.ndarray:
    """A postorder of the elimination tree of a symmetric pattern.

    Parameters
    ----------
    indptr : (n + 1,) int
    indices : (nnz,) int
        CSR pattern holding both triangles (the diagonal may be left out).
    order : (n,) int, optional
        Renumbering of the pattern to take the tree of (``order[k]`` is the row placed at
        position k), without building the renumbered pattern; default: as it is.

    Returns
    -------
    (n,) int64
        ``post[k]`` is the column (of the renumbered matrix) placed at position k;
        renumbering by it leaves the fill of the factorization unchanged and makes every
        subtree a contiguous range of columns.
    """
    n = np.asarray(indptr).shape[0] - 1
    order = (np.arange(n, dtype=np.int64) if order is None
             else np.ascontiguousarray(order, dtype=np.int64))
    return _postorder(_etree(np.asarray(indptr), np.asarray(indices), order))


@numba.njit(cache=True)
def _etree_counts(indptr, indices):
    """Elimination tree and column counts of L for A = L D L^T (A symmetric, CSR, any row
    order of indices), by walking each row's subtree once: O(nnz(L)).

    Returns
    -------
    parent : (n,) int64
        Parent of each column in the elimination tree (-1 at a root): the first row of its
        column of L.
    count : (n,) int64
        Entries of each column of the strict lower triangle of L.
    row_count : (n,) int64
        Entries of each row of it.
    """
    n = indptr.shape[0] - 1
    parent = np.full(n, -1, dtype=np.int64)
    flag = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    row_count = np.zeros(n, dtype=np.int64)
    for k in range(n):
        flag[k] = k
        for p in range(indptr[k], indptr[k + 1]):
            i = indices[p]
            if i >= k:
                continue
            while flag[i] != k:
                if parent[i] == -1:
                    parent[i] = k
                count[i] += 1
                row_count[k] += 1
                flag[i] = k
                i = parent[i]
    return parent, count, row_count


@numba.njit(cache=True)
def ldl_symbolic(indptr, indices):
    """Pattern of L for A = L D L^T (A symmetric, CSR, any row order of indices).

    Returns
    -------
    l_indptr : (n + 1,) int64
        Column pointers of the strict lower triangle of L (CSC).
    l_indices : (nnz_L,) int32
        Row of each entry, ascending within each column.
    row_indptr : (n + 1,) int64
    row_columns : (nnz_L,) int32
        Columns of each row of L, ascending (the row pattern; the column pattern is built
        from it). The supernodes (:func:`symbolic`) come from the columns.
    """
    n = indptr.shape[0] - 1
    parent, count, row_count = _etree_counts(indptr, indices)
    flag = np.full(n, -1, dtype=np.int64)
    l_indptr = np.zeros(n + 1, dtype=np.int64)
    row_indptr = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        l_indptr[k + 1] = l_indptr[k] + count[k]
        row_indptr[k + 1] = row_indptr[k] + row_count[k]
    nnz = l_indptr[n]
    l_indices = np.empty(nnz, dtype=np.int32)
    row_columns = np.empty(nnz, dtype=np.int32)
    filled = np.zeros(n, dtype=np.int64)
    for k in range(n):
        flag[k] = -2 - k  # distinct from the first pass's marks
        start = row_indptr[k]
        top = start
        for p in range(indptr[k], indptr[k + 1]):
            i = indices[p]
            if i >= k:
                continue
            while flag[i] != -2 - k:
                row_columns[top] = i
                top += 1
                flag[i] = -2 - k
                i = parent[i]
        row_columns[start:top].sort()
        for q in range(start, top):
            i = row_columns[q]
            l_indices[l_indptr[i] + filled[i]] = k
            filled[i] += 1
    return l_indptr, l_indices, row_indptr, row_columns


@numba.njit(cache=True)
def _relaxed(starts, count, col_parent):
    """Merge each supernode into its parent while few explicit zeros are added.

    A supernode and the one after it can merge when the latter is its parent (in a
    postorder the parent follows its last child); the merged block stores zeros where the
    child's columns had no entries. The thresholds are the usual relaxed-supernode ones
    (merged width <= 4 always; <= 16 with < 80 % zeros; <= 48 with < 10 %; any width with
    < 5 %): fewer, wider supernodes turn scattered single-column work into dense rows.
    """
    merged = []
    # the group being built: width, rows below it, entries it holds without merging
    width = 0
    below = 0
    true_entries = 0.0
    for s in range(len(starts) - 1):
        first = starts[s]
        w = starts[s + 1] - first
        last_s = starts[s + 1] - 1
        below_s = count[last_s] if last_s >= 0 else 0  # (no column at all when n = 0)
        own = w * (w - 1) / 2.0 + w * below_s
        # parent of the group so far: the first row below its last column
        child_of_s = below > 0 and first <= col_parent[first - 1] < starts[s + 1]
        if child_of_s:
            total_width = width + w
            total = total_width * (total_width - 1) / 2.0 + total_width * below_s
            zeros = 1.0 - (true_entries + own) / total
            if (total_width <= 4 or (total_width <= 16 and zeros < 0.8)
                    or (total_width <= 48 and zeros < 0.1) or zeros < 0.05):
                width = total_width
                true_entries += own
                below = below_s
                continue
        merged.append(first)
        width = w
        true_entries = own
        below = below_s
    merged.append(starts[len(starts) - 1])
    return merged


@numba.njit(cache=True)
def _supernode_structure(count, col_parent, relax):
    """Supernodes from the column counts and elimination tree of L: everything of a
    :class:`SupernodalPattern` but the rows below each supernode (filled by the caller)."""
    n = count.shape[0]
    starts = [0]
    for j in range(1, n):
        previous = count[j - 1]
        nested = previous > 0 and col_parent[j - 1] == j and previous == count[j] + 1
        if not nested:
            starts.append(j)
    starts.append(n)
    if relax:
        starts = _relaxed(starts, count, col_parent)
    n_super = len(starts) - 1
    start = np.empty(n_super + 1, dtype=np.int64)
    for s in range(n_super + 1):
        start[s] = starts[s]
    column_super = np.empty(n, dtype=np.int64)
    panel_ptr = np.zeros(n_super + 1, dtype=np.int64)
    row_ptr = np.zeros(n_super + 1, dtype=np.int64)
    for s in range(n_super):
        last = start[s + 1] - 1
        width = start[s + 1] - start[s]
        below = count[last] if last >= 0 else 0
        for j in range(start[s], start[s + 1]):
            column_super[j] = s
        panel_ptr[s + 1] = panel_ptr[s] + (width + below) * width
        row_ptr[s + 1] = row_ptr[s] + below
    parent = np.full(n_super, -1, dtype=np.int64)
    stack_size = 0
    update_size = 0
    scratch_size = 0
    max_width = 0
    multiply_adds = 0.0
    pending = np.empty(n_super, dtype=np.int64)  # supernodes whose update waits on the stack
    n_pending = 0
    top = 0
    for s in range(n_super):
        last = start[s + 1] - 1
        width = start[s + 1] - start[s]
        below = row_ptr[s + 1] - row_ptr[s]
        if below > 0:  # the first row below a supernode is its last column's parent
            parent[s] = column_super[col_parent[last]]
        # the stack as the factorization will use it: children's updates are on top
        while n_pending > 0 and parent[pending[n_pending - 1]] == s:
            c = pending[n_pending - 1]
            c_below = row_ptr[c + 1] - row_ptr[c]
            top -= c_below * (c_below + 1) // 2
            n_pending -= 1
        if below > 0:
            top += below * (below + 1) // 2
            pending[n_pending] = s
            n_pending += 1
        stack_size = max(stack_size, top)
        update_size = max(update_size, below * (below + 1) // 2)
        scratch_size = max(scratch_size, (width + below) * width)
        max_width = max(max_width, width)
        # diagonal block, the block below it, the update for the parent
        multiply_adds += (width ** 3 / 6.0 + below * width * width / 2.0
                          + below * (below + 1) * width / 2.0)
    return (start, panel_ptr, row_ptr, parent, stack_size, update_size, scratch_size,
            max_width, multiply_adds)


@numba.njit(cache=True)
def _rows_from_columns(l_indptr, l_indices, start, row_ptr):
    """Rows below each supernode: those of its last column of L."""
    rows = np.empty(row_ptr[-1], dtype=np.int32)
    for s in range(start.shape[0] - 1):
        last = start[s + 1] - 1
        for k in range(row_ptr[s + 1] - row_ptr[s]):
            rows[row_ptr[s] + k] = l_indices[l_indptr[last] + k]
    return rows


@numba.njit(cache=True, inline="always")
def _add_rows_below(source, lo, hi, last, s, mark, rows, w):
    """Append to ``rows`` from ``w`` the rows in ``source[lo:hi]`` below ``last`` that
    supernode ``s`` does not hold yet (``mark[i] == s`` once it does); returns the new end."""
    for q in range(lo, hi):
        i = source[q]
        if i > last and mark[i] != s:
            mark[i] = s
            rows[w] = i
            w += 1
    return w


@numba.njit(cache=True)
def _rows_from_matrix(indptr, indices, start, row_ptr, parent):
    """Rows below each supernode, from A and the supernodal tree, without L's pattern.

    The rows below supernode s (last column l) are those of column l of L: the rows > l of
    A's columns in s, and the rows > l below each child supernode (one whose update goes to
    s). (Every column of s but l has its parent in s, so the elimination subtree of l is s
    and its children's subtrees.) The cost is nnz(A) plus the rows of all supernodes, a
    fraction of nnz(L). Children come before their parent, so their rows are ready.
    """
    n_super = start.shape[0] - 1
    n = start[n_super]
    rows = np.empty(row_ptr[n_super], dtype=np.int32)
    head, sibling = _children(parent)
    mark = np.full(n, -1, dtype=np.int64)
    for s in range(n_super):
        last = start[s + 1] - 1
        w = row_ptr[s]
        for j in range(start[s], last + 1):
            w = _add_rows_below(indices, indptr[j], indptr[j + 1], last, s, mark, rows, w)
        c = head[s]
        while c != -1:
            w = _add_rows_below(rows, row_ptr[c], row_ptr[c + 1], last, s, mark, rows, w)
            c = sibling[c]
        if w != row_ptr[s + 1]:  # the column counts and this union must agree
            raise AssertionError("supernodal row structure disagrees with the column counts")
        rows[row_ptr[s]:w].sort()
    return rows


def _pattern(count, col_parent, relax, fill_rows) -> SupernodalPattern:
    (start, panel_ptr, row_ptr, parent, stack_size, update_size, scratch_size, max_width,
     multiply_adds) = _supernode_structure(count, col_parent, relax)
    rows = fill_rows(start, row_ptr, parent)
    return SupernodalPattern(start, panel_ptr, row_ptr, rows, parent, int(stack_size),
                             int(update_size), int(scratch_size), int(max_width),
                             int(count.sum()), float(multiply_adds))


def symbolic(l_indptr: np.ndarray, l_indices: np.ndarray, *, relax: bool = True
             ) -> SupernodalPattern:
    """Supernodes of L from its column pattern.

    Parameters
    ----------
    l_indptr : (n + 1,) int
    l_indices : (nnz_L,) int
        CSC pattern of the strict lower triangle of L (rows ascending in each column), with
        the columns in a postorder of the elimination tree (:func:`etree_postorder`).

    Returns
    -------
    SupernodalPattern
        The same as :func:`symbolic_from_matrix` of the matrix L comes from.
    """
    l_indptr = np.ascontiguousarray(l_indptr, dtype=np.int64)
    l_indices = np.asarray(l_indices)
    count = np.diff(l_indptr)
    # the first row of a column of L is its parent in the elimination tree
    col_parent = np.where(count > 0, l_indices[np.minimum(l_indptr[:-1],
                                                          max(l_indices.size - 1, 0))]
                          if l_indices.size else -1, -1).astype(np.int64)
    return _pattern(count, col_parent, relax,
                    lambda start, row_ptr, parent: _rows_from_columns(
                        l_indptr, l_indices, start, row_ptr))


def symbolic_from_matrix(indptr: np.ndarray, indices: np.ndarray, *, relax: bool = True
                         ) -> SupernodalPattern:
    """Supernodes of L for A = L D L^T straight from A's pattern, without L's pattern.

    Only the elimination tree and column counts (one O(nnz(L)) walk with no stores per
    entry) and the rows below each supernode are computed: at 100,000 wires this takes
    about a fifth of :func:`ldl_symbolic` followed by :func:`symbolic`, and gives the same
    pattern, field for field.

    Parameters
    ----------
    indptr : (n + 1,) int
    indices : (nnz,) int
        CSR pattern of A, both triangles, diagonal optional, any order within a row, with
        the rows in a postorder of the elimination tree (:func:`etree_postorder`).

    Returns
    -------
    SupernodalPattern
    """
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    col_parent, count, _ = _etree_counts(indptr, indices)
    return _pattern(count, col_parent, relax,
                    lambda start, row_ptr, parent: _rows_from_matrix(
                        indptr, indices, start, row_ptr, parent))


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def _factorize(indptr, indices, data, start, panel_ptr, row_ptr, rows, parent, values,
               inv_diag, relmap, child_map, stack, pending, update, scratch, front):
    n_super = start.shape[0] - 1
    top = 0
    n_pending = 0
    for s in range(n_super):
        f = start[s]
        w = start[s + 1] - f
        r0 = row_ptr[s]
        nr = row_ptr[s + 1] - r0
        m = w + nr
        p0 = panel_ptr[s]
        for q in range(m * w):
            front[q] = 0.0
        for q in range(nr * (nr + 1) // 2):
            update[q] = 0.0
        for i in range(w):
            relmap[f + i] = i
        for k in range(nr):
            relmap[rows[r0 + k]] = w + k
        # this supernode's columns of A (lower part)
        for c in range(f, f + w):
            for p in range(indptr[c], indptr[c + 1]):
                i = indices[p]
                if i >= c:
                    front[relmap[i] * w + (c - f)] += data[p]
        # extend-add the children's update matrices (packed lower triangles on the stack;
        # a child's rows are all among this front's, in the same ascending order)
        while n_pending > 0 and parent[pending[n_pending - 1]] == s:
            c = pending[n_pending - 1]
            n_pending -= 1
            cr0 = row_ptr[c]
            cnr = row_ptr[c + 1] - cr0
            top -= cnr * (cnr + 1) // 2
            n_low = 0  # the child's rows that are this supernode's columns come first
            for b in range(cnr):
                child_map[b] = relmap[rows[cr0 + b]]
                if child_map[b] < w:
                    n_low += 1
            q = top
            for a in range(cnr):
                ia = child_map[a]
                row = ia * w
                for b in range(min(a + 1, n_low)):
                    front[np.uint64(row + child_map[b])] += stack[np.uint64(q + b)]
                if ia >= w:
                    u = (ia - w) * (ia - w + 1) // 2 - w
                    for b in range(n_low, a + 1):
                        update[np.uint64(u + child_map[b])] += stack[np.uint64(q + b)]
                q += a + 1
        # dense LDL^T of the panel, row by row: L[i, j] d_j = F[i, j] - sum_k L[i, k] d_k L[j, k]
        # (at unsigned offsets: signed ones carry numba's wrap-around of negative indices,
        # which kept LLVM from vectorizing the dot products, and a slice per row costs its
        # bounds code; both compile to the same reassociated loops, bit for bit)
        uw = np.uint64(w)
        for i in range(np.uint64(m)):
            ro = i * uw
            for j in range(min(i, uw)):
                oo = j * uw
                acc = 0.0
                for k in range(j):
                    acc += front[ro + k] * scratch[oo + k]
                y = front[ro + j] - acc
                scratch[ro + j] = y
                front[ro + j] = y * inv_diag[f + j]
            if i < uw:
                acc = 0.0
                for k in range(i):
                    acc += front[ro + k] * scratch[ro + k]
                d = front[ro + i] - acc
                if not d > 0.0:
                    return f + i
                inv_diag[f + i] = 1.0 / d
                front[ro + i] = 0.0
        # the panel is computed in float64 and stored in the panels' precision
        for q in range(m * w):
            values[p0 + q] = front[q]
        if nr == 0:
            continue
        # this supernode's update for its parent, F22 - L21 D L21^T, written packed onto the
        # stack where the children's updates were
        q = top
        if w == 1:
            # most supernodes are single columns: no dot products, one multiply-add an entry
            for a in range(nr):
                la = front[1 + a]
                u = a * (a + 1) // 2
                for b in range(a + 1):
                    stack[np.uint64(q + b)] = update[np.uint64(u + b)] - la * scratch[1 + b]
                q += a + 1
        else:
            uw = np.uint64(w)
            for a in range(nr):
                lo = np.uint64(w + a) * uw
                u = a * (a + 1) // 2
                for b in range(a + 1):
                    so = np.uint64(w + b) * uw
                    acc = 0.0
                    for k in range(uw):
                        acc += front[lo + k] * scratch[so + k]
                    stack[np.uint64(q + b)] = update[np.uint64(u + b)] - acc
                q += a + 1
        top = q
        pending[n_pending] = s
        n_pending += 1
    return -1


def factorize(indptr, indices, data, pattern: SupernodalPattern, values: np.ndarray,
              inv_diag: np.ndarray, work: tuple) -> int:
    """Numeric LDL^T of a symmetric positive definite CSR matrix into supernodal panels.

    Parameters
    ----------
    indptr, indices, data : CSR arrays of the matrix (both triangles, indices ascending), in
        the column order the pattern was computed for.
    pattern : SupernodalPattern
    values : (pattern.panel_size,) float64, out
        The panels of L.
    inv_diag : (n,) float64, out
        1 / D.
    work : tuple
        From :func:`work_arrays`.

    Returns
    -------
    int
        -1 on success, else the first column whose pivot is not > 0.
    """
    return int(_factorize(indptr, indices, data, pattern.start, pattern.panel_ptr,
                          pattern.row_ptr, pattern.rows, pattern.parent, values, inv_diag,
                          *work))


def work_arrays(pattern: SupernodalPattern, n: int) -> tuple:
    """Scratch arrays of :func:`factorize`: (relmap, child_map, stack, pending, update,
    scratch, front)."""
    return (np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
            np.zeros(max(pattern.stack_size, 1)),
            np.zeros(max(pattern.n_supernodes, 1), dtype=np.int64),
            np.zeros(max(pattern.update_size, 1)), np.zeros(max(pattern.scratch_size, 1)),
            np.zeros(max(pattern.scratch_size, 1)))


@numba.njit(cache=True, nogil=True, fastmath=_FAST)
def solve(start, panel_ptr, row_ptr, rows, values, inv_diag, r, z, t):
    """z = (L D L^T)^{-1} r from the supernodal panels.

    Parameters
    ----------
    start, panel_ptr, row_ptr, rows : arrays of a :class:`SupernodalPattern`
    values : panels of L
    inv_diag : (n,) float64
    r : (n,) float64
    z : (n,) float64, out (may not alias ``r``)
    t : (max_width,) float64, scratch

    Notes
    -----
    Both passes stream the panels and rows from memory, one supernode after the other, and
    prefetch them a few kilobytes ahead (:mod:`nwn.engine.prefetch`). Positions in the
    panels, rows and z are indexed unsigned, which spares numba's wrap-around of negative
    indices; neither changes an operation on the values or its order (the dot products
    compile to the same reassociated loops as with the row slices they replaced:
    ``tests/test_cg_kernels.py``).
    """
    n = r.shape[0]
    n_super = start.shape[0] - 1
    for i in range(n):
        z[i] = r[i]
    panel_ahead = 0
    rows_ahead = 0
    for s in range(n_super):
        f = start[s]
        w = start[s + 1] - f
        p0 = panel_ptr[s]
        r0 = row_ptr[s]
        r1 = row_ptr[s + 1]
        panel_ahead = prefetch_up(values, panel_ahead, panel_ptr[s + 1] + _PANEL_AHEAD)
        rows_ahead = prefetch_up(rows, rows_ahead, r1 + _ROWS_AHEAD)
        if w == 1:
            zf = z[f]
            if zf != 0.0:
                column = np.uint64(p0 + 1 - r0)  # entry k of the column at column + k
                for k in range(np.uint64(r0), np.uint64(r1)):
                    z[np.uint32(rows[k])] -= values[column + k] * zf
            continue
        # dense panel: offsets unsigned (a slice per row cost more than its dot product)
        uf = np.uint64(f)
        uw = np.uint64(w)
        up = np.uint64(p0)
        for i in range(np.uint64(1), uw):
            o = up + i * uw
            acc = 0.0
            for j in range(i):
                acc += values[o + j] * z[uf + j]
            z[uf + i] -= acc
        for j in range(uw):
            t[j] = z[uf + j]
        b = up + uw * uw
        for k in range(np.uint64(r0), np.uint64(r1)):
            acc = 0.0
            for j in range(uw):
                acc += values[b + j] * t[j]
            z[np.uint32(rows[k])] -= acc
            b += uw
    for i in range(n):
        z[i] *= inv_diag[i]
    panel_ahead = panel_ptr[n_super]
    rows_ahead = row_ptr[n_super]
    for s in range(n_super - 1, -1, -1):
        f = start[s]
        w = start[s + 1] - f
        p0 = panel_ptr[s]
        r0 = row_ptr[s]
        r1 = row_ptr[s + 1]
        panel_ahead = prefetch_down(values, panel_ahead, p0 - _PANEL_AHEAD)
        rows_ahead = prefetch_down(rows, rows_ahead, r0 - _ROWS_AHEAD)
        if w == 1:
            acc = 0.0
            column = np.uint64(p0 + 1 - r0)
            for k in range(np.uint64(r0), np.uint64(r1)):
                acc += values[column + k] * z[np.uint32(rows[k])]
            z[f] -= acc
            continue
        uf = np.uint64(f)
        uw = np.uint64(w)
        up = np.uint64(p0)
        for j in range(uw):
            t[j] = z[uf + j]
        b = up + uw * uw
        for k in range(np.uint64(r0), np.uint64(r1)):
            zr = z[np.uint32(rows[k])]
            for j in range(uw):
                t[j] -= values[b + j] * zr
            b += uw
        for i in range(w - 1, -1, -1):
            ui = np.uint64(i)
            zi = t[ui]
            z[uf + ui] = zi
            o = up + ui * uw
            for j in range(ui):
                t[j] -= values[o + j] * zi
