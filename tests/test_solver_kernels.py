"""The solver's supernodal LDL^T factorization and preconditioned CG against numpy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from nwn.engine import solver_kernels as kernels
from nwn.engine import supernodal
from nwn.engine.solver_assembly import ROUNDING_EPS


def random_laplacian(n, seed, drift=0.0, degree=4):
    """A random sparse reduced Laplacian (SPD): graph Laplacian plus grounding conductances;
    ``drift`` perturbs every conductance by a lognormal factor of that width (same pattern)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, degree * n)
    b = rng.integers(0, n, degree * n)
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


def grid_laplacian(side):
    """Conductance Laplacian of a side x side grid, grounded at one corner (wide supernodes)."""
    rng = np.random.default_rng(side)
    idx = np.arange(side * side).reshape(side, side)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    g = rng.uniform(0.5, 2.0, a.size)
    off = sp.coo_matrix((-g, (a, b)), shape=(side * side,) * 2)
    off = off + off.T
    diag = -np.asarray(off.sum(axis=1)).ravel()
    diag[0] += 1.0
    matrix = (off + sp.diags(diag)).tocsr()
    matrix.sort_indices()
    return matrix


def permuted(matrix, order):
    out = matrix[order][:, order].tocsr()
    out.sort_indices()
    return out


def postordered(matrix):
    return permuted(matrix, supernodal.etree_postorder(matrix.indptr, matrix.indices))


def factorize(matrix, dtype=np.float64, relax=True):
    """Supernodal LDL^T of ``matrix`` (already postordered): (bad, pattern, panels, 1/D)."""
    lp, li = supernodal.ldl_symbolic(matrix.indptr, matrix.indices)[:2]
    pattern = supernodal.symbolic(lp, li, relax=relax)
    n = matrix.shape[0]
    panels = np.zeros(pattern.panel_size, dtype=dtype)
    inv_diag = np.zeros(n)
    bad = supernodal.factorize(matrix.indptr, matrix.indices, matrix.data, pattern, panels,
                               inv_diag, supernodal.work_arrays(pattern, n))
    return bad, pattern, panels, inv_diag


def dense_lower(pattern, panels, n):
    """L (unit lower triangular, dense) from the panels."""
    lower = np.eye(n)
    for s in range(pattern.n_supernodes):
        f, e = pattern.start[s], pattern.start[s + 1]
        w = e - f
        rows = np.r_[np.arange(f, e), pattern.rows[pattern.row_ptr[s]:pattern.row_ptr[s + 1]]]
        block = panels[pattern.panel_ptr[s]:pattern.panel_ptr[s + 1]].reshape(-1, w)
        strict = np.tril(np.ones((rows.size, w), dtype=bool), -1)
        lower[rows[:, None], np.arange(f, e)[None, :]] += np.where(strict, block, 0.0)
        # nothing is stored on or above the diagonal of the diagonal block
        assert np.all(block[~strict] == 0.0)
    return lower


@pytest.mark.parametrize("relax", [True, False], ids=["relaxed", "fundamental"])
@pytest.mark.parametrize("make", [lambda: random_laplacian(150, seed=3),
                                  lambda: grid_laplacian(14)], ids=["random", "grid"])
def test_ldl_reconstructs_the_matrix_and_matches_cholesky(make, relax):
    matrix = postordered(make())
    bad, pattern, panels, inv_diag = factorize(matrix, relax=relax)
    assert bad == -1
    n = matrix.shape[0]
    lower = dense_lower(pattern, panels, n)
    dense = matrix.toarray()
    np.testing.assert_allclose(lower @ np.diag(1 / inv_diag) @ lower.T, dense,
                               atol=1e-13 * np.abs(dense).max())
    cholesky = np.linalg.cholesky(dense)
    np.testing.assert_allclose(1 / inv_diag, np.diag(cholesky) ** 2, rtol=1e-11)
    # every structural entry of L is inside the symbolic pattern
    assert np.count_nonzero(np.abs(np.tril(cholesky, -1)) > 1e-13 * np.abs(dense).max()) <= (
        pattern.nnz)
    assert pattern.panel_size >= pattern.nnz
    if relax:  # merging stores some zeros to have fewer, wider supernodes
        fundamental = factorize(matrix, relax=False)[1]
        assert pattern.n_supernodes < fundamental.n_supernodes
        assert pattern.nnz == fundamental.nnz


def test_supernodes_are_wide_on_a_grid_and_the_solve_inverts_the_factor():
    matrix = postordered(grid_laplacian(30))
    bad, pattern, panels, inv_diag = factorize(matrix)
    assert bad == -1
    assert pattern.max_width >= 8  # dense blocks exist, so the dense paths are exercised
    n = matrix.shape[0]
    rhs = np.random.default_rng(2).normal(size=n)
    z = np.zeros(n)
    supernodal.solve(*pattern.arrays(), panels, inv_diag, rhs, z,
                     np.zeros(pattern.max_width))
    reference = np.linalg.solve(matrix.toarray(), rhs)
    assert np.max(np.abs(z - reference)) <= 1e-11 * np.max(np.abs(reference))


