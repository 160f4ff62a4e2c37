"""Circuit graph: a hand-drawn 3-wire example in JDA and MNR, contacts, clusters, errors."""

import numpy as np
import pytest
import shapely

from nwn.geometry import (
    EDGE_CONTACT,
    EDGE_JUNCTION,
    EDGE_WIRE,
    Electrode,
    InputError,
    Wires,
    build_network,
    cluster_report,
    connected_components,
    connects,
    drop_wires,
    find_junctions,
    side_bars,
)

U = 1e-6
RHO = 22.6e-9
D = 60e-9
RC = 2.0


def three_wires(extra=False):
    """Drawn by hand (micrometres):

        w2: (3,5) -> (9,5)           right pad: x in [8,10]
        w1: (4,0) -> (4,6)           crosses w0 at (4,2) and w2 at (4,5)
        w0: (0,2) -> (6,2)           left line electrode: x = 1
    plus, optionally, w3: an isolated wire far from everything.
    """
    ends = [[[0, 2], [6, 2]], [[4, 0], [4, 6]], [[3, 5], [9, 5]]]
    if extra:
        ends.append([[6, 8], [7, 9]])
    wires = Wires.from_endpoints(np.array(ends, dtype=float) * U, diameter=D,
                                 box=(10 * U, 10 * U))
    electrodes = [
        Electrode("left", shapely.LineString([(1 * U, 0), (1 * U, 10 * U)])),
        Electrode("right", shapely.box(8 * U, 0, 10 * U, 10 * U)),
    ]
    return wires, find_junctions(wires), electrodes


def test_three_wire_junctions_by_hand():
    _, junctions, _ = three_wires()
    np.testing.assert_array_equal(junctions.pairs, [[0, 1], [1, 2]])
    np.testing.assert_allclose(junctions.points, [[4 * U, 2 * U], [4 * U, 5 * U]])
    np.testing.assert_allclose(junctions.position, [[4 / 6, 2 / 6], [5 / 6, 1 / 6]])
    np.testing.assert_allclose(junctions.distance, [[4 * U, 2 * U], [5 * U, 1 * U]])


def test_three_wire_jda_graph_by_hand():
    wires, junctions, electrodes = three_wires()
    net = build_network(wires, junctions, electrodes, mode="jda", contact_resistance=RC)
    # nodes: wires 0, 1, 2, then terminals left = 3, right = 4
    assert net.n_nodes == 5 and net.electrode_names == ("left", "right")
    np.testing.assert_array_equal(net.terminal_nodes, [3, 4])
    np.testing.assert_array_equal(net.edge_nodes, [[0, 1], [1, 2], [0, 3], [2, 4]])
    np.testing.assert_array_equal(net.edge_kind, [EDGE_JUNCTION, EDGE_JUNCTION, EDGE_CONTACT,
                                                  EDGE_CONTACT])
    np.testing.assert_array_equal(np.isnan(net.edge_conductance), [True, True, False, False])
    np.testing.assert_allclose(net.edge_conductance[2:], 1 / RC)
    np.testing.assert_array_equal(net.junction_edge, [0, 1])
    np.testing.assert_array_equal(net.edge_junction, [0, 1, -1, -1])
    np.testing.assert_array_equal(net.node_wire, [0, 1, 2, -1, -1])
    np.testing.assert_allclose(net.node_position, np.array(
        [[3, 2], [4, 3], [6, 5], [1, 5], [9, 5]]) * U)
    np.testing.assert_array_equal(net.component, [0, 0, 0, 0, 0])
    assert net.edge_nodes.dtype == np.int64 and net.edge_kind.dtype == np.int8
    assert connects(net, "left", "right")


