"""The network view: wires, junctions, electrodes, colour bar and scale bar (pyqtgraph).

All wires are one :class:`~nwn.app.render.layers.SegmentLayer` and all junctions one
:class:`~nwn.app.render.layers.PointLayer`; colour maps are binned into a few pens and the
brightness and width of a wire grow with the current it carries, so conduction pathways stand
out. The view draws from a :class:`~nwn.engine.simulation.Snapshot`
(:meth:`NetworkView.show_snapshot`) or from a deposition state
(:meth:`NetworkView.show_deposition`) and needs no main window: :meth:`NetworkView.render_image`
renders it offscreen, which is how movie frames are made. The studio's interactive canvas
(:class:`nwn.app.widgets.canvas.NetworkCanvas`) is this view plus drawing tools, handles and
picking, so a movie looks like the app.

Scene coordinates are micrometres (what people read); the model's metres are converted at the
boundary (``UM``).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from nwn.app.models.deposition_film import CLUSTER_COLORS, cluster_groups
from nwn.app.models.run_style import (
    N_COLOR_BINS,
    N_WIDTHS,
    PATH_INTERVAL_S,
    RunSettings,
    RunStyle,
    frozen,
    make_run_style,
    path_edges,
)
from nwn.app.models.scene import COLOR_MODES, ColorScale, NetworkScene
from nwn.app.render.layers import PointLayer, SegmentLayer
from nwn.app.render.units import nice_length

__all__ = ["BACKGROUND", "NetworkView", "PATH_COLOR", "ROLE_COLORS", "UM", "line_pen",
           "shape_to_path"]

#: metres -> scene units (micrometres)
UM = 1e6
#: fill colour of each electrode role (RGB); none is a wire or cluster grey, so a contact stands
#: out among the wires (floating used to be the wires' grey)
ROLE_COLORS = {
    "voltage": (235, 110, 20),
    "current": (205, 40, 170),
    "ground": (40, 120, 230),
    "floating": (40, 215, 215),
}
#: electrode outline widths in screen pixels (cosmetic pens: the same at every zoom), and the
#: dark halo drawn under each outline so it reads against bright and dark wires alike
ELECTRODE_WIDTH = {"area": 2.5, "line": 5.0, "selected": 2.0}
_HALO = (0, 0, 0)
#: electrode-contact outlines are rastered (not QPainter paths) above this many wires
RASTER_HIGHLIGHT_ABOVE = 2000
#: junction dots shrink as they crowd, so the wires stay visible: a dot is drawn at most as
#: wide (px, whole pixels, at least 1) as keeps junctions per pixel x width^2 under this
DOT_COVER = 0.3
#: above this many junctions per pixel (100,000 wires fitted in a window, a million at any
#: size) a plain or film view draws no junction dots: they would cover every wire in one
#: colour; a run's dots (coloured by their values) stay, one pixel each
DOT_HIDE_DENSITY = 1.0
#: colour of the lowest-resistance path (RGB)
PATH_COLOR = (0, 255, 140)
BACKGROUND = (16, 20, 26)
_NEUTRAL_WIRE = (150, 160, 180)
_CMAPS = {"state": "viridis", "conductance": "viridis", "current": "inferno",
          "voltage": "plasma"}
# Cluster palette for deposition (the spanning cluster is white): one list, with the grouping.
_CLUSTER_COLORS = CLUSTER_COLORS


def shape_to_path(shape: dict) -> QtGui.QPainterPath:
    """A scenario electrode shape dict (metres) as a QPainterPath in scene units."""
    path = QtGui.QPainterPath()
    kind = shape["type"]
    if kind == "rectangle":
        x0, y0, x1, y1 = (v * UM for v in shape["bounds"])
        path.addRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
    elif kind == "point":
        cx, cy = (v * UM for v in shape["centre"])
        r = shape["radius"] * UM
        path.addEllipse(QtCore.QPointF(cx, cy), r, r)
    else:
        points = [QtCore.QPointF(x * UM, y * UM) for x, y in shape["points"]]
        path.moveTo(points[0])
        for point in points[1:]:
            path.lineTo(point)
        if kind == "polygon":
            path.closeSubpath()
    return path


def _shape_bounds(shape: dict) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` (scene units) around a scenario shape dict (m)."""
    kind = shape["type"]
    if kind == "rectangle":
        x0, y0, x1, y1 = shape["bounds"]
        return x0 * UM, y0 * UM, x1 * UM, y1 * UM
    if kind == "point":
        (cx, cy), r = shape["centre"], shape["radius"]
        return (cx - r) * UM, (cy - r) * UM, (cx + r) * UM, (cy + r) * UM
    points = np.asarray(shape["points"]) * UM
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


