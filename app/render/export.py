"""Figures and data out of the app: PNG/SVG of the canvas and of plots, CSV tables.

* :func:`save_canvas` renders the network canvas offscreen to PNG (pixels) or SVG (vector,
  through ``QSvgGenerator``).
* :func:`save_plot` writes any pyqtgraph plot (PlotItem, PlotWidget, GraphicsLayout) with
  :mod:`pyqtgraph.exporters`.
* :func:`trace_figure` builds the standard trace figure (terminal voltages, currents and the
  two-terminal conductance G(t)) that ``nwn plot`` writes.
* :func:`write_traces_csv`, :func:`write_wire_table`, :func:`write_junction_table` write the
  terminal traces and the final state per wire and per junction as CSV (SI units in the
  header).

Every file is written to a temporary name next to the target and renamed when complete
(:func:`nwn.engine.output_files.atomic_path`).
"""

from __future__ import annotations

import errno
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nwn.app.models.palette import trace_color
from nwn.app.render.offscreen import lay_out
from nwn.engine.output_files import atomic_path, partial_file
from nwn.geometry.checks import InputError, check_int, check_positive

__all__ = [
    "COLUMN_WIDTH_MM",
    "FIGURE_DPI",
    "FIGURE_FORMATS",
    "FigureSize",
    "atomic_path",
    "partial_file",
    "save_canvas",
    "save_plot",
    "tidy_svg",
    "trace_figure",
    "write_junction_table",
    "write_traces_csv",
    "write_wire_table",
]

FIGURE_FORMATS = (".png", ".svg")


