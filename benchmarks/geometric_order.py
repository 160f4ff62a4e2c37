"""A geometric nested-dissection order, measured against METIS in ``bench_setup.py`` only.

Issue 15 asked whether a fill-reducing order that uses the nodes' positions (a nanowire
network is a random geometric graph in a 2D film) could replace METIS's multilevel nested
dissection at a fraction of its cost. This is the candidate that was measured (and
rejected: ``benchmarks/README.md``, "Setup"):

- each part of the graph is cut by a straight line across its longer side (x or y, the
  position within the middle 40 % of its nodes that cuts fewest edges);
- the vertex separator is a minimum vertex cover of the cut edges (maximum bipartite
  matching, Koenig's theorem), then improved by Fiduccia-Mattheyses passes on vertex
  separators (hill-climbing with roll-back to the best prefix, sides kept within 70 %);
- the recursion stops at parts of <= ``leaf`` nodes, ordered by exact minimum degree on
  their elimination graph with the neighbouring separator nodes (the "halo") counted in the
  degrees but not eliminated; the result is postordered like the solver's own order.

Everything runs sequentially with ties broken by node index, so the order is deterministic.
"""

from __future__ import annotations

import heapq

import numba
import numpy as np

from nwn.engine import supernodal
from nwn.engine.solver_ordering import symmetric_pattern

#: Heap keys pack (gain, node): the gain in the high bits (offset to stay positive), the
#: node's complement in the low 28 bits, so that the largest key is the largest gain and,
#: among equal gains, the lowest node.
_NODE_BITS = 28
_NODE_MASK = (1 << _NODE_BITS) - 1
_GAIN_OFFSET = 1 << 20


@numba.njit(cache=True)
def _min_vertex_cover(n_left, n_right, cptr, cadj, cover_left, cover_right):
    """Minimum vertex cover of a bipartite graph (CSR from the left side to the right):
    maximum matching by augmenting paths, then Koenig's construction."""
    match_l = np.full(n_left, -1, dtype=np.int64)
    match_r = np.full(n_right, -1, dtype=np.int64)
    for u in range(n_left):  # greedy start
        for p in range(cptr[u], cptr[u + 1]):
            r = cadj[p]
            if match_r[r] == -1:
                match_r[r] = u
                match_l[u] = r
                break
    visited = np.full(n_right, -1, dtype=np.int64)
    it = np.empty(n_left, dtype=np.int64)
    stack = np.empty(n_left + 1, dtype=np.int64)
    via = np.empty(n_left + 1, dtype=np.int64)
    for root in range(n_left):
        if match_l[root] != -1:
            continue
        top = 0
        stack[0] = root
        it[root] = cptr[root]
        done = False
        while top >= 0 and not done:
            u = stack[top]
            advanced = False
            while it[u] < cptr[u + 1]:
                r = cadj[it[u]]
                it[u] += 1
                if visited[r] == root:
                    continue
                visited[r] = root
                via[top] = r
                if match_r[r] == -1:  # augmenting path found: flip it
                    for i in range(top, -1, -1):
                        match_r[via[i]] = stack[i]
                        match_l[stack[i]] = via[i]
                    done = True
                    break
                top += 1
                stack[top] = match_r[r]
                it[stack[top]] = cptr[stack[top]]
                advanced = True
                break
            if not advanced and not done:
                top -= 1
    # Koenig: Z = reachable from unmatched left vertices by alternating paths; the cover is
    # (left \ Z) + (right & Z)
    z_left = np.zeros(n_left, dtype=np.bool_)
    z_right = np.zeros(n_right, dtype=np.bool_)
    queue = np.empty(n_left, dtype=np.int64)
    head = 0
    tail = 0
    for u in range(n_left):
        if match_l[u] == -1:
            z_left[u] = True
            queue[tail] = u
            tail += 1
    while head < tail:
        u = queue[head]
        head += 1
        for p in range(cptr[u], cptr[u + 1]):
            r = cadj[p]
            if not z_right[r]:
                z_right[r] = True
                m = match_r[r]
                if m != -1 and not z_left[m]:
                    z_left[m] = True
                    queue[tail] = m
                    tail += 1
    for u in range(n_left):
        cover_left[u] = not z_left[u]
    for r in range(n_right):
        cover_right[r] = z_right[r]


