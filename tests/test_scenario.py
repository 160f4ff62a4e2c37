"""Scenario files: validation messages name the key path, and TOML round-trips exactly."""

import pytest

from nwn.engine.scenario import load_scenario, parse_scenario, scenario_to_toml
from nwn.geometry.checks import InputError
from nwn.resources import list_presets, preset_path

BASE = """
seed = 7
name = "test"

[network]
box = [40e-6, 40e-6]
n_wires = 150
length = 7e-6
diameter = 60e-9
mode = "jda"

[[electrodes]]
name = "left"
shape = {type = "rectangle", bounds = [0.0, 0.0, 4e-6, 40e-6]}
source = {kind = "voltage", waveform = {kind = "dc", value = 1.0}}

[[electrodes]]
name = "right"
shape = {type = "rectangle", bounds = [36e-6, 0.0, 40e-6, 40e-6]}
source = {kind = "ground"}

[junction]
model = "rate"

[run]
dt = 1e-3
duration = 0.01
"""


def test_base_scenario_parses():
    scenario = parse_scenario(BASE)
    assert scenario.seed == 7
    assert scenario.network.n_wires == 150
    assert [e.name for e in scenario.electrodes] == ["left", "right"]
    assert scenario.run.n_steps == 10


@pytest.mark.parametrize("name", [name for name, _ in list_presets()])
def test_every_preset_round_trips_through_toml(name):
    scenario = load_scenario(preset_path(name))
    again = parse_scenario(scenario_to_toml(scenario), base_dir=scenario.base_dir)
    assert again == scenario


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("length = 7e-6", "length = -7e-6", "network.length must be > 0 (got -7e-06)"),
        ("n_wires = 150", "n_wires = 0", "network.n_wires must be >= 1 (got 0)"),
        ("n_wires = 150", "n_wires = 150\ndensity = 1e11", "give n_wires or density, not both"),
        ("[run]\ndt = 1e-3", "[run]\ndt = 0.0", "run.dt must be > 0 (got 0)"),
        ("duration = 0.01", "duraton = 0.01", "run: unknown key 'duraton'"),
        ('mode = "jda"', 'mode = "grid"', "network.mode must be one of 'jda', 'mnr'"),
        ('kind = "ground"', 'kind = "earth"', "electrodes[1].source.kind must be one of"),
        ('model = "rate"', 'model = "magic"', "junction.model must be one of"),
        ("seed = 7", "seed = -1", "seed must be >= 0 (got -1)"),
        ('{kind = "dc", value = 1.0}', '{kind = "pulse", amplitude = 1.0, width = -1.0, period = 1.0}',
         "electrodes[0].source.waveform.width must be > 0 (got -1)"),
        ("duration = 0.01", "duration = 1e300", "run.duration / run.dt gives"),
        ('name = "right"', 'name = "left"', "electrodes[1].name 'left' is used by another"),
        ("bounds = [36e-6, 0.0, 40e-6, 40e-6]", "bounds = [36e-6, 0.0, 30e-6, 40e-6]",
         "electrodes[1].shape.bounds must have xmax > xmin"),
        ("[junction]\nmodel = \"rate\"", "[junction]\nmodel = \"rate\"\nparams = {kp0 = -1.0}",
         "junction.params.kp0"),
    ],
)
def test_bad_values_are_refused_with_key_path(old, new, expected):
    assert old in BASE
    with pytest.raises(InputError) as info:
        parse_scenario(BASE.replace(old, new, 1))
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_not_toml_is_refused_in_one_line():
    with pytest.raises(InputError, match="not valid TOML"):
        parse_scenario("seed = = 3")


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")


def test_all_floating_is_refused():
    text = BASE.replace('source = {kind = "ground"}', 'source = {kind = "floating"}').replace(
        'source = {kind = "voltage", waveform = {kind = "dc", value = 1.0}}',
        'source = {kind = "floating"}')
    with pytest.raises(InputError, match="at least one electrode must be driven"):
        parse_scenario(text)


def test_check_electrode_validates_an_edited_electrode_like_a_file():
    """The GUI designer's check is the scenario parser's, with the same key paths."""
    from nwn.engine.scenario import ElectrodeSpec, SourceSpec, check_electrode

    good = ElectrodeSpec("probe", {"type": "point", "centre": [1e-6, 2e-6], "radius": 5e-7},
                         SourceSpec("voltage", {"kind": "dc", "value": 1.0}))
    assert check_electrode(good) == good
    assert check_electrode(good, where="electrodes[3]") == good
    flat = {"type": "line", "points": [[1e-6, 1e-6], [1e-6, 1e-6]]}
    with pytest.raises(InputError, match=r"electrodes\[2\]\.shape\.points must give a line"):
        ElectrodeSpec("bar", flat, where="electrodes[2]")
    with pytest.raises(InputError, match=r"^electrode\.shape\.points must give a line"):
        ElectrodeSpec("bar", flat)
    with pytest.raises(InputError, match=r"^source: a current source needs"):
        SourceSpec("current")
    with pytest.raises(InputError, match=r"electrode\.name must be a non-empty text"):
        ElectrodeSpec("  ", good.shape)