def figure_format(path: str | Path) -> str:
    """``".png"`` or ``".svg"`` from a file name; InputError otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FIGURE_FORMATS:
        raise InputError(f"figure file must end in .png or .svg (got {str(path)!r})")
    return suffix


# -- figures ----------------------------------------------------------------------------------


#: One journal column (Nature, Cell Press: 89 mm; most journals 85-90 mm), in mm.
COLUMN_WIDTH_MM = 89.0
#: Resolution journals ask for line art with shading (300 dpi at least).
FIGURE_DPI = 300.0


@dataclass(frozen=True)
class FigureSize:
    """The printed size of an exported figure.

    Attributes
    ----------
    width_mm : float
        Printed width (mm); the height follows the view's aspect ratio.
    dpi : float
        Dots per inch of a PNG (its pixels: ``width_mm / 25.4 * dpi``); written into the PNG.
        An SVG is vector: its nominal size is ``width_mm``.
    """

    width_mm: float = COLUMN_WIDTH_MM
    dpi: float = FIGURE_DPI

    def checked(self) -> FigureSize:
        width = check_positive("figure width (mm)", self.width_mm)
        dpi = check_positive("figure resolution (dpi)", self.dpi)
        if not 10 <= width <= 1000:
            raise InputError(f"figure width must be 10-1000 mm (got {width:g} mm)")
        if not 50 <= dpi <= 2400:
            raise InputError(f"figure resolution must be 50-2400 dpi (got {dpi:g} dpi)")
        if round(width / 25.4 * dpi) > 16384:
            raise InputError(f"a {width:g} mm figure at {dpi:g} dpi is over 16384 pixels wide")
        return FigureSize(float(width), float(dpi))

    @property
    def width_px(self) -> int:
        """PNG width in pixels."""
        return int(round(self.width_mm / 25.4 * self.dpi))


def save_canvas(canvas, path: str | Path, *, size: tuple[int, int] | None = None,
                figure: FigureSize | None = None) -> Path:
    """Save the network canvas as PNG or SVG, as the screen shows it, without editing handles.

    Parameters
    ----------
    canvas : NetworkView
    path : str or Path
        ``.png`` or ``.svg``.
    size : (int, int), optional
        The view's size in pixels to lay it out at (default: its size on screen).
    figure : FigureSize, optional
        Printed size (default one journal column at 300 dpi): a PNG is that many pixels wide
        (the view scaled up, text and lines with it) and records its dpi; an SVG is that
        wide nominally.
    """
    fmt = figure_format(path)
    figure = (figure or FigureSize()).checked()
    if size is None:
        size = (max(canvas.width(), 64), max(canvas.height(), 64))
    width = check_int("width", size[0], minimum=16, maximum=16384)
    height = check_int("height", size[1], minimum=16, maximum=16384)
    with atomic_path(path) as temp, _without_handles(canvas.scene()):
        if fmt == ".png":
            image = canvas.render_image(width, height, scale=figure.width_px / width)
            _save_png(image, temp, path, dpi=figure.dpi)
        else:
            canvas.resize(width, height)
            canvas.ci.layout.activate()
            with _svg_painter(temp, width, height, "nwn-studio network") as painter:
                canvas.render(painter)
            tidy_svg(temp, width_mm=figure.width_mm)
    return Path(path)


@contextmanager
def _without_handles(scene):
    """Editing handles (pyqtgraph ROIs: the electrodes' move/resize handles) hidden inside
    the block; a figure never shows them."""
    import pyqtgraph as pg

    hidden = [item for item in scene.items() if isinstance(item, pg.ROI) and item.isVisible()]
    for item in hidden:
        item.setVisible(False)
    try:
        yield
    finally:
        for item in hidden:
            item.setVisible(True)


def _save_png(image, temp: Path, path: str | Path, *, dpi: float | None = None) -> None:
    """Encode a QImage as PNG in memory and write the bytes here, so that a failed write is
    an OSError with its errno (libpng writing to the disk itself prints to stderr instead)."""
    from PySide6 import QtCore

    if dpi is not None:
        dots_per_metre = int(round(dpi / 0.0254))
        image.setDotsPerMeterX(dots_per_metre)
        image.setDotsPerMeterY(dots_per_metre)
    data = QtCore.QByteArray()
    buffer = QtCore.QBuffer(data)
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    if image.isNull() or not image.save(buffer, "PNG"):
        raise OSError(errno.EIO, "could not encode the image", str(path))
    buffer.close()
    with open(temp, "wb") as stream:
        stream.write(data.data())


def _plot_item(plot):
    """The graphics item pyqtgraph exporters take, from a widget or item."""
    if hasattr(plot, "getPlotItem"):
        return plot.getPlotItem()
    if hasattr(plot, "ci"):  # GraphicsLayoutWidget
        return plot.ci
    return plot


def save_plot(plot, path: str | Path, *, width: int | None = None,
              figure: FigureSize | None = None) -> Path:
    """Save a pyqtgraph plot (PlotWidget, PlotItem, GraphicsLayoutWidget) as PNG or SVG.

    Only the plot's own items go into the file (not the other plots of its window).

    Parameters
    ----------
    plot : pyqtgraph widget or item
    path : str or Path
    width : int, optional
        PNG width in pixels (height follows the aspect ratio); overrides ``figure``.
    figure : FigureSize, optional
        Printed size (default one journal column at 300 dpi): the PNG's pixels and recorded
        dpi, the SVG's nominal width.
    """
    import pyqtgraph.exporters as exporters

    fmt = figure_format(path)
    figure = (figure or FigureSize()).checked()
    item = _plot_item(plot)
    settle_axes(item)
    with atomic_path(path) as temp, _only(item):
        if fmt == ".png":
            exporter = exporters.ImageExporter(item)
            pixels = figure.width_px if width is None else width
            exporter.parameters()["width"] = check_int("width", pixels, minimum=16,
                                                       maximum=16384)
            # The exporter's own save ignores a failed write (a full disk): save and check.
            dpi = figure.dpi if width is None else None
            _save_png(exporter.export(toBytes=True), temp, path, dpi=dpi)
        else:
            _scene_svg(item, temp, width_mm=figure.width_mm)
    return Path(path)


def settle_axes(item, passes: int = 2) -> None:
    """Give a plot's axes the room their tick labels take before it is exported.

    A pyqtgraph axis measures its tick labels when it is first painted and only then grows to
    hold them; a figure exported without ever being shown kept the first guess (20 px), so
    its axis title sat on its tick labels. Painting the plot once (into a throw-away image)
    and laying it out again settles that; a second pass follows tick labels that changed with
    the new size.

    Parameters
    ----------
    item : pyqtgraph.PlotItem
    passes : int
        Paint-and-lay-out rounds.
    """
    from PySide6 import QtCore, QtGui

    rect = item.sceneBoundingRect()
    if item.scene() is None or rect.isEmpty():
        return
    image = QtGui.QImage(max(int(rect.width()), 1), max(int(rect.height()), 1),
                         QtGui.QImage.Format.Format_ARGB32)
    for _ in range(passes):
        painter = QtGui.QPainter(image)
        try:
            item.scene().render(painter, QtCore.QRectF(image.rect()), rect)
        finally:
            painter.end()
        item.layout.activate()


@contextmanager
def _only(item):
    """Inside the block, the scene of ``item`` shows only ``item`` (with its children and
    ancestors): an export of one plot of a window holds that plot's data only. Curves are
    clipped to their view (SVG Tiny has no clipping: data past the axes would be drawn)."""
    import pyqtgraph as pg

    scene = item.scene()
    keep = {item}
    parent = item.parentItem()
    while parent is not None:
        keep.add(parent)
        parent = parent.parentItem()
    hidden = []
    for other in scene.items():
        if other in keep or item.isAncestorOf(other) or not other.isVisible():
            continue
        if other.parentItem() is None or other.parentItem() in keep:
            other.setVisible(False)
            hidden.append(other)
    clipped = [curve for curve in scene.items()
               if isinstance(curve, pg.PlotDataItem) and item.isAncestorOf(curve)
               and not curve.opts.get("clipToView")]
    for curve in clipped:
        curve.setClipToView(True)
    try:
        yield
    finally:
        for other in hidden:
            other.setVisible(True)
        for curve in clipped:
            curve.setClipToView(False)


def _scene_svg(item, path: Path, *, width_mm: float | None = None) -> None:
    """Vector SVG of a graphics item's area of its scene, through ``QSvgGenerator``, tidied
    by :func:`tidy_svg`.

    (pyqtgraph's SVGExporter fails on Qt 6's SVG: "not enough values to unpack" in
    ``correctCoordinates``; Qt's own SVG painter draws whatever the screen draws.)
    """
    from PySide6 import QtCore

    rect = item.sceneBoundingRect()
    width, height = max(int(round(rect.width())), 16), max(int(round(rect.height())), 16)
    with _svg_painter(path, width, height, "nwn-studio figure") as painter:
        item.scene().render(painter, QtCore.QRectF(0, 0, width, height),
                            QtCore.QRectF(rect.x(), rect.y(), width, height))
    tidy_svg(path, width_mm=width_mm)


@contextmanager
def _svg_painter(path: Path, width: int, height: int, title: str):
    """A QPainter on an SVG file of ``width`` x ``height`` pixels, ended after the block.

    The generator's resolution is the screen's: pyqtgraph draws axes through ``QPicture``,
    which replays scaled by the device's dpi over the screen's, so at QSvgGenerator's default
    72 dpi the axes came out at 3/4 of their size, not lined up with the curves.
    """
    from PySide6 import QtCore, QtGui, QtSvg

    generator = QtSvg.QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QtCore.QSize(width, height))
    generator.setViewBox(QtCore.QRect(0, 0, width, height))
    generator.setResolution(_picture_dpi())
    generator.setTitle(title)
    painter = QtGui.QPainter(generator)
    try:
        yield painter
    finally:
        painter.end()
    # QSvgGenerator reports no write errors: a file cut short (full disk) lacks its end tag.
    with open(path, "rb") as stream:
        stream.seek(max(0, path.stat().st_size - 64))
        if b"</svg>" not in stream.read():
            raise OSError(errno.EIO, "the SVG file was cut short", str(path))


def _picture_dpi() -> int:
    """The dpi QPicture records at (that of a plain QImage's painter: the screen's)."""
    from PySide6 import QtGui

    picture = QtGui.QPicture()
    return int(round(picture.logicalDpiX())) or 96


_SVG_NS = "http://www.w3.org/2000/svg"
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MATRIX = re.compile(r"matrix\(([^)]*)\)")


def tidy_svg(path: str | Path, *, width_mm: float | None = None) -> None:
    """Make Qt's SVG draw the same in every renderer.

    QSvgGenerator writes curves in data units (seconds, siemens) under a group transform that
    scales them to pixels, with ``vector-effect="non-scaling-stroke"`` to keep the line width:
    renderers without that SVG 1.2 feature (librsvg, cairo) scale the stroke by 60,000 and
    draw a solid block. Here every line, path and rectangle gets its group's transform
    applied to its coordinates (the transform removed), so strokes are in pixels for every
    renderer. Text and images keep theirs (they have no strokes). ``width_mm`` sets the
    nominal printed width (the view box is unchanged).
    """
    import xml.etree.ElementTree as ET

    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.parse(path)
    root = tree.getroot()
    shapes = {f"{{{_SVG_NS}}}{name}" for name in ("polyline", "polygon", "path", "rect",
                                                   "line")}
    for group in list(root.iter(f"{{{_SVG_NS}}}g")):
        for child in list(group):  # an empty path is invalid SVG (Qt writes one per empty layer)
            if child.tag == f"{{{_SVG_NS}}}path" and not child.get("d", "").strip():
                group.remove(child)
    for group in root.iter(f"{{{_SVG_NS}}}g"):
        match = _MATRIX.fullmatch(group.get("transform", "").strip())
        children = list(group)
        if match is None or not children or any(child.tag not in shapes for child in children):
            continue
        matrix = tuple(float(v) for v in match.group(1).split(","))
        for child in children:
            _transform_shape(child, matrix)
            # Strokes in the figure's units now: every renderer draws them alike.
            child.attrib.pop("vector-effect", None)
        del group.attrib["transform"]
    if width_mm is not None:
        box = [float(v) for v in root.get("viewBox", "0 0 1 1").split()]
        root.set("width", f"{width_mm:.4g}mm")
        root.set("height", f"{width_mm * box[3] / box[2]:.4g}mm")
    tree.write(path, encoding="UTF-8", xml_declaration=True)


def _transform_shape(element, matrix: tuple[float, ...]) -> None:
    """Apply the SVG ``matrix(a, b, c, d, e, f)`` (``x' = a x + c y + e``,
    ``y' = b x + d y + f``) to one shape's coordinates; a rectangle becomes a polygon."""
    a, b, c, d, e, f = matrix
    tag = element.tag.rsplit("}", 1)[-1]

    def point(x: float, y: float) -> str:
        return f"{a * x + c * y + e:.7g},{b * x + d * y + f:.7g}"

    def pairs(text: str) -> str:
        values = [float(v) for v in _NUMBER.findall(text)]
        return " ".join(point(x, y) for x, y in zip(values[0::2], values[1::2], strict=False))

    if tag in ("polyline", "polygon"):
        element.set("points", pairs(element.get("points", "")))
    elif tag == "line":
        x1, y1, x2, y2 = (float(element.get(key, 0)) for key in ("x1", "y1", "x2", "y2"))
        for (x_key, y_key), (x, y) in ((("x1", "y1"), (x1, y1)), (("x2", "y2"), (x2, y2))):
            element.set(x_key, f"{a * x + c * y + e:.7g}")
            element.set(y_key, f"{b * x + d * y + f:.7g}")
    elif tag == "rect":
        x, y = float(element.get("x", 0)), float(element.get("y", 0))
        w, h = float(element.get("width", 0)), float(element.get("height", 0))
        for key in ("x", "y", "width", "height"):
            element.attrib.pop(key, None)
        element.tag = element.tag.replace("rect", "polygon")
        element.set("points", " ".join(point(px, py) for px, py in
                                       ((x, y), (x + w, y), (x + w, y + h), (x, y + h))))
    else:  # path: QSvgGenerator writes absolute M, L, C commands and Z
        out = []
        for token in re.findall(r"[MLCZmlcz]|[^MLCZmlcz]+", element.get("d", "")):
            out.append(token if token.isalpha() else pairs(token))
        element.set("d", " ".join(out))


def trace_figure(results, *, log: bool = False, size: tuple[int, int] = (1000, 900)):
    """The standard trace figure of a run: terminal voltages, currents and G(t).

    Parameters
    ----------
    results : Results or object with ``t`` (T,), ``terminal_voltage`` (T, K),
        ``terminal_current`` (T, K), ``conductance`` (T,) and ``electrode_names``.
    log : bool
        Logarithmic conductance axis.
    size : (int, int)
        Widget size in pixels.

    Returns
    -------
    pyqtgraph.GraphicsLayoutWidget
        Three stacked plots with a shared time axis, ready for :func:`save_plot`.
    """
    import pyqtgraph as pg

    t = np.asarray(results.t, dtype=np.float64)
    widget = pg.GraphicsLayoutWidget()
    widget.setBackground("w")
    widget.resize(*size)
    names = list(results.electrode_names)
    plots = []
    for row, (title, unit, data) in enumerate((
            ("terminal voltage", "V", np.asarray(results.terminal_voltage)),
            ("terminal current", "A", np.asarray(results.terminal_current)))):
        plot = widget.addPlot(row=row, col=0)
        plot.addLegend(offset=(-10, 10))
        plot.setLabel("left", title, units=unit)
        plot.showGrid(x=True, y=True, alpha=0.25)
        for k, name in enumerate(names):
            plot.plot(t, data[:, k], pen=pg.mkPen(trace_color(k), width=2), name=name)
        plots.append(plot)
    conductance = np.asarray(results.conductance, dtype=np.float64)
    plot = widget.addPlot(row=2, col=0)
    plot.setLabel("left", "conductance G", units="S")
    plot.setLabel("bottom", "time", units="s")
    plot.showGrid(x=True, y=True, alpha=0.25)
    if np.any(np.isfinite(conductance)):
        shown = conductance if not log else np.where(conductance > 0, conductance, np.nan)
        plot.plot(t, shown, pen=pg.mkPen((20, 20, 20), width=2), connect="finite")
        plot.setLogMode(y=log)
    else:
        plot.setTitle("no two-terminal conductance (needs exactly two driven electrodes)")
    plots.append(plot)
    for other in plots[:-1]:
        other.setXLink(plots[-1])
        other.getAxis("bottom").setStyle(showValues=False)
    lay_out(widget, size)
    return widget


# -- data -------------------------------------------------------------------------------------


def _write_csv(path: str | Path, header: Sequence[str], columns: Sequence[np.ndarray],
               comments: Sequence[str] = ()) -> Path:
    """Columns of equal length as CSV, full float precision, with ``# comment`` lines."""
    table = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns]) if columns \
        else np.zeros((0, 0))
    with atomic_path(path) as temp, open(temp, "w", encoding="utf-8", newline="") as stream:
        for line in comments:
            stream.write(f"# {line}\n")
        stream.write(",".join(header) + "\n")
        np.savetxt(stream, table, delimiter=",", fmt="%.17g")
    return Path(path)


def write_traces_csv(path: str | Path, results) -> Path:
    """Terminal traces as CSV: ``t_s``, ``V_<name>_V``, ``I_<name>_A`` for every electrode and
    ``G_S`` (two-terminal conductance).

    Parameters
    ----------
    path : str or Path
    results : object with ``t`` (T,), ``terminal_voltage`` (T, K), ``terminal_current``
        (T, K), ``conductance`` (T,) and ``electrode_names`` (K)
    """
    names = list(results.electrode_names)
    voltage = np.asarray(results.terminal_voltage, dtype=np.float64)
    current = np.asarray(results.terminal_current, dtype=np.float64)
    header = ["t_s"] + [f"V_{n}_V" for n in names] + [f"I_{n}_A" for n in names] + ["G_S"]
    columns = [results.t] + [voltage[:, k] for k in range(len(names))] + \
        [current[:, k] for k in range(len(names))] + [results.conductance]
    return _write_csv(path, header, columns,
                      ["nwn-studio terminal traces; current positive into the network"])


def write_wire_table(path: str | Path, network, snapshot) -> Path:
    """One row per wire of the final state: ends (m), length (m), diameter (m), cluster,
    mean potential (V) and largest current carried (A).

    Parameters
    ----------
    network : Network
        With ``wires``.
    snapshot : Snapshot
    """
    from nwn.app.models.scene import NetworkScene

    scene = NetworkScene(network)
    wires = network.wires
    ends = np.asarray(wires.endpoints)
    header = ["wire", "x0_m", "y0_m", "x1_m", "y1_m", "length_m", "diameter_m", "component",
              "voltage_V", "current_A"]
    columns = [np.arange(len(ends)), ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1],
               wires.lengths, wires.diameters, scene.wire_component,
               scene.wire_voltage(snapshot), scene.wire_current(snapshot)]
    return _write_csv(path, header, columns, [f"nwn-studio wires at t = {snapshot.t:.17g} s"])


