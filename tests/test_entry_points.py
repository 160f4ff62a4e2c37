"""The console scripts' entry modules import nothing heavy.

A spawned child process (the Sweep tab's sweep, each worker of Dask's local cluster) re-runs
its parent's main script as ``__mp_main__``; for a program started by its console script that
script is pip's launcher, ``from MODULE import FUNCTION``. Were MODULE to import Qt (or numpy,
numba ...) at module level, every such child would pay for it before doing any work.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
#: top-level packages none of the entry modules may import at module level
HEAVY = ("PySide6", "shiboken6", "pyqtgraph", "numpy", "numba", "scipy", "h5py", "dask",
         "distributed", "xarray")

#: What pip writes for a console script (see ``.venv/bin/nwn-studio``), plus a function that
#: a spawned child runs after re-running this file, reporting what that re-run imported.
LAUNCHER = '''\
import sys
from {module} import {function}

def report():
    import json
    print(json.dumps({{"main": sys.modules["__main__"].__name__,
                       "entry": {module!r} in sys.modules,
                       "heavy": sorted({{name.split(".")[0] for name in sys.modules}}
                                       & set({heavy!r}))}}))

if __name__ == "__main__":
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=report)
    child.start()
    child.join()
    sys.exit(child.exitcode)
'''


def _entry_points() -> list[tuple[str, str]]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return sorted({**project.get("scripts", {}), **project.get("gui-scripts", {})}.items())


@pytest.mark.parametrize(("name", "target"), _entry_points())
def test_a_spawned_child_of_a_console_script_imports_nothing_heavy(tmp_path, name, target):
    module, function = target.split(":")
    script = tmp_path / name  # no .py suffix, like the installed script
    script.write_text(LAUNCHER.format(module=module, function=function, heavy=HEAVY),
                      encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    child = json.loads(done.stdout.strip().splitlines()[-1])
    # the child did re-run the launcher (else the test would prove nothing)
    assert child["main"] == "__mp_main__" and child["entry"], child
    assert child["heavy"] == [], f"{name} ({target}) imports {child['heavy']} at module level"
