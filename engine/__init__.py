"""nwn.engine: simulate memristive nanowire networks and read their results, without Qt.

The short path (see :func:`run`)::

    import nwn.engine as ne

    monitor = ne.StateMonitor(junctions=[0, 1, 2], nodes=[5], every=10)
    results = ne.run("two_terminal_pulse", duration=1.0, seed=3, monitors=[monitor])
    results.t, results.conductance          # (T,) s, (T,) S: the HDF5 datasets /t, ...
    monitor.t, monitor.junction_state       # (T2,) s, (3, T2)

The names below are the public face; each lives in the submodule named in its docstring.
They are imported on first use, so ``import nwn.engine`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Public name -> submodule that defines it.
_WHERE = {
    "run": "runner",
    "resolve_scenario": "runner",
    "Results": "results",
    "load_results": "results",
    "DATASETS": "results",
    "HDF5Recorder": "recording",
    "StateMonitor": "recording",
    "TraceRecorder": "recording",
    "Scenario": "scenario",
    "load_scenario": "scenario",
    "parse_scenario": "scenario",
    "scenario_to_toml": "scenario",
    "build_simulation": "build",
    "build_network_from": "build",
    "Simulation": "simulation",
    "Snapshot": "simulation",
    "Source": "sources",
    "make_model": "junctions",
    "make_stimulus": "stimuli",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'nwn.engine' has no attribute {name!r}")
    value = getattr(import_module(f"nwn.engine.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
