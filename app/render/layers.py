"""Bulk graphics items for the network canvas: thousands of segments or points, one item each.

A nanowire network has 10^4-10^5 wires and junctions; one ``QGraphicsItem`` per wire would
make the scene unusable. :class:`SegmentLayer` and :class:`PointLayer` are each *one* item that
holds all its primitives as arrays and draws them grouped by style.

Styles are a short list of pens; every primitive carries a group index into that list (-1 hides
it). Colour maps are binned into a few pens, which keeps the style table small.

Two ways of drawing, same look:

* raster (default, for raster paint devices: the screen, ``QImage``): a numba kernel draws the
  primitives straight into a premultiplied RGBA buffer at the device's pixel resolution, which
  is composited with one ``drawImage``. QPainter needs ~8 ms for 38,000 junction dots and
  ~6 ms for 10,000 wire paths at 1100 x 800 px; the kernel needs ~1 ms for both. The buffer is
  redrawn only when the view transform, the visible rectangle or the styles change.
* asynchronous raster (``asynchronous = True``, for a window's own painting): the buffer is
  drawn by one background thread (:class:`_Rasterizer`; the kernels release the interpreter
  lock) and the paint composites the newest finished buffer, so a 100,000-wire layer never
  stalls the GUI thread (the kernel takes 0.1-0.5 s there on a loaded machine). While a new
  buffer is being drawn the previous one is shown; the layer repaints when it is ready.
  Painting into an image or pixmap (exports, movies, ``grab``) always draws synchronously.
* vector (SVG/PDF/printer devices, or ``raster=False``): one ``QPainterPath`` per group
  (:func:`pyqtgraph.arrayToQPath`, ``connect="pairs"``) or one ``QPolygonF`` of points, built
  lazily on the first such paint after a style change.

Both draw groups in order (later groups on top), aliased (no antialiasing); pens are drawn as
solid lines of their width and colour (cosmetic widths in pixels, others in item units). One
difference: where two translucent primitives of one group overlap (a few pixels at a wire
crossing) the raster kernel blends twice, a QPainterPath once; remembering covered pixels
doubled the kernel's cost for no visible gain.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

import numba
import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6 import QtCore, QtGui

from nwn.app.models.thread_priority import lower_thread_priority

__all__ = ["LayerGeometry", "SegmentLayer", "PointLayer", "group_slices", "warm_kernels"]

_RASTER = QtGui.QPaintEngine.Type.Raster
# Destinations stored as bytes R, G, B, A: the buffer uses the same order, so compositing it
# is a plain premultiplied blend with no channel swizzle.
_RGBA_FORMATS = (QtGui.QImage.Format.Format_RGBX8888, QtGui.QImage.Format.Format_RGBA8888,
                 QtGui.QImage.Format.Format_RGBA8888_Premultiplied)


def group_slices(group: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Indices of the primitives of every group.

    Parameters
    ----------
    group : ndarray of int, shape (P,)
        Group of each primitive, -1 for hidden ones.
    n_groups : int

    Returns
    -------
    list of ndarray
        ``n_groups`` index arrays.
    """
    group = np.asarray(group, dtype=np.int64)
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group[group >= 0], minlength=n_groups)
    start = int(np.count_nonzero(group < 0))
    out = []
    for count in counts[:n_groups]:
        out.append(order[start:start + count])
        start += count
    return out


# -- raster kernels ---------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _order_by_group(group, n_groups):
    """Counting sort: primitive indices grouped by group (stable), and group start offsets."""
    counts = np.zeros(n_groups + 1, dtype=np.int64)
    for g in group:
        if 0 <= g < n_groups:
            counts[g + 1] += 1
    for g in range(n_groups):
        counts[g + 1] += counts[g]
    order = np.empty(counts[n_groups], dtype=np.int64)
    fill = counts[:n_groups].copy()
    for i in range(group.shape[0]):
        g = group[i]
        if 0 <= g < n_groups:
            order[fill[g]] = i
            fill[g] += 1
    return order, counts


@numba.njit(cache=True, inline="always")
def _blend(out, row, col, color, keep):
    # Source-over of a premultiplied colour on a packed 4-byte pixel, two channels per
    # multiply (x / 255 as (t + (t >> 8)) >> 8, rounded); opaque colours just overwrite.
    if keep == 0:
        out[row, col] = color
        return
    d = np.int64(out[row, col])  # int64 throughout: mixing in uint64 would go to float
    lo = (d & 0xFF00FF) * keep + 0x800080
    lo = ((lo + ((lo >> 8) & 0xFF00FF)) >> 8) & 0xFF00FF
    hi = ((d >> 8) & 0xFF00FF) * keep + 0x800080
    hi = (hi + ((hi >> 8) & 0xFF00FF)) & 0xFF00FF00
    out[row, col] = np.uint32(color + lo + hi)


