"""Exact wire-wire junctions.

Two wires form a junction when their closed segments share at least one point:

* crossing wires meet at their intersection point;
* touching counts: a wire end lying on another wire (T-junction) or two wires sharing an end
  form a junction at that point;
* collinear wires that overlap along a stretch form **one** junction, placed at the midpoint of
  the overlap (collinear wires that only share an end meet at that end).

The decision is exact. Candidate pairs (bounding boxes overlapping) come from shapely 2's
``STRtree`` bulk query (``method="strtree"``) or from a uniform grid of cells
(``method="grid"``, numba, the default and the fastest); both decide each candidate with the
same numba function, by four orientation tests with Shewchuk's floating-point error bound,
always with the lower wire index as the first wire, so the two methods agree bit for bit.
A pair whose signs the bound cannot certify (touching or collinear wires, points within
rounding of a wire) or whose wires are nearly parallel (sine of the angle below 1e-6, where
the float intersection point loses digits) is decided again in exact rational arithmetic
(``fractions.Fraction``). Such pairs are rare among dropped wires (only the nearly parallel
ones), so the Python loop over them costs nothing measurable.

Positions along wires are fractions in [0, 1] from each wire's first end (``endpoints[:, 0]``);
``Junctions.distance`` gives the same in metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numba
import numpy as np

from .checks import InputError, check_choice

__all__ = ["Junctions", "find_junctions", "junctions_from_candidates"]

_EPS = 2.0**-53
# Shewchuk (1997), orient2d fast filter: |det| above this times (|left| + |right|) fixes its sign
_CCW_ERRBOUND = (3.0 + 16.0 * _EPS) * _EPS
# below this sine of the crossing angle the float intersection point is recomputed exactly
_PARALLEL_SINE = 1e-6

# candidates are decided in blocks to bound the temporary arrays
_BLOCK = 1 << 21


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Junctions:
    """Wire-wire junctions of a wire set.

    Attributes
    ----------
    pairs : ndarray of int64, shape (M, 2)
        Wire indices ``(i, j)`` of each junction, ``i < j``, rows sorted lexicographically.
    points : ndarray of float64, shape (M, 2)
        Junction coordinates (m).
    position : ndarray of float64, shape (M, 2)
        Where the junction sits along wire ``i`` (column 0) and wire ``j`` (column 1), as a
        fraction in [0, 1] of the wire from its first end ``endpoints[:, 0]``.
    distance : ndarray of float64, shape (M, 2)
        The same in metres from each wire's first end.
    n_wires : int
        Number of wires of the set the junctions were found in.
    """

    pairs: np.ndarray
    points: np.ndarray
    position: np.ndarray
    distance: np.ndarray
    n_wires: int

    def __len__(self) -> int:
        return int(self.pairs.shape[0])

    def degree(self) -> np.ndarray:
        """Number of junctions on each wire, int64 shape (n_wires,)."""
        return np.bincount(self.pairs.ravel(), minlength=self.n_wires).astype(np.int64)

    def equals(self, other: Junctions) -> bool:
        """True if both hold bit-identical pairs, points and positions."""
        return (
            isinstance(other, Junctions)
            and self.n_wires == other.n_wires
            and np.array_equal(self.pairs, other.pairs)
            and np.array_equal(self.points, other.points)
            and np.array_equal(self.position, other.position)
        )


@numba.njit(cache=True, inline="always")
def _orient(ax, ay, bx, by, cx, cy):
    """Sign of the turn a -> b -> c: 1 left, -1 right, 0 collinear, 2 not certain."""
    left = (ax - cx) * (by - cy)
    right = (ay - cy) * (bx - cx)
    det = left - right
    bound = _CCW_ERRBOUND * (abs(left) + abs(right))
    if det > bound:
        return 1
    if -det > bound:
        return -1
    # both products exactly zero only when a factor is exactly zero: then det is exactly 0
    if (ax == cx or by == cy) and (ay == cy or bx == cx):
        return 0
    return 2


@numba.njit(cache=True, inline="always")
def _decide(ax, ay, bx, by, cx, cy, dx, dy):
    """Decide whether segments ab and cd meet.

    Returns (code, t, u, x, y): code 0 no junction, 1 junction at fraction t of ab and u of cd,
    point (x, y); 2 the float filter cannot settle it (decide exactly instead).
    """
    if (max(ax, bx) < min(cx, dx) or max(cx, dx) < min(ax, bx)
            or max(ay, by) < min(cy, dy) or max(cy, dy) < min(ay, by)):
        return 0, 0.0, 0.0, 0.0, 0.0
    o1 = _orient(ax, ay, bx, by, cx, cy)
    o2 = _orient(ax, ay, bx, by, dx, dy)
    if o1 != 2 and o2 != 2 and o1 * o2 > 0:
        return 0, 0.0, 0.0, 0.0, 0.0
    o3 = _orient(cx, cy, dx, dy, ax, ay)
    o4 = _orient(cx, cy, dx, dy, bx, by)
    if o3 != 2 and o4 != 2 and o3 * o4 > 0:
        return 0, 0.0, 0.0, 0.0, 0.0
    if o1 == 2 or o2 == 2 or o3 == 2 or o4 == 2:
        return 2, 0.0, 0.0, 0.0, 0.0
    rx = bx - ax
    ry = by - ay
    sx = dx - cx
    sy = dy - cy
    if o1 == 0 and o2 == 0:
        # collinear with overlapping boxes: junction at the middle of the overlap
        if ax != bx:
            pa, pb, pc, pd = ax, bx, cx, dx
        else:
            pa, pb, pc, pd = ay, by, cy, dy
        low = max(min(pa, pb), min(pc, pd))
        high = min(max(pa, pb), max(pc, pd))
        middle = 0.5 * (low + high)
        t = (middle - pa) / (pb - pa)
        u = (middle - pc) / (pd - pc)
    else:
        denom = rx * sy - ry * sx
        if abs(denom) <= _PARALLEL_SINE * np.hypot(rx, ry) * np.hypot(sx, sy):
            return 2, 0.0, 0.0, 0.0, 0.0
        t = ((cx - ax) * sy - (cy - ay) * sx) / denom
        u = ((cx - ax) * ry - (cy - ay) * rx) / denom
    t = min(max(t, 0.0), 1.0)
    u = min(max(u, 0.0), 1.0)
    return 1, t, u, ax + t * rx, ay + t * ry


@numba.njit(cache=True, nogil=True)
def _classify_pairs(ends, first, second, out_pairs, out_position, out_points, out_unsure):
    """Decide candidate pairs (first[k], second[k]), ``first[k] < second[k]``.

    Junctions are written compactly, in candidate order, to ``out_pairs``, ``out_position``
    and ``out_points``; pairs the float filter cannot settle go to ``out_unsure`` as rows
    (i, j). Returns the two counts.
    """
    n_hit = 0
    n_unsure = 0
    for k in range(first.shape[0]):
        i = first[k]
        j = second[k]
        code, t, u, x, y = _decide(ends[i, 0, 0], ends[i, 0, 1], ends[i, 1, 0], ends[i, 1, 1],
                                   ends[j, 0, 0], ends[j, 0, 1], ends[j, 1, 0], ends[j, 1, 1])
        if code == 1:
            out_pairs[n_hit, 0] = i
            out_pairs[n_hit, 1] = j
            out_position[n_hit, 0] = t
            out_position[n_hit, 1] = u
            out_points[n_hit, 0] = x
            out_points[n_hit, 1] = y
            n_hit += 1
        elif code == 2:
            out_unsure[n_unsure, 0] = i
            out_unsure[n_unsure, 1] = j
            n_unsure += 1
    return n_hit, n_unsure


def _exact_orient(a, b, c) -> int:
    det = (a[0] - c[0]) * (b[1] - c[1]) - (a[1] - c[1]) * (b[0] - c[0])
    return (det > 0) - (det < 0)


def _exact_pair(ends: np.ndarray, i: int, j: int):
    """Decide pair (i, j) in rational arithmetic; return (t, u, x, y) or None."""
    a, b = (tuple(Fraction(float(v)) for v in ends[i, e]) for e in (0, 1))
    c, d = (tuple(Fraction(float(v)) for v in ends[j, e]) for e in (0, 1))
    o1, o2 = _exact_orient(a, b, c), _exact_orient(a, b, d)
    o3, o4 = _exact_orient(c, d, a), _exact_orient(c, d, b)
    if o1 * o2 > 0 or o3 * o4 > 0:
        return None
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    if o1 == 0 and o2 == 0:
        axis = 0 if a[0] != b[0] else 1
        low = max(min(a[axis], b[axis]), min(c[axis], d[axis]))
        high = min(max(a[axis], b[axis]), max(c[axis], d[axis]))
        if low > high:
            return None
        middle = (low + high) / 2
        t = (middle - a[axis]) / r[axis]
        u = (middle - c[axis]) / s[axis]
    else:
        denom = r[0] * s[1] - r[1] * s[0]
        t = ((c[0] - a[0]) * s[1] - (c[1] - a[1]) * s[0]) / denom
        u = ((c[0] - a[0]) * r[1] - (c[1] - a[1]) * r[0]) / denom
    return float(t), float(u), float(a[0] + t * r[0]), float(a[1] + t * r[1])


def _settle(ends, pairs, position, points, unsure, n_wires, lengths) -> Junctions:
    """Decide ``unsure`` pairs exactly, merge them in, sort, and wrap as Junctions."""
    exact = [(int(i), int(j), _exact_pair(ends, int(i), int(j))) for i, j in unsure]
    exact = [(i, j, found) for i, j, found in exact if found is not None]
    if exact:
        pairs = np.concatenate([pairs, np.array([e[:2] for e in exact], dtype=np.int64)])
        position = np.concatenate([position, np.array([e[2][:2] for e in exact])])
        points = np.concatenate([points, np.array([e[2][2:] for e in exact])])
    key = pairs[:, 0] * n_wires + pairs[:, 1]
    if key.size > 1 and not np.all(key[1:] > key[:-1]):
        head = key.size - len(exact)
        if exact and np.all(key[1:head] > key[:head - 1]):
            # a sorted head and a few exact extras: slot them in instead of a full sort
            extra = np.argsort(key[head:])
            slots = np.searchsorted(key[:head], key[head:][extra])
            rows = np.insert(np.arange(head), slots, head + extra)
        else:
            rows = np.argsort(key)
        pairs, position, points = pairs[rows], position[rows], points[rows]
    distance = position * np.asarray(lengths, dtype=np.float64)[pairs]
    return Junctions(
        pairs=_readonly(np.ascontiguousarray(pairs, dtype=np.int64)),
        points=_readonly(np.ascontiguousarray(points, dtype=np.float64)),
        position=_readonly(np.ascontiguousarray(position, dtype=np.float64)),
        distance=_readonly(distance),
        n_wires=int(n_wires),
    )


def junctions_from_candidates(
    endpoints: np.ndarray, lengths: np.ndarray, first: np.ndarray, second: np.ndarray
) -> Junctions:
    """Decide candidate pairs exactly and return the junctions among them.

    Parameters
    ----------
    endpoints : ndarray of float64, shape (N, 2, 2)
        Wire ends (m).
    lengths : ndarray of float64, shape (N,)
        Wire lengths (m).
    first, second : ndarray of int64, shape (K,)
        Candidate pairs, each at most once, either orientation. Any superset of the pairs
        whose bounding boxes overlap gives the same result.

    Returns
    -------
    Junctions
        Bit-identical whatever the candidates' order or orientation.
    """
    ends = np.ascontiguousarray(endpoints, dtype=np.float64)
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    swap = first > second
    first, second = np.where(swap, second, first), np.where(swap, first, second)
    parts = []
    for start in range(0, first.shape[0], _BLOCK):
        f = first[start:start + _BLOCK]
        s = second[start:start + _BLOCK]
        pairs = np.empty((f.shape[0], 2), dtype=np.int64)
        position = np.empty((f.shape[0], 2))
        points = np.empty((f.shape[0], 2))
        unsure = np.empty((f.shape[0], 2), dtype=np.int64)
        n_hit, n_unsure = _classify_pairs(ends, f, s, pairs, position, points, unsure)
        parts.append((pairs[:n_hit], position[:n_hit], points[:n_hit], unsure[:n_unsure]))
    if not parts:
        parts = [(np.empty((0, 2), np.int64), np.empty((0, 2)), np.empty((0, 2)),
                  np.empty((0, 2), np.int64))]
    return _settle(ends, *(np.concatenate(column) for column in zip(*parts, strict=True)),
                   ends.shape[0], lengths)


def strtree_candidates(
    geometries: np.ndarray, *, chunk: int = 1 << 18
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of geometries whose bounding boxes overlap, by shapely's STRtree.

    Parameters
    ----------
    geometries : ndarray of shapely geometries, shape (N,)
    chunk : int, optional
        Query this many geometries at a time (bounds the temporary pair arrays).

    Returns
    -------
    first, second : ndarray of int64, shape (K,)
        Sorted by ``first``.
    """
    from shapely import STRtree

    tree = STRtree(geometries)
    firsts, seconds = [], []
    for start in range(0, len(geometries), chunk):
        found = tree.query(geometries[start:start + chunk])
        query = found[0] + start
        keep = query < found[1]
        firsts.append(query[keep])
        seconds.append(found[1][keep])
    if not firsts:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(firsts).astype(np.int64), np.concatenate(seconds).astype(np.int64)