@numba.njit(cache=True)
def _gain(v, to, indptr, indices, mark, token, label):
    """Separator nodes saved by moving separator node v to side ``to`` (its neighbours on
    the other side join the separator)."""
    g = 1
    for p in range(indptr[v], indptr[v + 1]):
        u = indices[p]
        if mark[u] == token and label[u] == 1 - to:
            g -= 1
    return g


@numba.njit(cache=True)
def _push(heap, gain, v):
    heapq.heappush(heap, -(((gain + _GAIN_OFFSET) << _NODE_BITS) | (_NODE_MASK - v)))


@numba.njit(cache=True)
def _refine(seg, indptr, indices, mark, token, label, max_side, passes, limit, locked):
    """Fiduccia-Mattheyses passes on the vertex separator (label 2) of the nodes ``seg``
    (those marked ``token``; labels 0 and 1 are the two sides, each kept <= ``max_side``)."""
    w = np.zeros(3, dtype=np.int64)
    for v in seg:
        w[label[v]] += 1
    moved = [np.int64(0)]
    pulled = [np.int64(0)]
    pulled_ptr = [np.int64(0)]
    for n_pass in range(passes):
        stamp = token * 64 + n_pass
        heap0 = [np.int64(0)]
        heap0.pop()
        heap1 = [np.int64(0)]
        heap1.pop()
        for v in seg:
            if label[v] == 2:
                _push(heap0, _gain(v, 0, indptr, indices, mark, token, label), v)
                _push(heap1, _gain(v, 1, indptr, indices, mark, token, label), v)
        moved.clear()
        pulled.clear()
        pulled_ptr.clear()
        pulled_ptr.append(0)
        start = w[2]
        best = w[2]
        best_imbalance = abs(w[0] - w[1])
        best_n = 0
        since = 0
        while since < limit:
            to = 0 if w[0] <= w[1] else 1  # grow the lighter side
            found = -1
            for _attempt in range(2):
                heap = heap0 if to == 0 else heap1
                while len(heap) > 0:
                    key = -heapq.heappop(heap)
                    v = _NODE_MASK - (key & _NODE_MASK)
                    g = (key >> _NODE_BITS) - _GAIN_OFFSET
                    if label[v] != 2 or locked[v] == stamp:
                        continue
                    g_now = _gain(v, to, indptr, indices, mark, token, label)
                    if g_now != g:  # stale entry
                        _push(heap, g_now, v)
                        continue
                    if w[to] + 1 > max_side:
                        continue
                    found = v
                    break
                if found >= 0:
                    break
                to = 1 - to
            if found < 0:
                break
            v = found
            other = 1 - to
            label[v] = to
            locked[v] = stamp
            w[to] += 1
            w[2] -= 1
            moved.append(v)
            for p in range(indptr[v], indptr[v + 1]):
                u = indices[p]
                if mark[u] == token and label[u] == other:
                    label[u] = 2
                    w[other] -= 1
                    w[2] += 1
                    pulled.append(u)
                    _push(heap0, _gain(u, 0, indptr, indices, mark, token, label), u)
                    _push(heap1, _gain(u, 1, indptr, indices, mark, token, label), u)
                    for q in range(indptr[u], indptr[u + 1]):
                        z = indices[q]
                        if mark[z] == token and label[z] == 2 and locked[z] != stamp:
                            _push(heap0 if to == 0 else heap1,
                                  _gain(z, to, indptr, indices, mark, token, label), z)
            for q in range(indptr[v], indptr[v + 1]):
                z = indices[q]
                if mark[z] == token and label[z] == 2 and locked[z] != stamp:
                    _push(heap0 if other == 0 else heap1,
                          _gain(z, other, indptr, indices, mark, token, label), z)
            pulled_ptr.append(len(pulled))
            imbalance = abs(w[0] - w[1])
            if w[2] < best or (w[2] == best and imbalance < best_imbalance):
                best = w[2]
                best_imbalance = imbalance
                best_n = len(moved)
                since = 0
            else:
                since += 1
        for k in range(len(moved) - 1, best_n - 1, -1):  # roll back to the best prefix
            v = moved[k]
            to = label[v]
            for q in range(pulled_ptr[k], pulled_ptr[k + 1]):
                label[pulled[q]] = 1 - to
                w[1 - to] += 1
                w[2] -= 1
            label[v] = 2
            w[to] -= 1
            w[2] += 1
        if best >= start:
            break


