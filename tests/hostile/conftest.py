"""Fixtures of the hostile suite (the helpers are in hostile_support.py)."""

from __future__ import annotations

import pytest
from hostile_support import run_hostile


@pytest.fixture
def hostile(capsys, tmp_path):
    """``hostile(argv, codes=(2,))``: :func:`run_hostile` in this test's folder."""
    def run(argv, *, codes=(2,)):
        return run_hostile(capsys, argv, tmp_path, codes=codes)
    return run
