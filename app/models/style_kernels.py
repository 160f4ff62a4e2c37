"""Compiled passes of a run frame's styling (numba, ``nogil``).

A live frame at a million wires is styled in a worker thread (:mod:`nwn.app.models.run_style`),
but numpy's bincount, fancy indexing and boolean masks hold the interpreter lock for tens of
milliseconds each over 4.7 million junctions, and the GUI thread waits for it meanwhile. These
loops release it. Each repeats the numpy expression it replaces operation for operation (the
same IEEE-754 operations in the same order, no fast-math), so the values and groups are
bit-identical to the numpy ones; the expressions are quoted in each docstring.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["bin_positions", "finite_range", "histogram_counts", "junction_groups",
           "node_throughput", "per_wire_max", "take_abs", "take_mean", "wire_groups"]

_BIG = np.finfo(np.float64).max
#: float64 bounds of int64: numpy's float -> int64 cast of anything outside gives INT64_MIN
#: on x86 (and so bin 0 after the clip), which bin_positions repeats explicitly
_INT64_LOW = -9.223372036854775808e18


@numba.njit(cache=True, nogil=True, inline="always")
def _nan_to_num(x: float) -> float:
    if np.isnan(x):
        return 0.0
    if x == np.inf:
        return _BIG
    if x == -np.inf:
        return -_BIG
    return x


@numba.njit(cache=True, nogil=True)
def node_throughput(edge_a, edge_b, edge_current, n_nodes):
    """Current through each node (A), shape (N,): ``0.5 * (bincount(a, m, minlength=N) +
    bincount(b, m, minlength=N))`` with ``m = abs(nan_to_num(edge_current))``."""
    to_a = np.zeros(n_nodes)
    to_b = np.zeros(n_nodes)
    for k in range(edge_current.size):
        m = abs(_nan_to_num(edge_current[k]))
        to_a[edge_a[k]] += m
        to_b[edge_b[k]] += m
    out = np.empty(n_nodes)
    for i in range(n_nodes):
        out[i] = 0.5 * (to_a[i] + to_b[i])
    return out


@numba.njit(cache=True, nogil=True)
def per_wire_max(node_values, wire_node, wire_of_node, n_wires):
    """Largest value of each wire's nodes, NaN for a wire without nodes: ``np.maximum.at(out,
    wire_of_node, node_values[wire_node])`` from ``-inf``, then ``out[isinf(out)] = nan``."""
    out = np.full(n_wires, -np.inf)
    for k in range(wire_node.size):
        w = wire_of_node[k]
        v = node_values[wire_node[k]]
        if not np.isnan(out[w]) and (np.isnan(v) or v > out[w]):
            out[w] = v
    for w in range(n_wires):
        if np.isinf(out[w]):
            out[w] = np.nan
    return out


@numba.njit(cache=True, nogil=True)
def take_abs(values, index):
    """``np.abs(values[index])``."""
    out = np.empty(index.size)
    for k in range(index.size):
        out[k] = abs(values[index[k]])
    return out


@numba.njit(cache=True, nogil=True)
def take_mean(values, index_a, index_b):
    """``0.5 * (values[index_a] + values[index_b])``."""
    out = np.empty(index_a.size)
    for k in range(index_a.size):
        out[k] = 0.5 * (values[index_a[k]] + values[index_b[k]])
    return out


@numba.njit(cache=True, nogil=True)
def _range_into(values, positive, count, low, high):
    for k in range(values.size):
        x = values[k]
        if not np.isfinite(x) or (positive and not x > 0):
            continue
        count += 1
        if x < low:
            low = x
        if x > high:
            high = x
    return count, low, high


@numba.njit(cache=True, nogil=True)
def finite_range(first, second, positive):
    """``(count, low, high)`` of the finite (and, with ``positive``, > 0) values of two
    arrays together: what ``v = concatenate([first, second]); v = v[isfinite(v)]`` (then
    ``v = v[v > 0]``), ``v.size, v.min(), v.max()`` give (low, high 0 when none)."""
    count, low, high = _range_into(first, positive, 0, np.inf, -np.inf)
    count, low, high = _range_into(second, positive, count, low, high)
    if count == 0:
        return 0, 0.0, 0.0
    return count, low, high


@numba.njit(cache=True, nogil=True, error_model="numpy")
def bin_positions(values, position_source, values_nonpositive_zero, origin, span, n_bins):
    """Colour bin of each value (int64, -1 where the position is not finite).

    ``position = (position_source - origin) / span``; with ``values_nonpositive_zero`` (a log
    scale: ``position_source`` is ``log10(values)``) ``position[values <= 0] = 0``; then
    ``clip((position * n_bins).astype(int64), 0, n_bins - 1)`` where finite.
    """
    out = np.empty(values.size, dtype=np.int64)
    scale = float(n_bins)
    for k in range(values.size):
        position = (position_source[k] - origin) / span
        if values_nonpositive_zero and values[k] <= 0:
            position = 0.0
        if not np.isfinite(position):
            out[k] = -1
            continue
        q = position * scale
        if q < _INT64_LOW or q >= -_INT64_LOW:
            b = 0  # numpy's cast gives INT64_MIN here, clipped to 0
        else:
            b = np.int64(q)
            if b < 0:
                b = 0
            elif b > n_bins - 1:
                b = n_bins - 1
        out[k] = b
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def wire_groups(wire_current, color_bin, has_colors, n_colors, peak, step_low, step_high,
                n_widths, backbone, threshold):
    """Style group of each wire, shape (W,).

    ``width = digitize(fraction, (step_low, step_high))`` with ``fraction =
    nan_to_num(wire_current) / peak`` (zero when ``peak`` is 0 or not finite); ``group =
    where(color_bin >= 0, max(color_bin, 0) * n_widths + width, n_colors * n_widths)`` (colour
    bin 0 throughout without ``has_colors``); with ``backbone``, -1 unless ``threshold > 0``
    and ``nan_to_num(wire_current) > threshold``.
    """
    n = wire_current.size
    out = np.empty(n, dtype=np.int64)
    scaled = peak != 0 and np.isfinite(peak)
    for k in range(n):
        current = _nan_to_num(wire_current[k])
        if backbone and not (threshold > 0 and current > threshold):
            out[k] = -1
            continue
        fraction = current / peak if scaled else 0.0
        width = 0
        if fraction >= step_low:
            width += 1
        if fraction >= step_high:
            width += 1
        c = color_bin[k] if has_colors else 0
        out[k] = c * n_widths + width if c >= 0 else n_colors * n_widths
    return out


@numba.njit(cache=True, nogil=True)
def junction_groups(junction_bin, unsolved, backbone, junction_current, threshold):
    """Style group of each junction, shape (M,): ``where(bin >= 0, bin, unsolved)``; with
    ``backbone``, -1 unless ``threshold > 0`` and ``nan_to_num(junction_current) >
    threshold``."""
    out = np.empty(junction_bin.size, dtype=np.int64)
    for k in range(junction_bin.size):
        if backbone and not (threshold > 0 and _nan_to_num(junction_current[k]) > threshold):
            out[k] = -1
        else:
            out[k] = junction_bin[k] if junction_bin[k] >= 0 else unsolved
    return out


@numba.njit(cache=True, nogil=True)
def histogram_counts(values, edges):
    """``np.histogram(values, bins=edges)[0]`` for equally spaced increasing ``edges``
    (B + 1,): bin ``i`` holds ``edges[i] <= x < edges[i + 1]``, the last one also its right
    edge; NaN and values outside are not counted. Like numpy, the bin is guessed from the
    spacing and then corrected against the edges themselves."""
    n = edges.size - 1
    counts = np.zeros(n, dtype=np.int64)
    first, last = edges[0], edges[n]
    for k in range(values.size):
        x = values[k]
        if not (x >= first and x <= last):
            continue
        i = int((x - first) / (last - first) * n)
        if i >= n:
            i = n - 1
        if i > 0 and x < edges[i]:
            i -= 1
        elif i < n - 1 and x >= edges[i + 1]:
            i += 1
        counts[i] += 1
    return counts
