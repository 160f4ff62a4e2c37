"""Movies of a run or of a deposition: frames drawn by the app's canvas, streamed to ffmpeg.

Frames come from :meth:`nwn.app.render.network_view.NetworkView.render_image` (offscreen Qt),
the view the studio's canvas is built on, so a movie looks like the app. Overlays (simulated
time, deposition counters) are painted with :class:`QtGui.QPainter` on top; the optional side
panel with the G(t) or terminal-current trace drawn up to the current frame is a pyqtgraph plot
rendered offscreen into the frame. Each frame goes straight to the encoder
(:class:`MovieWriter`): MP4 is H.264 (libx264, yuv420p); GIF goes to a lossless temporary
file first and is then encoded with one palette for the whole movie and frame differences
(only what changed is stored), both through the ffmpeg binary that the imageio-ffmpeg wheel
carries, so memory stays bounded whatever the length. (imageio's Pillow GIF writer keeps every
frame until it closes, which is why GIF also goes through ffmpeg.)

Colours: a movie keeps one colour range for all its frames (:func:`movie_color_scale`, over
the exported range, or :attr:`MovieOptions.scale` when the user fixes it), so frames can be
compared: a bright wire means the same current at every time.

The movie is written to a hidden temporary file next to the target and renamed on success, so
a cancelled or failed export leaves nothing under the target name.

Time: a movie covers ``[start, end]`` simulated seconds; ``speed`` is simulated seconds per
movie second, so the movie has ``(end - start) / speed * fps + 1`` frames.
"""

from __future__ import annotations

import errno
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from nwn.app.models.palette import COLOR_MODES, DEFAULT_COLOR_MODE, trace_color
from nwn.app.render.offscreen import ensure_qapp, lay_out
from nwn.app.render.units import format_si, nice_ticks, si_scale
from nwn.engine.output_files import partial_file, write_fault
from nwn.geometry.checks import InputError, check_choice, check_int, check_positive

__all__ = [
    "COLOR_FIELDS",
    "TRACES",
    "ExportCancelled",
    "FrameRenderer",
    "MovieOptions",
    "MovieWriter",
    "SnapshotSource",
    "deposition_movie",
    "frame_schedule",
    "movie_color_scale",
    "movie_format",
    "movie_from_results",
    "parse_size",
    "write_movie",
]

#: What the network can be coloured by (:data:`nwn.app.models.palette.COLOR_MODES`).
COLOR_FIELDS = tuple(COLOR_MODES)
#: What the side panel can plot.
TRACES = ("conductance", "current")
_FORMATS = {".mp4": "mp4", ".gif": "gif"}
#: Default length of a movie whose speed is not given (s of movie), if the run has enough rows.
DEFAULT_DURATION = 10.0
#: Colours of a GIF's one palette (GIF allows at most 256).
GIF_COLORS = 256
_MAX_SIZE = 7680


class ExportCancelled(Exception):
    """The user cancelled an export; nothing was left under the target name."""


# -- options ----------------------------------------------------------------------------------


def parse_size(text: str, *, name: str = "size") -> tuple[int, int]:
    """``"WxH"`` as ``(width, height)`` pixels; InputError names the option (``name``, e.g.
    ``--size``) and the text."""
    parts = str(text).lower().replace("×", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise InputError(f"{name} must be WIDTHxHEIGHT in pixels, e.g. 1280x720 (got {text!r})"
                         ) from None
    return check_size((width, height), name=name)


def check_size(size, *, name: str = "size") -> tuple[int, int]:
    """Return ``size`` as a ``(width, height)`` pair of ints in [64, 7680]."""
    try:
        width, height = size
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a (width, height) pair in pixels (got {size!r})"
                         ) from None
    width = check_int(f"{name} width", width, minimum=64, maximum=_MAX_SIZE)
    height = check_int(f"{name} height", height, minimum=64, maximum=_MAX_SIZE)
    return width, height