def test_postorder_keeps_subtrees_contiguous_and_the_fill():
    matrix = random_laplacian(400, seed=9)
    perm = reverse_cuthill_mckee(matrix, symmetric_mode=True)
    matrix = matrix[perm][:, perm].tocsr()
    matrix.sort_indices()
    before = supernodal.ldl_symbolic(matrix.indptr, matrix.indices)[0][-1]
    after_matrix = postordered(matrix)
    lp, li = supernodal.ldl_symbolic(after_matrix.indptr, after_matrix.indices)[:2]
    assert lp[-1] == before
    # in a postorder, the parent of j is the first row of column j, and j's subtree is the
    # range of columns just before it
    n = matrix.shape[0]
    parent = np.where(np.diff(lp) > 0, li[np.minimum(lp[:-1], li.size - 1)], -1)
    size = np.ones(n, dtype=int)
    for j in range(n):
        if parent[j] >= 0:
            assert parent[j] > j
            size[parent[j]] += size[j]
    first = np.arange(n) - size + 1
    for j in range(n):
        if parent[j] >= 0:
            assert first[parent[j]] <= first[j]


def test_ldl_reports_a_matrix_that_is_not_positive_definite():
    matrix = random_laplacian(60, seed=4).tolil()
    matrix[10, 10] = -1.0
    matrix = postordered(matrix.tocsr())
    bad = factorize(matrix)[0]
    assert bad >= 0
    # it is the first pivot that fails: the leading block before it is positive definite
    dense = matrix.toarray()
    assert np.all(np.linalg.eigvalsh(dense[:bad, :bad]) > 0)
    assert np.linalg.eigvalsh(dense[:bad + 1, :bad + 1]).min() <= 0


def bounds(matrix):
    """``row_bound`` and ``row_gamma`` of ``kernels.pcg`` for a Laplacian as the solver
    gives them (``ReducedSystem``)."""
    return (kernels.row_bound(matrix.diagonal().max()),
            kernels.row_rounding(matrix.indptr))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pcg_with_a_stale_factor_solves_the_new_matrix(dtype):
    """The factor may be stored in float32 (as the solver does): CG still reaches 1e-13."""
    base = random_laplacian(300, seed=5)
    order = supernodal.etree_postorder(base.indptr, base.indices)
    matrix = permuted(base, order)
    _, pattern, panels, inv_diag = factorize(matrix, dtype)
    drifted = permuted(random_laplacian(300, seed=5, drift=0.1), order)
    assert np.array_equal(drifted.indices, matrix.indices)
    rng = np.random.default_rng(6)
    rhs = rng.normal(size=300)
    x = np.zeros(300)
    work = np.zeros((4, 300))
    no_contacts = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64),
                   np.zeros(1), np.zeros(1))
    # the voltage test alone (tol_current = inf, the "legacy" criterion)
    iterations, converged, _, error = kernels.pcg(
        drifted.indptr, drifted.indices, drifted.data, rhs, x, *pattern.arrays(), panels,
        inv_diag, np.zeros(pattern.max_width), *no_contacts, 0.0, 0.0, *bounds(drifted),
        np.inf, 1e-13, 100, np.inf, 0.0, *work)
    assert converged and 1 < iterations < 30 and error <= 1e-13
    # the float32 factor is the float64 one rounded
    if dtype == np.float32:
        exact = factorize(matrix)[2]
        assert np.array_equal(panels, exact.astype(np.float32))
    reference = np.linalg.solve(drifted.toarray(), rhs)
    assert np.max(np.abs(x - reference)) <= 1e-11 * np.max(np.abs(reference))
    # Kirchhoff's test: with 1 A of current scale, the true residual below 1e-9 A
    y = np.zeros(300)
    iterations, converged, current, _ = kernels.pcg(
        drifted.indptr, drifted.indices, drifted.data, rhs, y, *pattern.arrays(), panels,
        inv_diag, np.zeros(pattern.max_width), *no_contacts, 1.0, 0.0, *bounds(drifted), 1e-9,
        1.0, 100, np.inf, 0.0, *work)
    assert converged and current <= 1e-9
    assert np.max(np.abs(rhs - drifted @ y)) <= 1e-9
    assert iterations < kernels.pcg(  # a looser test needs fewer iterations than 1e-13
        drifted.indptr, drifted.indices, drifted.data, rhs, np.zeros(300), *pattern.arrays(),
        panels, inv_diag, np.zeros(pattern.max_width), *no_contacts, 0.0, 0.0,
        *bounds(drifted), np.inf, 1e-13, 100, np.inf, 0.0, *work)[0]


