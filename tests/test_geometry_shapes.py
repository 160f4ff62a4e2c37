"""Electrode shapes: dict <-> shapely <-> WKT, one module, round trips for every type."""

import numpy as np
import pytest
import shapely

from nwn.geometry import point_contact
from nwn.geometry.checks import InputError
from nwn.geometry.shapes import (
    SHAPE_TYPES,
    check_shape,
    shape_dict,
    shape_from_wkt,
    shape_geometry,
    shape_to_wkt,
)

SHAPES = {
    "rectangle": {"type": "rectangle", "bounds": [1e-6, 2e-6, 5.5e-6, 9e-6]},
    "polygon": {"type": "polygon", "points": [[0.0, 0.0], [4e-6, 0.0], [1e-6, 3.3e-6]]},
    "line": {"type": "line", "points": [[0.0, 1e-6], [2e-6, 2e-6], [3e-6, 0.5e-6]]},
    "point": {"type": "point", "centre": [3e-6, 4e-6], "radius": 1.5e-6},
}


def _same(a, b):
    assert a["type"] == b["type"] and a.keys() == b.keys()
    for key in a:
        if key != "type":
            np.testing.assert_allclose(a[key], b[key], rtol=1e-12, atol=1e-21)


def test_every_type_is_covered():
    assert set(SHAPES) == set(SHAPE_TYPES)


@pytest.mark.parametrize("kind", SHAPE_TYPES)
def test_dict_to_shapely_to_wkt_to_dict(kind):
    shape = SHAPES[kind]
    assert check_shape(shape) == shape
    geometry = shape_geometry(shape)
    wkt = shape_to_wkt(shape)
    assert shapely.from_wkt(wkt).equals_exact(geometry, 0.0)  # WKT keeps every bit
    back = shape_from_wkt(wkt)
    _same(back, shape)
    _same(shape_dict(geometry), shape)
    if kind != "point":  # a disc's centre and radius are re-measured from its vertices
        assert back == shape
    assert shape_geometry(back).equals_exact(geometry, 1e-18)


def test_known_geometries():
    # Independent values: a disc of area ~ pi r^2 (64-gon), the rectangle's own area.
    disc = shape_geometry(SHAPES["point"])
    assert disc.area == pytest.approx(np.pi * 1.5e-6**2, rel=2e-3)
    assert shape_geometry(SHAPES["rectangle"]).area == pytest.approx(4.5e-6 * 7e-6)
    contact = point_contact("p", 3e-6, 4e-6, 1.5e-6)
    assert contact.shape.equals_exact(disc, 0.0)  # same disc as the geometry layer's contact


def test_check_shape_normalizes_numpy_and_refuses_with_key_path():
    shape = check_shape({"type": "rectangle", "bounds": np.array([0, 0, 1, 2], np.float32)})
    assert shape == {"type": "rectangle", "bounds": [0.0, 0.0, 1.0, 2.0]}
    assert all(type(v) is float for v in shape["bounds"])
    with pytest.raises(InputError, match=r"^e\.shape\.bounds must have xmax > xmin"):
        check_shape({"type": "rectangle", "bounds": [1, 0, 0, 1]}, "e.shape")
    with pytest.raises(InputError, match=r"^shape\.type must be one of"):
        check_shape({"type": "circle"})
    with pytest.raises(InputError, match=r"^shape: unknown key 'radius'"):
        check_shape({"type": "line", "points": [[0, 0], [1, 1]], "radius": 1})
    with pytest.raises(InputError, match=r"simple polygon"):
        check_shape({"type": "polygon", "points": [[0, 0], [1, 1], [1, 0], [0, 1]]})


def test_wkt_shapes_without_a_dict():
    assert shape_from_wkt("POINT (1 2)", lenient=True) == {"type": "point", "centre": [1.0, 2.0],
                                                           "radius": 0.0}
    holed = shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))
    assert shape_from_wkt(holed.wkt, lenient=True) == {"type": "rectangle",
                                                       "bounds": [0.0, 0.0, 4.0, 4.0]}
    with pytest.raises(InputError, match="polygon or a line"):
        shape_from_wkt(holed.wkt)
    with pytest.raises(InputError, match="not WKT"):
        shape_from_wkt("CIRCLE (1 2)")