@numba.njit(cache=True)
def _leaf_order(verts, indptr, indices, mark, token, excluded, local, adj, deg, out, out0):
    """Minimum-degree order of ``verts`` (marked ``token``) into out[out0:]; their other
    neighbours (separator nodes, numbered later) count in the degrees, up to the capacity
    of ``adj``."""
    m = verts.shape[0]
    cap = adj.shape[0]
    halo = np.empty(cap, dtype=np.int64)
    nv = m
    halo_mark = -token - 2
    for i in range(m):
        local[verts[i]] = i
    for i in range(m):
        v = verts[i]
        for p in range(indptr[v], indptr[v + 1]):
            u = indices[p]
            if mark[u] != token and mark[u] != halo_mark and not excluded[u] and nv < cap:
                mark[u] = halo_mark
                local[u] = nv
                halo[nv] = u
                nv += 1
    for i in range(nv):
        for j in range(nv):
            adj[i, j] = False
        deg[i] = 0
    for i in range(m):
        v = verts[i]
        for p in range(indptr[v], indptr[v + 1]):
            u = indices[p]
            if (mark[u] == token or mark[u] == halo_mark) and u != v:
                j = local[u]
                if not adj[i, j]:
                    adj[i, j] = True
                    adj[j, i] = True
                    deg[i] += 1
                    deg[j] += 1
    alive = np.ones(nv, dtype=np.bool_)
    neighbours = np.empty(nv, dtype=np.int64)
    for k in range(m):
        best = -1
        best_deg = nv + 1
        for i in range(m):
            if alive[i] and deg[i] < best_deg:
                best_deg = deg[i]
                best = i
        alive[best] = False
        out[out0 + k] = verts[best]
        c = 0
        for j in range(nv):
            if adj[best, j] and alive[j]:
                neighbours[c] = j
                c += 1
        for a in range(c):  # eliminating `best` joins its neighbours into a clique
            q = neighbours[a]
            adj[q, best] = False
            deg[q] -= 1
            for b in range(a + 1, c):
                r = neighbours[b]
                if not adj[q, r]:
                    adj[q, r] = True
                    adj[r, q] = True
                    deg[q] += 1
                    deg[r] += 1
    for i in range(m, nv):
        mark[halo[i]] = -1  # (separator nodes are never members of a part again)


@numba.njit(cache=True)
def _cut_profile(seg, lo, m, rank, indptr, indices, mark, token, diff, cut):
    """cut[k]: edges between the first k nodes of ``seg[lo:lo + m]`` and the others."""
    for i in range(m + 2):
        diff[i] = 0
    for i in range(m):
        u = seg[lo + i]
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if mark[v] == token and rank[v] > i:
                diff[i + 1] += 1
                diff[rank[v] + 1] -= 1
    c = 0
    for k in range(m + 1):
        c += diff[k]
        cut[k] = c