@numba.njit(cache=True, nogil=True)
def _grid_order(first_cell, n_cells, order):
    """Counting sort of the wires by the cell of their bounding box's lower-left corner."""
    counts = np.zeros(n_cells + 1, dtype=np.int64)
    for w in range(first_cell.shape[0]):
        counts[first_cell[w] + 1] += 1
    for c in range(n_cells):
        counts[c + 1] += counts[c]
    for w in range(first_cell.shape[0]):
        order[counts[first_cell[w]]] = w
        counts[first_cell[w]] += 1


@numba.njit(cache=True, nogil=True)
def _grid_bin(order, cell_x0, cell_x1, cell_y0, cell_y1, ends, nx, ny, cell_start, item_wire,
              item_ends, item_origin):
    """Fill the cell -> wire lists (CSR), visiting wires in spatial ``order``.

    Each item also carries its wire's ends and the cell of its box's lower-left corner, so
    scanning a cell reads contiguous memory.
    """
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    for w in range(cell_x0.shape[0]):
        for cy in range(cell_y0[w], cell_y1[w] + 1):
            for cx in range(cell_x0[w], cell_x1[w] + 1):
                counts[cy * nx + cx + 1] += 1
    for c in range(nx * ny):
        counts[c + 1] += counts[c]
    for c in range(nx * ny + 1):  # a loop: slice assignment's shape check is code to load
        cell_start[c] = counts[c]
    cursor = counts[:-1].copy()
    for k in range(order.shape[0]):
        w = order[k]
        for cy in range(cell_y0[w], cell_y1[w] + 1):
            for cx in range(cell_x0[w], cell_x1[w] + 1):
                cell = cy * nx + cx
                p = cursor[cell]
                item_wire[p] = w
                item_ends[p, 0] = ends[w, 0, 0]
                item_ends[p, 1] = ends[w, 0, 1]
                item_ends[p, 2] = ends[w, 1, 0]
                item_ends[p, 3] = ends[w, 1, 1]
                item_origin[p, 0] = cell_x0[w]
                item_origin[p, 1] = cell_y0[w]
                cursor[cell] += 1


