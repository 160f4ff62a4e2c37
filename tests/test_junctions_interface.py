"""Shared junction-model interface: validation, spread, initial state, reproducibility."""

import numpy as np
import pytest

from nwn.engine.junctions import MODELS, JunctionModel, Param, make_model
from nwn.geometry.checks import InputError

STOCHASTIC = ("filament", "ou_jump")
DYNAMIC = ("rate", "filament", "ou_jump", "threshold")


def _drive(model, steps=15, seed=0):
    voltage = np.random.default_rng(seed).uniform(-1.5, 1.5, model.n_junctions)
    for _ in range(steps):
        model.advance(voltage, 0.02)


def _busy(name, m=300, seed=4):
    params = {"jump_rate": 5.0, "sigma": 0.05} if name == "ou_jump" else {}
    if name == "filament":
        params = {"jump_rate": 5.0, "n_max": 50}
    return make_model(name, m, params=params, initial={"uniform": [0.1, 0.6]},
                      spread={"kd0" if name != "threshold" else "v_set":
                              {"distribution": "lognormal", "relative_width": 0.2}},
                      rng=np.random.default_rng(seed))


def test_registry_and_parameter_tables():
    assert set(MODELS) == {"rate", "filament", "ou_jump", "threshold", "ohmic", "hp", "decay_hp",
                           "mss"}
    for name, cls in MODELS.items():
        assert issubclass(cls, JunctionModel) and cls.name == name
        rows = cls.describe_parameters()
        assert [r[0] for r in rows] == list(cls.PARAMETERS)
        for key, param in cls.PARAMETERS.items():
            assert isinstance(param, Param) and param.meaning
            param.validate(f"junction.params.{key}", param.default)


@pytest.mark.parametrize("name", DYNAMIC)
def test_same_seed_bit_identical_and_other_seed_differs(name):
    a, b, c = _busy(name), _busy(name), _busy(name, seed=5)
    for model in (a, b, c):
        _drive(model)
    for key in a.get_state():
        np.testing.assert_array_equal(a.get_state()[key], b.get_state()[key])
    np.testing.assert_array_equal(a.conductance(), b.conductance())
    assert not np.array_equal(a.conductance(), c.conductance())


@pytest.mark.parametrize("name", DYNAMIC)
def test_get_state_set_state_continues_bit_identically(name):
    model = _busy(name)
    _drive(model, 5)
    saved = model.get_state()
    _drive(model, 10, seed=1)
    first = model.get_state()
    model.set_state(saved)
    _drive(model, 10, seed=1)
    for key in first:
        np.testing.assert_array_equal(model.get_state()[key], first[key])
    # get_state hands out copies
    saved_again = model.get_state()
    for array in saved_again.values():
        array[...] = 0
    for key in first:
        np.testing.assert_array_equal(model.get_state()[key], first[key])


@pytest.mark.parametrize("name", STOCHASTIC)
def test_each_junction_depends_only_on_its_own_stream(name):
    # a model holding a subset of the junctions (same parameters, states and streams) must
    # reproduce those junctions exactly: no shared randomness, so no thread-count dependence
    full = make_model(name, 200, params={"jump_rate": 3.0}, initial={"value": 0.3},
                      rng=np.random.default_rng(1))
    subset = np.array([3, 17, 150, 199])
    part = make_model(name, subset.size, params={"jump_rate": 3.0},
                      rng=np.random.default_rng(2))
    part.set_state({k: v[subset] for k, v in full.get_state().items()})
    voltage = np.random.default_rng(0).uniform(-1, 1, 200)
    for _ in range(20):
        full.advance(voltage, 0.05)
        part.advance(voltage[subset], 0.05)
    for key, value in part.get_state().items():
        np.testing.assert_array_equal(value, full.get_state()[key][subset])


@pytest.mark.parametrize("name", [*DYNAMIC, "ohmic"])
def test_state_normalized_and_conductance_positive(name):
    model = make_model(name, 500, rng=np.random.default_rng(0)) if name == "ohmic" else _busy(
        name, 500)
    _drive(model)
    s = model.state()
    g = model.conductance()
    assert s.shape == g.shape == (500,)
    assert np.all((s >= 0) & (s <= 1)) and np.all(g > 0)


@pytest.mark.parametrize("kind", ["lognormal", "normal"])
def test_spread_gives_requested_relative_width(kind):
    model = make_model("rate", 200_000, spread={"kd0": {"distribution": kind,
                                                        "relative_width": 0.25}},
                       rng=np.random.default_rng(0))
    values = model.parameter_array("kd0")
    assert abs(values.mean() / 0.5 - 1) < 0.005
    assert abs(values.std() / values.mean() / 0.25 - 1) < 0.02
    assert np.all(values > 0)
    np.testing.assert_array_equal(model.parameter_array("kp0"), 1e-4)
    assert model.parameters["kd0"] == 0.5


