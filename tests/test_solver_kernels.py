"""The solver's numba LDL^T factorization and preconditioned CG against numpy."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from nwn.engine import solver_kernels as kernels


def random_laplacian(n, seed, drift=0.0):
    """A random sparse reduced Laplacian (SPD): graph Laplacian plus grounding conductances;
    ``drift`` perturbs every conductance by a lognormal factor of that width (same pattern)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, 4 * n)
    b = rng.integers(0, n, 4 * n)
    keep = a != b
    g = rng.uniform(1e-3, 1e-1, keep.sum())
    ground = 1e-4 + rng.uniform(0, 1, n) * (rng.uniform(size=n) < 0.1)
    ground[0] += 1.0
    noise = np.random.default_rng(seed + 1000)
    g = g * np.exp(drift * noise.normal(size=g.size))
    ground = ground * np.exp(drift * noise.normal(size=n))
    off = sp.coo_matrix((-g, (a[keep], b[keep])), shape=(n, n))
    off = off + off.T
    diag = -np.asarray(off.sum(axis=1)).ravel() + ground
    matrix = (off + sp.diags(diag)).tocsr()
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


NO_ROWS = (np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), np.zeros(0))


def factorize(matrix, rows=False):
    """LDL^T of ``matrix``; with ``rows`` also the reversed row copy of L (else empty)."""
    lp, li, rp, rc = kernels.ldl_symbolic(matrix.indptr, matrix.indices)
    n = matrix.shape[0]
    lx = np.zeros(li.size)
    inv_diag = np.zeros(n)
    copy = (*kernels.reversed_rows(rp, rc), np.zeros(li.size)) if rows else NO_ROWS
    bad = kernels.ldl_numeric(matrix.indptr, matrix.indices, matrix.data, lp, li, rp, rc, lx,
                              inv_diag, np.zeros(n), np.zeros(n, dtype=np.int64), copy[2])
    if rows:
        return bad, lp, li, lx, inv_diag, copy
    return bad, lp, li, lx, inv_diag


def test_ldl_reconstructs_the_matrix_and_matches_cholesky():
    matrix = random_laplacian(150, seed=3)
    bad, lp, li, lx, inv_diag = factorize(matrix)
    assert bad == -1
    n = matrix.shape[0]
    lower = sp.csc_matrix((lx, li, lp), shape=(n, n)).toarray() + np.eye(n)
    dense = matrix.toarray()
    np.testing.assert_allclose(lower @ np.diag(1 / inv_diag) @ lower.T, dense, atol=1e-14)
    cholesky = np.linalg.cholesky(dense)
    np.testing.assert_allclose(1 / inv_diag, np.diag(cholesky) ** 2, rtol=1e-11)
    # every structural entry of L is inside the symbolic pattern
    assert np.count_nonzero(np.abs(np.tril(cholesky, -1)) > 1e-13 * np.abs(dense).max()) <= (
        li.size)


def test_ldl_reports_a_matrix_that_is_not_positive_definite():
    matrix = random_laplacian(60, seed=4).tolil()
    matrix[10, 10] = -1.0
    matrix = matrix.tocsr()
    assert factorize(matrix)[0] == 10


def test_pcg_with_a_stale_factor_solves_the_new_matrix():
    matrix = random_laplacian(300, seed=5)
    _, lp, li, lx, inv_diag = factorize(matrix)
    drifted = random_laplacian(300, seed=5, drift=0.1)
    assert np.array_equal(drifted.indices, matrix.indices)
    rng = np.random.default_rng(6)
    rhs = rng.normal(size=300)
    x = np.zeros(300)
    work = np.zeros((4, 300))
    iterations, converged, error = kernels.pcg(
        drifted.indptr, drifted.indices, drifted.data, rhs, x, lp, li, lx, inv_diag, *NO_ROWS,
        1e-13, 100, *work)
    assert converged and 1 < iterations < 30 and error <= 1e-13
    reference = np.linalg.solve(drifted.toarray(), rhs)
    assert np.max(np.abs(x - reference)) <= 1e-11 * np.max(np.abs(reference))


def test_row_copy_of_l_is_l_and_gives_the_same_solve():
    matrix = random_laplacian(200, seed=7)
    _, lp, li, lx, inv_diag, (up, ui, ux) = factorize(matrix, rows=True)
    n = matrix.shape[0]
    lower = sp.csc_matrix((lx, li, lp), shape=(n, n)).toarray()
    # row n - 1 - c of L is stored at c, columns ascending
    for c in range(n):
        row = n - 1 - c
        cols = ui[up[c]:up[c + 1]]
        assert np.all(np.diff(cols) > 0)
        dense_row = np.zeros(n)
        dense_row[cols] = ux[up[c]:up[c + 1]]
        np.testing.assert_array_equal(dense_row, lower[row])
    drifted = random_laplacian(200, seed=7, drift=0.05)
    rhs = np.random.default_rng(8).normal(size=n)
    results = []
    for rows in (NO_ROWS, (up, ui, ux)):
        x = np.zeros(n)
        it, converged, _ = kernels.pcg(drifted.indptr, drifted.indices, drifted.data, rhs, x,
                                       lp, li, lx, inv_diag, *rows, 1e-13, 100,
                                       *np.zeros((4, n)))
        assert converged
        results.append(x)
    reference = np.linalg.solve(drifted.toarray(), rhs)
    for x in results:
        assert np.max(np.abs(x - reference)) <= 1e-11 * np.max(np.abs(reference))
