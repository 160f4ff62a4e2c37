"""The solver's earlier fill-reducing order, kept as a baseline for the benchmarks only.

SuperLU's multiple minimum degree on A + A^T, obtained by running a whole LU factorization of a
unit-weight stand-in of the matrix and keeping its column order, then postordered
(``nwn.engine.solver_ordering`` replaced it with METIS nested dissection).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from nwn.engine import supernodal
from nwn.engine.solver_ordering import symmetric_pattern


def legacy_fill_reducing_order(free_natural: np.ndarray, n_nodes: int,
                               edge_nodes: np.ndarray) -> np.ndarray:
    """Same contract as :func:`nwn.engine.solver_ordering.fill_reducing_order`."""
    n_free = free_natural.size
    if n_free <= 2:
        return np.arange(n_free)
    index = np.full(n_nodes, -1, dtype=np.int64)
    index[free_natural] = np.arange(n_free)
    indptr, indices = symmetric_pattern(index[edge_nodes[:, 0]], index[edge_nodes[:, 1]],
                                        n_free, diagonal=False)
    offdiag = sp.csc_matrix((-np.ones(indices.size), indices, indptr), shape=(n_free, n_free))
    degree = -np.asarray(offdiag.sum(axis=1)).ravel() + 1.0
    pattern = (offdiag + sp.diags(degree)).tocsc()
    lu = splu(pattern, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
              options=dict(SymmetricMode=True))
    # SuperLU puts old column k at new position perm_c[k]
    order = np.argsort(lu.perm_c, kind="stable")
    return order[supernodal.etree_postorder(indptr, indices, order)]
