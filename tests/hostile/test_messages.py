"""The weak messages issue #14 lists, each now one line naming the file or field and what is
allowed (and the inputs it asked to accept, accepted)."""

from __future__ import annotations

import numpy as np
import pytest
from hostile_support import BASE

BINARY = bytes(range(256)) * 4
WIRES = "n_wires = 400\nlength = 7e-6"


def _scenario(tmp_path, text, name="s.toml"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_a_binary_samples_file_is_named(hostile, tmp_path):
    (tmp_path / "w.csv").write_bytes(BINARY)
    path = _scenario(tmp_path, BASE.replace('{kind = "dc", value = 1.0}',
                                            '{kind = "samples", file = "w.csv"}'))
    _, line = hostile(["validate", path])
    assert "waveform.file" in line and "w.csv' is not text" in line and "codec" not in line


def test_a_binary_wire_file_is_named(hostile, tmp_path):
    (tmp_path / "w.csv").write_bytes(BINARY)
    _, line = hostile(["validate", _scenario(tmp_path, BASE.replace(WIRES,
                                                                    'wire_file = "w.csv"'))])
    assert "wire file" in line and "is not text" in line and "codec" not in line


def test_a_wire_file_without_wires_says_so(hostile, tmp_path):
    np.savez(tmp_path / "w.npz", endpoints=np.zeros((0, 2, 2)))
    _, line = hostile(["validate", _scenario(tmp_path, BASE.replace(WIRES,
                                                                    'wire_file = "w.npz"'))])
    assert line.endswith("wire file " + repr(str(tmp_path / "w.npz")) + " holds no wires")


def test_negative_diameters_in_a_wire_file_name_the_file_and_wire(hostile, tmp_path):
    ends = np.random.default_rng(0).uniform(0, 50e-6, (400, 2, 2))
    diameters = np.full(400, 60e-9)
    diameters[7] = -1.0
    np.savez(tmp_path / "w.npz", endpoints=ends, diameters=diameters)
    _, line = hostile(["validate", _scenario(tmp_path, BASE.replace(WIRES,
                                                                    'wire_file = "w.npz"'))])
    assert "w.npz" in line and "wire 7 has -1" in line


def test_a_byte_order_mark_is_accepted(hostile, tmp_path):
    (tmp_path / "s.toml").write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    hostile(["validate", tmp_path / "s.toml"], codes=(0,))
    hostile(["run", tmp_path / "s.toml", "-o", tmp_path / "r.h5", "-q"], codes=(0,))


def test_no_electrodes_says_none_were_given(hostile, tmp_path):
    head, tail = BASE.split("[[electrodes]]", 1)
    text = "electrodes = []\n" + head + "[junction]" + tail.split("[junction]", 1)[1]
    _, line = hostile(["validate", _scenario(tmp_path, text)])
    assert "electrodes: none given" in line and "floating" not in line


def test_a_folder_as_results_is_called_a_folder(hostile, tmp_path):
    (tmp_path / "d.h5").mkdir()
    _, line = hostile(["plot", tmp_path / "d.h5", "-o", tmp_path / "p.png"])
    assert "is a folder" in line and "does not exist" not in line


@pytest.mark.parametrize("seed", ["-5", "100000000000000000000000"])
def test_validate_and_run_refuse_the_same_seed_in_the_same_words(hostile, tmp_path, seed):
    path = _scenario(tmp_path, BASE)
    _, checked = hostile(["validate", path, "--seed", seed])
    _, ran = hostile(["run", path, "--seed", seed, "-o", tmp_path / "r.h5", "-q"])
    assert checked == ran and "--seed" in checked, (checked, ran)
    assert len(checked) < 120


@pytest.mark.parametrize("text", [b"0,0;1,0;1,0e-3\n0,1;1,0;2,0e-3\n",
                                  b"t V I\n0,0 1,0 1,0e-3\n0,1 1,0 2,0e-3\n"])
def test_decimal_commas_in_a_trace_are_named(hostile, tmp_path, text):
    (tmp_path / "trace.txt").write_bytes(text)
    _, line = hostile(["fit", tmp_path / "trace.txt", "-o", tmp_path / "fit", "--no-figures"])
    assert "decimal commas" in line and "columns entry" not in line


# -- fits that the trace cannot determine -----------------------------------------------------


def _trace_file(tmp_path, t, volts, current):
    rows = "\n".join(f"{a:.9g} {b:.9g} {c:.9g}" for a, b, c in zip(t, volts, current,
                                                                      strict=True))
    (tmp_path / "trace.txt").write_text("t V I\n" + rows + "\n")
    return tmp_path / "trace.txt"


def _fit(hostile, path, tmp_path):
    return hostile(["fit", path, "-o", tmp_path / "fit", "--no-figures"])[1]


def test_a_flat_trace_is_refused(hostile, tmp_path):
    t = np.arange(200) * 0.1
    line = _fit(hostile, _trace_file(tmp_path, t, np.full(200, 2.0), np.full(200, 2e-3)),
                tmp_path)
    assert "too flat" in line and "varies by 0" in line


def test_a_short_trace_is_refused(hostile, tmp_path):
    line = _fit(hostile, _trace_file(tmp_path, [0.0, 0.1, 0.2], [2.0, 2.0, 2.0],
                                     [1e-3, 2e-3, 3e-3]), tmp_path)
    assert "3 rows, too few to fit 7 parameters (needs at least 21)" in line


def test_swapped_voltage_and_current_columns_are_refused_with_a_hint(hostile, tmp_path):
    t = np.arange(200) * 0.1
    g = 1e-3 * (1.0 + np.tanh(t - 10.0) + 1.5)
    volts = np.full(200, 2.0)
    # the current written under V and the voltage under I
    line = _fit(hostile, _trace_file(tmp_path, t, g * volts, volts), tmp_path)
    assert "swapped" in line and "--columns" in line


def test_parameters_the_trace_does_not_determine_are_flagged():
    from types import SimpleNamespace

    from nwn.engine.analysis.fit import unidentified

    fit = SimpleNamespace(free=("kp0", "eta_p", "g0"),
                          parameters={"kp0": 2.95e-5, "eta_p": 0.375, "g0": 1e-3},
                          uncertainties={"kp0": 1.4e-8, "eta_p": 4.5e3, "g0": float("nan")})
    assert unidentified(fit) == ("eta_p", "g0")


def test_junctions_of_another_wire_set_are_refused():
    from shapely.geometry import box

    from nwn.geometry import drop_wires, find_junctions
    from nwn.geometry.checks import InputError
    from nwn.geometry.circuit import build_network
    from nwn.geometry.electrodes import Electrode

    electrodes = [Electrode("L", box(0, 0, 5e-6, 50e-6)), Electrode("R", box(45e-6, 0, 50e-6,
                                                                             50e-6))]
    wires = drop_wires(400, box=(50e-6, 50e-6), length=7e-6, rng=1)
    other = drop_wires(400, box=(50e-6, 50e-6), length=7e-6, rng=2)
    build_network(wires, find_junctions(wires), electrodes)  # its own: fine
    with pytest.raises(InputError, match="another wire set"):
        build_network(wires, find_junctions(other), electrodes)


# -- text inputs of fit and reservoir score: binary, NUL bytes, a folder, a byte-order mark ----

TEXT_INPUTS = {
    "trace": (["fit", "{path}", "-o", "{folder}/fit", "--no-figures"], "trace file"),
    "recording": (["reservoir", "score", "{path}", "--task", "memory-capacity",
                   "--input-pad", "1"], "recording"),
}


def _text_input(hostile, tmp_path, reader, path):
    argv, what = TEXT_INPUTS[reader]
    _, line = hostile([a.format(path=path, folder=tmp_path) for a in argv])
    return line, what


@pytest.mark.parametrize("reader", list(TEXT_INPUTS))
@pytest.mark.parametrize("content,why", [(BINARY, "byte 128 is not UTF-8"),
                                         (b"\x00" * 3000, "it holds NUL bytes"),
                                         (b"t I V\n0 1e-3 1\x00\n", "it holds NUL bytes")],
                         ids=["binary", "zeros", "a-nul-byte"])
def test_a_binary_text_input_is_named_as_not_text(hostile, tmp_path, reader, content, why):
    (tmp_path / "in.txt").write_bytes(content)
    line, what = _text_input(hostile, tmp_path, reader, tmp_path / "in.txt")
    assert f"{what} {str(tmp_path / 'in.txt')!r} is not text" in line and why in line, line
    assert "codec" not in line and "columns entry" not in line and "\\x00" not in line, line


@pytest.mark.parametrize("reader", list(TEXT_INPUTS))
def test_a_folder_as_a_text_input_is_called_a_folder(hostile, tmp_path, reader):
    (tmp_path / "in.txt").mkdir()
    line, what = _text_input(hostile, tmp_path, reader, tmp_path / "in.txt")
    assert line.endswith(f"{what} {str(tmp_path / 'in.txt')!r} is a folder, not a file"), line


def test_a_byte_order_mark_in_a_trace_is_accepted(hostile, tmp_path):
    t = np.linspace(0.0, 1.0, 400)
    volts = 0.6 + 0.5 * np.sin(2 * np.pi * t)
    current = volts * 1e-3 * (1 + 0.5 * np.sin(3 * t))
    rows = "\n".join(f"{a:.9g} {b:.9g} {c:.9g}" for a, b, c in zip(t, current, volts,
                                                                      strict=True))
    (tmp_path / "trace.txt").write_bytes(b"\xef\xbb\xbf" + f"t I V\n{rows}\n".encode())
    hostile(["fit", tmp_path / "trace.txt", "-o", tmp_path / "fit", "--no-figures",
             "--no-stochastic"], codes=(0,))
    assert (tmp_path / "fit" / "fit.json").is_file()


@pytest.mark.parametrize("option,value,expected", [
    ("--voltages", "4,1e300", "--voltages[1] must be 0 or between 1e-12 and 1e+06 V in "
                              "magnitude (got 1e+300 V)"),
    ("--voltages", "1e-20", "--voltages[0] must be 0 or between"),
    ("--read", "1e300", "--read must be 0 or between 1e-12 and 1e+06 V"),
])
def test_bridge_levels_name_the_option(hostile, tmp_path, option, value, expected):
    # (they were named after the holds' waveform: source.waveform.segments[0].value)
    _, line = hostile(["bridge", _scenario(tmp_path, BASE), option, value, "--serial", "-o",
                       tmp_path / "bridge", "-q"])
    assert line.startswith(f"nwn: error: {expected}"), line
