"""Fixtures of the hostile suite (the helpers are in hostile_support.py)."""

from __future__ import annotations

import importlib

import pytest
from hostile_support import run_hostile

#: Modules the commands import on first use (numba kernels, scipy, h5py): imported once before
#: the suite, so that the time a hostile input is allowed measures the command, not a cold
#: import on a loaded machine.
WARM = ("nwn.engine.build", "nwn.engine.recording", "nwn.engine.results",
        "nwn.engine.analysis.fit", "nwn.engine.analysis.residuals",
        "nwn.engine.analysis.traces", "nwn.app.cli.main")


@pytest.fixture(scope="session", autouse=True)
def _warm_imports():
    for name in WARM:
        importlib.import_module(name)


@pytest.fixture
def hostile(capsys, tmp_path):
    """``hostile(argv, codes=(2,))``: :func:`run_hostile` in this test's folder."""
    def run(argv, *, codes=(2,)):
        return run_hostile(capsys, argv, tmp_path, codes=codes)
    return run
