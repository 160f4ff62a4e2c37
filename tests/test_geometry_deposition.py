"""Incremental deposition against batch junction finding and independent cluster counts."""

import numpy as np
import pytest

from nwn.geometry import (
    CRITICAL_DENSITY_RATIO,
    Deposition,
    InputError,
    find_junctions,
    side_bars,
    spanning_probability,
    spans,
)
from nwn.geometry.clusters import component_labels

L = 10e-6
BOX = (20 * L, 20 * L)


def test_incremental_junctions_equal_batch_and_counters_match_brute_force():
    electrodes = side_bars(BOX, width=L)
    deposition = Deposition(BOX, electrodes, length=L, rng=3)
    for size in (1, 40, 7, 300, 150, 900, 2, 600, 1000):
        step = deposition.add(size)
        wires = deposition.wires
        batch = find_junctions(wires)
        assert deposition.junctions.equals(batch)
        labels = component_labels(len(wires), batch.pairs)
        sizes = np.bincount(labels)
        assert step.n_wires == len(wires) and step.n_junctions == len(batch)
        assert step.n_clusters == sizes.size
        assert step.largest_cluster_fraction == sizes.max() / len(wires)
        assert step.density_ratio == pytest.approx(len(wires) * L**2 / (BOX[0] * BOX[1]))
        # the union-find's clusters are exactly the graph's components
        roots = deposition.cluster_labels()
        assert np.unique(np.stack([labels, roots]), axis=1).shape[1] == sizes.size
    assert step.percolated


def test_percolation_moment_is_the_first_spanning_wire():
    electrodes = side_bars(BOX, width=L)
    deposition = Deposition(BOX, electrodes, length=L, rng=8)
    steps = [deposition.add(200) for _ in range(12)]
    final = steps[-1]
    assert final.percolated and final.percolation_electrodes == ("left", "right")
    w = final.percolation_wire
    batch = next(s for s in steps if s.percolated)
    assert final.percolation_batch == batch.batch
    assert batch.new_wires[0] <= w < batch.new_wires[1]
    assert all(not s.percolated for s in steps[:batch.batch])
    wires = deposition.wires
    # independently: the first w + 1 wires span, the first w do not
    before, after = wires[:w], wires[:w + 1]
    assert spans(after, find_junctions(after), *electrodes)
    assert not spans(before, find_junctions(before), *electrodes)
    # a box 20 l across percolates near the critical density
    assert 0.6 * CRITICAL_DENSITY_RATIO < (w + 1) * L**2 / (BOX[0] * BOX[1]) < 1.6 * 5.63726


def test_same_seed_and_batches_give_the_same_wires():
    a = Deposition(BOX, length=L, rng=5)
    b = Deposition(BOX, length=L, rng=5)
    for n in (10, 100):
        a.add(n)
        b.add(n)
    assert a.wires.equals(b.wires) and len(a) == 110
    assert not a.status().percolated  # no electrodes, nothing to join


def test_bad_input():
    with pytest.raises(InputError, match=r"n must be >= 1 \(got 0\)"):
        Deposition(BOX, length=L).add(0)
    with pytest.raises(InputError, match=r"length must be > 0 \(got -1\)"):
        Deposition(BOX, length=-1.0)
    with pytest.raises(InputError, match="electrode 'right' lies outside the box"):
        Deposition((L, L), side_bars((100 * L, 100 * L)), length=L)


def test_spanning_probability_rises_through_the_threshold():
    # n_c l^2 = 5.637: in a box 30 l across spanning is rare at 4.5 and nearly sure at 7
    low = spanning_probability(4.5, box_lengths=30, samples=12, rng=1)
    high = spanning_probability(7.0, box_lengths=30, samples=12, rng=2)
    assert low <= 0.25 and high >= 0.75, (low, high)


def test_replaying_a_wire_set_in_batches_ends_with_its_junctions_and_clusters():
    """add_wires lands given wires: a deposition movie can show the network a run uses."""
    from nwn.geometry import Deposition, connected_components, drop_wires, find_junctions

    box = (60e-6, 60e-6)
    wires = drop_wires(900, box=box, length=8e-6, rng=21)
    deposition = Deposition(box, length=8e-6)
    for start in range(0, len(wires), 128):
        deposition.add_wires(wires[start:start + 128])
    assert deposition.wires.equals(wires)
    assert deposition.junctions.equals(find_junctions(wires))
    labels = deposition.cluster_labels()
    # Same partition as the batch graph: wires share a label iff they share a component.
    from nwn.geometry import build_network

    network = build_network(wires, find_junctions(wires), [], mode="jda")
    _, reference = connected_components(network)
    reference = reference[: len(wires)]
    pairs = np.stack([labels, reference], axis=1)
    assert len(np.unique(pairs, axis=0)) == len(np.unique(labels)) == len(np.unique(reference))


# -- one deposition for the movie and the studio: state after k wires, N <l^2> / A -------------


