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