@numba.njit(cache=True, nogil=True)
def _band_range(key, order, n0, n1, matrix, origin, reach, margin, row0, row1):
    """The part ``n0:n1`` of ``order`` (one group, ascending ``key``: item y) that can reach
    device rows ``row0:row1``; all of it unless the transform is axis-aligned.

    ``reach`` (item units) bounds how far a primitive extends from its key in y, ``margin``
    (pixels) its stroke. Every band then visits only its own primitives instead of all of them
    (at a million wires that rejection was most of a frame, and all of it when zoomed in), in
    the same order as before, so the image is unchanged.
    """
    m11, m12, m21, m22, dx, dy = matrix
    if m12 != 0.0 or m21 != 0.0 or m22 == 0.0 or n0 >= n1 or not np.isfinite(reach):
        return n0, n1
    pad = reach * abs(m22) + margin
    a = (row0 - pad - dy + origin[1]) / m22
    b = (row1 + pad - dy + origin[1]) / m22
    lo, hi = min(a, b), max(a, b)
    # first n with key >= lo
    left, right = n0, n1
    while left < right:
        mid = (left + right) // 2
        if key[order[mid]] < lo:
            left = mid + 1
        else:
            right = mid
    first = left
    # first n with key > hi (NaN keys sort last and are never drawn)
    right = n1
    while left < right:
        mid = (left + right) // 2
        if key[order[mid]] <= hi:
            left = mid + 1
        else:
            right = mid
    return first, left


@numba.njit(cache=True, nogil=True)
def _raster_segments_rows(xy, order, start, colors, alphas, widths, matrix, origin, out,
                          row0, row1, key, reach):
    """Draw segments ``xy`` (S, 2, 2) into rows ``row0:row1`` of ``out`` (H, W) packed
    premultiplied pixels; ``order``/``start`` list the segments of each group
    (:func:`_order_by_group`).

    ``matrix`` (m11, m12, m21, m22, dx, dy) maps item to device pixels; ``origin`` is the
    device pixel of ``out[0, 0]``; ``colors`` (G,) uint32 are premultiplied pixels and
    ``alphas`` (G,) their alpha bytes; ``widths`` are pixels. Pixels whose centres fall inside a
    segment's rectangle (square caps) are covered; width <= 1 draws one pixel per step.
    """
    n_groups = colors.shape[0]
    width = out.shape[1]
    m11, m12, m21, m22, dx, dy = matrix
    for g in range(n_groups):
        color = np.int64(colors[g])
        keep = np.int64(255 - alphas[g])
        if keep == 255:
            continue
        w = widths[g]
        n0, n1 = _band_range(key, order, start[g], start[g + 1], matrix, origin, reach,
                             w + 2.0, row0, row1)
        for n in range(n0, n1):
            s = order[n]
            xa = m11 * xy[s, 0, 0] + m21 * xy[s, 0, 1] + dx - origin[0]
            ya = m12 * xy[s, 0, 0] + m22 * xy[s, 0, 1] + dy - origin[1]
            xb = m11 * xy[s, 1, 0] + m21 * xy[s, 1, 1] + dx - origin[0]
            yb = m12 * xy[s, 1, 0] + m22 * xy[s, 1, 1] + dy - origin[1]
            if not (np.isfinite(xa) and np.isfinite(ya) and np.isfinite(xb) and np.isfinite(yb)):
                continue
            ex, ey = xb - xa, yb - ya
            length = np.sqrt(ex * ex + ey * ey)
            swap = abs(ey) > abs(ex)
            if swap:  # walk along the major axis: columns become rows
                xa, ya, xb, yb, ex, ey = ya, xa, yb, xb, ey, ex
            if ex < 0:
                xa, ya, xb, yb, ex, ey = xb, yb, xa, ya, -ex, -ey
            # Rows are the major axis when swapped, the minor one otherwise: clip to the band.
            major_lo, major_hi = (row0, row1) if swap else (0, width)
            minor_lo, minor_hi = (0, width) if swap else (row0, row1)
            half = 0.5 * max(w, 1.0)
            if length > 0:
                slope = ey / ex
                cap = half * ex / length
                span = 0.5 * w * length / ex  # half the minor-axis extent of the stroke
            else:
                slope = 0.0
                cap = half
                span = half
            if not swap and (max(ya, yb) + span + 1.0 < row0 or
                             min(ya, yb) - span - 1.0 >= row1):
                continue  # the stroke misses this band of rows
            i0 = max(int(np.ceil(xa - cap - 0.5)), major_lo)
            i1 = min(int(np.ceil(xb + cap - 0.5)), major_hi)
            for i in range(i0, i1):
                yc = ya + (i + 0.5 - xa) * slope
                if w <= 1.0:
                    j0 = int(np.floor(yc))
                    j1 = j0 + 1
                else:
                    j0 = int(np.ceil(yc - span - 0.5))
                    j1 = int(np.ceil(yc + span - 0.5))
                    if j1 <= j0:
                        j0 = int(np.floor(yc))
                        j1 = j0 + 1
                j0 = max(j0, minor_lo)
                j1 = min(j1, minor_hi)
                for j in range(j0, j1):
                    if swap:
                        _blend(out, i, j, color, keep)
                    else:
                        _blend(out, j, i, color, keep)