def test_density_ratio_is_n_mean_square_length_over_area_by_hand():
    from nwn.geometry import Wires

    # Three parallel wires of 1, 2 and 3 um in a 10 um x 10 um box (no junctions).
    ends = np.array([[[1, 1], [2, 1]], [[1, 3], [3, 3]], [[1, 5], [4, 5]]], float) * 1e-6
    wires = Wires.from_endpoints(ends, box=(10e-6, 10e-6))
    state = Deposition.replay(wires).state()
    # N <l^2> / A = (1 + 4 + 9) / 100 = 0.14; N <l>^2 / A would be 3 * 2^2 / 100 = 0.12.
    assert state.density_ratio == pytest.approx(0.14, rel=1e-12)
    assert Deposition.replay(wires).state(2).density_ratio == pytest.approx(0.05, rel=1e-12)
    assert state.n_clusters == 3 and state.n_junctions == 0 and not state.percolated


def test_density_is_the_mean_square_one_for_the_readme_length_law():
    # The studio showed N <l>^2 / A and the movie N <l^2> / A: 1 + (std/mean)^2 = 12 % apart
    # for the README's lengths. Both now read Deposition.state: the mean-square one.
    law = {"distribution": "normal", "mean": 40e-6, "std": 14e-6}
    box = (500e-6, 500e-6)
    deposition = Deposition(box, length=law, rng=40)
    deposition.add(1500)
    state = deposition.state()
    lengths = deposition.wires.lengths
    mean_squared = len(lengths) * lengths.mean() ** 2 / (box[0] * box[1])
    assert state.density_ratio == pytest.approx(np.sum(lengths**2) / (box[0] * box[1]))
    assert state.density_ratio / mean_squared == pytest.approx(1 + 0.35**2, rel=0.03)


def test_state_after_k_wires_matches_brute_force_in_any_order():
    electrodes = side_bars(BOX, width=L)
    streamed = Deposition(BOX, electrodes, length=L, rng=8)
    for size in (300, 500, 700, 900):
        streamed.add(size)
    wires = streamed.wires
    replayed = Deposition.replay(wires, electrodes, junctions=find_junctions(wires))
    assert replayed.junctions.equals(streamed.junctions)
    moment = streamed.state().percolation_wire
    assert moment >= 0
    for k in (len(wires), 0, moment + 1, 1, moment, 1234, len(wires) - 1):
        state = replayed.state(k)
        again = streamed.state(k)
        prefix = wires[:k]
        batch = find_junctions(prefix)
        assert state.n_junctions == len(batch) == again.n_junctions
        assert np.array_equal(replayed.junctions.pairs[state.junction_index], batch.pairs)
        labels = component_labels(k, batch.pairs)
        assert state.n_clusters == (labels.max() + 1 if k else 0)
        # same partition, each cluster named by its lowest wire
        assert np.array_equal(state.wire_cluster, np.array(
            [np.flatnonzero(labels == labels[w])[0] for w in range(k)], dtype=np.int64))
        assert np.array_equal(state.wire_cluster, again.wire_cluster)
        assert state.percolated == (k > moment) == (
            k > 0 and spans(prefix, batch, *electrodes))
        if state.percolated:
            assert state.wire_cluster[moment] == state.spanning_cluster
            assert state.percolation_density_ratio == pytest.approx(
                (moment + 1) * L**2 / (BOX[0] * BOX[1]))
        else:
            assert state.spanning_cluster == -1 and state.percolation_wire == -1
    with pytest.raises(InputError, match=r"n_wires must be <= 2400"):
        replayed.state(2401)
    with pytest.raises(InputError, match="needs a length law"):
        replayed.add(5)


def test_replayed_percolation_moment_is_exact_by_flood_fill():
    import shapely

    from nwn.geometry import Electrode, drop_wires

    box = (30e-6, 30e-6)
    wires = drop_wires(260, box=box, length=7e-6, rng=5)
    junctions = find_junctions(wires)
    left = Electrode("left", shapely.box(0, 0, 2e-6, box[1]))
    right = Electrode("right", shapely.box(box[0] - 2e-6, 0, box[0], box[1]))
    replay = Deposition.replay(wires, [left, right], box=box, junctions=junctions)
    final = replay.state(len(wires))
    assert final.n_junctions == len(junctions.pairs)
    assert final.percolated, "this seed percolates at n l^2 = 14"
    moment = final.percolation_wire + 1  # wires landed when it percolates

    def bridged(k):
        # independent check: flood fill from the left electrode over the first k wires
        sub = wires[np.arange(k)]
        lines = sub.geometries()
        reached = set(np.flatnonzero(shapely.intersects(lines, left.shape)))
        frontier = list(reached)
        pairs = np.asarray(junctions.pairs)
        pairs = pairs[pairs.max(axis=1) < k]
        while frontier:
            w = frontier.pop()
            for a, b in pairs[(pairs[:, 0] == w) | (pairs[:, 1] == w)]:
                other = b if a == w else a
                if other not in reached:
                    reached.add(other)
                    frontier.append(other)
        return any(shapely.intersects(lines[list(reached)], right.shape)) if reached else False

    assert bridged(moment) and not bridged(moment - 1)
    # and the geometry layer's own spanning test agrees at the moment and just before it
    for k in (moment - 1, moment):
        prefix = wires[np.arange(k)]
        assert spans(prefix, find_junctions(prefix), left, right) == (k == moment)
    middle = replay.state(len(wires) // 2)
    assert middle.wire_cluster.shape == (len(wires) // 2,)
    assert 0 < middle.largest_cluster_fraction <= 1
    assert np.isclose(final.density_ratio, 260 / (30 * 30) * 49)