def test_spread_changes_dynamics_per_junction():
    model = make_model("rate", 2000, spread={"g_max": {"relative_width": 0.3}},
                       initial={"value": 1.0}, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(model.conductance(), model.parameter_array("g_max"))


def test_initial_uniform_and_value():
    model = make_model("ou_jump", 50_000, initial={"uniform": [0.2, 0.4]},
                       rng=np.random.default_rng(0))
    s = model.state()
    assert s.min() >= 0.2 and s.max() <= 0.4 and abs(s.mean() - 0.3) < 0.002
    fil = make_model("filament", 3, params={"n_max": 8}, initial={"value": 0.5},
                     rng=np.random.default_rng(0))
    np.testing.assert_array_equal(fil.get_state()["n"], 4)
    thr = make_model("threshold", 2, initial={"value": 0.5}, rng=np.random.default_rng(0))
    np.testing.assert_allclose(thr.get_state()["lambda"], 0.75e-2)
    # an empty [junction.initial] table means the default
    assert make_model("rate", 2, initial={}, rng=np.random.default_rng(0)).state().max() == 0


def test_ohmic_is_static_with_optional_spread():
    model = make_model("ohmic", 1000, params={"g": 2e-3},
                       spread={"g": {"distribution": "normal", "relative_width": 0.1}},
                       rng=np.random.default_rng(0))
    g0 = model.conductance().copy()
    model.advance(np.full(1000, 5.0), 1.0)
    np.testing.assert_array_equal(model.conductance(), g0)
    assert abs(g0.mean() / 2e-3 - 1) < 0.01
    assert model.get_state() == {}
    model.set_state({})
    uniform = make_model("ohmic", 3, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(uniform.conductance(), 1e-3)


@pytest.mark.parametrize(
    ("name", "kwargs", "pattern"),
    [
        ("memristor", {}, r"junction\.model must be one of"),
        ("rate", {"params": {"kp": 1.0}}, r"junction\.params\.kp is not a parameter"),
        ("rate", {"params": {"kd0": 0.0}}, r"junction\.params\.kd0 must be a number > 0"),
        ("rate", {"params": {"eta_p": -1}}, r"junction\.params\.eta_p must be a number >= 0"),
        ("rate", {"params": {"kp0": "fast"}}, r"junction\.params\.kp0 must be a number"),
        ("rate", {"params": {"g_min": 1.0, "g_max": 0.5}}, r"junction\.params\.g_max must "),
        ("filament", {"params": {"n_max": 2.5}}, r"junction\.params\.n_max must be an integer"),
        ("filament", {"params": {"n_max": 0}}, r"junction\.params\.n_max must be"),
        ("ou_jump", {"params": {"jump_min": 0.1, "jump_max": 0.01}}, r"jump_max must satisfy"),
        ("ou_jump", {"params": {"jump_max": 2.0}}, r"junction\.params\.jump_max must be"),
        ("threshold", {"params": {"mode": "analog"}}, r"junction\.params\.mode must be one of"),
        ("threshold", {"params": {"v_reset": 0.1}}, r"junction\.params\.v_reset must satisfy"),
        ("rate", {"spread": {"kq": {"relative_width": 0.1}}}, r"junction\.spread\.kq is not"),
        ("filament", {"spread": {"n_max": {"relative_width": 0.1}}},
         r"junction\.spread\.n_max: n_max cannot vary"),
        ("rate", {"spread": {"kd0": {"distribution": "cauchy", "relative_width": 0.1}}},
         r"junction\.spread\.kd0\.distribution must be one of"),
        ("rate", {"spread": {"kd0": {"relative_width": -0.1}}},
         r"junction\.spread\.kd0\.relative_width must be >= 0"),
        ("rate", {"spread": {"kd0": {"distribution": "normal"}}},
         r"junction\.spread\.kd0\.relative_width is required"),
        ("rate", {"params": {"kp0": 0.0}, "spread": {"kp0": {"relative_width": 0.1}}},
         r"junction\.spread\.kp0\.distribution 'lognormal' needs a positive"),
        ("rate", {"spread": {"g_min": {"relative_width": 1.0}}, "params": {"g_max": 1.1e-3}},
         r"junction\.spread\.g_max must satisfy g_max >= g_min \(violated by"),
        ("rate", {"initial": {"value": 1.5}}, r"junction\.initial\.value must be in \[0, 1\]"),
        ("rate", {"initial": {"uniform": [0.5, 0.2]}}, r"junction\.initial\.uniform must"),
        ("rate", {"initial": {"uniform": 0.5}}, r"junction\.initial\.uniform must be a pair"),
        ("rate", {"initial": {"gauss": 0.5}}, r"junction\.initial\.gauss is not"),
        ("ohmic", {"initial": {"value": 0.5}}, r"junction\.initial is not used"),
    ],
)
def test_bad_input_names_the_key(name, kwargs, pattern):
    with pytest.raises(InputError, match=pattern):
        make_model(name, 10, rng=np.random.default_rng(0), **kwargs)


def test_bad_advance_and_set_state_arguments():
    model = make_model("ou_jump", 4, rng=np.random.default_rng(0))
    with pytest.raises(InputError, match=r"junction_voltage must have shape \(4,\)"):
        model.advance(np.zeros(3), 1e-3)
    with pytest.raises(InputError, match="dt must be a finite number > 0"):
        model.advance(np.zeros(4), 0.0)
    with pytest.raises(InputError, match="junction_voltage must be finite"):
        model.advance(np.array([0.0, np.nan, 0.0, 0.0]), 1e-3)
    with pytest.raises(InputError, match="must have keys"):
        model.set_state({"x": np.zeros(4)})
    state = model.get_state()
    with pytest.raises(InputError, match=r"state\['x'\] must be a \(4,\) float64"):
        model.set_state({**state, "x": np.zeros(5)})
    with pytest.raises(InputError, match="all-zero"):
        model.set_state({**state, "rng": np.zeros((4, 4), np.uint64)})
    with pytest.raises(InputError, match="out must be"):
        model.conductance(out=np.zeros(3))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_zero_junctions(name):
    model = make_model(name, 0, rng=np.random.default_rng(0))
    model.advance(np.zeros(0), 1e-3)
    assert model.conductance().shape == model.state().shape == (0,)
    model.set_state(model.get_state())