@numba.njit(cache=True, nogil=True)
def _raster_points_rows(xy, order, start, colors, alphas, sizes, matrix, origin, out,
                        row0, row1, key, reach):
    """Draw points ``xy`` (P, 2) as square dots of ``sizes`` pixels into rows ``row0:row1``
    of ``out`` (H, W)."""
    n_groups = colors.shape[0]
    width = out.shape[1]
    m11, m12, m21, m22, dx, dy = matrix
    for g in range(n_groups):
        color = np.int64(colors[g])
        keep = np.int64(255 - alphas[g])
        if keep == 255:
            continue
        half = 0.5 * sizes[g]
        n0, n1 = _band_range(key, order, start[g], start[g + 1], matrix, origin, reach,
                             sizes[g] + 2.0, row0, row1)
        for n in range(n0, n1):
            p = order[n]
            x = m11 * xy[p, 0] + m21 * xy[p, 1] + dx - origin[0]
            y = m12 * xy[p, 0] + m22 * xy[p, 1] + dy - origin[1]
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            i0 = int(np.ceil(x - half - 0.5))
            i1 = max(int(np.ceil(x + half - 0.5)), i0 + 1)
            j0 = int(np.ceil(y - half - 0.5))
            j1 = max(int(np.ceil(y + half - 0.5)), j0 + 1)
            for j in range(max(j0, row0), min(j1, row1)):
                for i in range(max(i0, 0), min(i1, width)):
                    _blend(out, j, i, color, keep)


# Each band of rows is drawn by one thread, visiting the primitives in the same order as a
# single pass would, so every pixel sees the same blends in the same order: the image is
# identical whatever the thread count. A few bands per thread balance the load.
_BANDS_PER_THREAD = 3