@numba.njit(cache=True)
def _dissect(indptr, indices, x, y, leaf, window, passes, limit, halo_cap):
    n = indptr.shape[0] - 1
    perm = np.empty(n, dtype=np.int64)
    mark = np.full(n, -1, dtype=np.int64)
    # dense rows (an electrode's node) and nodes without a position are numbered last
    dense = max(16.0, 10.0 * np.sqrt(n))
    excluded = np.zeros(n, dtype=np.bool_)
    n_last = 0
    for v in range(n):
        if indptr[v + 1] - indptr[v] > dense or not (np.isfinite(x[v]) and np.isfinite(y[v])):
            excluded[v] = True
            n_last += 1
    m0 = n - n_last
    w = m0
    for v in range(n):
        if excluded[v]:
            perm[w] = v
            w += 1
    order_x = np.argsort(x, kind="mergesort")
    order_y = np.argsort(y, kind="mergesort")
    vx = np.empty(m0, dtype=np.int64)  # each part's nodes by x, and by y, in [lo, hi)
    vy = np.empty(m0, dtype=np.int64)
    a = 0
    b = 0
    for i in range(n):
        if not excluded[order_x[i]]:
            vx[a] = order_x[i]
            a += 1
        if not excluded[order_y[i]]:
            vy[b] = order_y[i]
            b += 1
    rank_x = np.empty(n, dtype=np.int64)
    rank_y = np.empty(n, dtype=np.int64)
    label = np.empty(n, dtype=np.int8)
    diff = np.empty(m0 + 2, dtype=np.int64)
    cut_x = np.empty(m0 + 1, dtype=np.int64)
    cut_y = np.empty(m0 + 1, dtype=np.int64)
    buf = np.empty(m0, dtype=np.int64)
    local = np.empty(n, dtype=np.int64)
    adj = np.zeros((halo_cap, halo_cap), dtype=np.bool_)
    deg = np.empty(halo_cap, dtype=np.int64)
    right_id = np.full(n, -1, dtype=np.int64)
    left_v = np.empty(m0, dtype=np.int64)
    right_v = np.empty(m0, dtype=np.int64)
    cptr = np.empty(m0 + 1, dtype=np.int64)
    cadj = np.empty(indices.shape[0] + 1, dtype=np.int64)
    locked = np.full(n, -1, dtype=np.int64)
    stack_lo = np.empty(2 * m0 + 2, dtype=np.int64)
    stack_hi = np.empty(2 * m0 + 2, dtype=np.int64)
    top = 0
    stack_lo[0] = 0
    stack_hi[0] = m0
    token = 0
    while top >= 0:
        lo = stack_lo[top]
        hi = stack_hi[top]
        top -= 1
        m = hi - lo
        if m == 0:
            continue
        token += 1
        for i in range(lo, hi):
            mark[vx[i]] = token
        if m <= leaf:
            _leaf_order(vx[lo:hi], indptr, indices, mark, token, excluded, local, adj, deg,
                        perm, lo)
            continue
        for i in range(m):
            rank_x[vx[lo + i]] = i
            rank_y[vy[lo + i]] = i
        along_x = x[vx[hi - 1]] - x[vx[lo]] >= y[vy[hi - 1]] - y[vy[lo]]
        seg = vx if along_x else vy
        rank = rank_x if along_x else rank_y
        cut = cut_x if along_x else cut_y
        _cut_profile(seg, lo, m, rank, indptr, indices, mark, token, diff, cut)
        k_lo = max(1, int(m * (0.5 - window)))
        k_hi = min(m - 1, int(m * (0.5 + window)))
        best_k = m // 2
        for k in range(k_lo, k_hi + 1):
            if cut[k] < cut[best_k] or (cut[k] == cut[best_k]
                                         and abs(2 * k - m) < abs(2 * best_k - m)):
                best_k = k
        for i in range(lo, hi):
            v = vx[i]
            label[v] = 0 if rank[v] < best_k else 1
        # the cut edges as a bipartite graph, left boundary -> right boundary
        n_left = 0
        n_right = 0
        n_cut = 0
        cptr[0] = 0
        for i in range(lo, hi):
            u = vx[i]
            if label[u] != 0:
                continue
            start = n_cut
            for p in range(indptr[u], indptr[u + 1]):
                v = indices[p]
                if mark[v] == token and label[v] == 1:
                    if right_id[v] == -1:
                        right_id[v] = n_right
                        right_v[n_right] = v
                        n_right += 1
                    cadj[n_cut] = right_id[v]
                    n_cut += 1
            if n_cut > start:
                left_v[n_left] = u
                n_left += 1
                cptr[n_left] = n_cut
        cover_left = np.zeros(n_left, dtype=np.bool_)
        cover_right = np.zeros(n_right, dtype=np.bool_)
        _min_vertex_cover(n_left, n_right, cptr, cadj, cover_left, cover_right)
        for i in range(n_left):
            if cover_left[i]:
                label[left_v[i]] = 2
        for i in range(n_right):
            right_id[right_v[i]] = -1
            if cover_right[i]:
                label[right_v[i]] = 2
        if passes > 0:
            _refine(vx[lo:hi], indptr, indices, mark, token, label, int((0.5 + window) * m),
                    passes, limit, locked)
        # both sorted lists partitioned stably into side 0 | side 1 | separator
        counts = np.zeros(3, dtype=np.int64)
        for i in range(lo, hi):
            counts[label[vx[i]]] += 1
        for which in range(2):
            arr = vx if which == 0 else vy
            p0 = 0
            p1 = counts[0]
            p2 = counts[0] + counts[1]
            for i in range(lo, hi):
                v = arr[i]
                if label[v] == 0:
                    buf[p0] = v
                    p0 += 1
                elif label[v] == 1:
                    buf[p1] = v
                    p1 += 1
                else:
                    buf[p2] = v
                    p2 += 1
            for i in range(m):
                arr[lo + i] = buf[i]
        s0 = lo + counts[0] + counts[1]
        for i in range(s0, hi):  # the separator last, along the cut
            perm[i] = vy[i] if along_x else vx[i]
        top += 1
        stack_lo[top] = lo + counts[0]
        stack_hi[top] = s0
        top += 1
        stack_lo[top] = lo
        stack_hi[top] = lo + counts[0]
    return perm


