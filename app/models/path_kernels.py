"""Compiled lowest-resistance path (numba, ``nogil``): Dijkstra on a fixed adjacency.

The path of a live run is recomputed in the styling thread every few frames; at a million
wires scipy's Dijkstra (and the sparse matrix built for it each time) held the interpreter lock
for most of a second, and the window froze meanwhile. Here the adjacency of the node pairs is
built once per network (:func:`pair_adjacency`), each call fills the pairs' resistances
(:func:`pair_resistance`) and runs Dijkstra on them (:func:`dijkstra_path`), all releasing
the lock.

Ties are broken deterministically: the heap pops the least (distance, node index), and a node's
distance and predecessor change only on a strictly smaller distance, so among equal
tentative distances the first found stays.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["dijkstra_path", "pair_adjacency", "pair_resistance"]


@numba.njit(cache=True, nogil=True)
def pair_adjacency(pair_lo, pair_hi, n_nodes):
    """Undirected CSR adjacency of the node pairs.

    Parameters
    ----------
    pair_lo, pair_hi : ndarray of int64, shape (K,)
        The two nodes of each pair.
    n_nodes : int

    Returns
    -------
    indptr : ndarray of int64, shape (N + 1,)
    neighbor : ndarray of int64, shape (2 K,)
        The other node of each entry; a node's entries in increasing pair order.
    pair : ndarray of int64, shape (2 K,)
        The pair of each entry.
    """
    k = pair_lo.size
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    for p in range(k):
        indptr[pair_lo[p] + 1] += 1
        indptr[pair_hi[p] + 1] += 1
    for i in range(n_nodes):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    neighbor = np.empty(2 * k, dtype=np.int64)
    pair = np.empty(2 * k, dtype=np.int64)
    for p in range(k):
        a = pair_lo[p]
        b = pair_hi[p]
        neighbor[fill[a]] = b
        pair[fill[a]] = p
        fill[a] += 1
        neighbor[fill[b]] = a
        pair[fill[b]] = p
        fill[b] += 1
    return indptr, neighbor, pair


@numba.njit(cache=True, nogil=True)
def pair_resistance(order, pair_start, conductance, edge_out, resistance_out):
    """Of each pair's edges, the one of least resistance 1/G (S -> Ohm).

    ``order`` (E,) lists the edges sorted by node pair, by edge index within a pair, and pair
    ``p``'s run is ``order[pair_start[p]:pair_start[p + 1]]``. Edges whose conductance is not
    finite and positive are left out; on equal resistance the lowest edge index wins. Writes
    the chosen edge (-1: none usable) and its resistance (inf: none) of each pair into
    ``edge_out`` and ``resistance_out`` (shape (K,)).
    """
    for p in range(pair_start.size - 1):
        best = -1
        best_r = np.inf
        for j in range(pair_start[p], pair_start[p + 1]):
            e = order[j]
            g = conductance[e]
            if np.isfinite(g) and g > 0:
                r = 1.0 / g
                if best < 0 or r < best_r:
                    best = e
                    best_r = r
        edge_out[p] = best
        resistance_out[p] = best_r


@numba.njit(cache=True, nogil=True, inline="always")
def _before(dist, heap, i, j):
    """Heap order: (distance, node index) of heap slot ``i`` below that of slot ``j``."""
    a = heap[i]
    b = heap[j]
    return dist[a] < dist[b] or (dist[a] == dist[b] and a < b)


@numba.njit(cache=True, nogil=True, inline="always")
def _swap(heap, where, i, j):
    a = heap[i]
    b = heap[j]
    heap[i] = b
    heap[j] = a
    where[b] = i
    where[a] = j


@numba.njit(cache=True, nogil=True)
def _sift_up(dist, heap, where, i):
    while i > 0:
        parent = (i - 1) >> 1
        if not _before(dist, heap, i, parent):
            break
        _swap(heap, where, i, parent)
        i = parent


@numba.njit(cache=True, nogil=True)
def _sift_down(dist, heap, where, i, size):
    while True:
        least = i
        left = 2 * i + 1
        if left < size and _before(dist, heap, left, least):
            least = left
        if left + 1 < size and _before(dist, heap, left + 1, least):
            least = left + 1
        if least == i:
            break
        _swap(heap, where, i, least)
        i = least


@numba.njit(cache=True, nogil=True)
def _dijkstra(indptr, neighbor, pair, weight, start, end, dist, via, prev, heap, where):
    """Dijkstra from ``start`` until ``end`` is settled, on an indexed binary heap.

    Writes ``dist`` (N,) (distance from ``start``, inf where not reached), ``via`` and
    ``prev`` (N,) (the pair each reached node was last relaxed through and the node on its
    other side; -1 for ``start`` and unreached); ``heap`` and ``where`` (N,) are scratch
    (``where``: a node's heap slot, -1 before it enters, -2 once settled).
    Returns whether ``end`` was reached.
    """
    n = indptr.size - 1
    for i in range(n):
        dist[i] = np.inf
        via[i] = -1
        prev[i] = -1
        where[i] = -1
    dist[start] = 0.0
    heap[0] = start
    where[start] = 0
    size = 1
    while size > 0:
        node = heap[0]
        size -= 1
        where[node] = -2  # settled
        if size > 0:
            heap[0] = heap[size]
            where[heap[0]] = 0
            _sift_down(dist, heap, where, 0, size)
        if node == end:
            return True
        d = dist[node]
        for k in range(indptr[node], indptr[node + 1]):
            w = weight[pair[k]]
            if not w < np.inf:
                continue  # no usable edge in this pair
            other = neighbor[k]
            if where[other] == -2:
                continue
            candidate = d + w
            if candidate < dist[other]:  # strictly: the first of equal paths stays
                dist[other] = candidate
                via[other] = pair[k]
                prev[other] = node
                if where[other] < 0:
                    heap[size] = other
                    where[other] = size
                    size += 1
                _sift_up(dist, heap, where, where[other])
    return False


@numba.njit(cache=True, nogil=True)
def _walk_back(pair_edge, via, prev, start, end):
    """Edges from ``start`` to ``end`` along ``via`` and ``prev``."""
    count = 0
    node = end
    while node != start:
        node = prev[node]
        count += 1
    out = np.empty(count, dtype=np.int64)
    node = end
    for i in range(count - 1, -1, -1):
        out[i] = pair_edge[via[node]]
        node = prev[node]
    return out


def dijkstra_path(indptr, neighbor, pair, pair_edge, weight, start: int,
                  end: int) -> np.ndarray:
    """Edges of the shortest path between two nodes of a pair graph (Dijkstra).

    Parameters
    ----------
    indptr, neighbor, pair : ndarray of int64
        The adjacency, as :func:`pair_adjacency` makes it (N nodes, K pairs).
    pair_edge : ndarray of int64, shape (K,)
        The edge standing for each pair (what the path returns).
    weight : ndarray of float64, shape (K,)
        Length of each pair (Ohm), positive; inf: not passable.
    start, end : int
        The two nodes.

    Returns
    -------
    ndarray of int64
        ``pair_edge`` of the pairs from ``start`` to ``end``, in order; empty when they are not
        connected or are the same node.
    """
    n = indptr.size - 1
    if not (0 <= start < n and 0 <= end < n):
        raise ValueError(f"start, end: {start}, {end} not both nodes in 0..{n - 1}")
    k = pair_edge.size
    if neighbor.shape != (2 * k,) or pair.shape != (2 * k,) or indptr[-1] != 2 * k:
        raise ValueError(f"neighbor, pair: shapes {neighbor.shape}, {pair.shape} and "
                         f"indptr[-1] = {indptr[-1]}, need ({2 * k},) for {k} pairs")
    if weight.shape != (k,):
        raise ValueError(f"weight: shape {weight.shape}, needs ({k},) like pair_edge")
    start, end = int(start), int(end)
    if start == end:
        return np.zeros(0, dtype=np.int64)
    dist = np.empty(n)
    via, prev, heap, where = (np.empty(n, dtype=np.int64) for _ in range(4))
    if not _dijkstra(indptr, neighbor, pair, np.asarray(weight, dtype=np.float64), start, end,
                     dist, via, prev, heap, where):
        return np.zeros(0, dtype=np.int64)
    return _walk_back(pair_edge, via, prev, start, end)
