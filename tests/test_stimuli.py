"""Stimulus waveforms against hand-computed values; bad specs refused with key paths."""

import numpy as np
import pytest

from nwn.engine.stimuli import STIMULUS_KINDS, make_stimulus
from nwn.geometry.checks import InputError


def test_dc_scalar_and_array():
    s = make_stimulus({"kind": "dc", "value": 2.5})
    assert s.at(3.0) == 2.5 and isinstance(s.at(3.0), float)
    np.testing.assert_array_equal(s.at(np.zeros((2, 3))), np.full((2, 3), 2.5))
    assert s.breakpoints(0, 10).size == 0


def test_pulse_train_values_edges_and_count():
    s = make_stimulus({"kind": "pulse", "amplitude": 2.0, "width": 0.1, "period": 0.25,
                       "count": 2, "delay": 0.05, "base": 0.01})
    t = np.array([0.0, 0.049, 0.05, 0.1, 0.1499, 0.15, 0.2, 0.3, 0.35, 0.399, 0.4, 0.55, 0.6])
    on, off = 2.01, 0.01
    expected = [off, off, on, on, on, off, off, on, on, on, off, off, off]
    np.testing.assert_allclose(s.at(t), expected)
    # samples taken as k * dt land on the later side of nominal edges despite rounding
    dt = 1e-3
    times = np.arange(700) * dt
    values = s.at(times)
    assert np.count_nonzero(values == on) == 200  # 2 pulses x 100 steps of 1 ms
    np.testing.assert_allclose(s.breakpoints(0.0, 1.0), [0.05, 0.15, 0.3, 0.4, 0.55])


def test_unlimited_pulse_train():
    s = make_stimulus({"kind": "pulse", "amplitude": 1.0, "width": 0.5, "period": 1.0})
    assert s.at(1e6 + 0.25) == 1.0 and s.at(1e6 + 0.75) == 0.0


def test_square_wave_bipolar_with_duty_and_frequency():
    s = make_stimulus({"kind": "square", "amplitude": 1.5, "frequency": 2.0, "duty": 0.25,
                       "offset": 0.5})
    t = np.array([0.0, 0.1, 0.125, 0.3, 0.5, 0.6])
    np.testing.assert_allclose(s.at(t), [2.0, 2.0, -1.0, -1.0, 2.0, 2.0])


def test_triangle_iv_sweep_shape_and_count():
    s = make_stimulus({"kind": "triangle", "amplitude": 2.0, "period": 4.0, "count": 1,
                       "offset": 0.1})
    t = np.array([0.0, 0.5, 1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0])
    np.testing.assert_allclose(s.at(t), [0.1, 1.1, 2.1, 0.1, -0.9, -1.9, -0.9, 0.1, 0.1],
                               atol=1e-12)
    np.testing.assert_allclose(s.breakpoints(0.0, 10.0), [0.0, 1.0, 3.0, 4.0])


def test_sine_with_phase_delay_and_count():
    s = make_stimulus({"kind": "sine", "amplitude": 3.0, "period": 2.0, "phase": np.pi / 2,
                       "delay": 1.0, "count": 2, "offset": -1.0})
    t = np.array([0.5, 1.0, 1.5, 2.0, 4.99, 5.5])
    expected = [-1.0, 2.0, -1.0, -4.0, -1.0 + 3 * np.cos(np.pi * 3.99), -1.0]
    np.testing.assert_allclose(s.at(t), expected, atol=1e-12)


def test_ramp():
    s = make_stimulus({"kind": "ramp", "start": 1.0, "stop": -3.0, "ramp_time": 2.0,
                       "delay": 1.0})
    np.testing.assert_allclose(s.at([0.0, 1.0, 1.5, 3.0, 9.0]), [1.0, 1.0, 0.0, -3.0, -3.0])
    np.testing.assert_allclose(s.breakpoints(0, 10), [1.0, 3.0])


