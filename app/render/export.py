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
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from nwn.app.models.palette import trace_color
from nwn.app.render.offscreen import lay_out
from nwn.engine.output_files import atomic_path, partial_file
from nwn.geometry.checks import InputError, check_int

__all__ = [
    "FIGURE_FORMATS",
    "atomic_path",
    "partial_file",
    "save_canvas",
    "save_plot",
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


def save_canvas(canvas, path: str | Path, *, size: tuple[int, int] | None = None) -> Path:
    """Save the network canvas as PNG or SVG.

    Parameters
    ----------
    canvas : NetworkView
    path : str or Path
        ``.png`` or ``.svg``.
    size : (int, int), optional
        Pixels (PNG) or the SVG's nominal size; default the canvas's current size.
    """
    fmt = figure_format(path)
    if size is None:
        size = (max(canvas.width(), 64), max(canvas.height(), 64))
    width = check_int("width", size[0], minimum=16, maximum=16384)
    height = check_int("height", size[1], minimum=16, maximum=16384)
    with atomic_path(path) as temp:
        if fmt == ".png":
            _save_png(canvas.render_image(width, height), temp, path)
        else:
            canvas.resize(width, height)
            with _svg_painter(temp, width, height, "nwn-studio network") as painter:
                canvas.render(painter)
    return Path(path)


def _save_png(image, temp: Path, path: str | Path) -> None:
    """Encode a QImage as PNG in memory and write the bytes here, so that a failed write is
    an OSError with its errno (libpng writing to the disk itself prints to stderr instead)."""
    from PySide6 import QtCore

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


def save_plot(plot, path: str | Path, *, width: int | None = None) -> Path:
    """Save a pyqtgraph plot (PlotWidget, PlotItem, GraphicsLayoutWidget) as PNG or SVG.

    Parameters
    ----------
    plot : pyqtgraph widget or item
    path : str or Path
    width : int, optional
        PNG width in pixels (height follows the aspect ratio); default the on-screen size.
    """
    import pyqtgraph.exporters as exporters

    fmt = figure_format(path)
    item = _plot_item(plot)
    with atomic_path(path) as temp:
        if fmt == ".png":
            exporter = exporters.ImageExporter(item)
            if width is not None:
                exporter.parameters()["width"] = check_int("width", width, minimum=16,
                                                           maximum=16384)
            # The exporter's own save ignores a failed write (a full disk): save and check.
            _save_png(exporter.export(toBytes=True), temp, path)
        else:
            _scene_svg(item, temp)
    return Path(path)


def _scene_svg(item, path: Path) -> None:
    """Vector SVG of a graphics item's area of its scene, through ``QSvgGenerator``.

    (pyqtgraph's SVGExporter fails on some plots, e.g. with grids: "not enough values to
    unpack" in ``correctCoordinates``; Qt's own SVG painter draws whatever the screen draws.)
    """
    from PySide6 import QtCore

    rect = item.sceneBoundingRect()
    width, height = max(int(rect.width()), 16), max(int(rect.height()), 16)
    with _svg_painter(path, width, height, "nwn-studio figure") as painter:
        item.scene().render(painter, QtCore.QRectF(0, 0, width, height), rect)


@contextmanager
def _svg_painter(path: Path, width: int, height: int, title: str):
    """A QPainter on an SVG file of ``width`` x ``height`` pixels, ended after the block."""
    from PySide6 import QtCore, QtGui, QtSvg

    generator = QtSvg.QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QtCore.QSize(width, height))
    generator.setViewBox(QtCore.QRect(0, 0, width, height))
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

