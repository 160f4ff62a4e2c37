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
    flat = ElectrodeSpec("bar", {"type": "line", "points": [[1e-6, 1e-6], [1e-6, 1e-6]]})
    with pytest.raises(InputError, match=r"electrodes\[2\]\.shape\.points must give a line"):
        check_electrode(flat, where="electrodes[2]")
    no_wave = ElectrodeSpec("src", good.shape, SourceSpec("current"))
    with pytest.raises(InputError, match=r"electrode\.source: a current source needs"):
        check_electrode(no_wave)
