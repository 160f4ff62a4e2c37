"""How one state of a run is drawn, computed without Qt: the colour scale, the style group of
every wire and junction, and the lowest-resistance path.

:func:`make_run_style` turns a :class:`~nwn.engine.simulation.Snapshot` and the view's
:class:`RunSettings` into a :class:`RunStyle`; the network view (``nwn.app.render``) only turns
its small palettes into pens and hands the groups to its layers. At a million wires the styling
passes over 4.7 million junctions take 0.2-0.5 s (the compiled loops of
:mod:`nwn.app.models.style_kernels`; a lowest-resistance path 1.1-1.3 s more, the Dijkstra of
:mod:`nwn.app.models.path_kernels`, releasing the lock too), so during a run
the studio makes the style in a worker thread and the GUI thread only applies it; every other
redraw (the time slider, a movie frame, an export, a change of view with no run going) makes it
on the spot through the same function, so both draw the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nwn.app.models import style_kernels as kernels
from nwn.app.models.palette import COLOR_MODES
from nwn.app.models.scene import ColorScale, NetworkScene, bin_values, lowest_resistance_path

__all__ = ["N_COLOR_BINS", "N_WIDTHS", "PATH_INTERVAL_S", "RunSettings", "RunStyle",
           "STATE_BINS", "WIDTH_STEPS", "frozen", "make_run_style", "path_edges", "state_histogram"]

#: colour bins of every colour map (wire and junction groups index them)
N_COLOR_BINS = 16
#: a wire's width class from the current it carries, as a fraction of the busiest wire's:
#: below the first step thin, then medium, above the second wide
WIDTH_STEPS = (0.02, 0.2)
N_WIDTHS = len(WIDTH_STEPS) + 1
#: shortest interval (s) between lowest-resistance path updates during a live run: a Dijkstra
#: over the whole graph (~20 ms at 10,000 wires), and the path moves slowly compared with the
#: display rate
PATH_INTERVAL_S = 0.25
#: bins of the junction-state histogram (the plots' "junction states now"), over [0, 1]
STATE_BINS = 20


@dataclass(frozen=True)
class RunSettings:
    """What the view shows of a run: everything a :class:`RunStyle` depends on besides the
    state. Frozen and comparable, so a style made in a worker thread is known to be stale when
    the view's settings have changed since (``style.settings != view settings``).

    Attributes
    ----------
    mode : str
        Colour mode, a key of :data:`~nwn.app.models.palette.COLOR_MODES`.
    log : bool or None
        Logarithmic colour scale; None: the mode's default.
    fixed_scale : (float, float) or None
        Colour range ``(low, high)`` in the mode's unit kept for every state; None: fitted.
    backbone : float or None
        Show only what carries more than this fraction of the terminal current; None: all.
    path_between : (str, str) or None
        Electrode names whose lowest-resistance path is highlighted; None: no path.
    """

    mode: str = "state"
    log: bool | None = None
    fixed_scale: tuple[float, float] | None = None
    backbone: float | None = None
    path_between: tuple[str, str] | None = None

    @property
    def use_log(self) -> bool:
        """Whether the colour scale is logarithmic (``log``, or the mode's default)."""
        return COLOR_MODES[self.mode][1] if self.log is None else bool(self.log)


@dataclass(frozen=True, eq=False)
class RunStyle:
    """The styles of one drawn state.

    Attributes
    ----------
    settings : RunSettings
        What it was made for.
    snapshot : Snapshot
        The state it draws.
    scale : ColorScale
        The colour range (also the colour bar's).
    wire_group : ndarray of int64, shape (W,), read-only
        ``colour bin * N_WIDTHS + width class`` of each wire, ``n_wire_colors * N_WIDTHS`` for
        an unsolved wire (no value), -1 where hidden (outside the backbone).
    n_wire_colors : int
        Colours the wires use: :data:`N_COLOR_BINS`, or 1 (a neutral grey) in modes whose
        values live on junctions only.
    junction_group : ndarray of int64, shape (M,), read-only
        Colour bin of each junction, :data:`N_COLOR_BINS` when it has no value, -1 hidden.
    path_edges : ndarray of int64 or None
        Edges of the lowest-resistance path (empty: none or not connected); None when it was
        not recomputed for this state (the path drawn before stays).
    path_points : ndarray, shape (P, 2), or None
        The path's polyline (m), None with ``path_edges``.
    state_histogram : (ndarray, ndarray) or None
        :func:`state_histogram` of the snapshot, when it was asked for.
    """

    settings: RunSettings
    snapshot: object
    scale: ColorScale
    wire_group: np.ndarray
    n_wire_colors: int
    junction_group: np.ndarray
    path_edges: np.ndarray | None = None
    path_points: np.ndarray | None = None
    state_histogram: tuple[np.ndarray, np.ndarray] | None = None


def state_histogram(junction_state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Junctions per state bin: ``np.histogram(junction_state, bins=STATE_BINS,
    range=(0, 1))`` in a loop that releases the interpreter lock (a styling thread's).

    Returns
    -------
    counts : ndarray of int64, shape (STATE_BINS,)
    edges : ndarray, shape (STATE_BINS + 1,)
    """
    edges = np.linspace(0.0, 1.0, STATE_BINS + 1)
    values = np.asarray(junction_state, dtype=np.float64).ravel()
    return kernels.histogram_counts(values, edges), edges


_NO_BINS = np.zeros(0, dtype=np.int64)  # the wires' colour bins where they have no colour


def frozen(array: np.ndarray) -> np.ndarray:
    """``array``, a style group its caller just made and refers to nowhere else, marked
    read-only and returned: a layer keeps a read-only group as it is, the caller's promise that
    it never changes, instead of copying it on the GUI thread
    (:meth:`~nwn.app.render.layers.SegmentLayer.set_style`)."""
    array.flags.writeable = False
    return array


def path_edges(scene: NetworkScene, snapshot, between: tuple[str, str] | None) -> np.ndarray:
    """Edges of the lowest-resistance path between the electrodes named in ``between`` in the
    state ``snapshot`` (None: before a run, when every junction counts alike and the path is
    the one with the fewest junctions); empty when there is none to draw (no pair, a name not
    in the network, the same name twice, or not connected).

    Returns
    -------
    ndarray of int64, shape (P,)
    """
    empty = np.zeros(0, dtype=np.int64)
    if between is None:
        return empty
    network = scene.network
    names = network.electrode_names
    a, b = between
    if a not in names or b not in names or a == b:
        return empty
    if snapshot is not None:
        conductance = scene.edge_conductance(snapshot)
    else:
        conductance = np.array(network.edge_conductance, dtype=np.float64, copy=True)
        conductance[np.isnan(conductance)] = 1.0
    return lowest_resistance_path(network, conductance, a, b, graph=scene.path_graph)


def make_run_style(scene: NetworkScene, snapshot, settings: RunSettings, *, path: bool = True,
                   previous: RunStyle | None = None, histogram: bool = False) -> RunStyle:
    """The :class:`RunStyle` of ``snapshot`` on ``scene`` under ``settings``.

    Safe in a worker thread (it reads the scene and the snapshot, changes neither).

    Parameters
    ----------
    scene : NetworkScene
    snapshot : Snapshot
    settings : RunSettings
    path : bool
        Recompute the lowest-resistance path (a Dijkstra over the whole graph); False leaves
        ``path_edges`` None.
    histogram : bool
        Also count the junction states (:func:`state_histogram`, for the plots).
    previous : RunStyle, optional
        The style drawn before: a group array equal to its one is replaced by that same
        object, so the layer knows it again by identity (comparing 4.7 million junction groups
        costs the GUI thread ~10 ms; in state mode they rarely change from frame to frame).
    """
    mode, log = settings.mode, settings.use_log
    junction_values = scene.junction_values(snapshot, mode)
    # Wire widths always follow the current; in current mode it is also the colour.
    wire_current = scene.wire_current(snapshot)
    wire_values = wire_current if mode == "current" else scene.wire_values(snapshot, mode)
    scale = ColorScale.for_mode(junction_values if wire_values is None else (
        wire_values, junction_values), mode, log=log, n_bins=N_COLOR_BINS,
        fixed=settings.fixed_scale)
    # Width/brightness from the current each wire carries, relative to the busiest wire.
    peak = float(np.nanmax(wire_current)) if wire_current.size else 0.0
    n_colors = 1 if wire_values is None else N_COLOR_BINS
    color_bin = _NO_BINS if wire_values is None else bin_values(wire_values, scale)
    # Backbone: only what carries more than this fraction of the total terminal current.
    backbone = settings.backbone is not None
    threshold = settings.backbone * scene.total_current(snapshot) if backbone else 0.0
    junction_current = (junction_values if mode == "current" or not backbone
                        else scene.junction_current(snapshot))
    # group = colour * N_WIDTHS + width; unsolved wires (no value) go to one extra group.
    group = kernels.wire_groups(wire_current, color_bin, wire_values is not None, n_colors,
                                peak, WIDTH_STEPS[0], WIDTH_STEPS[1], N_WIDTHS, backbone,
                                float(threshold))
    junction_group = kernels.junction_groups(bin_values(junction_values, scale), N_COLOR_BINS,
                                             backbone, junction_current, float(threshold))
    # numba's results carry a dtype object of their own; a view with numpy's int64 is the
    # array np.asarray(..., int64) hands back as it is (the layers then keep it, not a view)
    group, junction_group = group.view(np.int64), junction_group.view(np.int64)
    if previous is not None:
        if np.array_equal(previous.wire_group, group):
            group = previous.wire_group
        if np.array_equal(previous.junction_group, junction_group):
            junction_group = previous.junction_group
    edges = points = None
    if path:
        edges = path_edges(scene, snapshot, settings.path_between)
        points = scene.path_points(edges)
    return RunStyle(settings=settings, snapshot=snapshot, scale=scale,
                    wire_group=group if not group.flags.writeable else frozen(group),
                    n_wire_colors=n_colors,
                    junction_group=junction_group if not junction_group.flags.writeable
                    else frozen(junction_group),
                    path_edges=edges, path_points=points,
                    state_histogram=state_histogram(snapshot.junction_state) if histogram
                    else None)
