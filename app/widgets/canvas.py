"""The studio's network canvas: the network view plus drawing tools, handles and picking.

:class:`NetworkCanvas` is :class:`~nwn.app.render.network_view.NetworkView` (what is drawn,
and the offscreen rendering that movies use) with the mouse added: drawing electrode shapes
(:class:`CanvasViewBox`), move/resize handles on electrodes (ROIs) and hover/click picking of
junctions and wires.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from nwn.app.render.network_view import UM, NetworkView, line_pen, shape_to_path

__all__ = ["CanvasViewBox", "NetworkCanvas"]

_TOOLS = ("select", "rectangle", "polygon", "line", "point")
#: colour (RGB) and ring size (pixels) of the picked junction or wire
SELECTION_COLOR = (0, 230, 255)
SELECTION_RING_PX = 16


class CanvasViewBox(pg.ViewBox):
    """A ViewBox whose mouse draws electrode shapes when a drawing tool is active."""

    def __init__(self, canvas: NetworkCanvas) -> None:
        super().__init__(lockAspect=True, invertY=False)
        self._canvas = canvas
        self.tool = "select"
        self._start: QtCore.QPointF | None = None
        self._polygon: list[QtCore.QPointF] = []
        self._rubber = QtWidgets.QGraphicsPathItem()
        self._rubber.setPen(line_pen((255, 255, 255), 1.5))
        self._rubber.setZValue(100)
        self.addItem(self._rubber, ignoreBounds=True)

    def set_tool(self, tool: str) -> None:
        self.tool = tool
        self._polygon = []
        self._start = None
        self._rubber.setPath(QtGui.QPainterPath())

    def _shape(self, start: QtCore.QPointF, end: QtCore.QPointF) -> dict | None:
        x0, y0, x1, y1 = start.x() / UM, start.y() / UM, end.x() / UM, end.y() / UM
        if self.tool == "rectangle":
            if x0 == x1 or y0 == y1:
                return None
            return {"type": "rectangle",
                    "bounds": [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]}
        if self.tool == "line":
            if (x0, y0) == (x1, y1):
                return None
            return {"type": "line", "points": [[x0, y0], [x1, y1]]}
        radius = float(np.hypot(x1 - x0, y1 - y0))
        return {"type": "point", "centre": [x0, y0],
                "radius": radius if radius > 0 else self._canvas.default_contact_radius}

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph API
        if self.tool not in ("rectangle", "line", "point") or \
                ev.button() != QtCore.Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        here = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            self._start = self.mapSceneToView(ev.buttonDownScenePos())
        if self._start is None:
            return
        shape = self._shape(self._start, here)
        self._rubber.setPath(shape_to_path(shape) if shape else QtGui.QPainterPath())
        if ev.isFinish():
            self._rubber.setPath(QtGui.QPainterPath())
            self._start = None
            if shape is not None:
                self._canvas.electrodeDrawn.emit(shape)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        if ev.button() != QtCore.Qt.MouseButton.LeftButton or self.tool == "select":
            if self.tool == "select" and ev.button() == QtCore.Qt.MouseButton.LeftButton:
                ev.accept()
                here = self.mapSceneToView(ev.scenePos())
                name = self._canvas.electrode_at(
                    here.x(), here.y(), tolerance=6 * max(self.viewPixelSize()))
                if name is not None:
                    self._canvas.electrodeClicked.emit(name)
                self._canvas._pick(here, clicked=True)
                return
            super().mouseClickEvent(ev)
            return
        ev.accept()
        here = self.mapSceneToView(ev.scenePos())
        if self.tool == "point":
            self._canvas.electrodeDrawn.emit(
                {"type": "point", "centre": [here.x() / UM, here.y() / UM],
                 "radius": self._canvas.default_contact_radius})
        elif self.tool == "polygon":
            self._polygon.append(here)
            closing = ev.double() and len(self._polygon) >= 3
            if closing:
                points = [[p.x() / UM, p.y() / UM] for p in self._polygon]
                # a double click also delivered its first click: drop the duplicate vertex
                if len(points) > 3 and points[-1] == points[-2]:
                    points.pop()
                self._polygon = []
                self._rubber.setPath(QtGui.QPainterPath())
                self._canvas.electrodeDrawn.emit({"type": "polygon", "points": points})
                return
            path = QtGui.QPainterPath(self._polygon[0])
            for point in self._polygon[1:]:
                path.lineTo(point)
            self._rubber.setPath(path)

    def finish_polygon(self) -> None:
        """Close the polygon being drawn (Enter key)."""
        if self.tool == "polygon" and len(self._polygon) >= 3:
            points = [[p.x() / UM, p.y() / UM] for p in self._polygon]
            self._polygon = []
            self._rubber.setPath(QtGui.QPainterPath())
            self._canvas.electrodeDrawn.emit({"type": "polygon", "points": points})


class NetworkCanvas(NetworkView):
    """The network view with mouse tools: draw, edit and inspect.

    Signals
    -------
    electrodeDrawn(dict)
        A new electrode shape (scenario shape dict, metres) was drawn with a tool.
    electrodeEdited(str, dict)
        The named electrode was moved or resized with the mouse; its new shape dict.
    hovered(str, int)
        ``("junction" | "wire" | "", index)`` under the mouse.
    picked(str, int)
        Same, on a click.
    electrodeClicked(str)
        The select tool clicked on the named electrode (the table selects it).
    keyCommand(str)
        ``"escape"`` or ``"delete"`` pressed on the canvas (leave the tool; delete the
        selected electrode).
    """

    electrodeDrawn = QtCore.Signal(dict)
    electrodeEdited = QtCore.Signal(str, dict)
    hovered = QtCore.Signal(str, int)
    picked = QtCore.Signal(str, int)
    electrodeClicked = QtCore.Signal(str)
    keyCommand = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._rois: dict[str, pg.ROI] = {}
        self._editable = False
        self._junction_tree = None
        self._junction_xy = np.zeros((0, 2))
        self._rebuild_rois_pending = False
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)  # Escape/Delete reach it
        # A window's wires and junctions are rasterized in the background: a 100,000-wire
        # buffer never stalls the GUI thread (exports and grabs still draw synchronously).
        for layer in (self.wires, self.junctions, self.highlight_layer):
            layer.asynchronous = True
        # The picked element: a ring around a junction, a bright bar along a wire.
        self.selection = ("", -1)
        self._selection_ring = pg.ScatterPlotItem(
            size=SELECTION_RING_PX, symbol="o", pen=pg.mkPen(SELECTION_COLOR, width=2.5),
            brush=None, pxMode=True)
        self._selection_line = QtWidgets.QGraphicsLineItem()
        self._selection_line.setPen(line_pen(SELECTION_COLOR, 4.0))
        for item in (self._selection_ring, self._selection_line):
            item.setZValue(55)
            item.hide()
            self.view.addItem(item, ignoreBounds=True)

    def _make_view(self) -> CanvasViewBox:
        return CanvasViewBox(self)

    def _set_wire_geometry(self, wire_xy: np.ndarray, junction_xy: np.ndarray, *,
                           geometry: tuple | None = None) -> None:
        super()._set_wire_geometry(wire_xy, junction_xy, geometry=geometry)
        self._junction_xy = np.asarray(junction_xy, dtype=np.float64).reshape(-1, 2)
        self._junction_tree = None  # built on the first pick (or taken from the scene)

    def _junctions_tree(self):
        """cKDTree of the junctions shown (m): the built network's scene keeps one."""
        if self.scene_data is not None:
            return self.scene_data.junction_tree
        if self._junction_tree is None and len(self._junction_xy):
            from scipy.spatial import cKDTree

            self._junction_tree = cKDTree(self._junction_xy)
        return self._junction_tree

    def set_network(self, network, **prepared) -> None:
        super().set_network(network, **prepared)
        self.set_selection("", -1)  # indices of another network mean nothing here

    def set_film(self, wire_xy, junction_xy, **geometry) -> None:
        super().set_film(wire_xy, junction_xy, **geometry)
        self.set_selection("", -1)
        self._junction_tree = None  # nothing to pick while the network forms
        self._junction_xy = np.zeros((0, 2))

    def set_electrodes(self, electrodes, *, flagged=()) -> None:
        super().set_electrodes(electrodes, flagged=flagged)
        if self._editable:
            self._schedule_roi_rebuild()

    # -- editing ------------------------------------------------------------------------------

    def set_tool(self, tool: str) -> None:
        """Mouse tool: ``"select"`` (pan, zoom, inspect) or a shape to draw."""
        if tool not in _TOOLS:
            raise ValueError(f"tool must be one of {', '.join(_TOOLS)} (got {tool!r})")
        self.view.set_tool(tool)

    def set_editable(self, editable: bool) -> None:
        """Show move/resize handles (ROIs) on every electrode."""
        self._editable = editable
        self._rebuild_rois()

    def _schedule_roi_rebuild(self) -> None:
        # An ROI must not be deleted from inside its own signal: rebuild on the next loop pass.
        if not self._rebuild_rois_pending:
            self._rebuild_rois_pending = True
            QtCore.QTimer.singleShot(0, self._rebuild_rois)

    def _rebuild_rois(self) -> None:
        self._rebuild_rois_pending = False
        for roi in self._rois.values():
            self.view.removeItem(roi)
        self._rois = {}
        if not self._editable:
            return
        for electrode in self._electrodes:
            roi = _make_roi(electrode.shape)
            roi.setZValue(60)
            roi.sigRegionChangeFinished.connect(
                lambda r, name=electrode.name, kind=electrode.shape["type"]:
                self.electrodeEdited.emit(name, _roi_shape(r, kind)))
            self.view.addItem(roi)
            self._rois[electrode.name] = roi

    def roi(self, name: str) -> pg.ROI:
        """The move/resize handle of electrode ``name`` (while editable)."""
        return self._rois[name]

    # -- inspection ---------------------------------------------------------------------------

    def set_selection(self, kind: str, index: int) -> None:
        """Mark the picked ``"junction"`` or ``"wire"`` ``index`` on the canvas ("" clears)."""
        scene = self.scene_data
        self.selection = (kind, index) if kind else ("", -1)
        self._selection_ring.hide()
        self._selection_line.hide()
        if scene is None or not kind or index < 0:
            return
        if kind == "junction" and index < len(scene.junction_xy):
            x, y = scene.junction_xy[index] * UM
            self._selection_ring.setData([x], [y])
            self._selection_ring.show()
        elif kind == "wire" and index < scene.n_wires:
            (x0, y0), (x1, y1) = scene.wire_xy[index] * UM
            self._selection_line.setLine(x0, y0, x1, y1)
            self._selection_line.show()
        else:
            return
        # No repaint() here: it painted the whole canvas, and the scene's own update of the
        # ring's few pixels followed on the next pass of the event loop as a second paint.
        # That update alone is the response: posted events go before the next frame's timer.

    def nearest(self, x: float, y: float, *, radius: float) -> tuple[str, int]:
        """The junction (preferred) or wire nearest to scene point ``(x, y)`` within
        ``radius`` scene units: ``("junction" | "wire" | "", index)``."""
        tree = self._junctions_tree()
        if tree is not None:
            distance, index = tree.query((x / UM, y / UM))
            if distance * UM <= radius:
                return "junction", int(index)
        xy = self._wire_xy_um
        if xy.size:
            a, b = xy[:, 0], xy[:, 1]
            d = b - a
            t = np.clip(((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1])
                        / np.maximum((d * d).sum(axis=1), 1e-30), 0, 1)
            distance = np.hypot(a[:, 0] + t * d[:, 0] - x, a[:, 1] + t * d[:, 1] - y)
            index = int(np.argmin(distance))
            if distance[index] <= radius:
                return "wire", index
        return "", -1

    def _pick(self, point: QtCore.QPointF, *, clicked: bool) -> None:
        pixel = self.view.viewPixelSize()
        kind, index = self.nearest(point.x(), point.y(), radius=6 * max(pixel))
        (self.picked if clicked else self.hovered).emit(kind, index)

    def _mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        if self.view.tool != "select" or not self.view.sceneBoundingRect().contains(scene_pos):
            return
        self._pick(self.view.mapSceneToView(scene_pos), clicked=False)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (QtCore.Qt.Key.Key_Return, QtCore.Qt.Key.Key_Enter):
            self.view.finish_polygon()
            return
        if event.key() == QtCore.Qt.Key.Key_Escape:
            self.keyCommand.emit("escape")
            return
        if event.key() in (QtCore.Qt.Key.Key_Delete, QtCore.Qt.Key.Key_Backspace):
            self.keyCommand.emit("delete")
            return
        super().keyPressEvent(event)


