"""Start-up of a one-step ``nwn run`` against the interpreter and library floors, same run.

Each repetition runs, as fresh processes and interleaved (so that load from other jobs falls
on all of them alike):

- ``python -c pass``: the interpreter;
- ``python -c "import numpy"``;
- the *library floor*: importing numpy, numba, scipy.sparse.csgraph, h5py and shapely and
  calling one cached numba kernel (numba's first call initialises its compiler target, which
  every run pays once); no ``nwn`` code;
- the same floor leaving by ``os._exit`` after flushing, as ``nwn`` itself does once its
  command is over (:mod:`nwn.app.cli.shutdown`): without the interpreter's teardown, which
  for these libraries takes 0.1-0.2 s. ``nwn``'s own share is measured against this one;
- ``nwn run PRESET --duration DT -o FILE --force -q``: one time step of a small preset
  (deposition, junctions, network, solver set-up, one step, the HDF5 file written).

Printed: the range and median of each over the repetitions, and the ``nwn run`` time as a
ratio to each baseline (the median of the per-repetition ratios) and minus the floor without
teardown (what ``nwn`` itself adds, like for like). The first repetition is discarded (it
warms the numba cache and the file cache); the figures are warm.

Usage::

    python benchmarks/bench_startup.py [--repeats 7] [--preset two_terminal_pulse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_FLOOR = """
import numpy as np, numba, scipy.sparse, scipy.sparse.csgraph, h5py, shapely
@numba.njit(cache=True)
def _total(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s
_total(np.ones(3))
"""

# The floor, ended as nwn ends a command: flushed, then os._exit (no interpreter teardown).
_FLOOR_NO_TEARDOWN = _FLOOR + """
import atexit, os, sys
sys.stdout.flush()
atexit._run_exitfuncs()
os._exit(0)
"""


def wall(command: list[str], env: dict, cwd: str) -> float:
    """Wall time (s) of one process; raises if it fails."""
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--preset", default="two_terminal_pulse")
    parser.add_argument("--dt", type=float, default=5e-3,
                        help="run.duration for the one step (the preset's dt)")
    args = parser.parse_args()
    env = dict(os.environ)
    # Warm means every cache in place, the interpreter's bytecode (.pyc) included: an
    # environment that forbids writing it recompiles every module of nwn at each start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as folder:
        floor_file = Path(folder) / "floor.py"
        floor_file.write_text(_FLOOR)  # a file, so that numba can cache the kernel
        quick_file = Path(folder) / "floor_no_teardown.py"
        quick_file.write_text(_FLOOR_NO_TEARDOWN)
        output = str(Path(folder) / "one_step.h5")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import numpy": [sys.executable, "-c", "import numpy"],
            "library floor": [sys.executable, str(floor_file)],
            "floor, no teardown": [sys.executable, str(quick_file)],
            "nwn run, 1 step": [sys.executable, "-m", "nwn.app.cli", "run", args.preset,
                                "--duration", repr(args.dt), "-o", output, "--force", "-q"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for repetition in range(args.repeats + 1):
            for name, command in commands.items():
                seconds = wall(command, env, folder)
                if repetition:  # the first round compiles/caches: not warm
                    times[name].append(seconds)
    try:
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    except OSError:
        pass
    print(f"warm start-up over {args.repeats} repetitions, interleaved ({args.preset}):")
    run = times["nwn run, 1 step"]
    for name, values in times.items():
        line = (f"  {name:18s} {min(values):6.3f}-{max(values):6.3f} s  "
                f"median {statistics.median(values):6.3f} s")
        if name != "nwn run, 1 step":
            ratios = [r / v for r, v in zip(run, values, strict=True)]
            line += f"   nwn run / this: {statistics.median(ratios):5.2f}x " \
                    f"({min(ratios):.2f}-{max(ratios):.2f})"
        print(line)
    added = [r - f for r, f in zip(run, times["floor, no teardown"], strict=True)]
    print(f"  nwn run minus the floor without teardown: {min(added):.3f}-{max(added):.3f} s "
          f"(median {statistics.median(added):.3f} s)")


if __name__ == "__main__":
    main()
