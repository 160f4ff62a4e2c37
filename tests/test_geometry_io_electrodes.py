"""Wire-set files round-trip exactly; electrode layouts and contacts."""

import numpy as np
import pytest
import shapely

from nwn.geometry import (
    Electrode,
    InputError,
    Wires,
    contact_positions,
    drop_wires,
    four_probe,
    load_wires,
    pad_grid,
    pad_ring,
    pad_row,
    point_contact,
    save_wires,
    side_bars,
    touching_wires,
)

L = 10e-6
BOX = (100e-6, 60e-6)


@pytest.mark.parametrize("suffix", ["npz", "csv"])
def test_round_trip_is_bit_exact(tmp_path, suffix):
    wires = drop_wires(500, box=BOX, length={"distribution": "lognormal", "mean": L, "std": 3e-6},
                       diameter=73.3e-9, rng=12)
    path = save_wires(tmp_path / f"wires.{suffix}", wires)
    back = load_wires(path)
    assert back.equals(wires)
    np.testing.assert_array_equal(back.lengths, wires.lengths)
    np.testing.assert_array_equal(back.angles, wires.angles)
    assert back.box == (BOX if suffix == "npz" else None)
    if suffix == "csv":
        assert path.read_text().splitlines()[0] == "x0,y0,x1,y1,diameter"


def test_files_without_diameters_use_the_given_one(tmp_path):
    path = tmp_path / "imported.csv"
    path.write_text("x0,y0,x1,y1\n0,0,1e-5,0\n5e-6,-5e-6,5e-6,5e-6\n")
    wires = load_wires(path, diameter=90e-9)
    np.testing.assert_array_equal(wires.diameters, [90e-9, 90e-9])
    np.testing.assert_array_equal(wires.lengths, [1e-5, 1e-5])
    np.savez(tmp_path / "bare.npz", endpoints=wires.endpoints)
    assert np.all(load_wires(tmp_path / "bare.npz").diameters == 60e-9)


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="path must end in .npz or .csv"):
        load_wires(tmp_path / "wires.txt")
    with pytest.raises(InputError, match="path must be an existing file"):
        load_wires(tmp_path / "missing.npz")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(InputError, match="CSV header must be 'x0,y0,x1,y1,diameter'"):
        load_wires(bad)
    nan = tmp_path / "nan.csv"
    nan.write_text("x0,y0,x1,y1,diameter\n0,0,nan,1e-6,6e-8\n")
    with pytest.raises(InputError, match="endpoints must hold finite numbers"):
        load_wires(nan)
    short = tmp_path / "short.csv"
    short.write_text("x0,y0,x1,y1,diameter\n0,0,1e-6,1e-6\n")
    with pytest.raises(InputError, match="CSV rows must hold 5 numbers"):
        load_wires(short)


def test_layouts():
    left, right = side_bars(BOX, width=5e-6)
    assert (left.name, right.name) == ("left", "right")
    assert left.shape.bounds == (0.0, 0.0, 5e-6, BOX[1])
    assert right.shape.bounds == pytest.approx((BOX[0] - 5e-6, 0.0, BOX[0], BOX[1]))
    probes = four_probe(BOX)
    assert [e.name for e in probes] == ["i_plus", "v_plus", "v_minus", "i_minus"]
    np.testing.assert_allclose(probes[1].centroid, [BOX[0] / 3, BOX[1] / 2], rtol=1e-9)
    row = pad_row(BOX, 4, 5e-6, 20e-6)
    np.testing.assert_allclose([e.centroid[0] for e in row], [20e-6, 40e-6, 60e-6, 80e-6])
    assert [e.name for e in row] == ["pad1", "pad2", "pad3", "pad4"]
    ring = pad_ring(BOX, 8, 4e-6)
    radii = [np.hypot(*(e.centroid - np.array(BOX) / 2)) for e in ring]
    np.testing.assert_allclose(radii, BOX[1] / 2 - 4e-6)
    grid = pad_grid(BOX, 2, 3, 4e-6, (30e-6, 20e-6))
    centres = np.array([e.centroid for e in grid])
    np.testing.assert_allclose(centres[:3, 0], [20e-6, 50e-6, 80e-6])
    np.testing.assert_allclose(centres[::3, 1], [20e-6, 40e-6])
    assert all(abs(e.shape.area - 16e-12) < 1e-20 for e in grid)
    disc = point_contact("tip", 1e-5, 2e-5, 1e-6)
    assert disc.shape.area == pytest.approx(np.pi * 1e-12, rel=1e-2)


def test_layout_errors():
    with pytest.raises(InputError, match="pad row does not fit in the box"):
        pad_row(BOX, 10, 5e-6, 20e-6)
    with pytest.raises(InputError, match=r"pitch must be >= size \(5e-06 m\)"):
        pad_row(BOX, 3, 5e-6, 1e-6)
    with pytest.raises(InputError, match=r"n must be >= 1 \(got 0\)"):
        pad_row(BOX, 0, 5e-6, 20e-6)
    with pytest.raises(InputError, match=r"size must be > 0 \(got -1e-06\)"):
        pad_grid(BOX, 2, 2, -1e-6, 1e-5)
    with pytest.raises(InputError, match="width must be <= 5e-05 m"):
        side_bars(BOX, width=6e-5)
    with pytest.raises(InputError, match="electrode name must be a non-empty string"):
        Electrode("", shapely.box(0, 0, 1, 1))
    with pytest.raises(InputError, match="electrode 'x' shape must be a shapely geometry"):
        Electrode("x", (0, 0, 1, 1))


def test_touching_wires_matches_a_per_wire_check():
    wires = drop_wires(300, box=BOX, length=L, rng=4)
    lines = wires.geometries()
    for electrode in [*side_bars(BOX), *pad_ring(BOX, 5, 8e-6),
                      Electrode("line", shapely.LineString([(0, 0), BOX]))]:
        expected = [k for k, line in enumerate(lines) if line.intersects(electrode.shape)]
        np.testing.assert_array_equal(touching_wires(wires, electrode), expected)


def test_contact_positions():
    u = 1e-6
    wires = Wires.from_endpoints(np.array([
        [[0, 1], [10, 1]],   # crosses the line x = 3 at t = 0.3; enters the bar [7, 8] at 0.7
        [[9, 5], [1, 5]],    # reversed: enters the bar at x = 7, t = 0.25
        [[7.2, 2], [7.8, 2]],  # wholly inside the bar: its midpoint
        [[2, 0], [4, 2]],    # crosses x = 3 at t = 0.5
    ], float) * u)
    line = shapely.LineString([(3 * u, 0), (3 * u, 10 * u)])
    bar = shapely.box(7 * u, 0, 8 * u, 10 * u)
    np.testing.assert_allclose(contact_positions(wires, [0, 3], line), [0.3, 0.5])
    np.testing.assert_allclose(contact_positions(wires, [0, 1, 2], bar), [0.7, 0.25, 0.5])
