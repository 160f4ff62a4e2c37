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

One deposition serves every view of a network forming: the movie streams batches
(:meth:`Deposition.add_wires`) and the studio replays a scenario's wires and jumps to any count
(:meth:`Deposition.replay`, :meth:`Deposition.state`, "the film after k wires").

Density reported: the dimensionless density ``N <l^2> / A`` (wires per unit area times the mean
*squared* length, :func:`density_ratio`), the quantity stick percolation is stated in. For
isotropic widthless sticks of one length l a spanning cluster appears at N l^2 / A = 5.63726
(Li & Zhang, Phys. Rev. E 80, 040104(R) (2009); Mertens & Moore, Phys. Rev. E 86, 061109
(2012)); for sticks of random length the threshold stays near N <l^2> / A = 5.64, not at
N <l>^2 / A: longer sticks carry more connections, and at a fixed mean length a wider length
distribution lowers the critical number (Tarasevich et al., arXiv:1811.06681 (2018)). For the
README's lengths (std / mean = 0.35) the two differ by 1 + 0.35^2, about 12 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import shapely

from .checks import InputError, check_int
from .clusters import component_labels
from .electrodes import check_electrodes, wires_touching
from .junctions import Junctions, junctions_from_candidates
from .wires import Wires, check_box, drop_wires, make_rng

__all__ = ["Deposition", "DepositionState", "DepositionStep", "density_ratio"]


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
        N <l^2> / A, see :func:`density_ratio` (spanning threshold about 5.637).
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


def density_ratio(lengths: np.ndarray, area: float) -> float:
    """Dimensionless density N <l^2> / A of sticks: ``sum(l^2) / A``.

    Parameters
    ----------
    lengths : ndarray, shape (N,)
        Stick lengths (m).
    area : float
        Box area A (m^2).

    The quantity stick percolation is stated in (see the module docstring); equal sticks give
    N l^2 / A, and spanning sets in near 5.637.
    """
    lengths = np.asarray(lengths, dtype=np.float64)
    # numpy's own (pairwise) sum, not np.dot: OpenBLAS splits a long dot product over its
    # threads (so the last bits follow their count) and its idle threads then spin at full
    # priority for ~0.1 s; the studio's film asks for this every frame and that spin took the
    # core the GUI thread was waiting for (150 ms of CPU during a 100,000-wire deposition)
    return float(np.sum(np.square(lengths))) / area if area > 0 else 0.0


@dataclass(frozen=True)
class DepositionState:
    """The film after ``n_wires`` drops (see :meth:`Deposition.state`).

    Attributes
    ----------
    n_wires, n_junctions, n_clusters : int
        Wires landed, junctions among them, clusters (isolated wires are clusters of one).
    wire_cluster : ndarray of int64, shape (n_wires,)
        Cluster of each wire, named by its lowest wire index (so a cluster keeps its label
        as the film grows until it merges with an older one).
    junction_index : ndarray of int64, shape (n_junctions,)
        Which of :attr:`Deposition.junctions` exist (both wires landed).
    largest_cluster_fraction : float
        Wires in the largest cluster over ``n_wires`` (0 for no wires).
    density_ratio : float
        N <l^2> / A of the landed wires, see :func:`density_ratio`.
    percolated : bool
        Whether a cluster joins two electrodes.
    percolation_wire : int
        Index of the wire whose landing first made a cluster join two electrodes (the film
        percolates from ``percolation_wire + 1`` wires on); -1 if it has not by now.
    percolation_density_ratio : float
        N <l^2> / A at that moment (NaN before).
    percolation_electrodes : tuple of str
        Two of the electrodes that cluster joined (empty before).
    spanning_cluster : int
        Label (in ``wire_cluster``) of the cluster holding the percolation wire, -1 before.
    """

    n_wires: int
    n_junctions: int
    n_clusters: int
    wire_cluster: np.ndarray
    junction_index: np.ndarray
    largest_cluster_fraction: float
    density_ratio: float
    percolated: bool
    percolation_wire: int
    percolation_density_ratio: float
    percolation_electrodes: tuple[str, ...]
    spanning_cluster: int


@numba.njit(cache=True, inline="always")
def _find(parent, w):
    while parent[w] != w:
        parent[w] = parent[parent[w]]  # path halving
        w = parent[w]
    return w