def test_three_wire_mnr_graph_by_hand():
    wires, junctions, electrodes = three_wires()
    net = build_network(wires, junctions, electrodes, mode="mnr", wire_resistivity=RHO,
                        contact_resistance=RC)
    # points by wire and position: w0: contact (1,2), junction (4,2); w1: (4,2), (4,5);
    # w2: junction (4,5), contact where w2 enters the right pad, (8,5)
    assert net.n_nodes == 8
    np.testing.assert_array_equal(net.terminal_nodes, [6, 7])
    np.testing.assert_array_equal(net.node_wire, [0, 0, 1, 1, 2, 2, -1, -1])
    np.testing.assert_allclose(net.node_position[:6], np.array(
        [[1, 2], [4, 2], [4, 2], [4, 5], [4, 5], [8, 5]]) * U, atol=1e-18)
    np.testing.assert_array_equal(net.edge_nodes, [
        [1, 2], [3, 4],              # junctions
        [0, 1], [2, 3], [4, 5],      # wire pieces: 3, 3 and 4 micrometres
        [0, 6], [5, 7],              # contacts
    ])
    np.testing.assert_array_equal(net.edge_kind, [EDGE_JUNCTION] * 2 + [EDGE_WIRE] * 3
                                  + [EDGE_CONTACT] * 2)
    area = np.pi * (D / 2) ** 2
    np.testing.assert_allclose(net.edge_conductance[2:5],
                               [area / (RHO * 3 * U), area / (RHO * 3 * U), area / (RHO * 4 * U)],
                               rtol=1e-12)
    np.testing.assert_allclose(net.edge_conductance[5:], 1 / RC)
    np.testing.assert_array_equal(net.junction_edge, [0, 1])
    np.testing.assert_array_equal(net.edge_junction, [0, 1, -1, -1, -1, -1, -1])
    assert connects(net, "left", "right")


def test_isolated_wire_is_reported_in_jda_and_dropped_in_mnr():
    wires, junctions, electrodes = three_wires(extra=True)
    jda = build_network(wires, junctions, electrodes, mode="jda")
    n_components, labels = connected_components(jda)
    assert n_components == 2 and labels[3] == 1 and np.all(labels[[0, 1, 2, 4, 5]] == 0)
    report = cluster_report(jda)
    assert report.groups == (("left", "right"),)
    np.testing.assert_array_equal(report.floating_components, [1])
    np.testing.assert_array_equal(report.floating_node, [False, False, False, True, False, False])
    assert report.n_floating_wires == 1
    assert "{left, right} connected; 1 clusters (1 wires) touch no electrode" == report.summary()
    mnr = build_network(wires, junctions, electrodes, mode="mnr")
    assert 3 not in mnr.node_wire and mnr.n_nodes == 8


def test_three_wires_through_one_point_share_a_node_per_wire():
    ends = np.array([[[0, 0], [2, 0]], [[1, -1], [1, 1]], [[0, -1], [2, 1]]], float) * U
    wires = Wires.from_endpoints(ends)
    junctions = find_junctions(wires)
    np.testing.assert_array_equal(junctions.pairs, [[0, 1], [0, 2], [1, 2]])
    net = build_network(wires, junctions, [], mode="mnr")
    # one node per wire (the three points on each wire coincide), no zero-length pieces
    assert net.n_nodes == 3 and not np.any(net.edge_kind == EDGE_WIRE)
    np.testing.assert_array_equal(np.sort(net.edge_nodes, axis=1), [[0, 1], [0, 2], [1, 2]])


def test_split_network_is_not_connected_and_names_groups():
    ends = np.array([[[0, 1], [4, 1]], [[6, 1], [10, 1]]], float) * U
    wires = Wires.from_endpoints(ends, box=(10 * U, 2 * U))
    net = build_network(wires, find_junctions(wires), side_bars(wires.box, width=1 * U))
    assert not connects(net, "left", "right")
    assert cluster_report(net).groups == (("left",), ("right",))
    with pytest.raises(InputError, match="electrode must be one of 'left', 'right' .got 'top'"):
        connects(net, "left", "top")


def test_random_network_components_match_an_independent_union_find():
    wires = drop_wires(400, box=(80 * U, 80 * U), length=10 * U, rng=9)
    junctions = find_junctions(wires)
    net = build_network(wires, junctions, side_bars(wires.box), mode="mnr")
    parent = list(range(net.n_nodes))

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for a, b in net.edge_nodes.tolist():
        parent[find(a)] = find(b)
    roots = np.array([find(a) for a in range(net.n_nodes)])
    # same partition: label <-> root is one-to-one
    n_labels = np.unique(net.component).size
    assert n_labels == np.unique(roots).size > 1
    assert np.unique(np.stack([net.component, roots]), axis=1).shape[1] == n_labels
    # every MNR wire piece lies on one wire, between consecutive positions
    pieces = net.edge_nodes[net.edge_kind == EDGE_WIRE]
    assert np.all(net.node_wire[pieces[:, 0]] == net.node_wire[pieces[:, 1]])
    assert np.all(np.isfinite(net.edge_conductance[net.edge_kind != EDGE_JUNCTION]))


