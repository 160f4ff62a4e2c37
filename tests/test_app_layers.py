"""Raster drawing of the canvas's bulk layers: kernels against brute-force pixel rules, and the
raster path against QPainter's own vector drawing of the same layer."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtGui, QtWidgets  # noqa: E402

import nwn.app  # noqa: E402, F401  (protects None before Qt calls)
from nwn.app.render.layers import PointLayer, SegmentLayer, _raster_points, _raster_segments  # noqa: E402


@pytest.fixture(scope="module")
def app():
    return QtWidgets.QApplication.instance() or QtWidgets.QApplication([])


def _pen(rgba, width):
    pen = QtGui.QPen(QtGui.QColor(*rgba))
    pen.setWidthF(width)
    pen.setCosmetic(True)
    return pen


def _paint(layer, size=(120, 90), transform=None, device=None):
    """Paint one layer directly on a black RGB32 image (or ``device``); the pixels as (H, W, 4)
    bytes B, G, R, A."""
    image = QtGui.QImage(size[0], size[1], QtGui.QImage.Format.Format_RGB32)
    image.fill(QtGui.QColor(0, 0, 0))
    painter = QtGui.QPainter(device if device is not None else image)
    try:
        if transform is not None:
            painter.setTransform(transform)
        layer.paint(painter)
    finally:
        painter.end()
    if device is not None:
        painter = QtGui.QPainter(image)
        device.play(painter)
        painter.end()
    return np.frombuffer(image.constBits(), np.uint8).reshape(size[1], size[0], 4).copy()


def _identity():
    return np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])


def test_segment_kernel_matches_the_pixel_centre_rule():
    # Pixel (i, j) is covered when its centre lies in the stroke: along the major axis within
    # the segment extended by the square cap, across it within half the width (measured
    # perpendicular, so w / cos(angle) along the minor axis).
    rng = np.random.default_rng(3)
    height, width = 60, 80
    for trial in range(30):
        xy = rng.uniform(-10, 90, (1, 2, 2))
        w = float(rng.choice([1.6, 2.5, 3.2, 5.0]))
        out = np.zeros((height, width), np.uint32)
        _raster_segments(xy, np.zeros(1, np.int64), np.array([0xFF0000FF], np.uint32),
                         np.array([255]), np.array([w]), _identity(), np.zeros(2), out)
        (xa, ya), (xb, yb) = xy[0]
        jj, ii = np.mgrid[0:height, 0:width] + 0.5
        if abs(yb - ya) > abs(xb - xa):  # major axis y: swap roles
            xa, ya, xb, yb = ya, xa, yb, xb
            ii, jj = jj, ii
        if xb < xa:
            xa, ya, xb, yb = xb, yb, xa, ya
        length = np.hypot(xb - xa, yb - ya)
        cap = 0.5 * w * (xb - xa) / length
        span = 0.5 * w * length / (xb - xa)
        line = ya + (ii - xa) * (yb - ya) / (xb - xa)
        expected = (ii >= xa - cap) & (ii < xb + cap) & (jj >= line - span) & (jj < line + span)
        covered = out != 0
        # Pixel centres exactly on an edge may round either way in floating point.
        assert np.count_nonzero(covered != expected) <= 2, trial


def test_horizontal_bar_and_thin_line_analytic():
    out = np.zeros((40, 50), np.uint32)
    xy = np.array([[[10.0, 20.5], [30.0, 20.5]], [[5.0, 5.5], [45.0, 5.5]]])
    _raster_segments(xy, np.array([0, 1]), np.array([7, 9], np.uint32), np.array([255, 255]),
                     np.array([3.0, 1.0]), _identity(), np.zeros(2), out)
    rows, cols = np.nonzero(out == 7)
    # width 3 around y = 20.5: rows 19-21; square caps add 1.5 px each end: columns 8-30
    assert sorted(set(rows)) == [19, 20, 21]
    assert (cols.min(), cols.max(), rows.size) == (8, 30, 3 * 23)
    rows, cols = np.nonzero(out == 9)
    # a 1-px line: one pixel per column, centres in [4.5, 45.5) with the 0.5 px caps
    assert set(rows) == {5} and (cols.min(), cols.max(), rows.size) == (4, 44, 41)


def test_point_kernel_dots_and_translucent_blend():
    out = np.full((20, 20), 0xFF204060, np.uint32)  # opaque premultiplied background
    xy = np.array([[10.0, 10.0], [3.3, 15.7]])
    alpha = 128
    color = np.array([(alpha << 24) | (100 << 16) | (50 << 8) | 10], np.uint32)
    _raster_points(xy, np.array([0, 0]), color, np.array([alpha]), np.array([4.0]),
                   _identity(), np.zeros(2), out)
    changed = out != 0xFF204060
    assert changed[8:12, 8:12].all() and np.count_nonzero(changed[5:15, 5:15]) == 16
    assert np.count_nonzero(changed) == 32
    # source-over, premultiplied: dst * (1 - a) + src, per channel, rounded
    pixel = int(out[9, 9])
    for shift, src, dst in ((24, alpha, 0xFF), (16, 100, 0x20), (8, 50, 0x40), (0, 10, 0x60)):
        expected = src + dst * (255 - alpha) / 255
        assert abs(((pixel >> shift) & 0xFF) - expected) <= 0.51


def test_later_groups_draw_on_top_and_hidden_ones_not_at_all():
    out = np.zeros((30, 30), np.uint32)
    # a horizontal and a vertical wire crossing at (15, 15); data order puts group 1 first
    xy = np.array([[[2.0, 15.5], [28.0, 15.5]], [[15.5, 2.0], [15.5, 28.0]],
                   [[2.0, 3.5], [28.0, 3.5]]])
    _raster_segments(xy, np.array([1, 0, -1]), np.array([0xFF0000FF, 0xFFFF0000], np.uint32),
                     np.array([255, 255]), np.array([1.0, 1.0]), _identity(), np.zeros(2), out)
    assert out[15, 15] == 0xFFFF0000  # group 1 over group 0
    assert out[20, 15] == 0xFF0000FF
    assert not out[3, :12].any() and not out[3, 20:].any()  # group -1 hidden


def test_raster_layer_looks_like_qpainter_paths(app):
    rng = np.random.default_rng(7)
    centres = rng.uniform(5, 35, (300, 2))
    angle = rng.uniform(0, np.pi, 300)
    half = 3.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    segments = np.stack([centres - half, centres + half], axis=1)
    group = rng.integers(-1, 3, 300)
    pens = [_pen((255, 80, 20, 255), 1.0), _pen((40, 200, 250, 200), 1.6),
            _pen((250, 250, 90, 255), 3.2)]
    transform = QtGui.QTransform(3.0, 0, 0, -2.0, 0.5, 85.0)  # y up, as the ViewBox maps
    images = []
    for raster in (True, False):
        layer = SegmentLayer(raster=raster)
        layer.set_segments(segments)
        layer.set_style(group, pens)
        images.append(_paint(layer, transform=transform).astype(int))
    raster_image, vector_image = images
    lit_r = raster_image[..., :3].max(axis=-1) > 0
    lit_v = vector_image[..., :3].max(axis=-1) > 0
    assert lit_v.mean() > 0.2
    # The same pixels lit, to rounding at stroke edges, and the same mean colour.
    assert np.count_nonzero(lit_r != lit_v) < 0.08 * np.count_nonzero(lit_v)
    assert np.allclose(raster_image[..., :3].mean(axis=(0, 1)),
                       vector_image[..., :3].mean(axis=(0, 1)), rtol=0.06)


def test_points_raster_equals_qpainter_dots(app):
    rng = np.random.default_rng(2)
    points = rng.uniform(2, 38, (150, 2))
    group = rng.integers(0, 2, 150)
    pens = [_pen((255, 0, 0, 255), 4.0), _pen((0, 255, 0, 255), 3.0)]
    for pen in pens:
        pen.setCapStyle(QtCore.Qt.PenCapStyle.SquareCap)
    transform = QtGui.QTransform(2.9, 0, 0, 2.1, 3.0, 2.0)
    images = []
    for raster in (True, False):
        layer = PointLayer(raster=raster)
        layer.set_points(points)
        layer.set_style(group, pens)
        images.append(_paint(layer, transform=transform))
    lit = [image[..., :3].max(axis=-1) > 0 for image in images]
    assert np.count_nonzero(lit[0] != lit[1]) < 0.1 * np.count_nonzero(lit[1])


def test_raster_cache_and_vector_devices(app, monkeypatch):
    layer = SegmentLayer()
    layer.set_segments(np.array([[[1.0, 1.0], [30.0, 20.0]]]))
    layer.set_style(np.array([0]), [_pen((255, 255, 255, 255), 2.0)])
    calls = []
    rasterize = layer._rasterize
    monkeypatch.setattr(layer, "_rasterize", lambda *a: (calls.append(a), rasterize(*a)))
    first = _paint(layer)
    second = _paint(layer)
    assert len(calls) == 1 and np.array_equal(first, second)  # unchanged: cached buffer
    _paint(layer, transform=QtGui.QTransform(2, 0, 0, 2, 0, 0))
    layer.set_style(np.array([0]), [_pen((255, 0, 0, 255), 2.0)])
    recoloured = _paint(layer)
    assert len(calls) == 3
    assert recoloured[..., 2].max() == 255 and recoloured[..., 1].max() == 0  # red (B, G, R)
    # A picture (vector device) records QPainter paths, not an image.
    picture = QtGui.QPicture()
    vector = _paint(layer, device=picture)
    assert len(calls) == 3 and layer._drawables
    lit_v, lit_r = vector[..., 2] > 0, recoloured[..., 2] > 0
    assert np.count_nonzero(lit_v != lit_r) < 0.2 * np.count_nonzero(lit_r)


def test_parallel_bands_draw_the_same_image_as_one_pass():
    """Bands of rows in parallel give exactly the single-band image (order of blends kept)."""
    from nwn.app.render.layers import _raster_points, _raster_segments

    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 300, (400, 2, 2))
    group = rng.integers(-1, 3, 400)
    colors = np.array([0x80402010, 0xFF00FF00, 0x40101010], dtype=np.uint32)
    alphas = np.array([0x80, 0xFF, 0x40])
    matrix = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    origin = np.zeros(2)
    for kernel, data, sizes in ((_raster_segments, xy, np.array([1.0, 2.5, 4.0])),
                                (_raster_points, xy[:, 0], np.array([2.0, 3.0, 5.0]))):
        single = np.zeros((300, 300), dtype=np.uint32)
        kernel(data, group, colors, alphas, sizes, matrix, origin, single, 0)
        for rows in (1, 7, 64):
            banded = np.zeros_like(single)
            kernel(data, group, colors, alphas, sizes, matrix, origin, banded, rows)
            assert np.array_equal(banded, single)
        assert np.count_nonzero(single) > 1000
