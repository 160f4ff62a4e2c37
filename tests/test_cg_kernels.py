"""The CG kernels that stream the matrix and the factor, bit for bit against the loops they
replaced.

``nwn.engine.solver_kernels._matvec`` / ``_matvec_dot`` and ``nwn.engine.supernodal.solve``
index unsigned and prefetch ahead of their reads (``nwn.engine.prefetch``), and
``supernodal._factorize`` indexes unsigned; none of it may change a floating-point operation
or its order, so their results must equal those of the earlier
kernels, kept here as references (``benchmarks/bench_cg_kernels.py`` times them against
these), bit for bit. The product's reference is the plain row-by-row loop; the solves' and the
factorization's are the earlier kernels verbatim, since their dense dot products are
reassociated by the compiler.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from test_solver_kernels import factorize, grid_laplacian, permuted, postordered, random_laplacian

from nwn.engine import prefetch, supernodal
from nwn.engine import solver_kernels as kernels
from nwn.engine.solver_ordering import fill_reducing_order


@numba.njit(cache=True, nogil=True)
def reference_matvec(indptr, indices, data, x, out):
    """out = A x, each row summed from its first entry to its last (the kernel until
    2026-12-02)."""
    n = indptr.shape[0] - 1
    for i in range(n):
        s = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            s += data[k] * x[indices[k]]
        out[i] = s


@numba.njit(cache=True, nogil=True)
def reference_matvec_dot(indptr, indices, data, x, out):
    """:func:`reference_matvec` and x . out summed in row order."""
    reference_matvec(indptr, indices, data, x, out)
    dot = 0.0
    for i in range(x.shape[0]):
        dot += x[i] * out[i]
    return dot


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def reference_solve(start, panel_ptr, row_ptr, rows, values, inv_diag, r, z, t):
    """The triangular solves as they were before the prefetches and unsigned indices
    (``supernodal.solve`` until 2026-12-02): the same reassociated dot products."""
    n = r.shape[0]
    n_super = start.shape[0] - 1
    for i in range(n):
        z[i] = r[i]
    for s in range(n_super):
        f = start[s]
        w = start[s + 1] - f
        p0 = panel_ptr[s]
        r0 = row_ptr[s]
        r1 = row_ptr[s + 1]
        if w == 1:
            zf = z[f]
            if zf != 0.0:
                for k in range(r0, r1):
                    z[rows[k]] -= values[p0 + 1 + k - r0] * zf
            continue
        zf = z[f:f + w]
        for i in range(1, w):
            row = values[p0 + i * w:p0 + i * w + i]
            acc = 0.0
            for j in range(i):
                acc += row[j] * zf[j]
            zf[i] -= acc
        for j in range(w):
            t[j] = zf[j]
        tw = t[:w]
        b = p0 + w * w
        for k in range(r0, r1):
            row = values[b:b + w]
            acc = 0.0
            for j in range(w):
                acc += row[j] * tw[j]
            z[rows[k]] -= acc
            b += w
    for i in range(n):
        z[i] *= inv_diag[i]
    for s in range(n_super - 1, -1, -1):
        f = start[s]
        w = start[s + 1] - f
        p0 = panel_ptr[s]
        r0 = row_ptr[s]
        r1 = row_ptr[s + 1]
        if w == 1:
            acc = 0.0
            for k in range(r0, r1):
                acc += values[p0 + 1 + k - r0] * z[rows[k]]
            z[f] -= acc
            continue
        tw = t[:w]
        for j in range(w):
            tw[j] = z[f + j]
        b = p0 + w * w
        for k in range(r0, r1):
            zr = z[rows[k]]
            row = values[b:b + w]
            for j in range(w):
                tw[j] -= row[j] * zr
            b += w
        for i in range(w - 1, -1, -1):
            zi = tw[i]
            z[f + i] = zi
            row = values[p0 + i * w:p0 + i * w + i]
            for j in range(i):
                tw[j] -= row[j] * zi


@numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def reference_factorize(indptr, indices, data, start, panel_ptr, row_ptr, rows, parent, values,
               inv_diag, relmap, child_map, stack, pending, update, scratch, front):
    """The multifrontal factorization as it was before its offsets were unsigned
    (``supernodal._factorize`` until 2026-12-02 17:10): the same reassociated dot products."""
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
                    front[row + child_map[b]] += stack[q + b]
                if ia >= w:
                    u = (ia - w) * (ia - w + 1) // 2 - w
                    for b in range(n_low, a + 1):
                        update[u + child_map[b]] += stack[q + b]
                q += a + 1
        # dense LDL^T of the panel, row by row: L[i, j] d_j = F[i, j] - sum_k L[i, k] d_k L[j, k]
        # (slices, not offset indexing, let LLVM vectorize the dot products: 6-8x faster)
        for i in range(m):
            row = front[i * w:i * w + w]
            srow = scratch[i * w:i * w + w]
            for j in range(min(i, w)):
                other = scratch[j * w:j * w + w]
                acc = 0.0
                for k in range(j):
                    acc += row[k] * other[k]
                y = row[j] - acc
                srow[j] = y
                row[j] = y * inv_diag[f + j]
            if i < w:
                acc = 0.0
                for k in range(i):
                    acc += row[k] * srow[k]
                d = row[i] - acc
                if not d > 0.0:
                    return f + i
                inv_diag[f + i] = 1.0 / d
                row[i] = 0.0
        # the panel is computed in float64 and stored in the panels' precision
        for q in range(m * w):
            values[p0 + q] = front[q]
        if nr == 0:
            continue
        # this supernode's update for its parent, F22 - L21 D L21^T, written packed onto the
        # stack where the children's updates were
        q = top
        if w == 1:
            # most supernodes are single columns: no per-entry slices, which cost more than
            # the one multiply-add they would hold
            for a in range(nr):
                la = front[1 + a]
                u = a * (a + 1) // 2
                for b in range(a + 1):
                    stack[q + b] = update[u + b] - la * scratch[1 + b]
                q += a + 1
        else:
            for a in range(nr):
                la = front[(w + a) * w:(w + a) * w + w]
                u = a * (a + 1) // 2
                for b in range(a + 1):
                    sb = scratch[(w + b) * w:(w + b) * w + w]
                    acc = 0.0
                    for k in range(w):
                        acc += la[k] * sb[k]
                    stack[q + b] = update[u + b] - acc
                q += a + 1
        top = q
        pending[n_pending] = s
        n_pending += 1
    return -1


def random_csr(n, seed, index_dtype=np.int32):
    """A random n x n CSR matrix with rows of 0 to ~40 entries (a fifth of them empty), values
    of mixed sign and magnitude with some exact zeros and negative zeros."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 40, n) * (rng.uniform(size=n) > 0.2)
    indptr = np.zeros(n + 1, dtype=index_dtype)
    indptr[1:] = np.cumsum(lengths)
    indices = rng.integers(0, n, indptr[-1]).astype(index_dtype)
    data = rng.normal(size=indptr[-1]) * 10.0 ** rng.integers(-8, 8, indptr[-1])
    data[rng.uniform(size=data.size) < 0.05] = 0.0
    data[rng.uniform(size=data.size) < 0.05] = -0.0
    return indptr, indices, data