# -- specs are validated when constructed, with the file's key paths and limits ---------------


def _message(build):
    with pytest.raises(InputError) as info:
        build()
    return str(info.value)


def test_constructed_specs_are_refused_like_file_values():
    import dataclasses

    from nwn.engine.scenario import JunctionSpec, NetworkSpec, RunSpec, SourceSpec

    scenario = parse_scenario(BASE)
    # Every (TOML edit, constructor) pair gives the very same one-line message.
    cases = [
        ("n_wires = 150", "n_wires = 0",
         lambda: dataclasses.replace(scenario.network, n_wires=0)),
        ("length = 7e-6", "length = -7e-6",
         lambda: dataclasses.replace(scenario.network, length=-7e-6)),
        ('mode = "jda"', 'mode = "grid"', lambda: NetworkSpec(n_wires=10, mode="grid")),
        ("[run]\ndt = 1e-3", "[run]\ndt = 0.0", lambda: RunSpec(dt=0.0, duration=0.01)),
        ("duration = 0.01", "duration = 1e300", lambda: RunSpec(dt=1e-3, duration=1e300)),
        ("duration = 0.01", "duration = 1e-5", lambda: RunSpec(dt=1e-3, duration=1e-5)),
        ('model = "rate"', 'model = "magic"', lambda: JunctionSpec(model="magic")),
        ("[junction]\nmodel = \"rate\"", "[junction]\nmodel = \"rate\"\nparams = {kp0 = -1.0}",
         lambda: JunctionSpec(params={"kp0": -1.0})),
        ("seed = 7", "seed = -1", lambda: dataclasses.replace(scenario, seed=-1)),
        ('name = "right"', 'name = "left"', lambda: dataclasses.replace(
            scenario, electrodes=(scenario.electrodes[0],
                                  dataclasses.replace(scenario.electrodes[1], name="left")))),
    ]
    for old, new, build in cases:
        text = BASE.replace(old, new, 1)
        assert text != BASE
        assert _message(build) == _message(lambda text=text: parse_scenario(text))
    assert _message(lambda: SourceSpec("earth")).startswith("source.kind must be one of")
    assert _message(lambda: dataclasses.replace(
        scenario, electrodes=(dataclasses.replace(scenario.electrodes[0],
                                                  source=SourceSpec("floating")),))) \
        .startswith("electrodes: at least one electrode must be driven")


def test_wire_limit_is_one_number_for_files_and_specs():
    from nwn.engine import limits
    from nwn.engine.scenario import NetworkSpec

    # on a 1 m box: in the default 100 um one they would hold ~4e12 junctions (refused)
    assert NetworkSpec(box=(1.0, 1.0), n_wires=limits.MAX_WIRES).n_wires == limits.MAX_WIRES
    too_many = limits.MAX_WIRES + 1
    expected = f"network.n_wires must be <= {limits.MAX_WIRES} (got {too_many})"
    assert _message(lambda: NetworkSpec(n_wires=too_many)) == expected
    assert _message(lambda: parse_scenario(
        BASE.replace("n_wires = 150", f"n_wires = {too_many}"))) == expected
    dense = _message(lambda: NetworkSpec(box=(1.0, 1.0), density=6e7))
    assert dense.startswith("network.density gives 6e+07 wires in the box")


def test_constructed_specs_are_normalized_like_parsed_ones():
    from nwn.engine.scenario import ElectrodeSpec, NetworkSpec, RunSpec, Scenario, SourceSpec

    parsed = parse_scenario(BASE)
    built = Scenario(
        seed=7, name="test",
        network=NetworkSpec(box=[40e-6, 40e-6], n_wires=150, length=7e-6),
        electrodes=[
            ElectrodeSpec("left", {"type": "rectangle", "bounds": (0, 0, 4e-6, 40e-6)},
                          SourceSpec("voltage", {"kind": "dc", "value": 1.0})),
            ElectrodeSpec("right", {"type": "rectangle", "bounds": [36e-6, 0, 40e-6, 40e-6]},
                          SourceSpec("ground")),
        ],
        run=RunSpec(dt=1e-3, duration=0.01),
    )
    assert built == parsed
    assert built.network.box == (40e-6, 40e-6) and isinstance(built.electrodes, tuple)
    assert parse_scenario(scenario_to_toml(built)) == parsed