def geometric_order(node_position: np.ndarray, *, leaf: int = 64, window: float = 0.2,
                    passes: int = 10, limit: int = 200, halo_cap: int = 256):
    """A fill-reducing order function (the contract of
    :func:`nwn.engine.solver_ordering.fill_reducing_order`) for a network with these node
    positions.

    Parameters
    ----------
    node_position : ndarray, shape (N, 2)
        m, every node's position (``Network.node_position``).
    leaf : int
        Parts of at most this many nodes are ordered by minimum degree.
    window : float
        The cut lies within 0.5 +- ``window`` of a part's nodes.
    passes, limit : int
        Refinement passes per separator, and moves without improvement before a pass stops.
    halo_cap : int
        At most this many nodes (a leaf and its halo) in the minimum-degree elimination.
    """
    position = np.asarray(node_position, dtype=np.float64)

    def order_fn(free_natural, n_nodes, edge_nodes):
        n_free = int(free_natural.size)
        if n_free <= 2:
            return np.arange(n_free, dtype=np.int64)
        index = np.full(n_nodes, -1, dtype=np.int64)
        index[free_natural] = np.arange(n_free)
        indptr, indices = symmetric_pattern(index[edge_nodes[:, 0]], index[edge_nodes[:, 1]],
                                            n_free, diagonal=False)
        xy = position[free_natural]
        order = _dissect(indptr, indices, np.ascontiguousarray(xy[:, 0]),
                         np.ascontiguousarray(xy[:, 1]), max(int(leaf), 2), float(window),
                         int(passes), int(limit), max(int(halo_cap), int(leaf)))
        return order[supernodal.etree_postorder(indptr, indices, order)]

    return order_fn
