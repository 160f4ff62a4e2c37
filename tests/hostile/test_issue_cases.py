"""The hostile inputs issue #14 names, one by one: each is refused by ``nwn validate`` and by
``nwn run`` alike (validate and run agree), in one line that names the field, within seconds,
before any step runs (the solver's "too many decades", overflows and hangs included)."""

from __future__ import annotations

import numpy as np
import pytest
from hostile_support import BASE

RATE = 'model = "rate"'
LENGTH = "length = 7e-6"
DC = '{kind = "dc", value = 1.0}'

#: (case, text to replace in the base scenario, replacement, a word the line must hold).
CASES = [
    ("contact_resistance 1e12", LENGTH, LENGTH + "\ncontact_resistance = 1e12",
     "contact_resistance"),
    ("dc value 1e200", DC, '{kind = "dc", value = 1e200}', "waveform.value"),
    ("dc value 1e-300", DC, '{kind = "dc", value = 1e-300}', "waveform.value"),
    ("series_resistance 1e300", 'source = {kind = "voltage",',
     'source = {kind = "voltage", series_resistance = 1e300,', "series_resistance"),
    ("rate g_max 1e300", RATE, RATE + "\nparams = {g_max = 1e300}", "g_max"),
    ("rate g_min 0", RATE, RATE + "\nparams = {g_min = 0.0}", "g_min"),
    ("ohmic g 1e300", RATE, 'model = "ohmic"\nparams = {g = 1e300}', "params.g "),
    ("threshold g_off 1e300", RATE, 'model = "threshold"\nparams = {g_off = 1e300}', "g_off"),
    ("mnr wire_resistivity 1e300", LENGTH,
     LENGTH + '\nmode = "mnr"\nwire_resistivity = 1e300', "wire_resistivity"),
    ("mnr wire_resistivity 1e-300", LENGTH,
     LENGTH + '\nmode = "mnr"\nwire_resistivity = 1e-300', "wire_resistivity"),
    ("mnr wire_resistivity 1e-12", LENGTH,
     LENGTH + '\nmode = "mnr"\nwire_resistivity = 1e-12', "wire_resistivity"),
    ("spread relative_width 1e300", RATE,
     RATE + '\nspread = {g_max = {distribution = "lognormal", relative_width = 1e300}}',
     "relative_width"),
    ("current source 1e300 A", 'source = {kind = "voltage", waveform = ' + DC + "}",
     'source = {kind = "current", waveform = {kind = "dc", value = 1e300}}', "1e+300 A"),
    ("ramp underflow", DC, '{kind = "ramp", start = 0.0, stop = 1e-300, ramp_time = 0.01}',
     "waveform.stop"),
    ("triangle underflow", DC, '{kind = "triangle", amplitude = 1e-310, period = 0.004}',
     "waveform.amplitude"),
    ("samples 1e300", DC, '{kind = "samples", times = [0.0, 1.0], values = [0.0, 1e300]}',
     "waveform.values[1]"),
    ("length 1e300", LENGTH, "length = 1e300", "network.length"),
    ("length mean 1e300", LENGTH,
     'length = {distribution = "normal", mean = 1e300, std = 1e300}', "network.length.mean"),
    ("length std -1", LENGTH, 'length = {distribution = "normal", mean = 7e-6, std = -1.0}',
     "network.length.std"),
    ("kappa 0", LENGTH,
     LENGTH + '\nangle = {distribution = "vonmises", direction = 0.0, kappa = 0.0}',
     "network.angle.kappa"),
    ("box 1e12", "box = [50e-6, 50e-6]", "box = [1e12, 1e12]", "network.box[0]"),
    ("n_wires x length", "n_wires = 400", "n_wires = 400000", "junctions"),
    ("filament n_max 1e300", RATE, 'model = "filament"\nparams = {n_max = 1e300}', "n_max"),
    ("filament jump_rate 1e300", RATE, 'model = "filament"\nparams = {jump_rate = 1e300}',
     "jump_rate"),
    ("filament jump_rate 1e7", RATE, 'model = "filament"\nparams = {jump_rate = 1e7}',
     "jump_rate"),
    ("ou_jump jump_rate 1e300", RATE, 'model = "ou_jump"\nparams = {jump_rate = 1e300}',
     "jump_rate"),
    ("n_wires 1e300", "n_wires = 400", "n_wires = 1e300", "network.n_wires"),
    ("seed 1e300", "seed = 1", "seed = 1e300", "seed"),
    ("record_every 1e300", "dt = 1e-3", "dt = 1e-3\nrecord_every = 1e300", "record_every"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_named_hostile_inputs_are_refused_up_front(hostile, tmp_path, case, command):
    _, old, new, word = case
    assert old in BASE
    (tmp_path / "s.toml").write_text(BASE.replace(old, new, 1))
    argv = [command, tmp_path / "s.toml"]
    if command == "run":
        argv += ["-o", tmp_path / "r.h5", "-q"]
    _, line = hostile(argv)
    assert line.startswith("nwn: error: ") and word in line, line
    assert len(line) < 250 and "np.float64" not in line, line
    # refused before the run: no results file was started
    assert not (tmp_path / "r.h5").exists()


def test_the_expected_junction_count_is_buffons():
    """The count the limit is checked against agrees with the junctions really found."""
    from nwn.engine.limits import expected_junctions
    from nwn.geometry import drop_wires, find_junctions

    box, length, n = (200e-6, 200e-6), 7e-6, 3000
    found = np.mean([find_junctions(drop_wires(n, box=box, length=length, rng=seed)).pairs.shape[0]
                     for seed in range(3)])
    # edges cost a few percent (a wire near one has partners on one side only)
    assert found == pytest.approx(expected_junctions(n, length, box), rel=0.08)
    assert expected_junctions(400, 1.0, box) == 400 * 399 / 2  # every pair at most