@pytest.mark.parametrize("n", [1, 2, 7, 501, 4000])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_matrix_products_are_bit_identical_to_the_plain_loop(n, index_dtype):
    indptr, indices, data = random_csr(n, seed=n, index_dtype=index_dtype)
    rng = np.random.default_rng(n + 1)
    for x in (rng.normal(size=n), np.where(rng.uniform(size=n) < 0.5, 0.0, rng.normal(size=n))):
        want = np.full(n, np.nan)
        got = np.full(n, np.nan)
        reference_matvec(indptr, indices, data, x, want)
        kernels._matvec(indptr, indices, data, x, got)
        assert got.tobytes() == want.tobytes()
        got[:] = np.nan
        dot = kernels._matvec_dot(indptr, indices, data, x, got)
        assert got.tobytes() == want.tobytes()
        assert np.float64(dot).tobytes() == np.float64(
            reference_matvec_dot(indptr, indices, data, x, want)).tobytes()
    # and they are products with the matrix
    matrix = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    np.testing.assert_allclose(got, matrix @ x, rtol=1e-12, atol=1e-12 * np.abs(data).max())


def test_matrix_product_of_an_empty_matrix_is_empty():
    out = np.zeros(0)
    kernels._matvec(np.zeros(1, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0),
                    np.zeros(0), out)
    assert kernels._matvec_dot(np.zeros(1, dtype=np.int32), np.zeros(0, dtype=np.int32),
                               np.zeros(0), np.zeros(0), out) == 0.0