def test_bad_input_names_the_electrode():
    wires, junctions, electrodes = three_wires()
    lonely = Electrode("corner", shapely.box(0, 8 * U, 1 * U, 9 * U))
    with pytest.raises(InputError, match="electrode 'corner' touches no wire"):
        build_network(wires, junctions, [*electrodes, lonely])
    outside = Electrode("far", shapely.box(20 * U, 0, 21 * U, 1 * U))
    with pytest.raises(InputError, match="electrode 'far' lies outside the box"):
        build_network(wires, junctions, [*electrodes, outside])
    with pytest.raises(InputError, match="electrode names must be unique .got 'left' twice"):
        build_network(wires, junctions, [electrodes[0], electrodes[0]])
    with pytest.raises(InputError, match="mode must be one of 'jda', 'mnr' .got 'dense'"):
        build_network(wires, junctions, electrodes, mode="dense")
    with pytest.raises(InputError, match=r"contact_resistance must be > 0 \(got 0\)"):
        build_network(wires, junctions, electrodes, contact_resistance=0.0)
    with pytest.raises(InputError, match=r"wire_resistivity must be > 0 \(got -1\)"):
        build_network(wires, junctions, electrodes, wire_resistivity=-1.0)
    with pytest.raises(InputError, match="junctions must come from these 2 wires"):
        build_network(wires[:2], junctions, electrodes)


def numpy_first_off_wire(wires, junctions):
    """The fingerprint check as numpy computed it before its kernel: (junction, side)."""
    ends = wires.endpoints
    for side in (0, 1):
        wire = junctions.pairs[:, side]
        start = ends[wire, 0]
        on_wire = start + junctions.position[:, side, None] * (ends[wire, 1] - start)
        off = np.hypot(*(on_wire - junctions.points).T)
        bad = np.flatnonzero(off > 1e-6 * wires.lengths[wire])
        if bad.size:
            return int(bad[0]), side
    return -1, -1


@pytest.mark.parametrize("seed", range(5))
def test_junction_fingerprint_kernel_matches_numpy(seed):
    from nwn.geometry.circuit import _first_off_wire

    rng = np.random.default_rng(seed)
    wires = drop_wires(400, box=(40 * U, 40 * U), length=7 * U, rng=seed)
    junctions = find_junctions(wires)
    other = drop_wires(400, box=(40 * U, 40 * U), length=7 * U, rng=seed + 100)
    m = len(junctions)
    # junctions moved a little (below, near and above the tolerance) or found on other wires
    for wire_set, nudge in ((wires, 0.0), (wires, 3e-13), (wires, 1e-11), (other, 0.0)):
        moved = type(junctions)(
            pairs=junctions.pairs,
            points=junctions.points + nudge * rng.choice([-1.0, 0.0, 1.0], (m, 2)),
            position=junctions.position, distance=junctions.distance, n_wires=400)
        got = _first_off_wire(wire_set.endpoints, wire_set.lengths, moved.pairs,
                              moved.position, moved.points)
        assert tuple(got) == numpy_first_off_wire(wire_set, moved)


@pytest.mark.parametrize("seed", range(6))
def test_points_ordered_along_wires_as_lexsort_orders_them(seed):
    from nwn.geometry.circuit import _order_along_wires

    rng = np.random.default_rng(seed)
    n_wires = int(rng.integers(1, 60))
    n_points = int(rng.integers(0, 3000))
    # few wires with many points (past the insertion sort), repeated t (ties keep input
    # order), 0.0 and -0.0
    wire = rng.integers(0, n_wires, n_points)
    t = rng.choice(np.r_[rng.uniform(0, 1, 50), 0.0, -0.0, 1.0], n_points)
    got = _order_along_wires(wire.astype(np.int64), t, n_wires)
    np.testing.assert_array_equal(got, np.lexsort((t, wire)))