def movie_format(path: str | Path, *, name: str = "movie file") -> str:
    """``"mp4"`` or ``"gif"`` from the file name; InputError for anything else (naming the
    file as ``name``, e.g. the option ``-o`` that gave it)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _FORMATS:
        raise InputError(f"{name} must end in .mp4 or .gif (got {str(path)!r})")
    return _FORMATS[suffix]


@dataclass(frozen=True)
class MovieOptions:
    """What a movie shows and how it is encoded.

    Attributes
    ----------
    fps : float
        Frames per movie second, (0, 120].
    size : (int, int)
        Frame width and height (pixels); even numbers for MP4 (H.264 4:2:0).
    speed : float or None
        Simulated seconds per movie second; None picks a speed that shows every recorded
        state once, for at most :data:`DEFAULT_DURATION` movie seconds.
    start, end : float or None
        Simulated time range (s); None for the first / last recorded state.
    color : str
        One of :data:`COLOR_FIELDS`.
    log : bool or None
        Logarithmic colour scale; None uses the field's default.
    scale : (float, float) or None
        The colour range (low, high) in the field's unit (S, A, V; for a log scale too),
        kept for the whole movie; None computes one range over all the exported frames
        (:func:`movie_color_scale`), so a 10 V pulse and a 10 mV read never look alike.
    show_time, show_scale_bar, show_colorbar, show_names : bool
        Overlays: simulated time, scale bar, colour bar, electrode names.
    trace : str or None
        Side panel: ``"conductance"`` (two-terminal G(t)) or ``"current"`` (terminal
        currents), drawn up to the current frame; None for no panel.
    trace_log : bool
        Logarithmic y axis of the side panel (conductance only).
    quality : int
        H.264 constant rate factor (lower is better and bigger), 0..51.
    names : dict or None
        How a message names each field (and ``duration``, ``until``, ``hold`` of
        :func:`deposition_movie`): the command line passes its options (``{"fps": "--fps"}``)
        so that a refusal names the option as typed; a field not in it is named as itself.
    """

    fps: float = 30.0
    size: tuple[int, int] = (1280, 720)
    speed: float | None = None
    start: float | None = None
    end: float | None = None
    color: str = DEFAULT_COLOR_MODE
    log: bool | None = None
    scale: tuple[float, float] | None = None
    show_time: bool = True
    show_scale_bar: bool = True
    show_colorbar: bool = True
    show_names: bool = True
    trace: str | None = None
    trace_log: bool = False
    quality: int = 20
    names: dict[str, str] | None = field(default=None, compare=False, repr=False)

    def name_of(self, name: str) -> str:
        """How messages name field ``name`` (see :attr:`names`)."""
        return (self.names or {}).get(name, name)

    def checked(self, *, fmt: str | None = None) -> MovieOptions:
        """These options validated (InputError names the option, value and what is allowed)."""
        named = self.name_of
        fps = check_positive(named("fps"), self.fps)
        if fps > 120:
            raise InputError(f"{named('fps')} must be in (0, 120] (got {self.fps})")
        width, height = check_size(self.size, name=named("size"))
        if fmt == "mp4" and (width % 2 or height % 2):
            raise InputError(f"{named('size')} must have an even width and height for MP4 (got "
                             f"{width}x{height})")
        speed = None if self.speed is None else check_positive(named("speed"), self.speed)
        check_choice(named("color"), self.color, COLOR_FIELDS)
        if self.trace is not None:
            check_choice(named("trace"), self.trace, TRACES)
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float))
                                          and math.isfinite(value) and value >= 0):
                raise InputError(f"{named(name)} must be a time >= 0 in seconds (got "
                                 f"{value!r})")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InputError(f"{named('end')} must be later than {named('start')} (got "
                             f"{named('start')} {self.start:g}, {named('end')} {self.end:g})")
        check_int(named("quality"), self.quality, minimum=0, maximum=51)
        scale = self.scale
        if scale is not None:
            try:
                low, high = (float(v) for v in scale)
            except (TypeError, ValueError):
                raise InputError(f"scale must be a (low, high) pair of numbers (got {scale!r})"
                                 ) from None
            if not (math.isfinite(low) and math.isfinite(high) and high > low):
                raise InputError(f"scale must have finite low < high (got {scale!r})")
            log = COLOR_MODES[self.color][1] if self.log is None else self.log
            if log and low <= 0:
                raise InputError(f"scale of a logarithmic colour scale must be > 0 (got "
                                 f"low = {low:g})")
            scale = (low, high)
        return replace(self, fps=fps, size=(width, height), speed=speed, scale=scale)


def frame_schedule(times: np.ndarray, options: MovieOptions) -> np.ndarray:
    """Simulated time of every movie frame (s).

    Parameters
    ----------
    times : ndarray, shape (F,)
        Recorded state times (s), increasing.
    options : MovieOptions

    Returns
    -------
    ndarray, shape (n_frames,)
        ``start + k * speed / fps`` up to ``end``.
    """
    times = np.asarray(times, dtype=np.float64)
    if times.size == 0:
        raise InputError("the results hold no recorded network state to make a movie of")
    first, last = float(times[0]), float(times[-1])
    start = first if options.start is None else float(options.start)
    end = last if options.end is None else float(options.end)
    named = options.name_of
    if not first <= start <= last:
        raise InputError(f"{named('start')} must be within the recorded times [{first:.6g}, "
                         f"{last:.6g}] s (got {start:g})")
    end = min(end, last)
    if end < start:
        raise InputError(f"{named('end')} must be later than {named('start')} (got "
                         f"{named('start')} {start:g}, {named('end')} {end:g})")
    span = end - start
    if options.speed is None:
        in_range = int(np.count_nonzero((times >= start) & (times <= end)))
        n_frames = max(1, min(in_range, int(round(DEFAULT_DURATION * options.fps))))
        return np.linspace(start, end, n_frames) if n_frames > 1 else np.array([start])
    step = options.speed / options.fps
    n_frames = int(math.floor(span / step * (1 + 1e-12))) + 1
    return start + step * np.arange(n_frames)


# -- encoding ---------------------------------------------------------------------------------


class MovieWriter:
    """Stream frames to an MP4 or GIF file through ffmpeg.

    Parameters
    ----------
    path : str or Path
        Target file (``.mp4`` or ``.gif``); written only when :meth:`close` succeeds.
    size : (int, int)
        Frame width and height (pixels).
    fps : float
    quality : int
        H.264 constant rate factor (MP4 only).

    Frames are ``QImage`` objects in ``Format_RGB32`` (or ``(H, W, 4)`` uint8 BGRA arrays), the
    canvas's native format, handed to ffmpeg as raw BGRA without conversion in Python.
    """

    def __init__(self, path: str | Path, size: tuple[int, int], fps: float, *,
                 quality: int = 20) -> None:
        import imageio_ffmpeg

        self.path = Path(path)
        self.format = movie_format(self.path)
        self.size = check_size(size)
        self.n_frames = 0
        self.fps = fps
        self.temp_path = partial_file(self.path)
        self._frames_path: Path | None = None
        if self.format == "mp4":
            target = self.temp_path
            options = {"codec": "libx264", "pix_fmt_out": "yuv420p", "quality": None,
                       "macro_block_size": 2,
                       "output_params": ["-crf", str(int(quality)), "-preset", "veryfast",
                                         "-movflags", "+faststart"]}
        else:
            # GIF in two passes (see :meth:`_encode_gif`): the frames go losslessly (FFV1) to
            # a hidden file first, so memory stays bounded and one palette fits them all.
            try:
                self._frames_path = partial_file(self.path.with_name(
                    f"{self.path.stem}-frames.mkv"))
            except BaseException:
                self._discard()
                raise
            target = self._frames_path
            options = {"codec": "ffv1", "pix_fmt_out": "bgr0", "quality": None,
                       "macro_block_size": 1}
        fraction = _fps_fraction(fps)
        self._generator = imageio_ffmpeg.write_frames(
            str(target), self.size, fps=fraction, pix_fmt_in="bgra",
            ffmpeg_log_level="fatal", **options)
        try:
            self._generator.send(None)  # start ffmpeg
        except BaseException:
            self._discard()
            raise
        self._open = True

    def write(self, frame) -> None:
        """Append one frame (QImage RGB32 of the writer's size, or (H, W, 4) BGRA uint8)."""
        width, height = self.size
        if hasattr(frame, "constBits"):
            if (frame.width(), frame.height()) != (width, height):
                raise InputError(f"frame must be {width}x{height} pixels (got "
                                 f"{frame.width()}x{frame.height()})")
            data = _qimage_bgra(frame)
        else:
            data = np.ascontiguousarray(frame, dtype=np.uint8)
            if data.shape != (height, width, 4):
                raise InputError(f"frame must have shape ({height}, {width}, 4) (got "
                                 f"{data.shape})")
        try:
            self._generator.send(data)
        except OSError as error:  # ffmpeg stopped: a full disk, an I/O error
            raise write_fault(error, self.path) from None
        self.n_frames += 1

    def close(self) -> Path:
        """Finish the file and move it to the target name; returns the target path."""
        if not self._open:
            return self.path
        self._open = False
        try:
            self._generator.close()
            if self.n_frames == 0:
                raise InputError("a movie needs at least one frame (got none)")
            if self._frames_path is not None:
                self._encode_gif()
            if self.temp_path.stat().st_size == 0:
                raise OSError(errno.EIO, "ffmpeg wrote nothing (is the disk full?)")
            os.replace(self.temp_path, self.path)
        except OSError as error:
            self._discard()
            raise write_fault(error, self.path) from None
        except BaseException:
            self._discard()
            raise
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and delete the partial file; nothing appears under the target name."""
        if self._open:
            self._open = False
            import logging

            # imageio_ffmpeg warns of a movie without frames: this one is deleted anyway.
            logger = logging.getLogger("imageio_ffmpeg")
            level = logger.level
            logger.setLevel(logging.ERROR)
            try:
                self._generator.close()
            except Exception:  # noqa: BLE001 - the partial file is deleted either way
                pass
            finally:
                logger.setLevel(level)
        self._discard()

    def _encode_gif(self) -> None:
        """The GIF from the lossless frames: one palette for the whole movie, then each frame
        mapped onto it with only the rectangle that changed re-encoded and unchanged pixels
        left transparent (ffmpeg's ``transdiff``), undithered (dither noise changes every
        frame and defeats the frame difference). A per-frame palette (the earlier way) made
        every pixel differ from frame to frame: 8.7 MB for 3 s at 720p."""
        import subprocess

        import imageio_ffmpeg

        ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
        palette = partial_file(self.path.with_name(f"{self.path.stem}-palette.png"))
        try:
            for command in (
                    [ffmpeg, "-v", "error", "-y", "-i", str(self._frames_path), "-vf",
                     f"palettegen=max_colors={GIF_COLORS}:stats_mode=full", "-frames:v", "1",
                     "-update", "1", str(palette)],
                    [ffmpeg, "-v", "error", "-y", "-i", str(self._frames_path),
                     "-i", str(palette), "-lavfi",
                     "paletteuse=dither=none:diff_mode=rectangle", "-f", "gif",
                     "-gifflags", "+offsetting+transdiff", str(self.temp_path)]):
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    reason = (done.stderr.strip().splitlines() or ["ffmpeg failed"])[-1]
                    raise OSError(errno.EIO, f"encoding the GIF failed: {reason}")
        finally:
            for path in (palette, self._frames_path):
                path.unlink(missing_ok=True)

    def _discard(self) -> None:
        for path in (self.temp_path, self._frames_path):
            if path is not None:
                path.unlink(missing_ok=True)

    def __enter__(self) -> MovieWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _fps_fraction(fps: float):
    from fractions import Fraction

    return Fraction(float(fps)).limit_denominator(1001)


def _qimage_bgra(image) -> memoryview:
    """The pixels of an RGB32/ARGB32 QImage as raw BGRA bytes (little-endian byte order)."""
    from PySide6 import QtGui

    if image.format() not in (QtGui.QImage.Format.Format_RGB32,
                              QtGui.QImage.Format.Format_ARGB32):
        image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    if image.bytesPerLine() != 4 * image.width():
        image = image.copy()
    view = memoryview(image.constBits())
    return bytes(view[: image.sizeInBytes()])


# -- drawing ----------------------------------------------------------------------------------

@dataclass
class _Trace:
    """A trace for the side panel: time (s) and one or more series."""

    t: np.ndarray
    series: list[tuple[str, np.ndarray]]
    label: str
    unit: str
    log: bool
    #: Colour of each series (RGB); default :func:`~nwn.app.models.palette.trace_color`.
    colors: list | None = None


class SnapshotSource:
    """Frames from snapshots held in memory (e.g. the app's snapshot history).

    Parameters
    ----------
    network : Network
    electrodes : sequence
        Objects with ``name``, ``shape`` (dict, m) and ``source.kind``, as the canvas draws.
    box : (float, float)
        Substrate size (m).
    snapshots : sequence of Snapshot
        In time order; indexable.
    trace_t : ndarray, shape (T,), optional
        Times of the terminal traces (s).
    terminal_current, terminal_voltage : ndarray, shape (T, K), optional
    conductance : ndarray, shape (T,), optional
    """

    def __init__(self, network, electrodes, box, snapshots: Sequence, *, trace_t=None,
                 terminal_current=None, terminal_voltage=None, conductance=None) -> None:
        self.network = network
        self.electrodes = tuple(electrodes)
        self.electrode_names = tuple(network.electrode_names)
        self.box = tuple(box)
        self._snapshots = snapshots
        self._times = np.array([s.t for s in snapshots], dtype=np.float64)
        self.t = np.zeros(0) if trace_t is None else np.asarray(trace_t, dtype=np.float64)
        k = len(self.electrode_names)
        self.terminal_current = (np.zeros((0, k)) if terminal_current is None
                                 else np.asarray(terminal_current, dtype=np.float64))
        self.terminal_voltage = (np.zeros((0, k)) if terminal_voltage is None
                                 else np.asarray(terminal_voltage, dtype=np.float64))
        self.conductance = (np.zeros(0) if conductance is None
                            else np.asarray(conductance, dtype=np.float64))

    @property
    def frame_times(self) -> np.ndarray:
        return self._times

    def snapshot_at(self, t: float):
        row = int(np.searchsorted(self._times, t * (1 + 1e-12) + 1e-300, side="right")) - 1
        return self._snapshots[max(row, 0)]


def _trace_of(source, kind: str, log: bool, *, name: str = "trace") -> _Trace:
    t = np.asarray(source.t, dtype=np.float64)
    if kind == "conductance":
        g = np.asarray(source.conductance, dtype=np.float64)
        if not np.any(np.isfinite(g)):
            raise InputError(f"{name} conductance needs exactly two driven electrodes (the "
                             f"results hold no two-terminal conductance); use {name} current")
        return _Trace(t, [("G", g)], "G", "S", log)
    current = np.asarray(source.terminal_current, dtype=np.float64)
    names = source.electrode_names
    # Plot the electrodes that carry current (ground/driven), not floating probes.
    carrying = [k for k in range(current.shape[1])
                if np.nanmax(np.abs(current[:, k]), initial=0.0) > 0] or [0]
    # Each electrode keeps the colour it has in the app's plots and in ``nwn plot``.
    return _Trace(t, [(names[k], current[:, k]) for k in carrying], "I", "A", False,
                  colors=[trace_color(k) for k in carrying])


_TEXT = (235, 238, 245)
_AXIS = (120, 128, 140)


class _TracePanel:
    """The side panel: a trace up to the current time, plotted by pyqtgraph offscreen.

    One :class:`pyqtgraph.PlotItem` with fixed axis ranges (the whole movie's span, so the
    axes stay still while the curve grows), a curve per series (pyqtgraph's peak downsampling
    keeps each pixel column's extremes, so long traces draw fast and look the same) and a dot
    at the present. Each frame sets the data up to the current time and renders the plot's
    scene into the frame.

    Parameters
    ----------
    trace : _Trace
    t_range : (float, float)
        Time span of the x axis (s).
    size : (int, int)
        Width and height of the panel (pixels).
    """

    def __init__(self, trace: _Trace, t_range: tuple[float, float],
                 size: tuple[int, int]) -> None:
        import pyqtgraph as pg
        from PySide6 import QtGui, QtWidgets

        self.trace = trace
        t0, t1 = t_range
        if t1 <= t0:
            t1 = t0 + 1.0
        self.t_range = (t0, t1)
        values = np.concatenate([v[(trace.t >= t0) & (trace.t <= t1)]
                                 for _, v in trace.series]) if trace.series else np.zeros(0)
        values = values[np.isfinite(values)]
        if trace.log:
            values = values[values > 0]
            low, high = (np.log10(values.min()), np.log10(values.max())) if values.size \
                else (-9.0, -3.0)
        else:
            low, high = (float(values.min()), float(values.max())) if values.size else (0, 1)
            if trace.unit == "S":
                low = min(low, 0.0)
        if high <= low:
            pad = abs(high) * 0.1 if high else 1.0
            low, high = low - pad, high + pad
        pad = 0.06 * (high - low)
        #: y axis span, in decades (log10) on a log axis
        self.v_range = (low - pad, high + pad)
        self.size = (max(int(size[0]), 16), max(int(size[1]), 16))
        height = self.size[1]
        font = QtGui.QFont()
        font.setPixelSize(int(max(11, height / 34)))
        text_size = f"{font.pixelSize()}px"
        label_style = {"color": "#{:02x}{:02x}{:02x}".format(*_TEXT), "font-size": text_size}

        self.widget = pg.GraphicsLayoutWidget()
        self.widget.setBackground(None)  # the frame is already dark behind the panel
        title = {"S": "conductance", "A": "current"}[trace.unit]
        self.plot = self.widget.addPlot()
        self.plot.setTitle(title, color=_TEXT, size=text_size)
        # A frame around the plot area (cheaper than drawing two more axes every frame).
        self.plot.getViewBox().setBorder(pg.mkPen(_AXIS, width=1))
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(_AXIS, width=1))
            axis.setTextPen(pg.mkPen(_TEXT))
            # Major ticks only, outside the frame.
            axis.setStyle(tickFont=font, maxTickLevel=0, tickLength=-4)
            axis.enableAutoSIPrefix(not trace.log or name != "left")
        self.plot.setLabel("bottom", "time", units="s", **label_style)
        if trace.log:
            self.plot.setLogMode(y=True)
            ticks, prefix = _log_ticks(*self.v_range)
            self.plot.getAxis("left").setTicks([ticks])
            self.plot.setLabel("left", f"{trace.label} ({prefix}{trace.unit})", **label_style)
        else:
            self.plot.setLabel("left", trace.label, units=trace.unit, **label_style)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.disableAutoRange()
        self.plot.setXRange(t0, t1, padding=0)
        self.plot.setYRange(*self.v_range, padding=0)
        legend = None
        if len(trace.series) > 1:
            legend = self.plot.addLegend(offset=(6, 4), labelTextSize=text_size,
                                         verSpacing=-4)
        line_width = max(1.5, height / 400)
        radius = max(3.0, height / 180)
        self.curves, self.dots = [], []
        for k, (name, _values) in enumerate(trace.series):
            color = trace.colors[k] if trace.colors else trace_color(k)
            curve = self.plot.plot(pen=pg.mkPen(color, width=line_width), connect="finite",
                                   name=name if legend is not None else None)
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            # The present: a dot of fixed pixel size, moved each frame (a scatter item would
            # rebuild its spot table every frame, which cost more than the whole curve).
            dot = QtWidgets.QGraphicsEllipseItem(-radius, -radius, 2 * radius, 2 * radius)
            dot.setFlag(QtWidgets.QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            dot.setBrush(pg.mkBrush(color))
            dot.setPen(pg.mkPen(None))
            dot.setZValue(10)
            self.plot.addItem(dot, ignoreBounds=True)
            self.curves.append(curve)
            self.dots.append(dot)
            if legend is not None:
                legend.items[-1][1].setText(name, color=color, size=text_size)
        lay_out(self.widget, self.size)

    def _values(self, v: np.ndarray) -> np.ndarray:
        """Series values as plotted: non-positive ones are gaps on a log axis."""
        v = np.asarray(v, dtype=np.float64)
        return np.where(v > 0, v, np.nan) if self.trace.log else v

    def draw(self, painter, rect, t_now: float) -> None:
        """Draw the trace up to ``t_now`` (s) into ``rect`` of ``painter``: the future stays
        hidden, the present is a dot."""
        from PySide6 import QtCore

        t = self.trace.t
        t0 = self.t_range[0]
        shown = (t >= t0) & (t <= t_now * (1 + 1e-12) + 1e-300)
        for curve, dot, (_name, values) in zip(self.curves, self.dots, self.trace.series,
                                                 strict=True):
            xs, ys = t[shown], self._values(values)[shown]
            curve.setData(xs, ys)
            finite = np.flatnonzero(np.isfinite(ys))
            dot.setVisible(finite.size > 0)
            if finite.size:
                y = ys[finite[-1]]
                dot.setPos(xs[finite[-1]], np.log10(y) if self.trace.log else y)
        width, height = self.size
        self.widget.scene().render(painter, rect, QtCore.QRectF(0, 0, width, height))

    def close(self) -> None:
        """Delete the offscreen plot now (see :meth:`FrameRenderer.close`)."""
        self.widget.deleteLater()


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _log_ticks(low: float, high: float) -> tuple[list[tuple[float, str]], str]:
    """Ticks of a log axis spanning decades ``low`` to ``high`` (log10 units).

    Returns ``([(log10 value, label), ...], SI prefix of the labels)``: powers of ten written
    ``10⁻³`` (every few decades on a long axis), or, under one decade, where no power of ten
    falls, round values with an SI prefix ("2.75" with prefix "m").
    """
    if high - low >= 1:
        step = max(1, math.ceil((high - low) / 6))
        first = math.ceil(low / step) * step
        decades = range(first, math.floor(high) + 1, step)
        return [(float(k), "10" + str(k).translate(_SUPERSCRIPT)) for k in decades], ""
    factor, prefix = si_scale(10.0 ** high)
    values = [v for v in nice_ticks(10.0 ** low, 10.0 ** high, 4) if v > 0]
    return [(float(np.log10(v)), f"{v / factor:g}") for v in values], prefix


class FrameRenderer:
    """Renders movie frames of a network with the app's canvas, plus overlays.

    Parameters
    ----------
    network : Network or None
        None for a deposition movie (wires come with every frame).
    electrodes : sequence
        Objects with ``name``, ``shape`` (dict, m) and ``source.kind``.
    box : (float, float)
        Substrate size (m).
    options : MovieOptions
    trace : _Trace or None
        What the side panel plots.
    t_range : (float, float)
        Time span of the side panel (s).
    """

    def __init__(self, network, electrodes, box, options: MovieOptions, *, trace=None,
                 t_range=(0.0, 1.0)) -> None:
        from nwn.app.render.network_view import NetworkView

        ensure_qapp()
        self.options = options
        width, height = options.size
        self.size = (width, height)
        self.panel_width = 0
        self.panel = None
        if trace is not None:
            # The network is square-ish: give the spare width (at least 30 %) to the trace.
            self.panel_width = int(max(0.3 * width, width - 1.12 * height))
            self.panel = _TracePanel(trace, t_range, self._panel_rect().size().toTuple())
        self.canvas = NetworkView()
        self.canvas.set_network(network)
        if network is None:
            self.canvas.set_box(box)
        names = options.show_names
        self.canvas.set_electrodes([_Unnamed(e) if not names else e for e in electrodes])
        self.canvas.set_box(box)
        self.canvas.scale_bar.setVisible(options.show_scale_bar)
        if options.scale is not None:
            self.canvas.fixed_scale = options.scale
        self._color_set = False

    def _panel_rect(self):
        """Where the trace panel goes in the frame (QRectF, pixels)."""
        from PySide6 import QtCore

        width, height = self.size
        return QtCore.QRectF(width - self.panel_width, 0, self.panel_width,
                             height).adjusted(8, 12, -8, -12)

    def close(self) -> None:
        """Delete the offscreen canvas and trace plot now (left to interpreter exit, Qt tears
        down in the wrong order and crashes)."""
        from PySide6 import QtCore

        if self.canvas is not None:
            self.canvas.deleteLater()
            self.canvas = None
            if self.panel is not None:
                self.panel.close()
                self.panel = None
            QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)

    def _compose(self, network_image, lines: Sequence[str], t_now: float | None):
        from PySide6 import QtCore, QtGui

        width, height = self.size
        if self.panel is None and not lines:
            return network_image
        if self.panel is None:
            image = network_image
        else:
            image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGB32)
            image.fill(QtGui.QColor(16, 20, 26))
        painter = QtGui.QPainter(image)
        try:
            if self.panel is not None:
                painter.drawImage(0, 0, network_image)
                self.panel.draw(painter, self._panel_rect(),
                                t_now if t_now is not None else 0.0)
            if lines:
                font = painter.font()
                font.setPixelSize(int(max(12, height / 28)))
                font.setBold(True)
                painter.setFont(font)
                metrics = QtGui.QFontMetricsF(font)
                painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
                y = 0.6 * metrics.height()
                for line in lines:
                    box = QtCore.QRectF(14, y, width - self.panel_width - 28,
                                        metrics.height())
                    # A dark halo keeps the text readable over bright wires.
                    painter.setPen(QtGui.QColor(0, 0, 0, 200))
                    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                        painter.drawText(box.translated(dx, dy),
                                         QtCore.Qt.AlignmentFlag.AlignLeft, line)
                    painter.setPen(QtGui.QColor(*_TEXT))
                    painter.drawText(box, QtCore.Qt.AlignmentFlag.AlignLeft, line)
                    y += 1.15 * metrics.height()
        finally:
            painter.end()
        return image

    def render_snapshot(self, snapshot):
        """The frame (QImage RGB32) of one network state."""
        options = self.options
        if not self._color_set:
            self.canvas.set_color_mode(options.color, log=options.log)
            self._color_set = True
        self.canvas.show_snapshot(snapshot)
        self.canvas.colorbar.setVisible(options.show_colorbar)
        image = self.canvas.render_image(self.size[0] - self.panel_width, self.size[1])
        lines = [f"t = {format_si(snapshot.t, 's')}"] if options.show_time else []
        return self._compose(image, lines, snapshot.t)

    def render_deposition(self, wire_xy, wire_cluster, junction_xy, spanning_cluster, step, *,
                          extra: Sequence[str] = ()):
        """The frame (QImage RGB32) of a film being deposited.

        Parameters
        ----------
        wire_xy : ndarray, shape (W, 2, 2)
            Wires so far (m).
        wire_cluster : ndarray of int, shape (W,)
            Cluster label of each wire.
        junction_xy : ndarray, shape (M, 2)
            Junction points (m).
        spanning_cluster : int
            Label of the cluster joining two electrodes, -1 if none.
        step : nwn.geometry.deposition.DepositionState
            Counters shown in the overlay.
        extra : sequence of str
            More overlay lines.
        """
        self.canvas.show_deposition(wire_xy, wire_cluster, junction_xy,
                                    spanning_cluster=spanning_cluster)
        image = self.canvas.render_image(self.size[0] - self.panel_width, self.size[1])
        lines = [f"{step.n_wires} wires   {step.n_junctions} junctions   "
                 f"n·⟨l²⟩ = {step.density_ratio:.2f}",
                 f"{step.n_clusters} clusters, largest {100 * step.largest_cluster_fraction:.0f} %"]
        lines += list(extra)
        return self._compose(image, lines, None)


class _Unnamed:
    """An electrode drawn without its name label."""

    def __init__(self, electrode) -> None:
        self.name = ""
        self.shape = electrode.shape
        self.source = electrode.source


# -- whole movies -----------------------------------------------------------------------------


def _cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return cancel.is_set()
    return bool(cancel())


def movie_color_scale(source, times: np.ndarray, options: MovieOptions,
                      cancel=None) -> tuple[float, float]:
    """One colour range for a whole movie: over every state its frames show.

    Parameters
    ----------
    source : Results or SnapshotSource
    times : ndarray, shape (F,)
        The frames' simulated times (s), :func:`frame_schedule`.
    options : MovieOptions
        ``color``, ``log`` and ``scale`` are used; a given ``scale`` is returned as it is.

    Returns
    -------
    (float, float)
        low, high in the field's unit, rounded as the canvas rounds its range.
    """
    from nwn.app.models.scene import ColorScale, NetworkScene

    if options.scale is not None:
        return options.scale
    mode = options.color
    log = COLOR_MODES[mode][1] if options.log is None else options.log
    if mode == "state" and not log:
        return (0.0, 1.0)  # a state's whole range; no pass over the frames needed
    scene = NetworkScene(source.network)
    extremes = []
    seen = set()
    for t in times:
        if _cancelled(cancel):
            raise ExportCancelled("export cancelled")
        snapshot = source.snapshot_at(float(t))
        key = (getattr(snapshot, "step", None), float(snapshot.t))
        if key in seen:
            continue  # frames between two recorded states show the same state
        seen.add(key)
        values = scene.color_values(snapshot, mode)
        values = values[np.isfinite(values)]
        if log:
            values = values[values > 0]
        if values.size:
            extremes += [values.min(), values.max()]
    scale = ColorScale.for_mode(np.asarray(extremes, dtype=np.float64), mode, log=log,
                                n_bins=2)
    return (scale.low, scale.high)


def write_movie(source, path: str | Path, options: MovieOptions | None = None, *,
                progress: Callable[[int, int], None] | None = None,
                cancel=None) -> Path:
    """Render a recorded run to a movie file.

    Parameters
    ----------
    source : Results or SnapshotSource
        Has ``network``, ``electrodes``, ``box``, ``frame_times``, ``snapshot_at(t)`` and the
        traces ``t``, ``conductance``, ``terminal_current``, ``electrode_names``.
    path : str or Path
        ``.mp4`` or ``.gif``.
    options : MovieOptions
    progress : callable, optional
        ``progress(frames_done, n_frames)`` after every frame.
    cancel : threading.Event or callable, optional
        Checked before every frame; when set the export stops, the partial file is deleted
        and :class:`ExportCancelled` is raised.

    Returns
    -------
    Path
        The movie file.
    """
    fmt = movie_format(path)
    options = (options or MovieOptions()).checked(fmt=fmt)
    times = frame_schedule(source.frame_times, options)
    trace = None
    if options.trace is not None:
        trace = _trace_of(source, options.trace, options.trace_log,
                          name=options.name_of("trace"))
    options = replace(options, scale=movie_color_scale(source, times, options, cancel))
    renderer = FrameRenderer(source.network, source.electrodes, source.box, options,
                             trace=trace, t_range=(float(times[0]), float(times[-1])))
    try:
        with MovieWriter(path, options.size, options.fps, quality=options.quality) as writer:
            for k, t in enumerate(times):
                if _cancelled(cancel):
                    raise ExportCancelled(f"export of {path} cancelled")
                writer.write(renderer.render_snapshot(source.snapshot_at(float(t))))
                if progress is not None:
                    progress(k + 1, len(times))
    finally:
        renderer.close()
    return Path(path)


def movie_from_results(results_path: str | Path, movie_path: str | Path, *,
                       progress: Callable[[int, int], None] | None = None, cancel=None,
                       **options) -> Path:
    """Make a movie of a results file; ``options`` are :class:`MovieOptions` fields.

    This is what ``nwn movie`` and ``nwn run --movie`` call.

    Examples
    --------
    >>> movie_from_results("run.h5", "run.mp4", fps=30, speed=0.01, trace="conductance")
    ... # doctest: +SKIP
    """
    from nwn.engine.results import Results

    unknown = set(options) - set(MovieOptions.__dataclass_fields__)
    if unknown:
        allowed = ", ".join(MovieOptions.__dataclass_fields__)
        raise InputError(f"unknown movie option {sorted(unknown)[0]!r} (allowed: {allowed})")
    movie_format(movie_path)
    movie_options = MovieOptions(**options)
    with Results(results_path) as results:
        return write_movie(results, movie_path, movie_options, progress=progress,
                           cancel=cancel)


def deposition_movie(scenario, path: str | Path, options: MovieOptions | None = None, *,
                     duration: float = 8.0, until: str = "all", hold: float = 1.5,
                     progress: Callable[[int, int], None] | None = None,
                     cancel=None) -> Path:
    """A movie of a scenario's film forming, batch by batch, wires coloured by cluster.

    The scenario's own wires (:func:`nwn.engine.build.deposit_wires`: the very network that
    ``nwn run`` and the studio simulate for this seed) land batch by batch in a
    :class:`nwn.geometry.deposition.Deposition`, which keeps junctions and clusters up to date
    and reports the percolation moment (a cluster touching two electrodes); that cluster is
    drawn white and the moment is written on the frame. Each frame shows
    :meth:`~nwn.geometry.deposition.Deposition.state`, as the studio does.

    Parameters
    ----------
    scenario : Scenario
        Its ``network`` gives the box, the wire laws and the wire count (``n_wires`` or
        ``density`` times the box area).
    path : str or Path
        ``.mp4`` or ``.gif``.
    options : MovieOptions
        ``fps``, ``size``, ``quality`` and ``show_names``, ``show_scale_bar`` are used.
    duration : float
        Movie seconds of the deposition itself.
    until : {"all", "percolation"}
        Drop every wire of the scenario, or stop at the batch that percolates.
    hold : float
        Movie seconds the last frame stays on screen.
    progress, cancel :
        As in :func:`write_movie`.

    Returns
    -------
    Path
    """
    from nwn.engine.build import deposit_wires
    from nwn.geometry import Electrode
    from nwn.geometry.deposition import Deposition

    fmt = movie_format(path)
    options = (options or MovieOptions()).checked(fmt=fmt)
    check_positive(options.name_of("duration"), duration)
    check_choice(options.name_of("until"), until, ("all", "percolation"))
    hold = float(hold)
    if not (math.isfinite(hold) and hold >= 0):
        raise InputError(f"{options.name_of('hold')} must be a time >= 0 in seconds (got "
                         f"{hold!r})")
    spec = scenario.network
    box = tuple(spec.box)
    wires = deposit_wires(scenario)  # a wire file replays in its own order
    total = len(wires)
    deposition = Deposition(box, [Electrode(e.name, e.geometry()) for e in scenario.electrodes])
    n_batches = max(1, min(total, int(round(duration * options.fps))))
    batch = -(-total // n_batches)
    n_hold = int(round(hold * options.fps))
    renderer = FrameRenderer(None, scenario.electrodes, box, options)
    try:
        with MovieWriter(path, options.size, options.fps, quality=options.quality) as writer:
            frame = None
            for k in range(n_batches):
                if _cancelled(cancel):
                    raise ExportCancelled(f"export of {path} cancelled")
                landed = len(deposition)
                deposition.add_wires(wires[landed:min(landed + batch, total)])
                step = deposition.state()  # the studio shows the same state for this count
                extra = []
                if step.percolated:
                    a, b = step.percolation_electrodes
                    extra.append(f"percolation at wire {step.percolation_wire + 1}: "
                                 f"{a} joined to {b}")
                frame = renderer.render_deposition(
                    deposition.wires.endpoints, step.wire_cluster, deposition.junctions.points,
                    step.spanning_cluster, step, extra=extra)
                writer.write(frame)
                if progress is not None:
                    progress(k + 1, n_batches + n_hold)
                if len(deposition) >= total or (until == "percolation" and step.percolated):
                    break
            for j in range(n_hold):
                if _cancelled(cancel):
                    raise ExportCancelled(f"export of {path} cancelled")
                writer.write(frame)
                if progress is not None:
                    progress(k + 2 + j, n_batches + n_hold)
    finally:
        renderer.close()
    return Path(path)
