"""Junctions against an independent O(N^2) brute-force segment test in exact arithmetic."""

from fractions import Fraction

import numpy as np
import pytest

from nwn.geometry import InputError, Wires, drop_wires, find_junctions

L = 10e-6


def _orient(p, q, r):
    value = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return (value > 0) - (value < 0)


def _on_segment(p, q, r):
    """r is collinear with pq: does it lie within the segment's box?"""
    return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])


def _reference_point(p1, p2, p3, p4):
    """Meeting point of two closed segments known to meet (exact Fractions)."""
    d = (p2[0] - p1[0]) * (p4[1] - p3[1]) - (p2[1] - p1[1]) * (p4[0] - p3[0])
    if d != 0:
        t = ((p3[0] - p1[0]) * (p4[1] - p3[1]) - (p3[1] - p1[1]) * (p4[0] - p3[0])) / d
        return (p1[0] + t * (p2[0] - p1[0]), p1[1] + t * (p2[1] - p1[1]))
    # collinear: middle of the overlap, measured along p1 -> p2
    direction = (p2[0] - p1[0], p2[1] - p1[1])

    def along(p):
        return (p[0] - p1[0]) * direction[0] + (p[1] - p1[1]) * direction[1]

    norm = direction[0] ** 2 + direction[1] ** 2
    low = max(min(along(p1), along(p2)), min(along(p3), along(p4)))
    high = min(max(along(p1), along(p2)), max(along(p3), along(p4)))
    s = (low + high) / 2 / norm
    return (p1[0] + s * direction[0], p1[1] + s * direction[1])


def brute_force(endpoints):
    """All pairs i < j whose closed segments meet, with their meeting points (CLRS test)."""
    ends = np.asarray(endpoints)
    lo, hi = ends.min(axis=1), ends.max(axis=1)
    n = len(ends)
    i, j = np.triu_indices(n, 1)
    # a box test in floats is exact and only prunes pairs that cannot meet
    near = np.all(lo[i] <= hi[j], axis=1) & np.all(lo[j] <= hi[i], axis=1)
    pairs, points = [], []
    for a, b in zip(i[near], j[near], strict=True):
        p1, p2 = (tuple(Fraction(float(v)) for v in ends[a, e]) for e in (0, 1))
        p3, p4 = (tuple(Fraction(float(v)) for v in ends[b, e]) for e in (0, 1))
        d1, d2 = _orient(p3, p4, p1), _orient(p3, p4, p2)
        d3, d4 = _orient(p1, p2, p3), _orient(p1, p2, p4)
        meet = (d1 * d2 < 0 and d3 * d4 < 0) or (
            (d1 == 0 and _on_segment(p3, p4, p1)) or (d2 == 0 and _on_segment(p3, p4, p2))
            or (d3 == 0 and _on_segment(p1, p2, p3)) or (d4 == 0 and _on_segment(p1, p2, p4))
        )
        if meet:
            pairs.append((a, b))
            points.append([float(c) for c in _reference_point(p1, p2, p3, p4)])
    return np.array(pairs, dtype=np.int64).reshape(-1, 2), np.array(points).reshape(-1, 2)


def assert_matches_reference(wires):
    expected_pairs, expected_points = brute_force(wires.endpoints)
    for method in ("grid", "strtree"):
        found = find_junctions(wires, method=method)
        np.testing.assert_array_equal(found.pairs, expected_pairs)
        scale = np.abs(wires.endpoints).max()
        np.testing.assert_allclose(found.points, expected_points, rtol=0, atol=1e-12 * scale)
        assert np.all((found.position >= 0) & (found.position <= 1))
        # the position along each wire points at the junction point
        for column in (0, 1):
            start = wires.endpoints[found.pairs[:, column], 0]
            step = wires.endpoints[found.pairs[:, column], 1] - start
            along = start + found.position[:, column, None] * step
            np.testing.assert_allclose(along, found.points, rtol=0, atol=1e-9 * scale)
        np.testing.assert_allclose(
            found.distance, found.position * wires.lengths[found.pairs], rtol=1e-15
        )
    return found


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_wires_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(250, 400))
    wires = drop_wires(n, box=(8 * L, 8 * L), length=L, rng=rng)
    found = assert_matches_reference(wires)
    assert len(found) > n  # dense enough to mean something


def test_lognormal_lengths_and_aligned_wires_match_brute_force():
    wires = drop_wires(300, box=(8 * L, 8 * L),
                       length={"distribution": "lognormal", "mean": L, "std": 0.5 * L},
                       angle={"distribution": "vonmises", "direction": 0.3, "kappa": 4.0}, rng=7)
    assert_matches_reference(wires)


