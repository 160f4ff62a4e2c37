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
