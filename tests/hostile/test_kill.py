"""SIGKILL, which no program can catch: whenever it lands, the results file under the name the
user gave is one that opens (its header, scenario and geometry first, then every flushed row),
never a damaged one."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import h5py
import pytest
from hostile_support import BASE

from nwn.engine.output_files import is_partial_file
from nwn.engine.results import GEOMETRY

LONG = BASE.replace("duration = 0.005", "duration = 60.0")


@pytest.mark.parametrize("after", [0.0, 0.01])
def test_a_run_killed_as_its_file_appears_leaves_a_file_that_opens(tmp_path, after):
    # HDF5 takes tens of ms to write the header and geometry: a kill then left a file that
    # h5py refused ("truncated file", "bad object header version number").
    (tmp_path / "s.toml").write_text(LONG)
    process = subprocess.Popen([sys.executable, "-m", "nwn.app.cli", "run", "s.toml", "-o",
                                "r.h5", "-q"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120.0
        while not (tmp_path / "r.h5").exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.001)
        time.sleep(after)
    finally:
        process.kill()
        process.wait(timeout=60)
    with h5py.File(tmp_path / "r.h5", "r") as file:
        assert not bool(file.attrs["complete"]) and "n_wires = 400" in file.attrs["scenario"]
        assert all(f"geometry/{name}" in file for name, (_, _, required) in GEOMETRY.items()
                   if required)
        assert file["t"].shape == file["network/conductance"].shape
    # the hidden name it was made under is gone (it became r.h5)
    assert not [p for p in os.listdir(tmp_path) if is_partial_file(p)], os.listdir(tmp_path)
