"""The headless layers stay headless: nwn.geometry, nwn.engine and nwn.app.models never import Qt."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "pyqtgraph", "shiboken6")


@pytest.mark.parametrize("layer", ["geometry", "engine", "app/models"])
def test_no_qt_import_statement(layer):
    """No module of the layer names a Qt package in an import statement."""
    offenders = []
    for path in (ROOT / layer).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            names += [n.split(".")[0] for n in names]
            if any(n in QT_MODULES for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"Qt imported in a headless layer: {offenders}"


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
