"""Wire deposition: distributions, reproducibility, construction and bad input."""

import numpy as np
import pytest

from nwn.geometry import InputError, Wires, drop_wires

L = 10e-6
BOX = (100e-6, 80e-6)


def test_same_seed_gives_identical_wires_and_other_seeds_differ():
    a = drop_wires(500, box=BOX, length=L, rng=42)
    b = drop_wires(500, box=BOX, length=L, rng=np.random.default_rng(42))
    c = drop_wires(500, box=BOX, length=L, rng=43)
    assert a.equals(b) and not a.equals(c)


def test_uniform_deposition_shapes_and_statistics():
    wires = drop_wires(20000, box=BOX, length=L, diameter=80e-9, rng=1)
    assert wires.endpoints.shape == (20000, 2, 2) and wires.endpoints.dtype == np.float64
    np.testing.assert_allclose(wires.lengths, L, rtol=1e-12)
    np.testing.assert_array_equal(wires.diameters, 80e-9)
    assert np.all((wires.angles >= 0) & (wires.angles < np.pi))
    centres = wires.midpoints
    assert np.all((centres >= 0) & (centres <= BOX))
    # uniform centres: mean at the box centre, variance width^2 / 12
    np.testing.assert_allclose(centres.mean(axis=0), np.array(BOX) / 2, rtol=0.02)
    np.testing.assert_allclose(centres.var(axis=0), np.array(BOX) ** 2 / 12, rtol=0.05)
    # isotropic: the doubled-angle resultant vanishes
    assert abs(np.mean(np.exp(2j * wires.angles))) < 0.02
    assert wires.box == BOX and len(wires) == 20000


def test_density_sets_the_count():
    wires = drop_wires(density=1.5e11, box=BOX, length=L, rng=0)
    assert len(wires) == round(1.5e11 * BOX[0] * BOX[1])


@pytest.mark.parametrize("kind", ["normal", "lognormal", "gamma"])
def test_length_distributions_have_the_requested_mean_and_std(kind):
    spec = {"distribution": kind, "mean": L, "std": 0.3 * L}
    wires = drop_wires(40000, box=BOX, length=spec, rng=2)
    assert np.all(wires.lengths > 0)
    assert abs(wires.lengths.mean() / L - 1) < 0.01
    assert abs(wires.lengths.std() / (0.3 * L) - 1) < 0.03


def test_normal_lengths_are_redrawn_not_clipped_when_nonpositive():
    wires = drop_wires(20000, box=BOX, length={"distribution": "normal", "mean": L, "std": L},
                       rng=3)
    assert np.all(wires.lengths > 0)
    assert wires.lengths.min() < 0.05 * L  # no pile-up at a floor


def test_von_mises_angles_align_around_the_direction():
    kappa = 50.0
    wires = drop_wires(20000, box=BOX, length=L,
                       angle={"distribution": "vonmises", "direction": 0.4, "kappa": kappa}, rng=4)
    offset = np.angle(np.exp(2j * (wires.angles - 0.4))) / 2  # axial: period pi
    assert abs(offset.mean()) < 0.01
    # von Mises with large kappa: nearly normal with variance 1 / kappa
    assert abs(offset.var() * kappa - 1) < 0.1


def test_gennorm_centres_cluster_around_the_box_centre():
    scale = 10e-6
    wires = drop_wires(20000, box=BOX, length=L,
                       centre={"distribution": "gennorm", "beta": 2.0, "scale": scale}, rng=5)
    centres = wires.midpoints
    np.testing.assert_allclose(centres.mean(axis=0), np.array(BOX) / 2, atol=0.03 * scale)
    # beta = 2 is a normal law with variance scale^2 / 2
    np.testing.assert_allclose(centres.var(axis=0), scale**2 / 2, rtol=0.05)


