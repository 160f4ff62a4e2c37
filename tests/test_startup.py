"""Start-up stays short: a plain ``nwn run`` loads none of the heavy optional libraries.

The GUI stack (Qt, pyqtgraph), the sweep stack (Dask, xarray, h5netcdf), rcbench and
matplotlib each cost a large part of a second to import, scipy.sparse (which the solver does
without) ~20 ms after numba; ``nwn run`` needs none of them. The check runs in a fresh interpreter, where ``sys.modules`` holds exactly what the command loaded.
"""

import json
import subprocess
import sys

from scenarios import two_terminal

from nwn.app.cli.main import COMMANDS, build_parser

#: Top-level packages a plain ``nwn run`` must not import.
HEAVY = ("PySide6", "shiboken6", "pyqtgraph", "dask", "distributed", "xarray", "h5netcdf",
         "rcbench", "matplotlib", "pandas", "scipy.optimize", "scipy.stats", "scipy.signal",
         "scipy.sparse",
         "nwn.app.widgets", "nwn.app.render", "nwn.engine.sweep", "nwn.engine.reservoir")

_PROBE = """
import json, sys
from nwn.app.cli.main import main
code = main(["run", sys.argv[1], "-o", sys.argv[2], "-q"])
heavy = json.loads(sys.argv[3])
print(json.dumps({"code": code,
                  "loaded": sorted(name for name in heavy if name in sys.modules)}))
"""


def test_plain_run_imports_no_heavy_library(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(two_terminal())
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(scenario), str(tmp_path / "r.h5"), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    assert report["loaded"] == [], f"nwn run imported {report['loaded']}"


def test_a_named_command_registers_only_itself():
    parser = build_parser(only="run")
    choices = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse internals
    assert list(choices) == ["run"]
    assert set(build_parser()._subparsers._group_actions[0].choices) == set(COMMANDS)  # noqa: SLF001
