"""Incremental deposition: drop wires in batches, keep junctions and clusters up to date.

For the GUI's live deposition. Each :meth:`Deposition.add` drops a batch, finds only the new
junctions (new wires against the old ones and against each other), and merges clusters in a
union-find. A *cluster* is a set of wires joined by junctions; electrodes do not join clusters.
The *percolation moment* is the first wire after which one cluster touches two electrodes.

New-vs-old junction candidates come from shapely ``STRtree`` s over blocks of old wires whose
sizes halve from the oldest block to the newest (blocks of similar size are merged, as in a
binary counter), so each batch costs O(batch * log^2 N) queries and all tree building together
O(N log^2 N). Candidates are decided by the same exact test as :func:`find_junctions`, so the
junction set after any number of batches is bit-identical to :func:`find_junctions` on all the
wires.

The wires of a deposition in batches are not those of one :func:`drop_wires` call with the same
seed (each batch draws its centres, angles and lengths in turn), but the same seed and the same
batch sizes give the same wires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import shapely

from .checks import InputError, check_int
from .electrodes import check_electrodes
from .junctions import Junctions, junctions_from_candidates
from .wires import Wires, check_box, drop_wires, make_rng

__all__ = ["Deposition", "DepositionStep"]


@dataclass(frozen=True)
class DepositionStep:
    """Counters after one batch.

    Attributes
    ----------
    batch : int
        Batch number, from 0.
    new_wires : (int, int)
        Index range ``[start, stop)`` of the wires this batch dropped.
    new_junctions : int
        Junctions this batch added.
    n_wires, n_junctions, n_clusters : int
        Totals so far (isolated wires are clusters of one).
    largest_cluster_fraction : float
        Wires in the largest cluster over all wires.
    density_ratio : float
        n <l^2>: wires per unit box area times the mean squared wire length (for equal wires
        n l^2; the spanning threshold of isotropic sticks is about 5.637).
    percolated : bool
        Whether some cluster has touched two electrodes by now.
    percolation_batch, percolation_wire : int
        Batch and wire whose arrival first made a cluster touch two electrodes; -1 before.
    percolation_electrodes : tuple of str
        Two of the electrodes that cluster joined (empty before).
    """

    batch: int
    new_wires: tuple[int, int]
    new_junctions: int
    n_wires: int
    n_junctions: int
    n_clusters: int
    largest_cluster_fraction: float
    density_ratio: float
    percolated: bool
    percolation_batch: int
    percolation_wire: int
    percolation_electrodes: tuple[str, ...]


@numba.njit(cache=True, inline="always")
def _find(parent, w):
    while parent[w] != w:
        parent[w] = parent[parent[w]]  # path halving
        w = parent[w]
    return w


@numba.njit(cache=True)
def _merge_batch(parent, size, touch, start, stop, contacts, junction_low, junction_high,
                 state, joined):
    """Add wires ``start .. stop - 1`` to the union-find, in order.

    Wire w arrives with its contacts (``contacts[w - start]``, bool per electrode) and its
    junctions to lower wires (``junction_low[k] < junction_high[k] == w``, sorted by
    ``junction_high``). ``state`` = (clusters, largest cluster size, percolation wire or -1)
    is updated; at percolation ``joined`` gets two electrode indices of that cluster.
    """
    n_electrodes = touch.shape[1]
    k = 0
    n_junctions = junction_high.shape[0]
    for w in range(start, stop):
        parent[w] = w
        size[w] = 1
        for e in range(n_electrodes):
            touch[w, e] = contacts[w - start, e]
        state[0] += 1
        if state[1] < 1:
            state[1] = 1
        while k < n_junctions and junction_high[k] == w:
            a = _find(parent, junction_low[k])
            b = _find(parent, w)
            k += 1
            if a == b:
                continue
            if size[a] < size[b]:
                a, b = b, a
            parent[b] = a
            size[a] += size[b]
            for e in range(n_electrodes):
                touch[a, e] = touch[a, e] or touch[b, e]
            state[0] -= 1
            if size[a] > state[1]:
                state[1] = size[a]
        if state[2] < 0:
            root = _find(parent, w)
            hits = 0
            for e in range(n_electrodes):
                if touch[root, e]:
                    if hits < 2:
                        joined[hits] = e
                    hits += 1
            if hits >= 2:
                state[2] = w


@numba.njit(cache=True)
def _roots(parent, n, out):
    for w in range(n):
        out[w] = _find(parent, w)


class Deposition:
    """Live deposition of wires in batches on a box with electrodes.

    Parameters
    ----------
    box : (float, float)
        Substrate ``(width, height)`` (m).
    electrodes : sequence of Electrode, optional
        Electrodes (inside the box) whose joining by one cluster marks percolation.
    length, angle, centre, diameter :
        As in :func:`drop_wires`.
    rng : int, SeedSequence or numpy.random.Generator, optional
        Randomness for all batches.
    """

    def __init__(self, box: Any, electrodes: Any = (), *, length: Any, angle: Any = None,
                 centre: Any = None, diameter: float = 60e-9, rng: Any = None) -> None:
        self.box = check_box(box)
        self.electrodes = check_electrodes(electrodes, self.box)
        self._drop = dict(box=self.box, length=length, angle=angle, centre=centre,
                          diameter=diameter)
        drop_wires(1, rng=0, **self._drop)  # refuse bad distributions now, not at add()
        self._rng = make_rng(rng)
        n_electrodes = len(self.electrodes)
        self._capacity = 0
        self._n = 0
        self._ends = np.empty((0, 2, 2))
        self._diameters = np.empty(0)
        self._lengths = np.empty(0)
        self._geoms = np.empty(0, dtype=object)
        self._parent = np.empty(0, dtype=np.int64)
        self._size = np.empty(0, dtype=np.int64)
        self._touch = np.zeros((0, n_electrodes), dtype=np.bool_)
        self._blocks: list[tuple[int, int, shapely.STRtree]] = []
        self._junction_parts: list[Junctions] = []
        self._n_junctions = 0
        self._state = np.array([0, 0, -1], dtype=np.int64)
        self._joined = np.full(2, -1, dtype=np.int64)
        self._batch = -1
        self._percolation_batch = -1
        self._cache: dict[str, Any] = {}

    def __len__(self) -> int:
        return self._n

    def _grow(self, needed: int) -> None:
        if needed <= self._capacity:
            return
        capacity = max(needed, 2 * self._capacity, 1024)

        def grown(array, shape_tail=(), fill=None):
            out = np.empty((capacity, *shape_tail), dtype=array.dtype)
            if fill is not None:
                out[...] = fill
            out[:self._n] = array[:self._n]
            return out

        self._ends = grown(self._ends, (2, 2))
        self._diameters = grown(self._diameters)
        self._lengths = grown(self._lengths)
        self._geoms = grown(self._geoms)
        self._parent = grown(self._parent)
        self._size = grown(self._size)
        self._touch = grown(self._touch, (self._touch.shape[1],), False)
        self._capacity = capacity

    def add(self, n: int) -> DepositionStep:
        """Drop ``n`` more wires (``n`` >= 1) and update junctions and clusters."""
        n = check_int("n", n, minimum=1)
        return self.add_wires(drop_wires(n, rng=self._rng, **self._drop))

    def add_wires(self, batch: Wires) -> DepositionStep:
        """Land given wires (e.g. a slice of a scenario's wire set) as the next batch.

        Replaying a wire set batch by batch this way ends with exactly the junctions and
        clusters of that set, so a deposition movie shows the very network a run simulates.
        """
        if not isinstance(batch, Wires) or len(batch) == 0:
            raise InputError(f"batch must be a non-empty Wires (got {batch!r:.60})")
        n = len(batch)
        start, stop = self._n, self._n + n
        self._grow(stop)
        self._ends[start:stop] = batch.endpoints
        self._diameters[start:stop] = batch.diameters
        self._lengths[start:stop] = batch.lengths
        new_geoms = shapely.linestrings(batch.endpoints)
        self._geoms[start:stop] = new_geoms
        self._n = stop
        self._batch += 1
        self._cache.clear()

        new_tree = shapely.STRtree(new_geoms)
        firsts, seconds = [], []
        found = new_tree.query(new_geoms)
        keep = found[0] < found[1]
        firsts.append(found[0][keep] + start)
        seconds.append(found[1][keep] + start)
        for block_start, _, tree in self._blocks:
            found = tree.query(new_geoms)
            firsts.append(found[1] + block_start)
            seconds.append(found[0] + start)
        first = np.concatenate(firsts).astype(np.int64)
        second = np.concatenate(seconds).astype(np.int64)
        new = junctions_from_candidates(self._ends[:stop], self._lengths[:stop], first, second)
        self._junction_parts.append(new)
        self._n_junctions += len(new)
        self._blocks.append((start, stop, new_tree))
        while len(self._blocks) >= 2 and (
            self._blocks[-2][1] - self._blocks[-2][0] <= self._blocks[-1][1] - self._blocks[-1][0]
        ):
            merged_start = self._blocks[-2][0]
            self._blocks[-2:] = [(merged_start, stop,
                                  shapely.STRtree(self._geoms[merged_start:stop]))]

        contacts = np.zeros((n, len(self.electrodes)), dtype=np.bool_)
        for e, electrode in enumerate(self.electrodes):
            contacts[new_tree.query(electrode.shape, predicate="intersects"), e] = True
        by_newer = np.argsort(new.pairs[:, 1], kind="stable")
        before = self._state[2]
        _merge_batch(self._parent, self._size, self._touch, start, stop, contacts,
                     np.ascontiguousarray(new.pairs[by_newer, 0]),
                     np.ascontiguousarray(new.pairs[by_newer, 1]), self._state, self._joined)
        if before < 0 <= self._state[2]:
            self._percolation_batch = self._batch
        return self.status(new_wires=(start, stop), new_junctions=len(new))

    def status(self, *, new_wires: tuple[int, int] = (0, 0), new_junctions: int = 0
               ) -> DepositionStep:
        """The counters now (``new_wires`` and ``new_junctions`` describe the last batch)."""
        n = self._n
        area = self.box[0] * self.box[1]
        percolated = bool(self._state[2] >= 0)
        return DepositionStep(
            batch=self._batch,
            new_wires=new_wires,
            new_junctions=int(new_junctions),
            n_wires=n,
            n_junctions=self._n_junctions,
            n_clusters=int(self._state[0]),
            largest_cluster_fraction=float(self._state[1]) / n if n else 0.0,
            density_ratio=float(np.sum(self._lengths[:n] ** 2)) / area,
            percolated=percolated,
            percolation_batch=self._percolation_batch,
            percolation_wire=int(self._state[2]),
            percolation_electrodes=tuple(self.electrodes[e].name for e in self._joined)
            if percolated else (),
        )

    @property
    def wires(self) -> Wires:
        """All wires dropped so far."""
        if "wires" not in self._cache:
            self._cache["wires"] = Wires.from_endpoints(
                self._ends[:self._n], diameter=self._diameters[:self._n], box=self.box
            )
        return self._cache["wires"]

    @property
    def junctions(self) -> Junctions:
        """All junctions so far, sorted as :func:`find_junctions` sorts them."""
        if "junctions" not in self._cache:
            parts = self._junction_parts
            n = self._n
            pairs = np.concatenate([p.pairs for p in parts]) if parts else np.empty((0, 2),
                                                                                  np.int64)
            rows = np.argsort(pairs[:, 0] * n + pairs[:, 1]) if pairs.size else np.empty(0, int)

            def column(name):
                if not parts:
                    return np.empty((0, 2))
                return np.ascontiguousarray(np.concatenate([getattr(p, name) for p in parts])[rows])

            result = Junctions(pairs=np.ascontiguousarray(pairs[rows]), points=column("points"),
                               position=column("position"), distance=column("distance"),
                               n_wires=n)
            for array in (result.pairs, result.points, result.position, result.distance):
                array.flags.writeable = False
            self._cache["junctions"] = result
        return self._cache["junctions"]

    def cluster_labels(self) -> np.ndarray:
        """Cluster of each wire, int64 shape (N,): the index of a representative wire."""
        out = np.empty(self._n, dtype=np.int64)
        _roots(self._parent, self._n, out)
        return out

    def __repr__(self) -> str:
        s = self.status()
        return (f"Deposition({s.n_wires} wires, {s.n_junctions} junctions, {s.n_clusters} "
                f"clusters, n<l^2>={s.density_ratio:.3g}, percolated={s.percolated})")