@numba.njit(cache=True, nogil=True)
def _grid_junctions(ends, order, cell_x0, cell_x1, cell_y0, cell_y1, x0, y0, inv_h, nx, ny,
                    cell_start, item_wire, item_ends, item_origin, start, counts, row_start,
                    row_count, out_pairs, out_position, out_points, out_unsure):
    """Find the junctions of wires ``order[start:]`` with higher-numbered wires.

    Wires are visited in spatial order, so neighbouring cells stay in cache. For wire i, every
    j > i sharing a cell is a candidate; a pair is taken only from the cell holding the
    lower-left corner of the overlap of the two bounding boxes (the cell index is monotone in
    the coordinate, so that is the larger of the two boxes' corner cells, in integers), so it is
    seen once. Wire i's
    junctions are written as one block of rows, sorted by j: rows ``row_start[i] ..
    row_start[i] + row_count[i]``. ``counts`` holds (rows written, unsure pairs written) and is
    updated. Returns the position in ``order`` reached: less than the number of wires when an
    output array would overflow.
    """
    n = order.shape[0]
    cap_hit = out_pairs.shape[0]
    cap_unsure = out_unsure.shape[0]
    partner = np.empty(64, dtype=np.int64)
    record = np.empty(64, dtype=np.int64)
    for k in range(start, n):
        i = order[k]
        ax = ends[i, 0, 0]
        ay = ends[i, 0, 1]
        bx = ends[i, 1, 0]
        by = ends[i, 1, 1]
        lo_x = min(ax, bx)
        hi_x = max(ax, bx)
        lo_y = min(ay, by)
        hi_y = max(ay, by)
        origin_x = cell_x0[i]
        origin_y = cell_y0[i]
        count = 0
        for cy in range(cell_y0[i], cell_y1[i] + 1):
            for cx in range(cell_x0[i], cell_x1[i] + 1):
                cell = cy * nx + cx
                for p in range(cell_start[cell], cell_start[cell + 1]):
                    if (max(origin_x, item_origin[p, 0]) != cx
                            or max(origin_y, item_origin[p, 1]) != cy or item_wire[p] <= i):
                        continue
                    if (hi_x < min(item_ends[p, 0], item_ends[p, 2])
                            or max(item_ends[p, 0], item_ends[p, 2]) < lo_x
                            or hi_y < min(item_ends[p, 1], item_ends[p, 3])
                            or max(item_ends[p, 1], item_ends[p, 3]) < lo_y):
                        continue
                    if count == partner.shape[0]:
                        partner = _doubled_list(partner)
                        record = _doubled_list(record)
                    partner[count] = item_wire[p]
                    record[count] = p
                    count += 1
        if counts[0] + count > cap_hit or counts[1] + count > cap_unsure:
            return k
        # insertion sort by partner index: a wire has a handful of partners
        for a in range(1, count):
            wire = partner[a]
            rec = record[a]
            b = a - 1
            while b >= 0 and partner[b] > wire:
                partner[b + 1] = partner[b]
                record[b + 1] = record[b]
                b -= 1
            partner[b + 1] = wire
            record[b + 1] = rec
        row_start[i] = counts[0]
        for a in range(count):
            p = record[a]
            code, t, u, x, y = _decide(ax, ay, bx, by, item_ends[p, 0], item_ends[p, 1],
                                       item_ends[p, 2], item_ends[p, 3])
            if code == 1:
                row = counts[0]
                out_pairs[row, 0] = i
                out_pairs[row, 1] = partner[a]
                out_position[row, 0] = t
                out_position[row, 1] = u
                out_points[row, 0] = x
                out_points[row, 1] = y
                counts[0] = row + 1
            elif code == 2:
                row = counts[1]
                out_unsure[row, 0] = i
                out_unsure[row, 1] = partner[a]
                counts[1] = row + 1
        row_count[i] = counts[0] - row_start[i]
    return n


