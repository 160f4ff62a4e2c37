"""The layers hold: the import-linter contracts pass, and the headless layers (nwn.geometry,
nwn.engine, nwn.app.models) load no Qt, even through another library."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "pyqtgraph", "shiboken6")


def test_import_contracts_hold():
    """The import-linter contracts in pyproject.toml hold (layers, no Qt below the render
    layer, the CLI never imports the widgets): the same check `lint-imports` runs in CI."""
    code = ("import sys\n"
            "from importlinter.cli import lint_imports\n"
            "sys.exit(lint_imports(no_cache=True, no_logo=True))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_importing_every_headless_module_loads_no_qt():
    """Importing all of nwn.geometry, nwn.engine and nwn.app.models in a fresh interpreter loads
    no Qt."""
    import nwn.app.models
    import nwn.engine
    import nwn.geometry

    modules = []
    for package in (nwn.geometry, nwn.engine, nwn.app.models):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            modules.append(info.name)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Qt modules loaded: {result.stdout}"
