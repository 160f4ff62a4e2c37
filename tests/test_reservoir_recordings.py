"""INRiM / RCbench recording format: reading the measured file, round trip, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from rc_reservoirs import MEASURED

from nwn.engine.reservoir import read_recording, score_recording, write_recording
from nwn.engine.reservoir.scoring import default_ground_pads, recording_features
from nwn.geometry.checks import InputError


def test_measured_recording_layout():
    recording = read_recording(MEASURED)
    assert recording.pads == tuple(str(p) for p in range(8, 24))
    assert recording.n_samples == 3000
    assert recording.voltage.shape == recording.current.shape == (16, 3000)
    # 600 s, one sample every ~0.2035 s; the input pad 8 holds values in [2.2, 2.8] V
    assert recording.time[-1] == pytest.approx(600.0, abs=0.1)
    u = recording.voltage_of("8")
    assert 2.19 < u.min() < 2.25 and 2.75 < u.max() < 2.81
    # only the driven pads (input 8, ground 17) have a current
    assert default_ground_pads(recording, "8") == ["17"]
    u, features, names = recording_features(recording, "8")
    assert features.shape == (14, 3000) and "8" not in names and "17" not in names


def test_round_trip_is_exact(tmp_path):
    recording = read_recording(MEASURED)
    path = write_recording(tmp_path / "copy.txt", recording.time, recording.pads,
                           recording.voltage, recording.current)
    again = read_recording(path)
    assert again.pads == recording.pads
    np.testing.assert_array_equal(again.time, recording.time)
    np.testing.assert_array_equal(again.voltage, recording.voltage)  # NaN == NaN here
    np.testing.assert_array_equal(again.current, recording.current)
    header = path.read_text().splitlines()[0]
    assert header.startswith("Time[s] 8_V[V] 8_I[A] 9_V[V] 9_I[A]")
    assert not list(tmp_path.glob("*.partial"))


def _write(tmp_path, text):
    path = tmp_path / "rec.txt"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("t 1_V[V] 2_V[V]\n0 1 0\n", "header starts with 't'"),
    ("Time[s] 1_V[V] 2_Volt\n0 1 0\n", "header column 3 is '2_Volt'"),
    ("Time[s] 1_V[V] 1_V[V]\n0 1 0\n", "appears twice"),
    ("Time[s]\n0\n", "no pad columns"),
    ("Time[s] 1_V[V] 2_V[V]\n0 1 0\n0.1 1\n", "line 3 has 2 fields"),
    ("Time[s] 1_V[V] 2_V[V]\n0 1 0\n0.1 1 x\n", "line 3 holds 'x'"),
    ("Time[s] 1_V[V] 2_V[V]\n0 1 0\n0.2 1 0\n0.1 1 0\n", "time is not increasing at line 4"),
    ("Time[s] 1_V[V] 2_V[V]\n0 1 0\nnan 1 0\n", "line 3 has time nan"),
    ("Time[s] 1_V[V] 2_V[V]\n", "no samples"),
    ("", "first line must be the header"),
])
def test_bad_files_are_refused_in_one_line(tmp_path, text, message):
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")) \
            as error:
        read_recording(_write(tmp_path, text))
    assert "\n" not in str(error.value)


def test_unmeasured_columns_are_refused_where_needed(tmp_path):
    rows = "\n".join(f"{0.2 * k} {np.sin(k)} 1e-4 nan nan {np.cos(k)} nan 0.0 -1e-4"
                     for k in range(200))
    path = _write(tmp_path, "Time[s] 1_V[V] 1_I[A] 2_V[V] 2_I[A] 3_V[V] 3_I[A] 4_V[V] 4_I[A]\n"
                  + rows + "\n")
    recording = read_recording(path)
    # pad 2 was never measured: not a feature (as RCbench drops all-NaN columns)
    u, features, names = recording_features(recording, "1")
    assert names == ("3",) and default_ground_pads(recording, "1") == ["4"]
    with pytest.raises(InputError, match="input pad '2'.*nan on every line"):
        recording_features(recording, "2", ["4"])
    with pytest.raises(InputError, match="pad '9' is not in the recording"):
        score_recording(recording, "memory-capacity", "9")
    with pytest.raises(InputError, match="both the input and a ground"):
        recording_features(recording, "1", ["1"])
    with pytest.raises(InputError, match="no feature pads"):
        recording_features(recording, "1", ["3", "4"])
    text = path.read_text().splitlines()
    text[5] = text[5].replace(f"{np.cos(4)}", "nan")
    partial = _write(tmp_path, "\n".join(text) + "\n")
    with pytest.raises(InputError, match="feature pad '3'.*nan on 1 of 200 samples"):
        recording_features(read_recording(partial), "1")


def test_writer_refuses_bad_shapes(tmp_path):
    with pytest.raises(InputError, match="shape"):
        write_recording(tmp_path / "x.txt", [0.0, 1.0], ["1"], np.zeros((2, 2)),
                        np.zeros((1, 2)))
    with pytest.raises(InputError, match="time is not increasing"):
        write_recording(tmp_path / "x.txt", [1.0, 0.0], ["1"], np.zeros((1, 2)),
                        np.zeros((1, 2)))
    assert not (tmp_path / "x.txt").exists()