def _snapped_wires(seed, n=150, grid=6):
    """Endpoints on a small integer grid: many T-junctions, shared ends and collinear overlaps."""
    rng = np.random.default_rng(seed)
    ends = rng.integers(0, grid, size=(n, 2, 2)).astype(float)
    same = np.all(ends[:, 0] == ends[:, 1], axis=1)
    ends[same, 1, 0] += 1.0
    return Wires.from_endpoints(ends * 1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_snapped_grid_wires_match_brute_force(seed):
    assert_matches_reference(_snapped_wires(seed))


def test_ends_placed_on_other_wires_match_brute_force():
    # new wires start at float-rounded points of old wires: whether they touch depends on
    # the last bit, which only an exact test decides the same way as the reference
    # (about 1 % of such points fall on the wrong side of the line in float arithmetic)
    rng = np.random.default_rng(11)
    base = drop_wires(100, box=(5 * L, 5 * L), length=L, rng=rng).endpoints
    host = rng.integers(0, 100, 400)
    t = rng.choice([0.0, 0.1, 0.3, 1 / 3, 0.7, 0.9, 1.0], 400)
    start = base[host, 0] + t[:, None] * (base[host, 1] - base[host, 0])
    angle = rng.uniform(0, np.pi, 400)
    end = start + 0.5 * L * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    wires = Wires.from_endpoints(np.concatenate([base, np.stack([start, end], axis=1)]))
    assert_matches_reference(wires)


def test_adversarial_cases():
    u = 1e-6
    ends = np.array([
        [[0, 0], [4, 0]],          # 0 horizontal
        [[2, 0], [2, 3]],          # 1 T-junction: end on wire 0
        [[4, 0], [6, 2]],          # 2 shares an end with wire 0
        [[5, 0], [9, 0]],          # 3 collinear with 0, gap of 1: no junction with 0
        [[3, 0], [4.5, 0]],        # 4 collinear overlap with 0 (3..4) and touches... not 3
        [[0, 1], [4, 1.0 + 1e-15]],  # 5 nearly parallel to 0, crosses wire 1
        [[0, 2], [4, 2]],          # 6 parallel to 5 region, crosses wire 1
        [[9, 0], [11, 0]],         # 7 collinear with 3, touching end to end at x=9
        [[20, 0], [20, 5]],        # 8 vertical
        [[20, 2], [20, 8]],        # 9 vertical collinear overlap with 8 (2..5)
        [[20, 1], [20, 4]],        # 10 inside 8 and overlapping 9
        [[0, 0], [4, 0]],          # 11 duplicate of 0
        [[30, 0], [31, 1]],        # 12 diagonal
        [[31, 1], [32, 2]],        # 13 collinear continuation of 12, shares an end
        [[30.5, 0.5 + 1e-13], [29, 3]],  # 14 starts a hair off wire 12: no junction
    ], dtype=float) * u
    wires = Wires.from_endpoints(ends)
    found = assert_matches_reference(wires)
    pairs = {tuple(p) for p in found.pairs.tolist()}
    assert {(0, 1), (0, 2), (0, 4), (3, 7), (8, 9), (8, 10), (9, 10), (0, 11), (12, 13)} <= pairs
    assert (0, 3) not in pairs and (12, 14) not in pairs
    row = found.pairs.tolist().index([0, 4])
    np.testing.assert_allclose(found.points[row], [3.5 * u, 0.0])  # middle of the overlap
    row = found.pairs.tolist().index([8, 9])
    np.testing.assert_allclose(found.points[row], [20 * u, 3.5 * u])
    row = found.pairs.tolist().index([0, 11])
    np.testing.assert_allclose(found.points[row], [2 * u, 0.0])  # duplicates: the middle


def test_nearly_parallel_crossing_is_found_with_an_accurate_point():
    u = 1e-6
    eps = 1e-12
    ends = np.array([[[0, 0], [10, 0]], [[0, -eps], [10, eps]]]) * u
    found = assert_matches_reference(Wires.from_endpoints(ends))
    np.testing.assert_array_equal(found.pairs, [[0, 1]])
    np.testing.assert_allclose(found.position[0], [0.5, 0.5], rtol=1e-9)


def test_methods_agree_bit_for_bit_and_mean_degree_is_2nl2_over_pi():
    # a box 40 l across at n l^2 = 14.7; wires whose centre lies at least l from the border see
    # the full density, so their mean junction count is exactly 2 n l^2 / pi in expectation
    side = 40 * L
    density_ratio = 14.7
    n = int(round(density_ratio * (side / L) ** 2))
    wires = drop_wires(n, box=(side, side), length=L, rng=5)
    grid = find_junctions(wires)
    tree = find_junctions(wires, method="strtree")
    assert grid.equals(tree)
    centres = wires.midpoints
    inner = np.all((centres >= L) & (centres <= side - L), axis=1)
    mean_degree = grid.degree()[inner].mean()
    expected = 2 * density_ratio / np.pi
    assert abs(mean_degree / expected - 1) < 0.02, (mean_degree, expected)


def test_a_network_denser_than_the_grid_kernels_first_guess_agrees_with_strtree():
    # ~95 junctions a wire: more partners than the per-wire buffer (64) and more junctions
    # than the first output arrays (8 per wire) hold, so both grow inside the grid kernel
    wires = drop_wires(600, box=(2 * L, 2 * L), length=L, rng=7)
    grid = find_junctions(wires)
    assert grid.degree().max() > 64 and len(grid) > 8 * 600 + 1024
    assert grid.equals(find_junctions(wires, method="strtree"))


def test_sorted_unique_pairs_and_edge_cases():
    wires = drop_wires(2000, box=(20 * L, 20 * L), length=L, rng=3)
    found = find_junctions(wires)
    assert found.pairs.dtype == np.int64 and found.pairs.shape[1] == 2
    assert np.all(found.pairs[:, 0] < found.pairs[:, 1])
    key = found.pairs[:, 0] * len(wires) + found.pairs[:, 1]
    assert np.all(np.diff(key) > 0)
    assert len(find_junctions(wires[:1])) == 0
    assert len(find_junctions(Wires.from_endpoints(np.empty((0, 2, 2))))) == 0
    with pytest.raises(InputError, match="method must be one of 'grid', 'strtree'"):
        find_junctions(wires, method="loop")
    with pytest.raises(InputError, match="wires must be a Wires object"):
        find_junctions(wires.endpoints)