def test_sequence_pulse_then_read_with_local_time():
    s = make_stimulus({"kind": "sequence", "segments": [
        {"kind": "dc", "value": 0.01, "duration": 1.0},
        {"kind": "ramp", "start": 0.0, "stop": 2.0, "ramp_time": 0.5, "duration": 2.0},
        {"kind": "dc", "value": 0.01},
    ]})
    t = np.array([0.0, 0.999, 1.0, 1.25, 2.0, 2.999, 3.0, 1e4])
    np.testing.assert_allclose(s.at(t), [0.01, 0.01, 0.0, 1.0, 2.0, 2.0, 0.01, 0.01])
    assert s.total_duration == np.inf
    np.testing.assert_allclose(s.breakpoints(0, 5), [0.0, 1.0, 1.5, 3.0])
    # samples at k * dt switch segments exactly at the nominal boundary
    times = np.arange(4000) * 1e-3
    assert np.count_nonzero(s.at(times[:1000]) != 0.01) == 0
    assert s.at(times[1000]) == 0.0


def test_sequence_repeat_then_off():
    s = make_stimulus({"kind": "sequence", "repeat": 3, "segments": [
        {"kind": "dc", "value": 1.0, "duration": 0.2},
        {"kind": "dc", "value": -1.0, "duration": 0.3},
    ]})
    t = np.array([0.1, 0.3, 0.6, 0.8, 1.1, 1.3, 1.49, 1.5, 7.0])
    np.testing.assert_allclose(s.at(t), [1, -1, 1, -1, 1, -1, -1, 0, 0])
    assert s.total_duration == pytest.approx(1.5)


def test_samples_inline_linear_and_previous():
    lin = make_stimulus({"kind": "samples", "times": [0.0, 1.0, 3.0], "values": [0.0, 2.0, -2.0]})
    np.testing.assert_allclose(lin.at([-1.0, 0.5, 2.0, 3.0, 5.0]), [0.0, 1.0, 0.0, -2.0, -2.0])
    hold = make_stimulus({"kind": "samples", "times": [0.0, 1.0, 3.0],
                          "values": [0.0, 2.0, -2.0], "interpolation": "previous"})
    np.testing.assert_allclose(hold.at([-1.0, 0.5, 1.0, 2.9, 3.0, 5.0]),
                               [0.0, 0.0, 2.0, 2.0, -2.0, -2.0])


def test_samples_from_csv_relative_to_base_dir(tmp_path):
    (tmp_path / "drive.csv").write_text("# measured\nt,V\n0,0\n0.5,1.0\n1.5,3.0\n")
    s = make_stimulus({"kind": "samples", "file": "drive.csv"}, base_dir=tmp_path)
    np.testing.assert_allclose(s.at([0.25, 1.0, 2.0]), [0.5, 2.0, 3.0])
    assert s.to_spec() == {"kind": "samples", "interpolation": "linear", "file": "drive.csv"}
    (tmp_path / "tabs.txt").write_text("0\t1\n1\t2\n")
    tabbed = make_stimulus({"kind": "samples", "file": "tabs.txt"}, base_dir=tmp_path)
    assert tabbed.at(0.5) == 1.5


@pytest.mark.parametrize("spec", [
    {"kind": "dc", "value": -0.3},
    {"kind": "pulse", "amplitude": 2.0, "width": 0.1, "period": 0.2, "count": 5, "delay": 0.1},
    {"kind": "square", "amplitude": 1.0, "period": 0.5, "duty": 0.3},
    {"kind": "triangle", "amplitude": 1.0, "period": 2.0, "count": 3},
    {"kind": "sine", "amplitude": 1.0, "frequency": 5.0},
    {"kind": "ramp", "start": 0.0, "stop": 1.0, "ramp_time": 3.0},
    {"kind": "sequence", "segments": [{"kind": "dc", "value": 1.0, "duration": 1.0},
                                      {"kind": "sine", "amplitude": 1.0, "period": 1.0}]},
    {"kind": "samples", "times": [0.0, 1.0], "values": [1.0, 2.0]},
])
def test_to_spec_round_trips(spec):
    s = make_stimulus(spec)
    again = make_stimulus(s.to_spec())
    t = np.linspace(-0.5, 7.0, 301)
    np.testing.assert_array_equal(s.at(t), again.at(t))