def test_from_endpoints_slicing_and_concatenation():
    ends = np.array([[[0, 0], [3e-6, 4e-6]], [[1e-6, 1e-6], [1e-6, -1e-6]]])
    wires = Wires.from_endpoints(ends, diameter=[50e-9, 70e-9])
    np.testing.assert_allclose(wires.lengths, [5e-6, 2e-6])
    np.testing.assert_allclose(wires.angles, [np.arctan2(4, 3), np.pi / 2])
    ends[0, 0, 0] = 9.0
    assert wires.endpoints[0, 0, 0] == 0.0  # copied, not a view of the input
    with pytest.raises(ValueError):
        wires.endpoints[0, 0, 0] = 1.0  # read-only
    many = drop_wires(100, box=BOX, length=L, rng=6)
    assert Wires.concatenate([many[:30], many[30:]]).equals(many)
    assert len(many[5]) == 1 and many[-1].equals(many[99:])
    assert many[np.arange(100) % 2 == 0].equals(many[::2])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_wires": 0}, r"n_wires must be >= 1 \(got 0\)"),
        ({"n_wires": -3}, r"n_wires must be >= 1 \(got -3\)"),
        ({"n_wires": 2.5}, r"n_wires must be an integer \(got 2.5\)"),
        ({"n_wires": 10, "density": 1e11}, "give either n_wires or density, not both"),
        ({}, "give n_wires .* or density"),
        ({"density": -1.0}, r"density must be > 0 \(got -1\)"),
        ({"n_wires": 10, "box": (0.0, 1e-4)}, r"box width must be > 0 \(got 0\)"),
        ({"n_wires": 10, "box": (1e-4, -1e-4)}, r"box height must be > 0 \(got -0.0001\)"),
        ({"n_wires": 10, "box": 5}, "box must be a .width, height. pair"),
        ({"n_wires": 10, "length": -1e-6}, r"length must be > 0 \(got -1e-06\)"),
        ({"n_wires": 10, "length": 0.0}, r"length must be > 0 \(got 0\)"),
        ({"n_wires": 10, "length": float("nan")}, "length must be a finite number"),
        ({"n_wires": 10, "length": {"distribution": "weibull", "mean": 1e-6, "std": 1e-7}},
         r"length\['distribution'\] must be one of 'normal', 'lognormal', 'gamma'"),
        ({"n_wires": 10, "length": {"distribution": "normal", "mean": 1e-6}},
         "needs exactly the keys 'mean', 'std'"),
        ({"n_wires": 10, "length": {"distribution": "gamma", "mean": 1e-6, "std": -1.0}},
         r"length\['std'\] must be >= 0"),
        ({"n_wires": 10, "angle": {"distribution": "vonmises", "direction": 0, "kappa": 0}},
         r"angle\['kappa'\] must be > 0 \(got 0\)"),
        ({"n_wires": 10, "angle": "random"}, "angle must be 'uniform', a number"),
        ({"n_wires": 10, "centre": {"distribution": "gennorm", "beta": 2, "scale": 0}},
         r"centre\['scale'\] must be > 0 \(got 0\)"),
        ({"n_wires": 10, "diameter": 0.0}, r"diameter must be > 0 \(got 0\)"),
        ({"n_wires": 10, "rng": -1}, "rng must be a seed >= 0"),
    ],
)
def test_bad_input_names_argument_value_and_allowed(kwargs, message):
    options = {"box": BOX, "length": L}
    options.update(kwargs)
    n_wires = options.pop("n_wires", None)
    with pytest.raises(InputError, match=message):
        drop_wires(n_wires, **options)


def test_bad_endpoints():
    with pytest.raises(InputError, match="endpoints must hold finite numbers .got 1 NaN"):
        Wires.from_endpoints([[[0, 0], [np.nan, 1e-6]]])
    with pytest.raises(InputError, match=r"endpoints must have shape \(\.\.\., 2, 2\)"):
        Wires.from_endpoints(np.zeros((3, 4)))
    with pytest.raises(InputError, match="wire 1 has both ends at"):
        Wires.from_endpoints([[[0, 0], [1e-6, 0]], [[2e-6, 2e-6], [2e-6, 2e-6]]])
    with pytest.raises(InputError, match=r"diameter must be a float or have shape \(1,\)"):
        Wires.from_endpoints([[[0, 0], [1e-6, 0]]], diameter=[1e-8, 2e-8])
