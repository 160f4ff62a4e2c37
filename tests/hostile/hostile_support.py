"""The hostile suite: bad values and bad files thrown at the command line, each asserting the
promise of the README: exit 2 for bad input (1 for a fault), exactly one line on stderr, no
traceback, no input file changed, a few seconds at most.

The commands run in this process (``nwn.app.cli.main.main`` with capsys), which keeps the
suite fast; only signal tests need a real process (tests/test_faults.py).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from nwn.app.cli.main import main

#: Wall-clock seconds one hostile input may take to be refused (a hang or an unbounded cost
#: fails).
MAX_SECONDS = 10.0

#: ... and to be done, when it was valid after all (a fit or a short run does real work, slower
#: on a loaded machine).
MAX_SECONDS_ACCEPTED = 30.0

#: The issue's base scenario B, short.
BASE = """\
seed = 1
[network]
box = [50e-6, 50e-6]
n_wires = 400
length = 7e-6
[[electrodes]]
name = "L"
shape = {type = "rectangle", bounds = [0, 0, 5e-6, 50e-6]}
source = {kind = "voltage", waveform = {kind = "dc", value = 1.0}}
[[electrodes]]
name = "R"
shape = {type = "rectangle", bounds = [45e-6, 0, 50e-6, 50e-6]}
source = {kind = "ground"}
[junction]
model = "rate"
[run]
dt = 1e-3
duration = 0.005
"""


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (the inputs a command must leave alone)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_hostile(capsys, argv: list[str], folder: Path, *, codes=(2,)) -> tuple[int, str]:
    """Run ``nwn argv`` and assert the promise; return (exit code, the stderr line or "")."""
    before = digests(folder)
    started = time.monotonic()
    code = main([str(a) for a in argv])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert code in codes, f"exit {code} for {argv}: {err}"
    if code != 0:
        assert len(lines) == 1 and lines[0].startswith("nwn: "), f"{argv}: {err!r}"
    changed = {name for name, value in digests(folder).items() if before.get(name) != value}
    assert not changed & set(before), f"inputs changed: {changed & set(before)}"
    limit = MAX_SECONDS if code != 0 else MAX_SECONDS_ACCEPTED
    assert elapsed < limit, f"{argv} took {elapsed:.1f} s (exit {code})"
    return code, lines[0] if lines else ""