@pytest.mark.parametrize(("spec", "pattern"), [
    ({"value": 1.0}, r"source\.waveform\.kind must be one of"),
    ({"kind": "sawtooth"}, r"source\.waveform\.kind must be one of"),
    ({"kind": "dc"}, r"source\.waveform\.value is required"),
    ({"kind": "dc", "value": 1.0, "amplitude": 2.0}, r"source\.waveform\.amplitude is not a"),
    ({"kind": "dc", "value": "high"}, r"source\.waveform\.value must be a number"),
    ({"kind": "pulse", "amplitude": 1.0, "width": -0.1, "period": 1.0},
     r"source\.waveform\.width must be > 0"),
    ({"kind": "pulse", "amplitude": 1.0, "width": 2.0, "period": 1.0},
     r"source\.waveform\.width must be <= period"),
    ({"kind": "pulse", "amplitude": 1.0, "width": 0.1, "period": 1.0, "count": 0},
     r"source\.waveform\.count must be >= 1"),
    ({"kind": "pulse", "amplitude": 1.0, "width": 0.1, "period": 1.0, "delay": -1},
     r"source\.waveform\.delay must be >= 0"),
    ({"kind": "sine", "amplitude": 1.0}, r"exactly one of 'period' or 'frequency'"),
    ({"kind": "sine", "amplitude": 1.0, "period": 1.0, "frequency": 1.0}, r"exactly one of"),
    ({"kind": "square", "amplitude": 1.0, "period": 1.0, "duty": 1.0},
     r"source\.waveform\.duty must be in \(0, 1\)"),
    ({"kind": "ramp", "start": 0, "stop": 1, "ramp_time": 0}, r"ramp_time must be > 0"),
    ({"kind": "sequence", "segments": []}, r"source\.waveform\.segments must be a non-empty"),
    ({"kind": "sequence", "segments": [{"kind": "dc", "value": 1}, {"kind": "dc", "value": 2}]},
     r"source\.waveform\.segments\[0\]\.duration is required"),
    ({"kind": "sequence", "segments": [{"kind": "dc", "value": 1, "duration": 1},
                                       {"kind": "pulse", "amplitude": 1}]},
     r"source\.waveform\.segments\[1\]\.period is required"),
    ({"kind": "sequence", "repeat": 2, "segments": [{"kind": "dc", "value": 1}]},
     r"source\.waveform\.repeat needs a duration"),
    ({"kind": "samples", "times": [0, 1], "values": [1]}, r"values must have as many"),
    ({"kind": "samples", "times": [0, 0], "values": [1, 2]}, r"strictly increasing"),
    ({"kind": "samples"}, r"needs either 'file' or both"),
    ({"kind": "samples", "file": "no_such_file.csv"}, r"source\.waveform\.file: cannot read"),
    ({"kind": "samples", "times": [0, 1], "values": [1, 2], "interpolation": "cubic"},
     r"interpolation must be one of"),
])
def test_bad_specs_name_the_field(spec, pattern):
    with pytest.raises(InputError, match=pattern):
        make_stimulus(spec)


def test_bad_csv_rows_refused(tmp_path):
    (tmp_path / "bad.csv").write_text("t,V\n0,1\n1,oops\n")
    with pytest.raises(InputError, match=r"source\.waveform\.file: line 3 of bad\.csv"):
        make_stimulus({"kind": "samples", "file": str(tmp_path / "bad.csv")})


def test_every_kind_is_documented():
    import nwn.engine.stimuli as module

    for kind in STIMULUS_KINDS:
        assert f"\n{kind}" in module.__doc__


def test_waveform_fields_carry_the_scenario_keys_names():
    specs = [{"kind": "dc", "value": 2.5},
             {"kind": "pulse", "amplitude": 2.0, "width": 0.1, "period": 0.3, "count": 2,
              "delay": 0.05, "base": 0.01},
             {"kind": "square", "amplitude": 1.0, "period": 0.2, "duty": 0.3, "offset": 0.1},
             {"kind": "sine", "amplitude": 1.0, "period": 0.2, "phase": 0.5},
             {"kind": "ramp", "start": 0.0, "stop": 1.0, "ramp_time": 2.0, "delay": 0.5}]
    for spec in specs:
        stimulus = make_stimulus(spec)
        for key, value in spec.items():
            assert getattr(stimulus, key) == value, (spec["kind"], key)
        assert stimulus.to_spec() == {k: getattr(stimulus, k) for k in stimulus.to_spec()}