def band_rows(height: int) -> int:
    """Rows per parallel band for an image ``height`` rows tall."""
    return max(16, -(-int(height) // (_BANDS_PER_THREAD * numba.get_num_threads())))


@numba.njit(cache=True, parallel=True, nogil=True)
def _raster_segments(xy, group, colors, alphas, widths, matrix, origin, out, rows=0,
                     key=None, reach=0.0):
    """Draw segments ``xy`` (S, 2, 2) into ``out`` (H, W) packed premultiplied pixels.

    ``matrix`` (m11, m12, m21, m22, dx, dy) maps item to device pixels; ``origin`` is the
    device pixel of ``out[0, 0]``; ``colors`` (G,) uint32 are premultiplied pixels and
    ``alphas`` (G,) their alpha bytes; ``widths`` are pixels. Pixels whose centres fall inside a
    segment's rectangle (square caps) are covered; width <= 1 draws one pixel per step.
    Bands of ``rows`` rows (0: one band) are drawn in parallel (see :func:`band_rows`).
    ``key`` (S,): each segment's mean y, ascending (None: computed here); ``reach``: half the
    largest y extent of a segment (item units).
    """
    order, start = _order_by_group(group, colors.shape[0])
    if key is None:
        key = 0.5 * (xy[:, 0, 1] + xy[:, 1, 1])
        reach = np.inf
    height = out.shape[0]
    rows = rows if rows > 0 else max(height, 1)
    for band in numba.prange(-(-height // rows)):
        _raster_segments_rows(xy, order, start, colors, alphas, widths, matrix, origin, out,
                              band * rows, min((band + 1) * rows, height), key, reach)


@numba.njit(cache=True, parallel=True, nogil=True)
def _raster_points(xy, group, colors, alphas, sizes, matrix, origin, out, rows=0,
                   key=None, reach=0.0):
    """Draw points ``xy`` (P, 2) as square dots of ``sizes`` pixels into ``out`` (H, W);
    bands of ``rows`` rows (0: one band) in parallel; ``key`` (P,) their y, ascending (None:
    taken from ``xy``)."""
    order, start = _order_by_group(group, colors.shape[0])
    if key is None:
        key = np.ascontiguousarray(xy[:, 1])
        reach = np.inf  # not known to be sorted: every band visits every point
    height = out.shape[0]
    rows = rows if rows > 0 else max(height, 1)
    for band in numba.prange(-(-height // rows)):
        _raster_points_rows(xy, order, start, colors, alphas, sizes, matrix, origin, out,
                            band * rows, min((band + 1) * rows, height), key, reach)


def warm_kernels() -> None:
    """Compile (or load) the raster kernels on a few pixels; safe in a worker thread."""
    out = np.zeros((4, 4), dtype=np.uint32)
    colors = np.zeros(1, dtype=np.uint32)
    alphas = np.full(1, 255, dtype=np.int64)
    widths = np.ones(1, dtype=np.float64)
    matrix = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    origin = np.zeros(2, dtype=np.float64)
    group = np.zeros(1, dtype=np.int64)
    # the argument types the layers pass (a sorted key and its reach)
    _raster_segments(np.array([[[0.0, 0.0], [3.0, 3.0]]]), group, colors, alphas, widths,
                     matrix, origin, out, 0, np.array([1.5]), 1.5)
    _raster_points(np.array([[1.0, 1.0]]), group, colors, alphas, widths, matrix, origin,
                   out, 0, np.array([1.0]), 0.0)


#: the raster kernels run one at a time: numba's parallel layer is shared by all threads
_KERNEL_LOCK = threading.Lock()


def _draw_buffer(kernel, xy, group, colors, alphas, widths, matrix, origin, shape, key, reach,
                 perm=None):
    """A new (H, W) uint32 buffer with ``xy`` drawn by ``kernel`` (any thread); ``group`` in
    data order is put in drawing order here when ``perm`` is given."""
    height, width = shape
    if perm is not None:
        group = group[perm]  # 400,000 junctions: milliseconds better spent off the GUI thread
    buffer = np.zeros((height, width), dtype=np.uint32)
    with _KERNEL_LOCK:
        kernel(xy, group, colors, alphas, widths, np.array(matrix),
               np.array(origin, dtype=np.float64), buffer, band_rows(height), key, reach)
    return buffer


class _Rasterizer:
    """The one background thread drawing asynchronous layers' buffers.

    Each layer has at most one pending request (a newer one replaces it); results are handed
    to the layer's ``_rasterized`` signal, which Qt delivers on the GUI thread.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._pending: dict[int, tuple] = {}
        self._thread: threading.Thread | None = None

    def request(self, layer, job: tuple) -> None:
        with self._condition:
            self._pending[id(layer)] = (layer, job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="nwn-raster",
                                                daemon=True)
                self._thread.start()
            self._condition.notify()

    def _loop(self) -> None:
        # below the GUI thread, and so is the OpenMP team this thread's kernels start
        lower_thread_priority()
        while True:
            with self._condition:
                while not self._pending:
                    if not self._condition.wait(timeout=30.0):
                        self._thread = None  # idle: the next request starts a new thread
                        return
                _, (layer, job) = self._pending.popitem()
            key, kernel, args, fmt = job
            try:
                buffer = _draw_buffer(kernel, *args)
                layer._rasterized.emit((key, buffer, fmt, args[6], args[7]))  # origin, shape
            except RuntimeError:
                pass  # the layer was deleted meanwhile (its signal is gone)


_RASTERIZER = _Rasterizer()


def _is_window(device) -> bool:
    """True when painting a window on screen (not an image, pixmap, SVG or printer)."""
    from PySide6 import QtWidgets

    return isinstance(device, QtWidgets.QWidget)


# -- graphics items ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerGeometry:
    """A bulk layer's primitives, ready to draw (:meth:`_BulkLayer.prepare`).

    Attributes
    ----------
    xy : ndarray, shape (P, 2) or (S, 2, 2)
        Coordinates (scene units), in data order.
    perm : ndarray of int64
        Drawing order (by y).
    xy_sorted : ndarray
        ``xy[perm]``, contiguous.
    bounds : (x, y, width, height) or None
        Padded bounding box; None when empty.
    key_sorted : ndarray of float64
        The sort key (y, a segment's mean y) in drawing order.
    reach : float
        How far a primitive extends from its key in y (item units).
    """

    xy: np.ndarray
    perm: np.ndarray
    xy_sorted: np.ndarray
    bounds: tuple | None
    key_sorted: np.ndarray
    reach: float


def _premultiplied(pen: QtGui.QPen, rgba_order: bool) -> np.ndarray:
    """A pen's colour as 4 premultiplied bytes in the buffer's byte order."""
    color = pen.color()
    a = color.alpha()
    r, g, b = ((v * a + 127) // 255 for v in (color.red(), color.green(), color.blue()))
    if rgba_order:
        return np.array([r, g, b, a], dtype=np.uint8)
    # ARGB32_Premultiplied is the 32-bit word 0xAARRGGBB: bytes B, G, R, A on little-endian.
    return np.array([b, g, r, a], dtype=np.uint8)


_HIDDEN: dict[int, np.ndarray] = {}


def _hidden(n: int) -> np.ndarray:
    """A read-only group of ``n`` hidden primitives (-1), one per size (the last few kept):
    a layer cleared of 4.7 million junctions filled a new array on the GUI thread each time."""
    hidden = _HIDDEN.get(n)
    if hidden is None:
        hidden = np.full(n, -1, dtype=np.int64)
        hidden.flags.writeable = False
        while len(_HIDDEN) >= 4:
            _HIDDEN.pop(next(iter(_HIDDEN)))
        _HIDDEN[n] = hidden
    return hidden


def _same_groups(a: np.ndarray, b: np.ndarray) -> bool:
    """``array_equal(a, b)`` for two group arrays, answered from a sample first when they
    differ there (consecutive film or run frames mostly do; a full comparison of 4.7 million
    junction groups took ~10 ms of the GUI thread)."""
    if a is b:
        return True
    if a.shape != b.shape:
        return False
    step = max(1, a.shape[0] // 4096)
    if not np.array_equal(a[::step], b[::step]):
        return False
    return bool(np.array_equal(a, b))


class _BulkLayer(pg.GraphicsObject):
    """Shared bounding box, style bookkeeping and raster cache of the bulk layers.

    Attributes
    ----------
    asynchronous : bool
        Draw a window's buffer in the background thread (see the module notes).
    """

    _rasterized = QtCore.Signal(object)

    def __init__(self, *, raster: bool = True, asynchronous: bool = False) -> None:
        super().__init__()
        self.raster = bool(raster)
        self.asynchronous = bool(asynchronous)
        self._requested_key: tuple | None = None
        self._image_rect: tuple[int, int, int, int] | None = None
        self._rasterized.connect(self._take_raster, QtCore.Qt.ConnectionType.QueuedConnection)
        self._bounds = QtCore.QRectF()
        self._xy = np.zeros((0, 2))
        self._xy_sorted = self._xy
        self._key_sorted = np.zeros(0)
        self._reach = 0.0  # how far a primitive reaches from its key in y (item units)
        self._group = np.zeros(0, dtype=np.int64)
        self._pens: list[QtGui.QPen] = []
        self._drawables: list[tuple[QtGui.QPen, object]] | None = []
        self._version = 0
        self._cache_key: tuple | None = None
        self._buffer = np.zeros((0, 0), dtype=np.uint32)
        self._perm = np.zeros(0, dtype=np.int64)
        self._image: QtGui.QImage | None = None
        #: item -> device matrix (m11, m12, m21, m22, dx, dy) the image was drawn for
        self._image_matrix: tuple | None = None
        #: (matrix, x0, y0, x1, y1, rgba) of the last window paint: a restyle draws the new
        #: buffer for it straight away instead of repainting the old one first
        self._window_view: tuple | None = None

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    #: trailing shape of one primitive's coordinates: (2,) a point, (2, 2) a segment
    _item_shape: tuple[int, ...] = (2,)

    @classmethod
    def prepare(cls, xy: np.ndarray) -> LayerGeometry:
        """The layer's geometry for ``xy`` (points (P, 2) or segments (S, 2, 2), scene units):
        sorted and bounded, no Qt, safe in a worker thread (0.1-0.3 s at 100,000 wires and
        their junctions); hand it to ``set_points``/``set_segments`` as ``prepared``."""
        xy = np.ascontiguousarray(xy, dtype=np.float64).reshape((-1,) + cls._item_shape)
        flat = xy.reshape(-1, 2)
        bounds = None
        if flat.size:
            lo = np.nanmin(flat, axis=0)
            hi = np.nanmax(flat, axis=0)
            # Pad so cosmetic pens at the border are not clipped.
            pad = 0.01 * max(hi[0] - lo[0], hi[1] - lo[1], 1e-9)
            bounds = (lo[0] - pad, lo[1] - pad, hi[0] - lo[0] + 2 * pad,
                      hi[1] - lo[1] + 2 * pad)
        # The kernels visit primitives in this order (within each group): sorted by y, so
        # neighbours in time touch neighbouring buffer rows; in data order every dot would be
        # a cache miss (4x slower at 38,000 junctions).
        y = xy[..., 1].reshape(len(xy), -1).mean(axis=1) if len(xy) else np.zeros(0)
        perm = np.argsort(y, kind="stable")
        # the sort key in sorted order: each band of the raster kernels draws only the
        # primitives whose key falls near it (binary search, see _band_range); ``reach``: how
        # far a primitive extends from its key in y (item units)
        reach = 0.0
        if xy.ndim == 3 and len(xy):
            extent = np.abs(xy[:, 1, 1] - xy[:, 0, 1])
            extent = extent[np.isfinite(extent)]
            reach = 0.5 * float(extent.max()) if extent.size else 0.0
        return LayerGeometry(xy=xy, perm=perm, xy_sorted=np.ascontiguousarray(xy[perm]),
                             bounds=bounds, key_sorted=np.ascontiguousarray(y[perm]),
                             reach=reach)

    def _set_geometry(self, geometry: LayerGeometry) -> None:
        self.prepareGeometryChange()
        self._bounds = QtCore.QRectF(*geometry.bounds) if geometry.bounds is not None \
            else QtCore.QRectF()
        self._xy = geometry.xy
        self._perm = geometry.perm
        self._xy_sorted = geometry.xy_sorted
        self._key_sorted = geometry.key_sorted
        self._reach = geometry.reach
        self._window_view = None  # the layer's area changed: the next paint says where it is
        self._clear()

    def _restyle(self, group: np.ndarray, pens: list[QtGui.QPen]) -> None:
        group = np.asarray(group, dtype=np.int64)
        if group.ndim != 1:
            group = group.ravel()
        if group.shape[0] != self._xy.shape[0]:
            raise ValueError(f"group must have one entry per primitive ({self._xy.shape[0]}) "
                             f"(got {group.shape[0]})")
        if len(pens) == len(self._pens) and all(
                a == b for a, b in zip(pens, self._pens, strict=True)) and \
                _same_groups(group, self._group):
            return  # the same styles again (a run's junction bins, a plain redraw): no redraw
        # A read-only group is the caller's promise that it never changes: kept as it is. The
        # copy cost the GUI thread ~15 ms a restyle at 4.7 million junctions.
        self._group = group if not group.flags.writeable else group.copy()
        self._pens = [QtGui.QPen(pen) for pen in pens]
        self._drawables = None  # vector paths are rebuilt on demand
        self._version += 1
        if self._window_view is not None and self._draws_raster() and self.isVisible():
            # A window's layer: the new buffer is drawn in the background and the layer
            # repaints when it is ready. Repainting now would only composite the old buffer
            # again (one more paint of the whole canvas per frame of a run).
            matrix, x0, y0, x1, y1, rgba = self._window_view
            self._request_raster((matrix, x0, y0, x1, y1, rgba, self._version), matrix,
                                 (x0, y0), (y1 - y0, x1 - x0), rgba)
        else:
            self.update()

    def _clear(self) -> None:
        self._group = _hidden(self._xy.shape[0])
        self._pens = []
        self._drawables = []
        self._version += 1
        self.update()

    @property
    def n_drawn_groups(self) -> int:
        """Number of non-empty style groups (painter calls of one vector repaint)."""
        counts = np.bincount(self._group[self._group >= 0], minlength=len(self._pens))
        return int(np.count_nonzero(counts[:len(self._pens)]))

    # -- painting -----------------------------------------------------------------------------

    def _draws_raster(self) -> bool:
        """True when the styles can be drawn by the raster kernels (on a raster device)."""
        return self.raster and bool(self._pens) and all(
            p.style() == QtCore.Qt.PenStyle.SolidLine for p in self._pens)

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        if not self._pens or self._bounds.isEmpty():
            return
        if painter.paintEngine().type() == _RASTER and self._draws_raster():
            self._paint_raster(painter)
            return
        if self._drawables is None:
            self._drawables = self._build_drawables()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        self._paint_vector(painter)

    def _paint_raster(self, painter: QtGui.QPainter) -> None:
        device = painter.device()
        transform = painter.deviceTransform()  # item -> device pixels
        # What is visible, in item coordinates: the widget (or image) rect brought back through
        # the world transform. Clamping in device pixels instead would be wrong on a windowing
        # system, where the device transform also holds the widget's offset in its window's
        # backing store while device.width() is the widget's own width.
        to_item, invertible = painter.worldTransform().inverted()
        visible = self._bounds
        if invertible:
            visible = visible.intersected(
                to_item.mapRect(QtCore.QRectF(0, 0, device.width(), device.height())))
        window = self.asynchronous and _is_window(device)
        # A window's buffer always covers the whole visible layer: a partial repaint (the
        # picked junction's ring) composites it clipped rather than drawing a piece anew.
        if painter.hasClipping() and not window:
            visible = visible.intersected(painter.clipBoundingRect())
        area = transform.mapRect(visible)
        if area.isEmpty():
            return
        x0, y0 = int(np.floor(area.left())), int(np.floor(area.top()))
        x1, y1 = int(np.ceil(area.right())), int(np.ceil(area.bottom()))
        rgba = (isinstance(device, QtGui.QImage) and device.format() in _RGBA_FORMATS) or \
            sys.byteorder == "big"
        matrix = (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
                  transform.dx(), transform.dy())
        key = (matrix, x0, y0, x1, y1, rgba, self._version)
        shown = QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)  # where the layer is now (device)
        if window:
            self._window_view = (matrix, x0, y0, x1, y1, rgba)
            self._request_raster(key, matrix, (x0, y0), (y1 - y0, x1 - x0), rgba)
            if self._image is None or self._image_rect is None:
                return  # the first buffer is being drawn; it repaints when ready
        elif key != self._cache_key or self._image is None:
            self._rasterize(matrix, (x0, y0), (y1 - y0, x1 - x0), rgba)
            self._cache_key = key
            self._image_rect = (x0, y0, x1 - x0, y1 - y0)
            self._image_matrix = matrix
        ix, iy, width, height = self._image_rect
        painter.save()
        try:
            painter.resetTransform()
            # Device pixels back to the painter's logical coordinates (hi-dpi scale).
            to_logical, _ = painter.deviceTransform().inverted()
            # Never outside where the layer is now: a buffer of an older view (the canvas
            # moved when the busy row closed, or a pan) drawn where it was would leave pixels
            # that the next paint of the layer's own area never covers (a stray band of film
            # colour under a million-wire network).
            painter.setClipRect(to_logical.mapRect(shown), QtCore.Qt.ClipOperation.IntersectClip)
            if self._image_matrix != matrix:
                # A buffer of an older view (a window's, while the new one is drawn): moved
                # and scaled to where its primitives are now, so a pan or zoom follows the
                # mouse at once and sharpens when the new buffer arrives.
                before = QtGui.QTransform(*self._image_matrix)
                back, invertible = before.inverted()
                if invertible:
                    painter.setTransform(back * transform * to_logical)
                    to_logical = QtGui.QTransform()
            painter.drawImage(to_logical.mapRect(QtCore.QRectF(ix, iy, width, height)),
                              self._image)
        finally:
            painter.restore()

    def _request_raster(self, key, matrix, origin, shape, rgba: bool) -> None:
        """Ask the background thread for the buffer ``key`` (unless it is shown or asked)."""
        if key != self._cache_key and key != self._requested_key:
            self._requested_key = key
            _RASTERIZER.request(self, self._raster_job(key, matrix, origin, shape, rgba))

    def _raster_inputs(self, matrix, rgba: bool) -> tuple:
        colors = np.array([_premultiplied(p, rgba) for p in self._pens], dtype=np.uint8)
        alphas = colors[:, 3].astype(np.int64)
        colors = colors.view(np.uint32).ravel()  # the bytes as one pixel, any endianness
        scale = float(np.sqrt(abs(matrix[0] * matrix[3] - matrix[1] * matrix[2])))
        widths = np.array([(p.widthF() or 1.0) if p.isCosmetic() else p.widthF() * scale
                           for p in self._pens], dtype=np.float64)
        return colors, alphas, widths

    @staticmethod
    def _format(rgba: bool) -> QtGui.QImage.Format:
        return (QtGui.QImage.Format.Format_RGBA8888_Premultiplied if rgba
                else QtGui.QImage.Format.Format_ARGB32_Premultiplied)

    def _raster_job(self, key, matrix, origin, shape, rgba: bool) -> tuple:
        # Everything the thread reads is a fresh array or one set_* replaces, never mutates.
        colors, alphas, widths = self._raster_inputs(matrix, rgba)
        args = (self._xy_sorted, self._group, colors, alphas, widths, matrix,
                origin, shape, self._key_sorted, self._reach, self._perm)
        return key, self._kernel, args, self._format(rgba)

    def _take_raster(self, result) -> None:
        key, buffer, fmt, origin, shape = result
        height, width = shape
        self._buffer = buffer
        self._image = QtGui.QImage(buffer.data, width, height, 4 * width, fmt)
        self._image_rect = (origin[0], origin[1], width, height)
        self._image_matrix = key[0]
        if key == self._requested_key:
            self._cache_key = key
            self._requested_key = None
        self.update()

    def _rasterize(self, matrix, origin, shape, rgba: bool) -> None:
        height, width = shape
        if self._buffer.shape != (height, width):
            self._buffer = np.zeros((height, width), dtype=np.uint32)
        else:
            self._buffer.fill(0)
        colors, alphas, widths = self._raster_inputs(matrix, rgba)
        with _KERNEL_LOCK:
            self._kernel(self._xy_sorted, self._group[self._perm], colors, alphas, widths,
                         np.array(matrix), np.array(origin, dtype=np.float64), self._buffer,
                         band_rows(height), self._key_sorted, self._reach)
        self._image = QtGui.QImage(self._buffer.data, width, height, 4 * width,
                                   self._format(rgba))


class SegmentLayer(_BulkLayer):
    """All line segments (wires, wire pieces) as one graphics item.

    Coordinates are scene units (the canvas uses micrometres).

    Parameters
    ----------
    raster : bool
        Draw with the raster kernel on raster devices (see the module notes); False always
        draws QPainter paths (cheaper for a few hundred segments, no full-size buffer).
    asynchronous : bool
        Draw a window's raster buffer in the background thread (see the module notes).
    """

    _kernel = staticmethod(_raster_segments)
    _item_shape = (2, 2)

    def __init__(self, *, raster: bool = True, asynchronous: bool = False) -> None:
        super().__init__(raster=raster, asynchronous=asynchronous)
        self._xy = self._xy_sorted = np.zeros((0, 2, 2))

    def set_segments(self, xy: np.ndarray | None,
                     *, prepared: LayerGeometry | None = None) -> None:
        """Set the segments, shape (S, 2, 2) (segment, end, xy); styles are cleared.

        ``prepared``: :meth:`prepare` of them, if made in a worker thread (``xy`` unused)."""
        self._set_geometry(prepared if prepared is not None else self.prepare(xy))

    @property
    def n_segments(self) -> int:
        return int(self._xy.shape[0])

    def set_style(self, group: np.ndarray, pens: list[QtGui.QPen]) -> None:
        """Draw segment ``s`` with ``pens[group[s]]`` (hidden where ``group[s] < 0``).

        Parameters
        ----------
        group : ndarray of int, shape (S,)
            Copied, unless it is read-only (then kept: it must not change).
        pens : list of QPen
        """
        self._restyle(group, pens)

    def _build_drawables(self) -> list:
        drawables = []
        xs = self._xy[:, :, 0]
        ys = self._xy[:, :, 1]
        for pen, index in zip(self._pens, group_slices(self._group, len(self._pens)),
                              strict=True):
            if index.size == 0:
                continue
            path = fn.arrayToQPath(xs[index].ravel(), ys[index].ravel(), connect="pairs",
                                   finiteCheck=False)
            drawables.append((pen, path))
        return drawables

    def _paint_vector(self, painter: QtGui.QPainter) -> None:
        for pen, path in self._drawables:
            painter.setPen(pen)
            painter.drawPath(path)


class PointLayer(_BulkLayer):
    """All points (junctions) as one graphics item, drawn as square dots of fixed pixel size
    (the pen's width; not antialiased).

    Parameters
    ----------
    raster, asynchronous : bool
        As for :class:`SegmentLayer`.
    """

    _kernel = staticmethod(_raster_points)

    def __init__(self, *, raster: bool = True, asynchronous: bool = False) -> None:
        super().__init__(raster=raster, asynchronous=asynchronous)

    def set_points(self, xy: np.ndarray | None,
                   *, prepared: LayerGeometry | None = None) -> None:
        """Set the points, shape (P, 2); styles are cleared. ``prepared``: :meth:`prepare` of
        them, if made in a worker thread (``xy`` unused)."""
        self._set_geometry(prepared if prepared is not None else self.prepare(xy))

    @property
    def n_points(self) -> int:
        return int(self._xy.shape[0])

    def set_style(self, group: np.ndarray, pens: list[QtGui.QPen]) -> None:
        """Draw point ``p`` with ``pens[group[p]]`` (a cosmetic pen of width w is a w-pixel
        square dot); ``group`` as for :meth:`SegmentLayer.set_style`."""
        self._restyle(group, pens)

    def _build_drawables(self) -> list:
        drawables = []
        for pen, index in zip(self._pens, group_slices(self._group, len(self._pens)),
                              strict=True):
            if index.size == 0:
                continue
            polygon = fn.create_qpolygonf(index.size)
            fn.ndarray_from_qpolygonf(polygon)[:] = self._xy[index]
            drawables.append((pen, polygon))
        return drawables

    def _paint_vector(self, painter: QtGui.QPainter) -> None:
        for pen, polygon in self._drawables:
            painter.setPen(pen)
            painter.drawPoints(polygon)
