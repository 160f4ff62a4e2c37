"""Bulk graphics items for the network canvas: thousands of segments or points, one item each.

A nanowire network has 10^4-10^5 wires and junctions; one ``QGraphicsItem`` per wire would
make the scene unusable. :class:`SegmentLayer` and :class:`PointLayer` are each *one* item that
holds all its primitives as arrays and draws them grouped by style: one ``QPainterPath``
(built by :func:`pyqtgraph.arrayToQPath` with ``connect="pairs"``) or one ``QPolygonF`` per
style group, so a frame costs a few painter calls whatever the network size.

Styles are a short list of pens; every primitive carries a group index into that list (-1 hides
it). Colour maps are binned into a few pens, which is what keeps the path count small.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6 import QtCore, QtGui

__all__ = ["SegmentLayer", "PointLayer", "group_slices"]


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


class _BulkLayer(pg.GraphicsObject):
    """Shared bounding-box and style bookkeeping of the bulk layers."""

    def __init__(self) -> None:
        super().__init__()
        self._bounds = QtCore.QRectF()
        self._pens: list[QtGui.QPen] = []
        self._drawables: list[tuple[QtGui.QPen, object]] = []

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802 - Qt API
        return self._bounds

    def _set_bounds(self, xy: np.ndarray) -> None:
        self.prepareGeometryChange()
        if xy.size == 0:
            self._bounds = QtCore.QRectF()
            return
        lo = np.nanmin(xy, axis=0)
        hi = np.nanmax(xy, axis=0)
        # Pad so cosmetic pens at the border are not clipped.
        pad = 0.01 * max(hi[0] - lo[0], hi[1] - lo[1], 1e-9)
        self._bounds = QtCore.QRectF(lo[0] - pad, lo[1] - pad,
                                     hi[0] - lo[0] + 2 * pad, hi[1] - lo[1] + 2 * pad)

    @property
    def n_drawn_groups(self) -> int:
        """Number of painter calls one repaint makes."""
        return len(self._drawables)


class SegmentLayer(_BulkLayer):
    """All line segments (wires, wire pieces) as one graphics item.

    Coordinates are scene units (the canvas uses micrometres).
    """

    def __init__(self) -> None:
        super().__init__()
        self._xy = np.zeros((0, 2, 2))

    def set_segments(self, xy: np.ndarray) -> None:
        """Set the segments, shape (S, 2, 2) (segment, end, xy); styles are cleared."""
        self._xy = np.ascontiguousarray(xy, dtype=np.float64)
        self._set_bounds(self._xy.reshape(-1, 2))
        self._drawables = []
        self.update()

    @property
    def n_segments(self) -> int:
        return int(self._xy.shape[0])

    def set_style(self, group: np.ndarray, pens: list[QtGui.QPen]) -> None:
        """Draw segment ``s`` with ``pens[group[s]]`` (hidden where ``group[s] < 0``).

        Parameters
        ----------
        group : ndarray of int, shape (S,)
        pens : list of QPen
        """
        drawables = []
        xs = self._xy[:, :, 0]
        ys = self._xy[:, :, 1]
        for pen, index in zip(pens, group_slices(group, len(pens)), strict=True):
            if index.size == 0:
                continue
            path = fn.arrayToQPath(xs[index].ravel(), ys[index].ravel(), connect="pairs",
                                   finiteCheck=False)
            drawables.append((pen, path))
        self._drawables = drawables
        self.update()

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        for pen, path in self._drawables:
            painter.setPen(pen)
            painter.drawPath(path)


class PointLayer(_BulkLayer):
    """All points (junctions) as one graphics item, drawn as dots of fixed pixel size (the
    pen's width and cap; not antialiased, which keeps the raster engine on its fast path)."""

    def __init__(self) -> None:
        super().__init__()
        self._xy = np.zeros((0, 2))

    def set_points(self, xy: np.ndarray) -> None:
        """Set the points, shape (P, 2); styles are cleared."""
        self._xy = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
        self._set_bounds(self._xy)
        self._drawables = []
        self.update()

    @property
    def n_points(self) -> int:
        return int(self._xy.shape[0])

    def set_style(self, group: np.ndarray, pens: list[QtGui.QPen]) -> None:
        """Draw point ``p`` with ``pens[group[p]]`` (a cosmetic pen of width w is a w-pixel dot)."""
        drawables = []
        for pen, index in zip(pens, group_slices(group, len(pens)), strict=True):
            if index.size == 0:
                continue
            polygon = fn.create_qpolygonf(index.size)
            fn.ndarray_from_qpolygonf(polygon)[:] = self._xy[index]
            drawables.append((pen, polygon))
        self._drawables = drawables
        self.update()

    def paint(self, painter: QtGui.QPainter, *args) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        for pen, polygon in self._drawables:
            painter.setPen(pen)
            painter.drawPoints(polygon)
