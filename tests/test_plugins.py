"""Junction models from other packages (``nwn.junction_models`` entry points).

The worked example of docs/plugins.md is installed into the test environment as a package
with that entry point (a module and its ``.dist-info`` on the import path, which is what
``pip install`` leaves); a fresh ``nwn run`` names it in a scenario, and its recorded states
follow the example's exact law. Registration refuses bad classes with one line.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import math  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scenarios import two_terminal  # noqa: E402

from nwn.engine.junctions import (  # noqa: E402
    BUILTIN_MODELS,
    MODELS,
    JunctionModel,
    plugins,  # noqa: E402
    register_model,
)
from nwn.engine.junctions.plugins import load_plugins, plugin_errors  # noqa: E402
from nwn.geometry.checks import InputError  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "plugins" / "nwn_linear_memristor.py"


def install(site: Path, *, target: str = "nwn_linear_memristor:LinearMemristor") -> Path:
    """What ``pip install`` of the example package leaves in site-packages."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLE, site / EXAMPLE.name)
    info = site / "nwn_linear_memristor-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nwn-linear-memristor\n"
                                   "Version: 1.0\n")
    (info / "entry_points.txt").write_text(f"[nwn.junction_models]\n"
                                           f"linear_memristor = {target}\n")
    return site


@pytest.fixture
def installed(tmp_path, monkeypatch):
    site = install(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))
    yield site
    for name in [n for n in MODELS if n not in BUILTIN_MODELS]:
        del MODELS[name]
    sys.modules.pop("nwn_linear_memristor", None)
    plugins._ERRORS.clear()  # forget this test's plugin


def scenario_text(dt=0.01, duration=0.2):
    text = two_terminal(model="linear_memristor", params="{alpha = 2.0, beta = 5.0}", dt=dt,
                        duration=duration)
    return text.replace("[run]", "[run]\njunction_every = 1\nsnapshot_every = 1")


def test_a_fresh_nwn_run_finds_the_installed_plugin(installed, tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(scenario_text())
    out = tmp_path / "r.h5"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(installed),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "nwn.app.cli", "run", str(scenario), "-o",
                           str(out), "-q"], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    with h5py.File(out) as file:
        assert file.attrs["model"] == "linear_memristor"
        t = file["junctions/t"][:]
        x = file["junctions/state"][:]
        g = file["junctions/conductance"][:]
        voltage = (file["nodes/voltage"][:][:, file["geometry/edge_nodes"][:, 0]]
                   - file["nodes/voltage"][:][:, file["geometry/edge_nodes"][:, 1]])
        voltage = voltage[:, file["geometry/junction_edge"][:]]
    assert t.shape[0] == 21 and np.all(x[0] == 0.0) and x[-1].max() > 0.02
    # each step is the example's exact law at the voltage the junction had at its start
    # (states and conductances are stored in float32)
    x = x.astype(np.float64)
    target = np.abs(voltage[:-1]) / (2.0 * 5.0)
    expected = np.clip(target + (x[:-1] - target) * math.exp(-2.0 * 0.01), 0.0, 1.0)
    np.testing.assert_allclose(x[1:], expected, rtol=2e-6, atol=1e-9)
    np.testing.assert_allclose(g, 1e-4 + (1e-2 - 1e-4) * x, rtol=2e-6)


def test_entry_point_registers_the_model_for_scenarios_sweeps_and_the_gui(installed, qtbot,
                                                                          tmp_path):
    assert "linear_memristor" not in MODELS
    assert load_plugins() == {}
    cls = MODELS["linear_memristor"]
    assert issubclass(cls, JunctionModel)
    from nwn.engine.build import build_simulation
    from nwn.engine.scenario import parse_scenario

    simulation = build_simulation(parse_scenario(scenario_text()))
    simulation.run(0.05)
    assert simulation.model.name == "linear_memristor" and simulation.model.state().max() > 0
    # a sweep over one of its parameters (serially here; workers find installed plugins too)
    from nwn.engine.sweep import SERIAL, run_sweep

    result = run_sweep(parse_scenario(scenario_text(duration=0.05)),
                       vary={"junction.params.alpha": [1.0, 50.0]}, client=SERIAL,
                       output=tmp_path / "sweep.h5")
    with result:
        g = result.load().dataset["conductance"].values[:, 0]    # (alpha, seed, time)
    assert g.shape == (2, 6) and np.all(np.isfinite(g))
    assert g[0, -1] > g[1, -1]                      # faster relaxation: lower conductance
    # the GUI's parameter form lists the model and builds fields for its parameters
    from nwn.app.models.document import Document
    from nwn.app.widgets.panels.parameters import ParameterPanel

    document = Document()
    panel = ParameterPanel(document)
    qtbot.addWidget(panel)
    panel.model.setCurrentText("linear_memristor")
    assert document.scenario.junction.model == "linear_memristor"
    assert {f"junction.params.{n}" for n in ("alpha", "beta", "g_off", "g_on")} <= set(
        panel.fields)


def test_a_broken_plugin_is_left_out_with_a_warning(tmp_path, monkeypatch):
    site = install(tmp_path / "broken", target="nwn_linear_memristor:NoSuchClass")
    monkeypatch.syspath_prepend(str(site))
    try:
        with pytest.warns(RuntimeWarning, match="linear_memristor.*not loaded"):
            errors = load_plugins()
        assert "linear_memristor" in errors and "linear_memristor" not in MODELS
        assert plugin_errors() == errors
    finally:
        sys.modules.pop("nwn_linear_memristor", None)
        plugins._ERRORS.clear()  # forget this test's plugin


def test_register_model_refuses_bad_classes():
    class NotAModel:
        name = "x"

    with pytest.raises(InputError, match="JunctionModel subclass"):
        register_model(NotAModel)

    class Shadow(JunctionModel):
        name = "rate"

    with pytest.raises(InputError, match="built-in"):
        register_model(Shadow)

    class BadName(JunctionModel):
        name = "two words"

    with pytest.raises(InputError, match="identifier"):
        register_model(BadName)