def _make_roi(shape: dict) -> pg.ROI:
    pen = pg.mkPen(255, 255, 255, width=1.5)
    kind = shape["type"]
    if kind == "rectangle":
        x0, y0, x1, y1 = (v * UM for v in shape["bounds"])
        return pg.RectROI((x0, y0), (x1 - x0, y1 - y0), pen=pen)
    if kind == "point":
        cx, cy = (v * UM for v in shape["centre"])
        r = shape["radius"] * UM
        return pg.CircleROI((cx - r, cy - r), (2 * r, 2 * r), pen=pen)
    points = [(x * UM, y * UM) for x, y in shape["points"]]
    if kind == "line" and len(points) == 2:
        return pg.LineSegmentROI(points, pen=pen)
    return pg.PolyLineROI(points, closed=kind == "polygon", pen=pen)


def _roi_shape(roi: pg.ROI, kind: str) -> dict:
    """The shape dict (metres) an ROI now outlines."""
    if kind == "rectangle":
        x, y = roi.pos()
        w, h = roi.size()
        x0, x1 = sorted((x, x + w))
        y0, y1 = sorted((y, y + h))
        return {"type": "rectangle", "bounds": [x0 / UM, y0 / UM, x1 / UM, y1 / UM]}
    if kind == "point":
        x, y = roi.pos()
        w, _ = roi.size()
        r = abs(w) / 2
        return {"type": "point", "centre": [(x + r) / UM, (y + r) / UM], "radius": r / UM}
    points = [roi.mapToParent(handle.pos()) for handle in roi.getHandles()]
    return {"type": kind, "points": [[p.x() / UM, p.y() / UM] for p in points]}