#: a contact whose top lies this close (fraction of the box height) to the box's top edge gets
#: its label below its top: above, the label would stand in the view's thin margin and be cut
_TOP_BAND = 0.1


def _label_anchor(shape: dict, box_um: tuple[float, float] | None = None
                  ) -> tuple[float, float, tuple[float, float]]:
    """Where an electrode's label goes: ``(x, y)`` (scene units) and the TextItem anchor.

    The label sits beside the contact rather than on it (a line contact's label used to hide
    it), on the side facing the box's interior: above the contact, right-aligned to its right
    end in the box's right half; for a contact reaching the box's top edge, beside it at its
    top (inwards), or under it if it spans most of the width. The label's width is in pixels,
    not scene units (it keeps its size at every zoom): growing inwards from the contact it
    stays inside the view however narrow the window (left-aligned, the right-hand contact's
    label ran off the canvas).

    Parameters
    ----------
    shape : dict
        The scenario shape (m).
    box_um : (float, float) or None
        The substrate's (width, height) in scene units (µm); None: not known yet, the label
        goes above the contact's top-left corner.
    """
    x0, y0, x1, y1 = _shape_bounds(shape)
    if box_um is None:
        return x0, y1, (0.0, 1.0)
    width, height = box_um
    right = 0.5 * (x0 + x1) > 0.5 * width
    if y1 <= (1.0 - _TOP_BAND) * height:
        return (x1, y1, (1.0, 1.0)) if right else (x0, y1, (0.0, 1.0))
    if x1 - x0 > 0.5 * width:
        return x0, y0, (0.0, 0.0)
    return (x0, y1, (1.0, 0.0)) if right else (x1, y1, (0.0, 0.0))


def _place_label(label: pg.TextItem, shape: dict, box_um: tuple[float, float] | None) -> None:
    x, y, anchor = _label_anchor(shape, box_um)
    label.setAnchor(anchor)
    label.setPos(x, y)


def _centroid(shape: dict) -> tuple[float, float]:
    kind = shape["type"]
    if kind == "rectangle":
        x0, y0, x1, y1 = shape["bounds"]
        return 0.5 * (x0 + x1) * UM, 0.5 * (y0 + y1) * UM
    if kind == "point":
        return shape["centre"][0] * UM, shape["centre"][1] * UM
    points = np.asarray(shape["points"]) * UM
    return float(points[:, 0].mean()), float(points[:, 1].mean())


def _electrode_geometry(shape: dict):
    """The shapely geometry of a scenario shape dict (m), as the network builder sees it."""
    from nwn.geometry.shapes import shape_geometry

    return shape_geometry(shape)


def line_pen(rgb, width: float, alpha: int = 255) -> QtGui.QPen:
    """A cosmetic pen (``width`` in pixels at any zoom) of colour ``rgb`` (0-255)."""
    pen = QtGui.QPen(QtGui.QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]), alpha))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    return pen


def _dot_pen(rgb, size: float, alpha: int = 255) -> QtGui.QPen:
    """Pen drawing a point as a square dot of ``size`` pixels.

    Square caps on the raster engine's fast point path: round antialiased dots cost ~25x more
    (375 ms against 15 ms for 38,000 junctions at 1100 x 800 px, bench_canvas).
    """
    pen = line_pen(rgb, size, alpha)
    pen.setCapStyle(QtCore.Qt.PenCapStyle.SquareCap)
    return pen


_FILLED: dict[tuple[int, int], np.ndarray] = {}


def _filled(n: int, value: int) -> np.ndarray:
    """A read-only int64 array of ``n`` times ``value``, the same object for the same
    arguments (the last four kept: a network's wires and junctions, drawn and hidden)."""
    array = _FILLED.get((n, value))
    if array is None:
        array = np.full(n, value, dtype=np.int64)
        array.flags.writeable = False
        while len(_FILLED) >= 4:
            _FILLED.pop(next(iter(_FILLED)))
        _FILLED[(n, value)] = array
    return array


def _zeros(n: int) -> np.ndarray:
    """:func:`_filled` with zeros: every primitive in the first group."""
    return _filled(n, 0)


