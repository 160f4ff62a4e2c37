"""scipy's Dijkstra as the reference for :func:`nwn.app.models.scene.lowest_resistance_path`,
and the check of a path against it (shared by the scene, run-style and path-kernel tests)."""

import numpy as np


def scipy_path(network, conductance, source, target):
    """The lowest-resistance path as it was found before the compiled Dijkstra: every usable
    edge sorted by (node pair, resistance) each time, the first of each pair kept, then
    scipy's Dijkstra.

    Returns
    -------
    edges : ndarray of int64
        The path (empty: not connected).
    distance : float
        Its resistance (Ohm), inf when not connected.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    start, end = network.terminal(source), network.terminal(target)
    usable = np.isfinite(conductance) & (conductance > 0)
    edges = np.flatnonzero(usable)
    a, b = network.edge_nodes[edges, 0], network.edge_nodes[edges, 1]
    resistance = 1.0 / conductance[edges]
    n = network.n_nodes
    order = np.lexsort((resistance, np.maximum(a, b), np.minimum(a, b)))
    key = np.minimum(a, b)[order] * n + np.maximum(a, b)[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    keep = order[first]
    matrix = coo_matrix((resistance[keep], (a[keep], b[keep])), shape=(n, n)).tocsr()
    distance, predecessors = dijkstra(matrix, directed=False, indices=start,
                                      return_predecessors=True)
    if predecessors[end] < 0:
        return np.zeros(0, dtype=np.int64), np.inf
    nodes = [int(end)]
    while nodes[-1] != start:
        nodes.append(int(predecessors[nodes[-1]]))
    nodes = np.asarray(nodes[::-1])
    lo, hi = np.minimum(nodes[:-1], nodes[1:]), np.maximum(nodes[:-1], nodes[1:])
    return edges[keep[np.searchsorted(key[first], lo * n + hi)]], float(distance[end])


def assert_shortest(network, conductance, source, target, path, *, same_edges: bool):
    """``path`` is a lowest-resistance path from ``source`` to ``target``: empty exactly when
    scipy finds none; else a chain of usable edges from one terminal to the other, each the
    lightest (lowest index on a tie) of the edges joining its two nodes, whose resistance is
    scipy's shortest distance to 1e-12. ``same_edges``: scipy's very edges (unique paths)."""
    expected, distance = scipy_path(network, conductance, source, target)
    assert path.dtype == np.int64
    if same_edges:
        np.testing.assert_array_equal(path, expected)
    if not expected.size:
        assert path.size == 0
        return
    assert path.size
    resistance = 1.0 / conductance[path]
    assert np.all(np.isfinite(conductance[path]) & (conductance[path] > 0))
    np.testing.assert_allclose(resistance.sum(), distance, rtol=1e-12, atol=0)
    node = network.terminal(source)
    ends = network.edge_nodes
    lo, hi = np.minimum(ends[:, 0], ends[:, 1]), np.maximum(ends[:, 0], ends[:, 1])
    usable = np.isfinite(conductance) & (conductance > 0)
    for edge in path:
        a, b = int(ends[edge, 0]), int(ends[edge, 1])
        assert node in (a, b), (node, a, b)
        node = b if node == a else a
        rivals = np.flatnonzero(usable & (lo == min(a, b)) & (hi == max(a, b)))
        best = rivals[np.argmin(1.0 / conductance[rivals])]  # argmin: the first on a tie
        assert edge == best, (edge, best)
    assert node == network.terminal(target)