@numba.njit(cache=True, nogil=True)
def _gather_blocks(row_start, row_count, pairs, position, points, out_pairs, out_position,
                   out_points):
    """Copy each wire's block of rows, wire by wire, into lexicographic order."""
    row = 0
    for i in range(row_start.shape[0]):
        source = row_start[i]
        for r in range(row_count[i]):
            out_pairs[row, 0] = pairs[source + r, 0]
            out_pairs[row, 1] = pairs[source + r, 1]
            out_position[row, 0] = position[source + r, 0]
            out_position[row, 1] = position[source + r, 1]
            out_points[row, 0] = points[source + r, 0]
            out_points[row, 1] = points[source + r, 1]
            row += 1


# Arrays grow by these two loops rather than by np.concatenate, whose shape checks bring
# numba's string formatting into the kernel: a third of its code, loaded at every start.

@numba.njit(cache=True, nogil=True)
def _doubled(rows, n_written):
    """``rows`` (shape (K, 2)) in an array twice as long, its first ``n_written`` kept."""
    out = np.empty((2 * rows.shape[0], 2), dtype=rows.dtype)
    for r in range(n_written):
        out[r, 0] = rows[r, 0]
        out[r, 1] = rows[r, 1]
    return out


@numba.njit(cache=True, nogil=True)
def _doubled_list(values):
    """``values`` (shape (K,)) in an array twice as long."""
    out = np.empty(2 * values.shape[0], dtype=values.dtype)
    for k in range(values.shape[0]):
        out[k] = values[k]
    return out