def write_junction_table(path: str | Path, network, snapshot) -> Path:
    """One row per junction of the final state: wires, position (m), state, conductance (S),
    voltage across (V) and current through (A).

    Parameters
    ----------
    network : Network
        With ``junctions``.
    snapshot : Snapshot
    """
    junctions = network.junctions
    pairs = np.asarray(junctions.pairs).reshape(-1, 2)
    points = np.asarray(junctions.points).reshape(-1, 2)
    edge = np.asarray(network.junction_edge)
    current = np.asarray(snapshot.edge_current, dtype=np.float64)[edge]
    header = ["junction", "wire_a", "wire_b", "x_m", "y_m", "state", "conductance_S",
              "voltage_V", "current_A"]
    columns = [np.arange(len(pairs)), pairs[:, 0], pairs[:, 1], points[:, 0], points[:, 1],
               snapshot.junction_state, snapshot.junction_conductance,
               snapshot.junction_voltage, current]
    return _write_csv(path, header, columns,
                      [f"nwn-studio junctions at t = {snapshot.t:.17g} s; current positive "
                       "from wire_a's node to wire_b's node"])


def read_csv(path: str | Path) -> tuple[list[str], np.ndarray]:
    """Read back a CSV written here: (header, rows (R, C) float64)."""
    with open(path, encoding="utf-8") as stream:
        lines = [line for line in stream if not line.startswith("#")]
    header = lines[0].strip().split(",")
    rows = np.loadtxt(lines[1:], delimiter=",", ndmin=2) if len(lines) > 1 else \
        np.zeros((0, len(header)))
    return header, rows