class NetworkView(pg.GraphicsLayoutWidget):
    """Draws a network, its electrodes and the state of a run (no mouse editing)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground(BACKGROUND)
        self.view = self._make_view()
        self.addItem(self.view, row=0, col=0)
        self.wires = SegmentLayer()
        self.junctions = PointLayer()
        # A few hundred segments: QPainter paths beat compositing another full-size buffer.
        self.path_layer = SegmentLayer(raster=False)
        self.highlight_layer = SegmentLayer(raster=False)
        for z, item in enumerate((self.wires, self.highlight_layer, self.junctions,
                                  self.path_layer)):
            item.setZValue(10 + z)
            self.view.addItem(item)
        self.colorbar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"),
                                        interactive=False, width=14, label="")
        self.addItem(self.colorbar, row=0, col=1)
        self.colorbar.hide()
        self.scale_bar = pg.ScaleBar(10, width=4, brush=pg.mkBrush(230, 230, 230),
                                     suffix="m", offset=(-20, -20))
        self.scale_bar.setParentItem(self.view)
        self.scale_bar.anchor((1, 1), (1, 1), offset=(-20, -20))
        self.banner = pg.TextItem("", color=(255, 255, 255), anchor=(0, 0))
        self.banner.setParentItem(self.view)
        self.banner.setPos(8, 8)
        self.default_contact_radius = 2e-6
        self.network = None
        self.scene_data: NetworkScene | None = None
        self.snapshot = None
        self.color_mode = "state"
        self.log_scale: bool | None = None
        self.backbone_fraction: float | None = None
        self.path_between: tuple[str, str] | None = None
        self.path_edges = np.zeros(0, dtype=np.int64)
        self.last_scale: ColorScale | None = None
        self._style: RunStyle | None = None  # the run style drawn last
        #: (low, high) colour range kept for every state (a movie's), None: fitted per state.
        self.fixed_scale: tuple[float, float] | None = None
        self._electrodes: list = []
        self._electrode_items: list[QtWidgets.QGraphicsItem] = []
        self._labels: list[tuple[pg.TextItem, dict]] = []  # each label and its contact's shape
        self._box_um: tuple[float, float] | None = None  # the substrate (µm), once set
        self._flagged: set[str] = set()
        self.selected_electrode: str | None = None
        self._drawn_selected: str | None = None  # the selected electrode as drawn
        self._wire_xy_um = np.zeros((0, 2, 2))
        self._path_time = -np.inf
        self._colorbar_key: tuple | None = None
        self._film_groups: tuple | None = None  # the film frame shown (wire, junction groups)
        self._dot_class: tuple | None = None  # (dot px, plain dots hidden) the styles used
        self._zoom_restyle_due = False
        self._rendering = False  # render_image's own resizes restyle nothing
        self.view.sigRangeChanged.connect(self._range_changed)

    def _make_view(self) -> pg.ViewBox:
        """The view box the network is drawn in (the studio's canvas adds drawing tools)."""
        return pg.ViewBox(lockAspect=True, invertY=False)

    # -- content ------------------------------------------------------------------------------

    def set_box(self, box: tuple[float, float]) -> None:
        """Frame the substrate ``(width, height)`` (m) and size the scale bar to it."""
        width, height = box[0] * UM, box[1] * UM
        self.view.setRange(QtCore.QRectF(0, 0, width, height), padding=0.04)
        self.default_contact_radius = 0.02 * min(box)
        self._box_um = (width, height)
        for label, shape in self._labels:
            _place_label(label, shape, self._box_um)
        nice = nice_length(width / 5)
        self.scale_bar.size = nice
        self.scale_bar.text.setText(f"{nice:g} µm")
        self.scale_bar.updateBar()

    def _set_wire_geometry(self, wire_xy: np.ndarray, junction_xy: np.ndarray, *,
                           geometry: tuple | None = None) -> None:
        wires, junctions = geometry if geometry is not None else self.prepare_geometry(
            wire_xy, junction_xy)
        self._wire_xy_um = wires.xy
        self.wires.set_segments(None, prepared=wires)
        self.junctions.set_points(None, prepared=junctions)

    def _show_geometry(self, wire_xy: np.ndarray, junction_xy: np.ndarray, *,
                       geometry: tuple | None = None) -> None:
        """:meth:`_set_wire_geometry`, unless exactly these wires and junctions are shown.

        Sorting the primitives for the raster kernels (and the canvas's picking tree) takes
        seconds at a million wires; the network built after a deposition, or the same network
        shown again, has the same geometry: comparing the arrays costs milliseconds.
        """
        if geometry is not None:  # prepared in a worker: taking it costs nothing
            self._set_wire_geometry(wire_xy, junction_xy, geometry=geometry)
            return
        wire_xy = np.asarray(wire_xy, dtype=np.float64)
        junction_xy = np.asarray(junction_xy, dtype=np.float64).reshape(-1, 2)
        # compared with the layers' own copies (in um, as _set_wire_geometry makes them)
        shown_wires, shown_junctions = self._wire_xy_um, self.junctions._xy  # noqa: SLF001
        if (shown_wires.shape == wire_xy.shape and shown_junctions.shape == junction_xy.shape
                and np.array_equal(shown_wires, wire_xy * UM)
                and np.array_equal(shown_junctions, junction_xy * UM)):
            return
        self._set_wire_geometry(wire_xy, junction_xy, geometry=geometry)


    @staticmethod
    def prepare_geometry(wire_xy: np.ndarray, junction_xy: np.ndarray) -> tuple:
        """The wire and junction layers' geometry (:class:`~nwn.app.render.layers.LayerGeometry`)
        of wires (W, 2, 2) and junctions (M, 2) in metres, for :meth:`set_network` and
        :meth:`set_film`: safe in a worker thread (0.1-0.3 s at 100,000 wires)."""
        return (SegmentLayer.prepare(np.asarray(wire_xy, dtype=np.float64) * UM),
                PointLayer.prepare(np.asarray(junction_xy, dtype=np.float64).reshape(-1, 2)
                                   * UM))

    @staticmethod
    def highlight_geometry(scene: NetworkScene, electrodes):
        """The contact-outline layer's geometry: the wires of ``scene`` touching
        ``electrodes``, sorted for the raster kernel (0.2-1 s at 100,000 wires, 20,000 of them
        under wide bars). Cached on the scene with its :meth:`NetworkScene.touching`, so the
        build worker makes it and the GUI thread only takes it."""
        index = scene.touching(electrodes)  # the scene keeps the wires' tree
        cached = scene.__dict__.get("_highlight_geometry")
        if cached is None or cached[0] is not index:
            cached = (index, SegmentLayer.prepare(scene.wire_xy[index] * UM))
            scene.__dict__["_highlight_geometry"] = cached
        return cached[1]

    def set_network(self, network, *, scene: NetworkScene | None = None,
                    geometry: tuple | None = None) -> None:
        """Show a built network (no run state yet): neutral wires, junction dots.

        ``scene``: its :class:`NetworkScene`, if already made, and ``geometry`` the
        :meth:`prepare_geometry` of its wires and junctions (made in a worker thread: together
        0.5 s at 100,000 wires)."""
        self.network = network
        if scene is None and network is not None:
            scene = NetworkScene(network)
        self.scene_data = scene
        self.snapshot = None
        self._style = None
        self.path_edges = np.zeros(0, dtype=np.int64)
        self.path_layer.set_segments(np.zeros((0, 2, 2)))
        if network is None:
            self._show_geometry(np.zeros((0, 2, 2)), np.zeros((0, 2)))
            return
        self._show_geometry(self.scene_data.wire_xy, self.scene_data.junction_xy,
                            geometry=geometry)
        if network.wires is not None and network.wires.box is not None:
            self.set_box(network.wires.box)
        self._draw_plain()
        self._update_highlight()

    def junction_density(self) -> float:
        """Junctions per device pixel over the junctions' bounding box at the current zoom
        (0 when there are none or the view has no size yet)."""
        n = self.junctions.n_points
        rect = self.junctions.boundingRect()
        if n == 0 or rect.isEmpty():
            return 0.0
        px, py = self.view.viewPixelSize()
        area = rect.width() * rect.height() / (px * py) if px > 0 and py > 0 else 0.0
        return n / area if area > 0 else 0.0

    def _dots(self, nominal: float) -> tuple[float, bool]:
        """``(dot width px, plain dots hidden)`` at the current zoom (:data:`DOT_COVER`,
        :data:`DOT_HIDE_DENSITY`) for dots ``nominal`` px wide when sparse."""
        density = self.junction_density()
        if density <= 0:
            return nominal, False
        width = float(min(nominal, max(1.0, np.floor(np.sqrt(DOT_COVER / density)))))
        return width, density > DOT_HIDE_DENSITY

    def _range_changed(self, *args) -> None:
        # Zooming changes how crowded the dots are: restyle once, after the event, if their
        # size class changed (a pan keeps it). render_image's resizes come back: ignored.
        if not self._rendering and not self._zoom_restyle_due and \
                self._dot_class is not None and self._dots(3.0) != self._dot_class:
            self._zoom_restyle_due = True
            QtCore.QTimer.singleShot(0, self._restyle_for_zoom)

    def _restyle_for_zoom(self) -> None:
        self._zoom_restyle_due = False
        if self._rendering or self._dot_class is None or self._dots(3.0) == self._dot_class:
            return
        if self.scene_data is not None and self.snapshot is None:
            self._draw_plain()
        elif self.scene_data is not None:
            self._redraw(path_due=False)
        elif self._film_groups is not None:
            self.show_film_frame(*self._film_groups)

    def _draw_plain(self) -> None:
        # One read-only group of zeros per size: the layers keep it without a copy and know it
        # again by identity, so the plain redraws a network's arrival asks for (three of them)
        # cost nothing after the first (each compared 4.7 million junction groups before).
        self.wires.set_style(_zeros(self.wires.n_segments),
                             [line_pen(_NEUTRAL_WIRE, 1.0, 170)])
        size, hidden = self._dot_class = self._dots(3.0)
        n = self.junctions.n_points
        self.junctions.set_style(_filled(n, -1) if hidden else _zeros(n),
                                 [_dot_pen((220, 220, 120), size, 200)])
        self.colorbar.hide()

    def show_deposition(self, wire_xy: np.ndarray, wire_cluster: np.ndarray,
                        junction_xy: np.ndarray, *, spanning_cluster: int = -1) -> None:
        """Show a network being deposited, wires coloured by connected cluster.

        Parameters
        ----------
        wire_xy : ndarray, shape (W, 2, 2)
            Wires deposited so far (m).
        wire_cluster : ndarray of int, shape (W,)
            Cluster label of each wire.
        junction_xy : ndarray, shape (M, 2)
            Junction points (m).
        spanning_cluster : int
            Label of the cluster that bridges two electrodes, drawn bright white; -1 if none.
        """
        self._forget_network()
        self._show_geometry(wire_xy, junction_xy)
        self.show_film_frame(frozen(cluster_groups(wire_cluster, spanning_cluster,
                                                   len(_CLUSTER_COLORS))),
                             _zeros(self.junctions.n_points))

    def _forget_network(self) -> None:
        self.network = None
        self.scene_data = None
        self.snapshot = None
        self._style = None
        self._film_groups = None
        self._dot_class = None
        self.path_layer.set_segments(np.zeros((0, 2, 2)))
        self.highlight_layer.set_segments(np.zeros((0, 2, 2)))

    def set_film(self, wire_xy: np.ndarray, junction_xy: np.ndarray, *,
                 geometry: tuple | None = None) -> None:
        """Set every wire (W, 2, 2) and junction (M, 2) of a deposition film (m), none drawn
        yet; :meth:`show_film_frame` then says which are. ``geometry``: their
        :meth:`prepare_geometry`, if made in a worker thread."""
        self._forget_network()
        self._show_geometry(wire_xy, junction_xy, geometry=geometry)

    def show_film_frame(self, wire_group: np.ndarray, junction_group: np.ndarray) -> None:
        """Draw wires by cluster group (:func:`~nwn.app.models.deposition_film.cluster_groups`,
        -1 hidden) and junctions (0 drawn, -1 hidden): cheap, the geometry is already set."""
        pens = [line_pen((110, 115, 125), 1.0, 150)]
        pens += [line_pen(rgb, 1.3, 230) for rgb in _CLUSTER_COLORS]
        pens.append(line_pen((255, 255, 255), 1.6, 235))
        self._film_groups = (wire_group, junction_group)
        size, hidden = self._dot_class = self._dots(3.0)
        self.wires.set_style(wire_group, pens)
        self.junctions.set_style(_filled(len(junction_group), -1) if hidden else junction_group,
                                 [_dot_pen((255, 235, 120), size, 220)])
        self.colorbar.hide()

    def set_electrodes(self, electrodes, *, flagged=()) -> None:
        """Draw electrodes: a sequence of objects with ``name``, ``shape`` (dict, m) and
        ``source.kind``; names in ``flagged`` (touching no wire) get a red warning outline.

        Outlines are cosmetic (the same pixel width at every zoom) over a dark halo; labels
        sit beside the shape; the :attr:`selected_electrode` gets a white outline."""
        electrodes, flagged = list(electrodes), set(flagged)
        drawn = (self._electrodes, self._flagged, self._drawn_selected)
        try:
            same = drawn == (electrodes, flagged, self.selected_electrode)
        except ValueError:  # a waveform holding sample arrays: compare by redrawing
            same = False
        if same:  # every network event asks again: the items stay, the contacts may move
            self._update_highlight()
            return
        self._electrodes, self._flagged = electrodes, flagged
        self._drawn_selected = self.selected_electrode
        for item in self._electrode_items:
            self.view.removeItem(item)
        self._electrode_items, self._labels = [], []
        for electrode in self._electrodes:
            rgb = ROLE_COLORS.get(electrode.source.kind, ROLE_COLORS["floating"])
            path = shape_to_path(electrode.shape)
            bad = electrode.name in self._flagged
            line_shape = electrode.shape["type"] == "line"
            width = ELECTRODE_WIDTH["line" if line_shape else "area"]
            selected = electrode.name == self.selected_electrode
            halo = QtWidgets.QGraphicsPathItem(path)
            halo.setPen(line_pen(_HALO, width + 3.0, 200))
            item = QtWidgets.QGraphicsPathItem(path)
            outline = line_pen((255, 40, 40) if bad else rgb, width)
            if bad:
                outline.setStyle(QtCore.Qt.PenStyle.DashLine)
            item.setPen(outline)
            if not line_shape:
                item.setBrush(QtGui.QBrush(QtGui.QColor(*rgb, 120)))
            # Above the wires (dense films would hide pads), below junctions and the path.
            halo.setZValue(11.4)
            item.setZValue(11.5)
            self.view.addItem(halo)
            self.view.addItem(item)
            self._electrode_items += [halo, item]
            if selected:
                mark = QtWidgets.QGraphicsPathItem(path)
                pen = line_pen((255, 255, 255), ELECTRODE_WIDTH["selected"])
                pen.setStyle(QtCore.Qt.PenStyle.DashLine)
                mark.setPen(pen)
                mark.setZValue(11.6)
                self.view.addItem(mark)
                self._electrode_items.append(mark)
            label = pg.TextItem(electrode.name + ("  ⚠ touches no wire" if bad else ""),
                                color=(255, 90, 90) if bad else (255, 255, 255),
                                fill=pg.mkBrush(0, 0, 0, 150))
            font = label.textItem.font()
            font.setBold(True)
            label.setFont(font)
            _place_label(label, electrode.shape, self._box_um)
            label.setZValue(50)
            self.view.addItem(label)
            self._electrode_items.append(label)
            self._labels.append((label, electrode.shape))
        self._update_highlight()

    def set_selected_electrode(self, name: str | None) -> None:
        """Mark electrode ``name`` (None: none) as the one selected in the table."""
        if name != self.selected_electrode:
            self.selected_electrode = name
            self.set_electrodes(self._electrodes, flagged=self._flagged)

    def electrode_at(self, x: float, y: float, *, tolerance: float) -> str | None:
        """The electrode under scene point ``(x, y)`` (µm): inside an area, or within
        ``tolerance`` scene units of a line contact; the topmost (last drawn) wins."""
        from shapely.geometry import Point

        here = Point(x / UM, y / UM)
        for electrode in reversed(self._electrodes):
            try:
                geometry = _electrode_geometry(electrode.shape)
            except (ValueError, KeyError, TypeError):
                continue
            if geometry.distance(here) <= tolerance / UM:
                return electrode.name
        return None

    # -- run state ----------------------------------------------------------------------------

    def set_color_mode(self, mode: str, *, log: bool | None = None) -> None:
        """Colour by ``"state" | "conductance" | "current" | "voltage"``; ``log`` None picks
        the mode's default scale."""
        self.set_view(mode, log=log, backbone=self.backbone_fraction, path=self.path_between)

    def set_color_scale(self, scale: tuple[float, float] | None) -> None:
        """Keep the colour range ``(low, high)`` (in the mode's unit) for every state drawn
        from now on; None fits it to each state again."""
        if scale is not None:
            low, high = float(scale[0]), float(scale[1])
            if not high > low:
                raise ValueError(f"colour scale must have low < high (got {low:g}, {high:g})")
            scale = (low, high)
        self.fixed_scale = scale
        self._redraw()

    def set_backbone(self, fraction: float | None) -> None:
        """Show only edges carrying more than ``fraction`` of the terminal current (None: all)."""
        self.backbone_fraction = fraction
        self._redraw()

    def set_path(self, electrodes: tuple[str, str] | None) -> None:
        """Highlight the lowest-resistance path between two electrodes (None: off)."""
        self.path_between = electrodes
        self._redraw()

    def set_view(self, mode: str, *, log: bool | None, backbone: float | None,
                 path: tuple[str, str] | None, redraw: bool = True) -> None:
        """:meth:`set_color_mode`, :meth:`set_backbone` and :meth:`set_path` at once: one
        redraw instead of three (each restyles every wire and junction). ``redraw`` False
        only keeps the settings: the caller has the state styled for them elsewhere (a live
        run's styling thread) and hands the style to :meth:`show_snapshot`."""
        if mode not in COLOR_MODES:
            raise ValueError(f"mode must be one of {', '.join(COLOR_MODES)} (got {mode!r})")
        self.color_mode, self.log_scale = mode, log
        self.backbone_fraction, self.path_between = backbone, path
        if redraw:
            self._redraw()

    def run_settings(self) -> RunSettings:
        """What a run's state is drawn with now (a :class:`RunStyle` made for other settings
        is stale)."""
        return RunSettings(mode=self.color_mode, log=self.log_scale,
                           fixed_scale=self.fixed_scale, backbone=self.backbone_fraction,
                           path_between=self.path_between)

    @property
    def drawn_style(self) -> RunStyle | None:
        """The run style drawn last (None: none since the network was shown)."""
        return self._style

    def path_due(self) -> bool:
        """Whether a live frame should recompute the lowest-resistance path: at most every
        :data:`PATH_INTERVAL_S` (the path moves slowly compared with the display rate)."""
        return time.monotonic() - self._path_time >= PATH_INTERVAL_S

    def show_snapshot(self, snapshot, *, live: bool = False,
                      style: RunStyle | None = None) -> None:
        """Draw the network state of a :class:`~nwn.engine.simulation.Snapshot`.

        ``live`` (frames of a running simulation): the lowest-resistance path, a Dijkstra over
        the whole graph (~20 ms at 10,000 wires), is recomputed at most every
        :data:`PATH_INTERVAL_S` (:meth:`path_due`). ``style``: the snapshot's
        :func:`~nwn.app.models.run_style.make_run_style`, made in a worker thread for
        :meth:`run_settings`; applied as it is when it is this snapshot's and still current
        (the GUI thread then styles nothing), made again here when stale.
        """
        self.snapshot = snapshot
        if style is not None and self.scene_data is not None and snapshot is not None \
                and style.snapshot is snapshot and style.settings == self.run_settings():
            self.set_style(style)
            return
        self._redraw(path_due=not live or self.path_due())

    def _redraw(self, *, path_due: bool = True) -> None:
        if self.scene_data is None:
            return
        if self.snapshot is None:
            self._draw_plain()
            self._draw_path(None)
            return
        style, settings = self._style, self.run_settings()
        if style is not None and style.snapshot is self.snapshot and style.settings == settings:
            # the same state and settings (a zoom changed the dots' size, the frame after a
            # style made in a worker): the same groups, new pens; the path where it is due and
            # the style has none
            self.set_style(style)
            if path_due and style.path_edges is None:
                self._draw_path(self.snapshot)
            return
        self.set_style(make_run_style(self.scene_data, self.snapshot, settings,
                                      path=path_due, previous=style))

    def set_style(self, style: RunStyle) -> None:
        """Draw a :class:`~nwn.app.models.run_style.RunStyle` (of the shown network): pens from
        the colour map's few colours, the groups as they are (read-only: kept, not copied)."""
        self._style = style
        scale, mode, log = style.scale, style.settings.mode, style.settings.use_log
        self.last_scale = scale
        lut = pg.colormap.get(_CMAPS[mode]).getLookupTable(nPts=N_COLOR_BINS, alpha=False)
        colors = [_NEUTRAL_WIRE] if style.n_wire_colors == 1 else [tuple(c) for c in lut]
        widths, alphas = (1.0, 1.6, 3.2), (80, 200, 255)
        pens = [line_pen(colors[c], widths[w], alphas[w])
                for c in range(len(colors)) for w in range(N_WIDTHS)]
        pens.append(line_pen((90, 90, 100), 1.0, 90))
        self._dot_class = self._dots(3.0)
        size = self._dots(4.0)[0]
        junction_pens = [_dot_pen(tuple(c), size, 255) for c in lut]
        junction_pens.append(_dot_pen((90, 90, 100), min(2.0, size), 120))
        self.wires.set_style(style.wire_group, pens)
        self.junctions.set_style(style.junction_group, junction_pens)
        self._update_colorbar(scale, mode, log)
        if style.path_edges is not None:
            self._show_path(style.path_edges, style.path_points)

    def _update_colorbar(self, scale: ColorScale, mode: str, log: bool) -> None:
        label = COLOR_MODES[mode][0]
        low, high = scale.low, scale.high
        if log:
            low, high = np.log10(low), np.log10(high)
            label = "log10 " + label
        # Touch the colour bar only where it changes: re-setting it re-lays out its axis, which
        # cost a fifth of a movie frame; in live "current" mode only the levels move.
        key = (mode, float(low), float(high), label)
        old = self._colorbar_key
        if key != old:
            self._colorbar_key = key
            if old is None or old[0] != mode:
                self.colorbar.setColorMap(pg.colormap.get(_CMAPS[mode]))
            if old is None or old[1:3] != key[1:3]:
                self.colorbar.setLevels((low, high))
            if old is None or old[3] != label:
                self.colorbar.axis.setLabel(label)
        self.colorbar.show()

    def _draw_path(self, snapshot) -> None:
        if self.scene_data is None:
            self._show_path(np.zeros(0, dtype=np.int64), np.zeros((0, 2)))
            return
        edges = path_edges(self.scene_data, snapshot, self.path_between)
        self._show_path(edges, self.scene_data.path_points(edges))

    def _show_path(self, edges: np.ndarray, points: np.ndarray) -> None:
        """Draw the path of ``edges`` along its polyline ``points`` (m, shape (P, 2))."""
        self._path_time = time.monotonic()
        self.path_edges = edges
        points = np.asarray(points, dtype=np.float64) * UM
        if len(points) < 2:
            self.path_layer.set_segments(np.zeros((0, 2, 2)))
            return
        segments = np.stack([points[:-1], points[1:]], axis=1)
        self.path_layer.set_segments(segments)
        self.path_layer.set_style(np.zeros(len(segments), dtype=np.int64),
                                  [line_pen(PATH_COLOR, 4.0)])

    def _update_highlight(self) -> None:
        """Outline the wires touching each electrode, so contacts are visible."""
        if self.network is None or not self._electrodes or self._wire_xy_um.size == 0:
            self.highlight_layer.set_segments(np.zeros((0, 2, 2)))
            return
        geometry = self.highlight_geometry(self.scene_data, self._electrodes)
        n_touching = len(geometry.xy)
        # Paths for a few hundred wires; wide bars on 100,000 wires touch 20,000 of them,
        # which only the raster kernel draws in time.
        self.highlight_layer.raster = n_touching > RASTER_HIGHLIGHT_ABOVE
        self.highlight_layer.set_segments(None, prepared=geometry)
        self.highlight_layer.set_style(np.zeros(n_touching, dtype=np.int64),
                                       [line_pen((255, 255, 255), 3.0, 110)])

    # -- output -------------------------------------------------------------------------------

    def render_image(self, width: int, height: int, *, scale: float = 1.0) -> QtGui.QImage:
        """Render the canvas offscreen to an image of ``width`` x ``height`` pixels.

        The image is ``Format_RGBX8888``: its bytes are R, G, B, 255 per pixel on every
        platform, so ``np.frombuffer(image.constBits(), np.uint8).reshape(height, width, 4)``
        holds RGB in channel order (``Format_RGB32`` would be B, G, R on little-endian
        machines). A canvas docked in a window gets its on-screen size back afterwards.

        ``scale`` > 1 lays the view out at ``width`` x ``height`` and draws it magnified into
        an image ``scale`` times as large (text, bars and lines grow with it: a figure at
        print resolution that looks like the screen).
        """
        on_screen = self.size() if self.isVisible() else None
        self._rendering = True
        try:
            return self._render_image(width, height, scale, on_screen)
        finally:
            self._rendering = False

    def _render_image(self, width: int, height: int, scale: float, on_screen) -> QtGui.QImage:
        self.resize(width, height)
        self.ci.layout.activate()
        QtWidgets.QApplication.processEvents()
        image = QtGui.QImage(max(1, int(round(width * scale))),
                             max(1, int(round(height * scale))),
                             QtGui.QImage.Format.Format_RGBX8888)
        image.fill(QtGui.QColor(*BACKGROUND))
        painter = QtGui.QPainter(image)
        try:
            # QGraphicsView.render fits the view into the whole image: a larger image is the
            # same view magnified.
            self.render(painter)
        finally:
            painter.end()
        if on_screen is not None and on_screen != self.size():
            self.resize(on_screen)
        return image