def test_pcg_gives_up_a_factor_too_stale_and_a_fresh_one_finishes():
    """With a far-drifted matrix CG predicts from its rate of convergence that finishing
    costs more than ``give_up`` iterations and stops early, unconverged; the iterate it
    leaves is a valid start for CG with a fresh factor, which meets the criterion."""
    base = random_laplacian(400, seed=8)
    order = supernodal.etree_postorder(base.indptr, base.indices)
    matrix = permuted(base, order)
    _, pattern, panels, inv_diag = factorize(matrix, np.float32)
    drifted = permuted(random_laplacian(400, seed=8, drift=1.5), order)
    rhs = np.random.default_rng(9).normal(size=400)
    no_contacts = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64),
                   np.zeros(1), np.zeros(1))

    def pcg(x, panels, inv_diag, give_up, fresh):
        return kernels.pcg(drifted.indptr, drifted.indices, drifted.data, rhs, x,
                           *pattern.arrays(), panels, inv_diag, np.zeros(pattern.max_width),
                           *no_contacts, 0.0, 0.0, *bounds(drifted), np.inf, 1e-13, 200,
                           give_up, fresh, *np.zeros((4, 400)))

    full, converged = pcg(np.zeros(400), panels, inv_diag, np.inf, 0.0)[:2]
    assert converged and full > 20
    x = np.zeros(400)
    iterations, converged = pcg(x, panels, inv_diag, 10.0, 1.0)[:2]
    assert not converged and 2 <= iterations < 10
    _, _, fresh_panels, fresh_diag = factorize(drifted, np.float32)
    more, converged, _, error = pcg(x, fresh_panels, fresh_diag, np.inf, 0.0)
    assert converged and error <= 1e-13 and iterations + more < full / 2
    reference = np.linalg.solve(drifted.toarray(), rhs)
    assert np.max(np.abs(x - reference)) <= 1e-11 * np.max(np.abs(reference))
    # a generous budget leaves CG alone: the same iterations as without one
    assert pcg(np.zeros(400), panels, inv_diag, 1000.0, 1.0)[:2] == (full, True)


@pytest.mark.parametrize("contrast", [1.0, 1e4, 1e8])
@pytest.mark.parametrize("tolerance", [1e-11, 1e-8])
def test_pcg_meets_kirchhoffs_test_with_the_exact_residual(contrast, tolerance):
    """CG stops on its recursive residual and skips recomputing the true one where a bound on
    their drift shows that the true one passes too: the exact residual of the x it returns
    (in extended precision) meets Kirchhoff's test, also where conductances span up to 8
    decades (as 1e4 S wire segments beside 1e-3 S junctions) and the test's rounding floor
    decides. (The drift measured in these cases is ~1e-6 of the test's allowance: the bound
    is a worst case, which keeps the skip safe rather than making it rare.)"""
    rng = np.random.default_rng(int(np.log10(contrast)) * 7 + int(-np.log10(tolerance)))

    def laplacian(drift):
        base = random_laplacian(400, seed=21, drift=drift).tocoo()
        strong = np.random.default_rng(22).uniform(size=base.nnz) < 0.3
        off = base.row != base.col
        # scale a symmetric subset of the off-diagonal conductances (and their diagonals)
        pick = strong[off] & (base.row[off] < base.col[off])
        a, b, g = base.row[off][pick], base.col[off][pick], -base.data[off][pick]
        extra = sp.coo_matrix(((contrast - 1.0) * g, (a, b)), shape=base.shape)
        extra = extra + extra.T
        bump = -extra + sp.diags(np.asarray(extra.sum(axis=1)).ravel())
        matrix = (base + bump).tocsr()
        matrix.sum_duplicates()
        matrix.sort_indices()
        return matrix

    base = laplacian(0.0)
    order = supernodal.etree_postorder(base.indptr, base.indices)
    _, pattern, panels, inv_diag = factorize(permuted(base, order), np.float32)
    drifted = permuted(laplacian(0.3), order)
    rhs = rng.normal(size=400)
    rounding = ROUNDING_EPS * drifted.diagonal().max()
    no_contacts = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64),
                   np.zeros(1), np.zeros(1))
    x = np.zeros(400)
    _, converged, current, _ = kernels.pcg(
        drifted.indptr, drifted.indices, drifted.data, rhs, x, *pattern.arrays(), panels,
        inv_diag, np.zeros(pattern.max_width), *no_contacts, 1.0, rounding, *bounds(drifted),
        tolerance, 1.0, 500, np.inf, 0.0, *np.zeros((4, 400)))
    assert converged and current <= tolerance
    exact = sp.csr_matrix(drifted, dtype=np.longdouble)
    residual = rhs.astype(np.longdouble) - exact @ x.astype(np.longdouble)
    reference = max(1.0, rounding * np.max(np.abs(x)) / tolerance)
    assert np.max(np.abs(residual)) <= tolerance * reference