@numba.njit(cache=True, nogil=True)
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


@numba.njit(cache=True, nogil=True)
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
        As in :func:`drop_wires`; ``length`` is needed by :meth:`add` only (a deposition that
        lands given wires, :meth:`add_wires` or :meth:`replay`, draws none).
    rng : int, SeedSequence or numpy.random.Generator, optional
        Randomness for all batches.
    """

    def __init__(self, box: Any, electrodes: Any = (), *, length: Any = None, angle: Any = None,
                 centre: Any = None, diameter: float = 60e-9, rng: Any = None) -> None:
        self.box = check_box(box)
        self.electrodes = check_electrodes(electrodes, self.box)
        self._drop = dict(box=self.box, length=length, angle=angle, centre=centre,
                          diameter=diameter)
        if length is not None:
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
        if self._drop["length"] is None:
            raise InputError("this deposition lands given wires: add(n) needs a length law "
                             "(Deposition(..., length=...))")
        return self.add_wires(drop_wires(n, rng=self._rng, **self._drop))

    @classmethod
    def replay(cls, wires: Wires, electrodes: Any = (), *, box: Any = None,
               junctions: Junctions | None = None) -> Deposition:
        """A deposition that has landed ``wires``, in order, ready for :meth:`state` at any count.

        Parameters
        ----------
        wires : Wires
            All wires, in drop order (e.g. :func:`nwn.engine.build.deposit_wires`).
        electrodes : sequence of Electrode
            Electrodes whose joining marks percolation.
        box : (float, float), optional
            Substrate size (m); default ``wires.box``.
        junctions : Junctions, optional
            The junctions of ``wires`` if already found (:func:`find_junctions`); found here
            otherwise.
        """
        deposition = cls(wires.box if box is None else box, electrodes)
        deposition.add_wires(wires, junctions=junctions)
        return deposition

    def add_wires(self, batch: Wires, *, junctions: Junctions | None = None) -> DepositionStep:
        """Land given wires (e.g. a slice of a scenario's wire set) as the next batch.

        Replaying a wire set batch by batch this way ends with exactly the junctions and
        clusters of that set, so a deposition movie shows the very network a run simulates.
        ``junctions``, the batch's own junctions as :func:`find_junctions` gives them, skips
        the search; only for the first batch (later ones also meet older wires).
        """
        if not isinstance(batch, Wires) or len(batch) == 0:
            raise InputError(f"batch must be a non-empty Wires (got {batch!r:.60})")
        if junctions is not None:
            if self._n:
                raise InputError("junctions can be given for the first batch only "
                                 f"({self._n} wires have landed)")
            if not isinstance(junctions, Junctions) or junctions.n_wires != len(batch):
                raise InputError(f"junctions must be those of the {len(batch)} wires of the "
                                 f"batch (got {junctions!r:.60})")
        n = len(batch)
        start, stop = self._n, self._n + n
        self._grow(stop)
        self._ends[start:stop] = batch.endpoints
        self._diameters[start:stop] = batch.diameters
        self._lengths[start:stop] = batch.lengths
        # Given junctions: nothing searches this batch now, so its shapely geometries and tree
        # wait until a later batch needs them (_block_tree). Creating 100,000 geometries holds
        # the interpreter lock and adds 100,000 objects to every garbage collection: a
        # replayed film (the studio's, in a worker thread) would stall the window for that.
        lazy = junctions is not None
        new_geoms = None if lazy else shapely.linestrings(batch.endpoints)
        self._geoms[start:stop] = new_geoms
        self._n = stop
        self._batch += 1
        self._cache.clear()

        new_tree = None if lazy else shapely.STRtree(new_geoms)
        if junctions is not None:
            new = junctions
        else:
            firsts, seconds = [], []
            found = new_tree.query(new_geoms)
            keep = found[0] < found[1]
            firsts.append(found[0][keep] + start)
            seconds.append(found[1][keep] + start)
            for k, (block_start, _, _) in enumerate(self._blocks):
                found = self._block_tree(k).query(new_geoms)
                firsts.append(found[1] + block_start)
                seconds.append(found[0] + start)
            first = np.concatenate(firsts).astype(np.int64)
            second = np.concatenate(seconds).astype(np.int64)
            new = junctions_from_candidates(self._ends[:stop], self._lengths[:stop], first,
                                            second)
        self._junction_parts.append(new)
        self._n_junctions += len(new)
        self._blocks.append((start, stop, new_tree))
        while len(self._blocks) >= 2 and (
            self._blocks[-2][1] - self._blocks[-2][0] <= self._blocks[-1][1] - self._blocks[-1][0]
        ):
            merged_start = self._blocks[-2][0]
            self._blocks[-2:] = [(merged_start, stop,
                                  shapely.STRtree(self._geometries(merged_start, stop)))]

        contacts = np.zeros((n, len(self.electrodes)), dtype=np.bool_)
        for e, electrode in enumerate(self.electrodes):
            touching = new_tree.query(electrode.shape, predicate="intersects") if not lazy \
                else wires_touching(batch, [electrode])[0]
            contacts[touching, e] = True
        by_newer = np.argsort(new.pairs[:, 1], kind="stable")
        before = self._state[2]
        _merge_batch(self._parent, self._size, self._touch, start, stop, contacts,
                     np.ascontiguousarray(new.pairs[by_newer, 0]),
                     np.ascontiguousarray(new.pairs[by_newer, 1]), self._state, self._joined)
        if before < 0 <= self._state[2]:
            self._percolation_batch = self._batch
        return self.status(new_wires=(start, stop), new_junctions=len(new))

    def _geometries(self, start: int, stop: int) -> np.ndarray:
        """Shapely geometries of wires ``start:stop``, made now where a lazy batch left none."""
        geoms = self._geoms[start:stop]
        missing = np.flatnonzero([g is None for g in geoms])
        if missing.size:
            self._geoms[start + missing] = shapely.linestrings(self._ends[start + missing])
        return self._geoms[start:stop]

    def _block_tree(self, k: int):
        block_start, block_stop, tree = self._blocks[k]
        if tree is None:
            tree = shapely.STRtree(self._geometries(block_start, block_stop))
            self._blocks[k] = (block_start, block_stop, tree)
        return tree

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
            density_ratio=density_ratio(self._lengths[:n], area),
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

    def state(self, n_wires: int | None = None) -> DepositionState:
        """The film after the first ``n_wires`` wires (default: all landed so far).

        Any count from 0 to ``len(self)``, in any order (the studio's replay jumps back and
        forth). The percolation moment comes from the wire-by-wire union-find, so it is exact
        whatever the batches were.
        """
        total = self._n
        n = total if n_wires is None else check_int("n_wires", n_wires, minimum=0,
                                                    maximum=total)
        junctions = self.junctions
        present = np.flatnonzero(junctions.pairs.max(axis=1) < n) if n < total else \
            np.arange(len(junctions), dtype=np.int64)
        if n == total:
            labels = self.cluster_labels()
        else:
            labels = component_labels(n, junctions.pairs[present])
        # name each cluster by its lowest wire: labels then persist as the film grows
        lowest = np.full(max(n, 1), n, dtype=np.int64)
        np.minimum.at(lowest, labels, np.arange(n, dtype=np.int64))
        wire_cluster = lowest[labels]
        sizes = np.bincount(wire_cluster, minlength=1) if n else np.zeros(1, np.int64)
        moment = int(self._state[2])
        percolated = 0 <= moment < n
        area = self.box[0] * self.box[1]
        return DepositionState(
            n_wires=n,
            n_junctions=int(present.size),
            n_clusters=int(np.count_nonzero(sizes)),
            wire_cluster=wire_cluster,
            junction_index=present,
            largest_cluster_fraction=float(sizes.max()) / n if n else 0.0,
            density_ratio=density_ratio(self._lengths[:n], area),
            percolated=percolated,
            percolation_wire=moment if percolated else -1,
            percolation_density_ratio=density_ratio(self._lengths[:moment + 1], area)
            if percolated else float("nan"),
            percolation_electrodes=tuple(self.electrodes[e].name for e in self._joined)
            if percolated else (),
            spanning_cluster=int(wire_cluster[moment]) if percolated else -1,
        )

    def __repr__(self) -> str:
        s = self.status()
        return (f"Deposition({s.n_wires} wires, {s.n_junctions} junctions, {s.n_clusters} "
                f"clusters, n<l^2>={s.density_ratio:.3g}, percolated={s.percolated})")

