"""Bad files for every reader: scenarios, wire files, waveform samples, results files, traces
and recordings. Each command refuses them with one line (exit 2), leaves them unchanged and
answers within seconds."""

from __future__ import annotations

import shutil

import h5py
import pytest
from hostile_support import BASE

from nwn.app.cli.main import main

BINARY = bytes(range(256)) * 8


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A scenario and its results, made once (copied into each test's folder)."""
    folder = tmp_path_factory.mktemp("good")
    (folder / "s.toml").write_text(BASE)
    assert main(["run", str(folder / "s.toml"), "-o", str(folder / "r.h5"), "-q"]) == 0
    return folder


def results_copy(good, folder, name="bad.h5"):
    target = folder / name
    shutil.copy(good / "r.h5", target)
    return target


# -- scenario files ---------------------------------------------------------------------------

SCENARIOS = {
    "empty": b"",
    "binary": BINARY,
    "truncated": BASE.encode()[:150],
    "not toml": b"this is not = = toml\n",
    "utf-16": BASE.encode("utf-16"),
    "no electrodes": BASE.split("[[electrodes]]")[0].encode() + b"[run]\ndt = 1e-3\n",
}


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_scenario_files(hostile, tmp_path, name, command):
    (tmp_path / "s.toml").write_bytes(SCENARIOS[name])
    argv = [command, tmp_path / "s.toml"] + (["-o", tmp_path / "r.h5", "-q"]
                                             if command == "run" else [])
    hostile(argv)


def test_a_folder_as_scenario(hostile, tmp_path):
    (tmp_path / "d").mkdir()
    hostile(["validate", tmp_path / "d"])


# -- files a scenario names -------------------------------------------------------------------

WIRE_FILES = {"empty.npz": b"", "corrupt.npz": b"PK\x03\x04" + BINARY, "binary.csv": BINARY,
              "empty.csv": b""}


@pytest.mark.parametrize("name", list(WIRE_FILES))
def test_bad_wire_files(hostile, tmp_path, name):
    (tmp_path / name).write_bytes(WIRE_FILES[name])
    text = BASE.replace("n_wires = 400\nlength = 7e-6", f'wire_file = "{name}"')
    (tmp_path / "s.toml").write_text(text)
    hostile(["validate", tmp_path / "s.toml"])


SAMPLES = {"binary": BINARY, "empty": b"", "one column": b"0\n1\n2\n",
           "words": b"t,v\nzero,one\n"}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_bad_samples_files(hostile, tmp_path, name):
    (tmp_path / "w.csv").write_bytes(SAMPLES[name])
    text = BASE.replace('{kind = "dc", value = 1.0}', '{kind = "samples", file = "w.csv"}')
    (tmp_path / "s.toml").write_text(text)
    hostile(["validate", tmp_path / "s.toml"])


# -- results files ----------------------------------------------------------------------------


def _damaged_header(path):
    data = bytearray(path.read_bytes())
    data[0:8] = b"\0" * 8  # the HDF5 signature
    path.write_bytes(bytes(data))


def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _without(dataset):
    def damage(path):
        with h5py.File(path, "r+") as file:
            del file[dataset]
    return damage


def _bad_wkt(path):
    from nwn.engine.results import ELECTRODE_SHAPES

    with h5py.File(path, "r+") as file:
        group = file[ELECTRODE_SHAPES]
        assert list(group.attrs) == ["L", "R"]
        group.attrs["R"] = "POLYGON ((0 0, 1"  # a GEOSException before


RESULTS = {
    "empty": lambda p: p.write_bytes(b""),
    "binary": lambda p: p.write_bytes(BINARY),
    "text": lambda p: p.write_text(BASE),
    "damaged header": _damaged_header,
    "truncated": _truncated,
    "no network conductance": _without("network/conductance"),
    "no junction conductance": _without("junctions/conductance"),
    "no t": _without("t"),
    "no geometry": _without("geometry"),
    "bad electrode wkt": _bad_wkt,
}

READERS = {
    "plot": lambda f, p: ["plot", p, "-o", f / "p.png", "--csv", f / "p.csv"],
    "movie": lambda f, p: ["movie", p, "-o", f / "m.gif", "-q"],
    "fit": lambda f, p: ["fit", p, "-o", f / "fit", "--no-figures"],
    "export": lambda f, p: ["export", p, "--graphml", f / "g.graphml"],
}


#: Readers that need only the traces: a file without junction rows or geometry is fine.
TRACES_ONLY = {"plot", "fit"}

#: What a refusal of a file without a dataset names.
LACKS = {"no network conductance": "/network/conductance",
         "no junction conductance": "/junctions/conductance", "no t": "/t",
         "no geometry": "/geometry"}


@pytest.mark.parametrize("damage", list(RESULTS))
@pytest.mark.parametrize("reader", list(READERS))
def test_bad_results_files(hostile, good, tmp_path, damage, reader):
    path = results_copy(good, tmp_path)
    RESULTS[damage](path)
    optional = reader in TRACES_ONLY and damage in ("no junction conductance", "no geometry",
                                                    "bad electrode wkt")
    _, line = hostile(READERS[reader](tmp_path, path), codes=(0, 2) if optional else (2,))
    if damage in LACKS and not optional:
        # names the file and what it lacks
        assert str(path) in line and LACKS[damage] in line, line
    if damage == "bad electrode wkt" and not optional:
        # names the file and the dataset holding the outline
        assert str(path) in line and "/geometry/electrodes attribute 'R'" in line, line


def test_a_folder_as_results(hostile, tmp_path):
    (tmp_path / "d.h5").mkdir()
    hostile(["plot", tmp_path / "d.h5", "-o", tmp_path / "p.png"])


# -- traces and recordings --------------------------------------------------------------------

TRACES = {"binary": BINARY, "empty": b"", "comma decimals": b"0,0;1,0\n0,1;1,0\n",
          "one row": b"0 1e-3 1\n", "words": b"t I V\na b c\n"}


@pytest.mark.parametrize("name", list(TRACES))
def test_bad_traces_for_fit(hostile, tmp_path, name):
    (tmp_path / "trace.txt").write_bytes(TRACES[name])
    hostile(["fit", tmp_path / "trace.txt", "-o", tmp_path / "fit", "--no-figures"])


@pytest.mark.parametrize("name", ["binary", "empty", "words"])
def test_bad_recordings_for_reservoir(hostile, tmp_path, name):
    (tmp_path / "rec.txt").write_bytes(TRACES[name])
    hostile(["reservoir", "score", tmp_path / "rec.txt", "--task", "memory-capacity",
             "--input-pad", "1"])