@numba.njit(cache=True, nogil=True)
def _grid_search(ends, cell_x0, cell_x1, cell_y0, cell_y1, x0, y0, inv_h, nx, ny):
    """The grid method's kernels in one call: order, bin, find, gather.

    One kernel rather than four: loading each from numba's cache costs a few milliseconds
    at every start, and this is where the CLI and the studio spend them.

    Returns
    -------
    pairs, position, points : the junctions, rows in lexicographic order of the pairs
    unsure : ndarray of int64, shape (U, 2)
        Pairs the float filter cannot settle (to decide exactly).
    """
    n = ends.shape[0]
    order = np.empty(n, dtype=np.int64)
    _grid_order(cell_y0 * nx + cell_x0, nx * ny, order)
    n_items = 0
    for w in range(n):
        n_items += (cell_x1[w] - cell_x0[w] + 1) * (cell_y1[w] - cell_y0[w] + 1)
    cell_start = np.empty(nx * ny + 1, dtype=np.int64)
    item_wire = np.empty(n_items, dtype=np.int64)
    item_ends = np.empty((n_items, 4))
    item_origin = np.empty((n_items, 2), dtype=np.int64)
    _grid_bin(order, cell_x0, cell_x1, cell_y0, cell_y1, ends, nx, ny, cell_start, item_wire,
              item_ends, item_origin)
    counts = np.zeros(2, dtype=np.int64)
    row_start = np.zeros(n, dtype=np.int64)
    row_count = np.zeros(n, dtype=np.int64)
    capacity = 8 * n + 1024
    pairs = np.empty((capacity, 2), dtype=np.int64)
    position = np.empty((capacity, 2))
    points = np.empty((capacity, 2))
    unsure = np.empty((capacity, 2), dtype=np.int64)
    done = 0
    while True:
        done = _grid_junctions(ends, order, cell_x0, cell_x1, cell_y0, cell_y1, x0, y0, inv_h,
                               nx, ny, cell_start, item_wire, item_ends, item_origin, done,
                               counts, row_start, row_count, pairs, position, points, unsure)
        if done == n:
            break
        # dense network: grow the outputs, keeping what is written, and carry on
        pairs = _doubled(pairs, counts[0])
        position = _doubled(position, counts[0])
        points = _doubled(points, counts[0])
        unsure = _doubled(unsure, counts[1])
    n_hit = counts[0]
    sorted_pairs = np.empty((n_hit, 2), dtype=np.int64)
    sorted_position = np.empty((n_hit, 2))
    sorted_points = np.empty((n_hit, 2))
    _gather_blocks(row_start, row_count, pairs, position, points, sorted_pairs, sorted_position,
                   sorted_points)
    return sorted_pairs, sorted_position, sorted_points, unsure[:counts[1]].copy()


