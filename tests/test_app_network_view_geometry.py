"""The network view keeps what it has sorted: showing the same geometry again (the network
built after a deposition, the same document shown again) costs no re-sort, so that a
million-wire film does not stall the window twice; new geometry is taken."""

import os

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _film(seed=1, n=3000):
    from scenarios import two_terminal

    from nwn.engine.build import build_network_from
    from nwn.engine.scenario import parse_scenario

    return build_network_from(parse_scenario(two_terminal(seed=seed, n_wires=n, side=80e-6)))


def test_same_geometry_is_not_sorted_again(qapp):
    from PySide6 import QtGui

    from nwn.app.render.network_view import NetworkView

    built = _film()
    view = NetworkView()
    view.resize(400, 300)
    wires = built.wires
    view.show_deposition(wires.endpoints, np.zeros(len(wires), np.int64),
                         built.junctions.points)
    sorted_wires, sorted_junctions = view.wires._xy_sorted, view.junctions._xy_sorted
    view.set_network(built.network)  # same wires and junctions: kept
    assert view.wires._xy_sorted is sorted_wires
    assert view.junctions._xy_sorted is sorted_junctions
    assert view.wires.n_segments == len(wires)
    image = QtGui.QImage(400, 300, QtGui.QImage.Format.Format_RGB32)
    image.fill(0)
    painter = QtGui.QPainter(image)
    view.render(painter)
    painter.end()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(300, 400, 4)
    assert np.count_nonzero(pixels[..., :3].max(axis=2) > 60) > 1000  # the wires are drawn

    other = _film(seed=2)  # different wires: taken
    view.set_network(other.network)
    assert view.wires._xy_sorted is not sorted_wires
    assert np.array_equal(np.sort(view.wires._xy[:, 0, 0]),
                          np.sort(other.wires.endpoints[:, 0, 0] * 1e6))
    # a deposition prefix is new geometry too
    view.show_deposition(wires.endpoints[:100], np.zeros(100, np.int64), np.zeros((0, 2)))
    assert view.wires.n_segments == 100 and view.junctions.n_points == 0
    view.close()


def test_raster_bands_draw_only_their_primitives_with_the_same_image(qapp):
    # Each band binary-searches its primitives by y; the image must equal the full visit's,
    # bit for bit, at full view, zoomed in, flipped (pyqtgraph's y up) and with wide pens.
    from nwn.app.render.layers import _raster_points, _raster_segments

    rng = np.random.default_rng(4)
    centre = rng.random((4000, 2)) * 100.0
    angle = rng.random(4000) * np.pi
    half = 2.0 + 6.0 * rng.random(4000)
    direction = np.stack([np.cos(angle), np.sin(angle)], axis=1) * half[:, None]
    segments = np.stack([centre - direction, centre + direction], axis=1)
    segments[7, 0, 1] = np.nan  # skipped either way
    points = rng.random((6000, 2)) * 100.0
    colors = np.array([0xFF2040A0, 0x80102030, 0xFFFFFFFF], dtype=np.uint32)
    alphas = np.array([255, 128, 255], dtype=np.int64)
    widths = np.array([1.0, 3.0, 6.0])
    for primitives, kernel, y in ((segments, _raster_segments, segments[:, :, 1].mean(axis=1)),
                                  (points, _raster_points, points[:, 1])):
        order = np.argsort(y, kind="stable")
        xy = np.ascontiguousarray(primitives[order])
        key = np.ascontiguousarray(y[order])
        group = rng.integers(-1, 3, size=len(xy))
        reach = (0.5 * float(np.nanmax(np.abs(xy[:, 1, 1] - xy[:, 0, 1])))
                 if xy.ndim == 3 else 0.0)
        for matrix in ((8.0, 0.0, 0.0, 6.0, 0.0, 0.0), (8.0, 0.0, 0.0, -6.0, 0.0, 600.0),
                       (40.0, 0.0, 0.0, -40.0, -1500.0, 2500.0)):
            matrix = np.array(matrix)
            origin = np.array([0.0, 0.0])
            full = np.zeros((600, 800), dtype=np.uint32)
            banded = np.zeros((600, 800), dtype=np.uint32)
            kernel(xy, group, colors, alphas, widths, matrix, origin, full, 37)
            kernel(xy, group, colors, alphas, widths, matrix, origin, banded, 37, key, reach)
            assert np.count_nonzero(full) > 1000
            assert np.array_equal(full, banded)