def dissected(matrix):
    """``matrix`` in the solver's order (nested dissection, postordered): supernodes of
    every width, from single columns to the separators' dense blocks."""
    coo = sp.triu(matrix, 1).tocoo()
    edges = np.column_stack([coo.row, coo.col]).astype(np.int64)
    n = matrix.shape[0]
    return permuted(matrix, fill_reducing_order(np.arange(n), n, edges))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [lambda: postordered(random_laplacian(300, seed=5)),
                                  lambda: dissected(random_laplacian(3000, seed=6, degree=2)),
                                  lambda: dissected(grid_laplacian(61))],
                         ids=["random", "sparse", "grid"])
def test_triangular_solves_are_bit_identical_to_the_earlier_kernel(make, dtype):
    matrix = make()
    bad, pattern, panels, inv_diag = factorize(matrix)
    assert bad == -1
    panels = panels.astype(dtype)
    n = matrix.shape[0]
    widths = np.diff(pattern.start)
    assert widths.min() == 1 and widths.max() >= 8  # single columns and dense panels both
    rng = np.random.default_rng(n)
    scratch = np.zeros(pattern.max_width)
    # a dense right-hand side, and a sparse one (the single-column updates skipped at zeros)
    for r in (rng.normal(size=n), np.where(rng.uniform(size=n) < 0.7, 0.0, rng.normal(size=n))):
        want = np.full(n, np.nan)
        got = np.full(n, np.nan)
        reference_solve(*pattern.arrays(), panels, inv_diag, r, want, scratch)
        supernodal.solve(*pattern.arrays(), panels, inv_diag, r, got, scratch)
        assert got.tobytes() == want.tobytes()
    # and they solve with the factor
    np.testing.assert_allclose(matrix @ got, r, atol=1e-4 if dtype == np.float32 else 1e-9,
                               rtol=0.0)


@numba.njit(cache=True)
def _prefetched_span(array, done, end, down):
    if down:
        return prefetch.prefetch_down(array, done, end)
    return prefetch.prefetch_up(array, done, end)


def test_prefetches_advance_in_whole_lines_and_may_run_past_the_array():
    values = np.zeros(100, dtype=np.float32)  # 16 entries a line
    assert _prefetched_span(values, 0, 40, False) == 48
    assert _prefetched_span(values, 48, 40, False) == 48  # already there
    assert _prefetched_span(values, 0, 10**7, False) == 10**7  # far past the end: no fault
    wide = np.zeros(10)  # 8 float64 entries a line
    assert _prefetched_span(wide, 10, -17, True) == -22  # below the start: no fault


@pytest.mark.parametrize("make", [lambda: postordered(random_laplacian(300, seed=5)),
                                  lambda: dissected(random_laplacian(3000, seed=6, degree=2)),
                                  lambda: dissected(grid_laplacian(61))],
                         ids=["random", "sparse", "grid"])
def test_factorization_is_bit_identical_to_the_earlier_kernel(make):
    matrix = make()
    lp, li = supernodal.ldl_symbolic(matrix.indptr, matrix.indices)[:2]
    pattern = supernodal.symbolic(lp, li)
    n = matrix.shape[0]
    results = []
    for kernel in (reference_factorize, supernodal._factorize):
        for dtype in (np.float32, np.float64):
            values = np.full(pattern.panel_size, np.nan, dtype=dtype)
            inv_diag = np.full(n, np.nan)
            bad = kernel(matrix.indptr, matrix.indices, matrix.data, pattern.start,
                         pattern.panel_ptr, pattern.row_ptr, pattern.rows, pattern.parent,
                         values, inv_diag, *supernodal.work_arrays(pattern, n))
            results.append((int(bad), values.tobytes(), inv_diag.tobytes()))
    assert results[0][0] == -1
    assert results[2:] == results[:2]
