"""The fill-reducing order of the solver's unknowns, and the sparsity pattern built in it.

The unknowns are numbered by METIS's multilevel nested dissection (``METIS_NodeND`` of the
library ``pymetis`` ships, called through :mod:`ctypes` so that the GIL is released and the
studio stays responsive while it runs) of the graph of the reduced Laplacian, then by a
postorder of the elimination tree of the matrix in that order, which the multifrontal factorization
(:mod:`nwn.engine.supernodal`) needs and which leaves the fill unchanged. The order is
computed directly from the graph, with no factorization: at 100,000 wires it takes about a
third of what SuperLU's minimum degree took (which ran a whole LU factorization only to
yield its column order) and gives a factor with 13 % fewer entries and 35 % fewer
multiply-adds (``benchmarks/bench_setup.py``, ``benchmarks/README.md``).

For a single factorization (:func:`~nwn.engine.solver.solve_dc`) the order's own cost
decides: there the unknowns are numbered by METIS's multiple minimum degree
(:func:`minimum_degree_order`, the routine METIS orders its smallest subgraphs with), a
fifth to a quarter of nested dissection's time for a factor of about the same size.

From :data:`METIS_QUICK_MIN_NODES` unknowns on, METIS refines each level's separator once
instead of ten times (:data:`METIS_QUICK_OPTIONS`): 0.80-0.86x its time from 100,000 to a
million wires, for a factor as large on average (0.7 % more entries).

METIS seeds its own random generator with a fixed value and runs sequentially, so the order,
and with it every result of the solver, is the same from run to run and whatever the number
of threads.

The patterns are built by numba kernels in O(nnz log degree): counted, filled, each row
sorted and de-duplicated in place (``numpy.unique`` on 10^6-10^7 keys took seconds); the
solver's own pattern comes with each edge's entry positions from the same pass.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Mapping

import numba
import numpy as np

from nwn.engine import supernodal

__all__ = ["METIS_QUICK_MIN_NODES", "METIS_QUICK_OPTIONS", "MINIMUM_DEGREE",
           "NESTED_DISSECTION", "ORDERINGS", "entry_positions", "fill_reducing_order",
           "metis_options", "minimum_degree_order", "pattern_and_positions",
           "symmetric_pattern"]

#: The fill-reducing orders a solver can be built with: METIS's nested dissection (the
#: default: the smaller factor, for a solver that factorizes many times) and METIS's multiple
#: minimum degree (a fifth to a quarter of the time to compute, for a single solve).
NESTED_DISSECTION = "nested-dissection"
MINIMUM_DEGREE = "minimum-degree"
ORDERINGS = (NESTED_DISSECTION, MINIMUM_DEGREE)

#: METIS's random seed (it perturbs matchings during coarsening): fixed so that the order is
#: reproducible; any fixed value would do.
METIS_SEED = 12345

#: Graphs of at least this many vertices are ordered with :data:`METIS_QUICK_OPTIONS`,
#: smaller ones with METIS's defaults, so that every network whose results the tests pin or
#: compare (up to 20,000 nodes; every pinned digest) keeps its order. METIS is 60-80 % of
#: ``CircuitSolver``'s build from 2,000 wires up, but below 50,000 the options save under
#: 0.04 s for a fill that is clearly larger (``benchmarks/bench_order_options.py``, 3 JDA
#: networks per size: multiply-adds 1.04-1.12x and triangular-solve work 1.02-1.04x at 10,000
#: wires, 0.96-1.05x and 0.99-1.02x at 30,000, for 0.76-0.81x METIS's time).
METIS_QUICK_MIN_NODES = 50_000

#: The METIS options (``pymetis.OptionKey`` names, over the defaults and the seed) of graphs
#: of :data:`METIS_QUICK_MIN_NODES` vertices or more: one refinement pass per level instead
#: of ten (NITER), no 2-hop matching where coarsening stalls (NO2HOP), no search for vertices
#: of identical adjacency, which wire networks do not have (COMPRESS). Measured with
#: ``benchmarks/bench_order_options.py`` (2026-12-02, load 4-9, 2 repeats each) on 9 networks
#: of 100,000 / 300,000 / 1,000,000 wires (JDA networks of 5 seeds, the whole_device film):
#: METIS in 0.80-0.86x the defaults' time (1.5-1.9 s less at a million wires), for nnz(L)
#: 0.992-1.037x (mean 1.007), multiply-adds 0.950-1.101x (mean 1.001) and supernodal panel
#: entries, what each triangular solve reads, 0.992-1.033x (mean 1.006) of the defaults'
#: order: the fill moves by as much either way from one network to the next.
METIS_QUICK_OPTIONS = {"NITER": 1, "NO2HOP": 1, "COMPRESS": 0}


#: METIS's return codes (metis.h): METIS_OK and the errors it names.
_METIS_OK = 1
_METIS_ERRORS = {-2: "METIS_ERROR_INPUT", -3: "METIS_ERROR_MEMORY", -4: "METIS_ERROR"}
#: Length of METIS's options array (METIS_NOPTIONS in metis.h).
_METIS_NOPTIONS = 40


@functools.cache
def _metis_entry_points():
    """METIS_SetDefaultOptions, METIS_NodeND, idx_t and the seed's option index, or None.

    pymetis's own ``nested_dissection`` holds the GIL for the whole METIS call (about 10 s
    at a million wires), which freezes the studio's event loop while a run starts; a
    foreign call through :mod:`ctypes` releases the GIL. The library is the one pymetis
    was built with, so the algorithm, the integer width and the order are the same.
    """
    import pymetis  # here, not at the top: its import (~65 ms) is paid by a run, not by start-up
    from pymetis import _internal

    width = np.dtype(pymetis.zero_copy_dtype())
    idx_t = {4: ctypes.c_int32, 8: ctypes.c_int64}[width.itemsize]
    try:
        lib = ctypes.CDLL(_internal.__file__)
        set_defaults = lib.METIS_SetDefaultOptions
        node_nd = lib.METIS_NodeND
    except (OSError, AttributeError):
        # a pymetis built without exporting METIS's symbols (a static link with hidden
        # visibility, another platform's loader): its own binding still orders the graph,
        # the same order, only holding the GIL
        return None
    pointer = ctypes.POINTER(idx_t)
    set_defaults.argtypes = [pointer]
    set_defaults.restype = ctypes.c_int
    node_nd.argtypes = [pointer, pointer, pointer, pointer, pointer, pointer, pointer]
    node_nd.restype = ctypes.c_int
    return set_defaults, node_nd, width, int(pymetis.OptionKey.SEED)


def metis_options(n: int) -> dict[str, int]:
    """METIS's options, over its defaults and the seed, for a graph of ``n`` vertices.

    :data:`METIS_QUICK_OPTIONS` from :data:`METIS_QUICK_MIN_NODES` vertices on, none below.
    """
    return dict(METIS_QUICK_OPTIONS) if n >= METIS_QUICK_MIN_NODES else {}


def _nested_dissection(indptr: np.ndarray, indices: np.ndarray,
                       options: Mapping[str, int] | None = None) -> np.ndarray:
    """METIS's nested-dissection permutation of a graph, computed without holding the GIL.

    Parameters
    ----------
    indptr : ndarray, shape (n + 1,), int
    indices : ndarray, int
        The graph's adjacency (CSR, symmetric, no diagonal).
    options : mapping of str to int, optional
        METIS options by ``pymetis.OptionKey`` name, set over the defaults and the seed
        ({}: the defaults); None: :func:`metis_options` of the graph's size.

    Returns
    -------
    ndarray, shape (n,), int64
        ``perm[k]``: the vertex placed at position k (METIS's ``perm``), the same as
        ``pymetis.nested_dissection(..., options=Options(seed=METIS_SEED, **options))[0]``
        (option names in lower case).

    Raises
    ------
    RuntimeError
        METIS returned an error code.
    """
    import pymetis

    entry = _metis_entry_points()
    width = np.dtype(pymetis.zero_copy_dtype())
    # in METIS's own integer width the arrays are handed over as they are (int32 arrays
    # to a 64-bit METIS cost ~40 ms of 0.7 s at 100,000 wires converted one by one)
    xadj = np.ascontiguousarray(indptr, dtype=width)
    adjncy = np.ascontiguousarray(indices, dtype=width)
    if options is None:
        options = metis_options(xadj.size - 1)
    if entry is None:
        order, _ = pymetis.nested_dissection(
            adjacency=pymetis.CSRAdjacency(xadj, adjncy),
            options=pymetis.Options(seed=METIS_SEED,
                                    **{k.lower(): v for k, v in options.items()}))
        return np.asarray(order, dtype=np.int64)
    set_defaults, node_nd, width, seed_key = entry
    n = xadj.size - 1
    # what pymetis's nested_dissection hands METIS: the defaults, then the seed and the
    # options asked for
    values = np.empty(_METIS_NOPTIONS, dtype=width)
    pointer = node_nd.argtypes[0]
    set_defaults(values.ctypes.data_as(pointer))
    values[seed_key] = METIS_SEED
    for key, value in options.items():
        values[int(getattr(pymetis.OptionKey, key))] = value
    nvtxs = pointer._type_(n)
    perm = np.empty(n, dtype=width)
    iperm = np.empty(n, dtype=width)
    status = node_nd(ctypes.byref(nvtxs), xadj.ctypes.data_as(pointer),
                     adjncy.ctypes.data_as(pointer), None, values.ctypes.data_as(pointer),
                     perm.ctypes.data_as(pointer), iperm.ctypes.data_as(pointer))
    if status != _METIS_OK:
        raise RuntimeError(f"METIS_NodeND failed on a graph of {n} vertices: "
                           f"{_METIS_ERRORS.get(status, f'unknown status {status}')}")
    return perm.astype(np.int64)


@functools.cache
def _mmd_entry_point():
    """METIS's ``genmmd`` (multiple minimum degree) and idx_t, or None.

    ``genmmd`` is the ordering METIS itself applies to the small subgraphs at the bottom of
    its nested dissection (``MMDOrder``); the library exports it as ``libmetis__genmmd``,
    with no promise in ``metis.h``, so its absence is not an error (see
    :func:`minimum_degree_order`).
    """
    import pymetis
    from pymetis import _internal

    width = np.dtype(pymetis.zero_copy_dtype())
    idx_t = {4: ctypes.c_int32, 8: ctypes.c_int64}[width.itemsize]
    try:
        genmmd = ctypes.CDLL(_internal.__file__).libmetis__genmmd
    except (OSError, AttributeError):
        return None
    pointer = ctypes.POINTER(idx_t)
    # genmmd(neqns, xadj, adjncy, invp, perm, delta, head, qsize, list, marker, maxint,
    #        ncsub), as METIS's MMDOrder calls it (mmd.c, ometis.c)
    genmmd.argtypes = [idx_t, pointer, pointer, pointer, pointer, idx_t, pointer, pointer,
                       pointer, pointer, idx_t, pointer]
    genmmd.restype = None
    return genmmd, width


def _multiple_minimum_degree(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray | None:
    """METIS's multiple-minimum-degree permutation of a graph, without holding the GIL.

    Parameters
    ----------
    indptr : ndarray, shape (n + 1,), int
    indices : ndarray, int
        The graph's adjacency (CSR, symmetric, no diagonal).

    Returns
    -------
    ndarray, shape (n,), int64, or None
        ``perm[k]``: the vertex placed at position k; None where the library does not
        export ``genmmd``.

    Raises
    ------
    RuntimeError
        If what ``genmmd`` returned is not a permutation (a library whose ``genmmd`` takes
        other arguments than METIS 5's).
    """
    entry = _mmd_entry_point()
    if entry is None:
        return None
    genmmd, width = entry
    n = indptr.size - 1
    pointer = genmmd.argtypes[1]
    # genmmd numbers from 1 (it is SPARSPAK's Fortran routine in C) and overwrites the
    # adjacency with its quotient graph: it is handed shifted copies
    xadj = np.asarray(indptr, dtype=width) + 1
    adjncy = np.asarray(indices, dtype=width) + 1
    # invp (the position of each vertex, from 1), perm, and genmmd's four work arrays, each
    # of n + 5 entries as MMDOrder allocates them
    work = np.zeros((6, n + 5), dtype=width)
    subscripts = pointer._type_(0)
    genmmd(n, xadj.ctypes.data_as(pointer), adjncy.ctypes.data_as(pointer),
           *(row.ctypes.data_as(pointer) for row in work[:2]), 1,
           *(row.ctypes.data_as(pointer) for row in work[2:]), np.iinfo(width).max,
           ctypes.byref(subscripts))
    position = work[0, :n].astype(np.int64) - 1
    perm = np.full(n, -1, dtype=np.int64)
    if n and (position.min() < 0 or position.max() >= n):
        raise RuntimeError(f"METIS genmmd gave no permutation of a graph of {n} vertices")
    perm[position] = np.arange(n, dtype=np.int64)
    if n and perm.min() < 0:
        raise RuntimeError(f"METIS genmmd gave no permutation of a graph of {n} vertices")
    return perm


#: Rows up to this long are sorted by insertion (a row holds a node's few neighbours, and
#: numba's general sort cost most of the kernel); longer ones (an electrode's node) by heap
#: sort (:func:`_heap_sort`).
_SHORT_ROW = 32


@numba.njit(cache=True)
def _sift_down(keys, lo, root, end):
    """Restore the max-heap ``keys[lo:lo + end]`` below position ``root`` (from 0)."""
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and keys[lo + child + 1] > keys[lo + child]:
            child += 1
        if keys[lo + root] >= keys[lo + child]:
            return
        keys[lo + root], keys[lo + child] = keys[lo + child], keys[lo + root]
        root = child


@numba.njit(cache=True)
def _heap_sort(keys, lo, hi):
    """Sort ``keys[lo:hi]`` in place, ascending, in O(n log n).

    Rather than ``ndarray.sort``: numba's quicksort is two fifths of the machine code of
    each kernel that sorts, loaded from the cache at every start. Integers sorted ascending
    are the same whatever the algorithm.
    """
    n = hi - lo
    for root in range(n // 2 - 1, -1, -1):
        _sift_down(keys, lo, root, n)
    for end in range(n - 1, 0, -1):
        keys[lo], keys[lo + end] = keys[lo + end], keys[lo]
        _sift_down(keys, lo, 0, end)


@numba.njit(cache=True)
def _sort_row(keys, lo, hi):
    """Sort ``keys[lo:hi]`` in place, ascending."""
    if hi - lo > _SHORT_ROW:
        _heap_sort(keys, lo, hi)
        return
    for p in range(lo + 1, hi):
        v = keys[p]
        q = p - 1
        while q >= lo and keys[q] > v:
            keys[q + 1] = keys[q]
            q -= 1
        keys[q + 1] = v


@numba.njit(cache=True)
def _row_counts(ra, rb, n, diagonal):
    """Row pointers of the uncompacted pattern: two slots per edge kept, one per diagonal."""
    count = np.zeros(n + 1, dtype=np.int64)
    for e in range(ra.shape[0]):
        a = ra[e]
        b = rb[e]
        if a >= 0 and b >= 0 and a != b:
            count[a + 1] += 1
            count[b + 1] += 1
    if diagonal:
        for i in range(n):
            count[i + 1] += 1
    for i in range(n):
        count[i + 1] += count[i]
    return count


@numba.njit(cache=True)
def _symmetric_pattern(ra, rb, n, diagonal):
    count = _row_counts(ra, rb, n, diagonal)
    cols = np.empty(count[n], dtype=np.int32)
    fill = count[:n].copy()
    if diagonal:
        for i in range(n):
            cols[fill[i]] = i
            fill[i] += 1
    for e in range(ra.shape[0]):
        a = ra[e]
        b = rb[e]
        if a >= 0 and b >= 0 and a != b:
            cols[fill[a]] = b
            fill[a] += 1
            cols[fill[b]] = a
            fill[b] += 1
    # sort each row and drop repeated entries (parallel edges), compacting in place: the
    # write position never passes the read position
    indptr = np.zeros(n + 1, dtype=np.int32)
    w = 0
    for i in range(n):
        _sort_row(cols, count[i], count[i + 1])
        previous = -1
        for p in range(count[i], count[i + 1]):
            c = cols[p]
            if c != previous:
                cols[w] = c
                w += 1
                previous = c
        indptr[i + 1] = w
    return indptr, cols[:w].copy()


@numba.njit(cache=True)
def _pattern_and_positions(ra, rb, n):
    count = _row_counts(ra, rb, n, True)
    n_edges = ra.shape[0]
    # each slot's key: column * span + what put it there (2e: edge e's entry (a, b), 2e + 1:
    # its entry (b, a), 2 n_edges: the diagonal), so that sorting the keys sorts the columns
    # and keeps track of every entry's origin
    span = 2 * n_edges + 1
    keys = np.empty(count[n], dtype=np.int64)
    fill = count[:n].copy()
    for i in range(n):
        keys[fill[i]] = i * span + 2 * n_edges
        fill[i] += 1
    for e in range(n_edges):
        a = ra[e]
        b = rb[e]
        if a >= 0 and b >= 0 and a != b:
            keys[fill[a]] = b * span + 2 * e
            fill[a] += 1
            keys[fill[b]] = a * span + 2 * e + 1
            fill[b] += 1
    indptr = np.zeros(n + 1, dtype=np.int32)
    indices = np.empty(count[n], dtype=np.int32)
    pos_ab = np.full(n_edges, -1, dtype=np.int64)
    pos_ba = np.full(n_edges, -1, dtype=np.int64)
    diag_pos = np.empty(n, dtype=np.int64)
    w = 0
    for i in range(n):
        _sort_row(keys, count[i], count[i + 1])
        previous = -1
        for p in range(count[i], count[i + 1]):
            c = keys[p] // span
            origin = keys[p] - c * span
            if c != previous:
                indices[w] = c
                w += 1
                previous = c
            if origin == 2 * n_edges:
                diag_pos[i] = w - 1
            elif origin % 2 == 0:
                pos_ab[origin // 2] = w - 1
            else:
                pos_ba[origin // 2] = w - 1
        indptr[i + 1] = w
    return indptr, indices[:w].copy(), pos_ab, pos_ba, diag_pos


def pattern_and_positions(ra: np.ndarray, rb: np.ndarray, n: int
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                     np.ndarray]:
    """:func:`symmetric_pattern` with the diagonal, and where each edge's entries are in it.

    The same as :func:`symmetric_pattern` followed by :func:`entry_positions` for the
    entries (a, b), (b, a) and the diagonal, in one pass while the rows are in cache.

    Parameters
    ----------
    ra, rb : ndarray, shape (E,), int
        Row of each edge's ends; edges with an end < 0 or with ra == rb have no entry.
    n : int
        Rows.

    Returns
    -------
    indptr : ndarray, shape (n + 1,), int32
    indices : ndarray, int32
        Columns of each row, ascending, each once, the diagonal included.
    pos_ab, pos_ba : ndarray, shape (E,), int64
        Position in ``indices`` of entry (ra[e], rb[e]) and of (rb[e], ra[e]); -1 for
        edges without entries.
    diag_pos : ndarray, shape (n,), int64
        Position of each diagonal entry.
    """
    return _pattern_and_positions(np.ascontiguousarray(ra, dtype=np.int64),
                                  np.ascontiguousarray(rb, dtype=np.int64), int(n))


def symmetric_pattern(ra: np.ndarray, rb: np.ndarray, n: int, *, diagonal: bool
                      ) -> tuple[np.ndarray, np.ndarray]:
    """CSR pattern of the symmetric matrix with an entry (a, b) and (b, a) per edge.

    Parameters
    ----------
    ra, rb : ndarray, shape (E,), int
        Row of each edge's ends; edges with an end < 0 or with ra == rb are left out.
    n : int
        Rows.
    diagonal : bool
        Whether to include the diagonal.

    Returns
    -------
    indptr : ndarray, shape (n + 1,), int32
    indices : ndarray, int32
        Columns of each row, ascending, each once.
    """
    return _symmetric_pattern(np.ascontiguousarray(ra, dtype=np.int64),
                              np.ascontiguousarray(rb, dtype=np.int64), int(n), bool(diagonal))


@numba.njit(cache=True)
def _entry_positions(indptr, indices, rows, cols):
    out = np.full(rows.shape[0], -1, dtype=np.int64)
    for e in range(rows.shape[0]):
        r = rows[e]
        c = cols[e]
        if r < 0 or c < 0:
            continue
        lo = indptr[r]
        hi = indptr[r + 1]
        while lo < hi:
            mid = (lo + hi) // 2
            if indices[mid] < c:
                lo = mid + 1
            else:
                hi = mid
        if lo < indptr[r + 1] and indices[lo] == c:
            out[e] = lo
    return out


def entry_positions(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray,
                    cols: np.ndarray) -> np.ndarray:
    """Position in a sorted CSR pattern of each entry (rows[e], cols[e]).

    Returns
    -------
    ndarray, shape (E,), int64
        -1 where a row or column is < 0 or the entry is not in the pattern.
    """
    return _entry_positions(indptr, indices, np.ascontiguousarray(rows, dtype=np.int64),
                            np.ascontiguousarray(cols, dtype=np.int64))


def _free_graph(free_natural: np.ndarray, n_nodes: int, edge_nodes: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """The graph of the reduced Laplacian: CSR adjacency of the free nodes, no diagonal."""
    n_free = int(free_natural.size)
    index = np.full(n_nodes, -1, dtype=np.int64)
    index[free_natural] = np.arange(n_free)
    return symmetric_pattern(index[edge_nodes[:, 0]], index[edge_nodes[:, 1]], n_free,
                             diagonal=False)


def _postordered(free_natural: np.ndarray, n_nodes: int, edge_nodes: np.ndarray,
                 order_graph) -> np.ndarray:
    """``order_graph(indptr, indices)`` of the free nodes' graph (a permutation), then
    postordered; the natural order where there is nothing to order (at most two free
    nodes, or no edge between them: no fill)."""
    n_free = int(free_natural.size)
    if n_free <= 2:
        return np.arange(n_free, dtype=np.int64)
    indptr, indices = _free_graph(free_natural, n_nodes, edge_nodes)
    if indices.size == 0:
        return np.arange(n_free, dtype=np.int64)
    order = order_graph(indptr, indices)
    # the multifrontal factorization needs every elimination subtree contiguous
    return order[supernodal.etree_postorder(indptr, indices, order)]


def fill_reducing_order(free_natural: np.ndarray, n_nodes: int,
                        edge_nodes: np.ndarray) -> np.ndarray:
    """Nested-dissection order of the free nodes (METIS on the graph), then postordered.

    METIS runs with :func:`metis_options` of the number of free nodes: its defaults below
    :data:`METIS_QUICK_MIN_NODES`.

    Parameters
    ----------
    free_natural : ndarray, shape (n,), int
        The free nodes, ascending.
    n_nodes : int
        Nodes of the network.
    edge_nodes : ndarray, shape (E, 2), int

    Returns
    -------
    ndarray, shape (n,), int64
        ``order[k]``: the position in ``free_natural`` of the node numbered k.
    """
    return _postordered(free_natural, n_nodes, edge_nodes, _nested_dissection)


def minimum_degree_order(free_natural: np.ndarray, n_nodes: int,
                         edge_nodes: np.ndarray) -> np.ndarray:
    """Multiple-minimum-degree order of the free nodes (METIS's ``genmmd``), postordered.

    Four to five times cheaper to compute than :func:`fill_reducing_order`'s nested
    dissection (1.4 ms against 6.0 ms at 2,000 wires, 7.6 ms against 40 ms at 10,000),
    for a factor with 0.87-1.07x as many entries and 0.78-1.26x the multiply-adds on the
    JDA networks of 150 to 30,000 wires (``benchmarks/bench_setup.py --orders metis mmd``):
    the better order for a single factorization (:func:`nwn.engine.solver.solve_dc`), the
    worse one for a solver that factorizes many times, where nested dissection's smaller
    factor is paid for once. Where the library does not export ``genmmd``, the nested
    dissection.

    Parameters and return value as :func:`fill_reducing_order`.
    """
    def order_graph(indptr, indices):
        order = _multiple_minimum_degree(indptr, indices)
        return _nested_dissection(indptr, indices) if order is None else order

    return _postordered(free_natural, n_nodes, edge_nodes, order_graph)
