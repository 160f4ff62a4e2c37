"""Every numeric field of the scenario schema, geometry included, given hostile values
(hypothesis): ``nwn run`` either runs it (exit 0) or refuses it with one line (exit 2) within
seconds; never a traceback, an internal error (exit 1), a hang, or a changed input."""

from __future__ import annotations

from hostile_support import BASE, run_hostile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Where each numeric field sits in the base scenario: (field, text to replace, template).
FIELDS = [
    ("seed", "seed = 1", "seed = {v}"),
    ("network.box", "box = [50e-6, 50e-6]", "box = [{v}, 50e-6]"),
    ("network.n_wires", "n_wires = 400", "n_wires = {v}"),
    ("network.density", "n_wires = 400", "density = {v}"),
    ("network.length", "length = 7e-6", "length = {v}"),
    ("network.length.mean", "length = 7e-6",
     'length = {distribution = "normal", mean = {v}, std = 1e-6}'),
    ("network.length.std", "length = 7e-6",
     'length = {distribution = "lognormal", mean = 7e-6, std = {v}}'),
    ("network.angle.kappa", "length = 7e-6",
     'length = 7e-6\nangle = {distribution = "vonmises", direction = 0.0, kappa = {v}}'),
    ("network.diameter", "length = 7e-6", "length = 7e-6\ndiameter = {v}"),
    ("network.contact_resistance", "length = 7e-6", "length = 7e-6\ncontact_resistance = {v}"),
    ("network.wire_resistivity", "length = 7e-6",
     'length = 7e-6\nmode = "mnr"\nwire_resistivity = {v}'),
    ("electrodes.bounds", "bounds = [0, 0, 5e-6, 50e-6]", "bounds = [0, 0, {v}, 50e-6]"),
    ("waveform.value", "value = 1.0}", "value = {v}}"),
    ("waveform.ramp", '{kind = "dc", value = 1.0}',
     '{kind = "ramp", start = 0.0, stop = {v}, ramp_time = 0.004}'),
    ("waveform.triangle", '{kind = "dc", value = 1.0}',
     '{kind = "triangle", amplitude = {v}, period = 0.004}'),
    ("current source", 'source = {kind = "voltage", waveform = {kind = "dc", value = 1.0}}',
     'source = {kind = "current", waveform = {kind = "dc", value = {v}}}'),
    ("source.series_resistance", 'source = {kind = "voltage",',
     'source = {kind = "voltage", series_resistance = {v},'),
    ("junction.g_max", 'model = "rate"', 'model = "rate"\nparams = {g_max = {v}}'),
    ("junction.g_min", 'model = "rate"', 'model = "rate"\nparams = {g_min = {v}}'),
    ("junction.kp0", 'model = "rate"', 'model = "rate"\nparams = {kp0 = {v}}'),
    ("junction.spread", 'model = "rate"',
     'model = "rate"\nspread = {g_max = {distribution = "lognormal", relative_width = {v}}}'),
    ("ohmic.g", 'model = "rate"', 'model = "ohmic"\nparams = {g = {v}}'),
    ("threshold.g_off", 'model = "rate"', 'model = "threshold"\nparams = {g_off = {v}}'),
    ("filament.n_max", 'model = "rate"', 'model = "filament"\nparams = {n_max = {v}}'),
    ("filament.jump_rate", 'model = "rate"', 'model = "filament"\nparams = {jump_rate = {v}}'),
    ("ou_jump.jump_rate", 'model = "rate"', 'model = "ou_jump"\nparams = {jump_rate = {v}}'),
    ("run.dt", "dt = 1e-3", "dt = {v}"),
    ("run.duration", "duration = 0.005", "duration = {v}"),
    ("run.record_every", "dt = 1e-3", "dt = 1e-3\nrecord_every = {v}"),
    ("run.junction_every", "dt = 1e-3", "dt = 1e-3\njunction_every = {v}"),
    ("run.solver_tolerance", "dt = 1e-3", "dt = 1e-3\nsolver_tolerance = {v}"),
]

#: Values a hostile user types (TOML text).
VALUES = ["-1", "0", "1e300", "-1e300", "1e-300", "5e-324", "nan", "inf", "-inf",
          "1000000000000000000000000000000", "9223372036854775808", '"text"', "true", "[]",
          "1.5", "3", "-0.0", "1e12", "1e7", "1e5", "1e-9"]

#: How many hostile scenarios one run of the suite tries (of len(FIELDS) x len(VALUES)).
EXAMPLES = 200


#: Steps a valid hostile scenario may run in the suite; longer valid ones are validated only.
MAX_RUN_STEPS = 1000


def _steps(path) -> int:
    """Steps the scenario asks for (0 when it is refused: run then refuses it)."""
    from nwn.engine.scenario import load_scenario

    try:
        return load_scenario(path).run.n_steps
    except ValueError:
        return 0


def scenario_text(field: int, value: str) -> str:
    _, old, template = FIELDS[field]
    assert old in BASE
    return BASE.replace(old, template.replace("{v}", value), 1)


def test_every_field_is_found_in_the_base_scenario():
    for field in range(len(FIELDS)):
        assert scenario_text(field, "1.5") != BASE


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.integers(0, len(FIELDS) - 1), value=st.sampled_from(VALUES))
def test_hostile_numbers_run_or_are_refused_in_one_line(field, value, capsys, tmp_path):
    folder = tmp_path / f"case{field}_{abs(hash(value)) % 10**6}"
    folder.mkdir(exist_ok=True)
    (folder / "s.toml").write_text(scenario_text(field, value))
    output = folder / "out" / "r.h5"
    output.parent.mkdir(exist_ok=True)
    argv = ["run", folder / "s.toml", "-o", output, "-q", "--force"]
    if _steps(folder / "s.toml") > MAX_RUN_STEPS:
        # valid, and long on purpose (dt = 1e-9, duration = 1e5 ask for millions of steps): the
        # promise is a quick refusal or acceptance, so it is checked (network built) unrun
        argv = ["validate", folder / "s.toml"]
    code, line = run_hostile(capsys, argv, folder, codes=(0, 2))
    if code == 2:
        assert line.startswith("nwn: error: ")