def _grid_junctions_of(ends: np.ndarray, lengths: np.ndarray) -> Junctions:
    """All junctions by the uniform-grid method (see :func:`find_junctions`)."""
    n = ends.shape[0]
    if n < 2:
        return _settle(ends, np.empty((0, 2), np.int64), np.empty((0, 2)), np.empty((0, 2)),
                       np.empty((0, 2), np.int64), n, lengths)
    lo = ends.min(axis=1)
    hi = ends.max(axis=1)
    x0, y0 = lo.min(axis=0)
    span_x = float(hi[:, 0].max() - x0)
    span_y = float(hi[:, 1].max() - y0)
    extent = float(np.mean(np.max(hi - lo, axis=1)))
    # cells half a wire across (fewest pair checks in trials), never more than ~8 per wire
    cell = max(0.5 * extent, np.sqrt(span_x * span_y / (8.0 * n)),
               max(span_x, span_y) / (1 << 20), np.finfo(float).tiny)
    inv_h = 1.0 / cell
    nx = int(span_x * inv_h) + 1
    ny = int(span_y * inv_h) + 1

    def index(values, origin, size):
        return np.clip(((values - origin) * inv_h).astype(np.int64), 0, size - 1)

    cell_x0, cell_x1 = index(lo[:, 0], x0, nx), index(hi[:, 0], x0, nx)
    cell_y0, cell_y1 = index(lo[:, 1], y0, ny), index(hi[:, 1], y0, ny)
    pairs, position, points, unsure = _grid_search(ends, cell_x0, cell_x1, cell_y0, cell_y1,
                                                   float(x0), float(y0), inv_h, nx, ny)
    return _settle(ends, pairs, position, points, unsure, n, lengths)


def find_junctions(wires: Any, *, method: str = "grid") -> Junctions:
    """Find every junction of a wire set, exactly.

    Parameters
    ----------
    wires : Wires
        The wire set (N wires).
    method : {"grid", "strtree"}, optional
        How candidate pairs (overlapping bounding boxes) are found: a uniform grid of cells
        (numba, the fastest) or shapely 2's ``STRtree`` bulk query. Both decide candidates
        with the same exact test, so they give bit-identical results.

    Returns
    -------
    Junctions
        M junctions; see the module docstring for what counts as one.
    """
    from .wires import Wires

    if not isinstance(wires, Wires):
        raise InputError(f"wires must be a Wires object (got {type(wires).__name__})")
    check_choice("method", method, ("grid", "strtree"))
    ends = np.ascontiguousarray(wires.endpoints)
    if method == "grid":
        return _grid_junctions_of(ends, wires.lengths)
    first, second = strtree_candidates(wires.geometries())
    return junctions_from_candidates(ends, wires.lengths, first, second)
