"""What runs on a worker for one member of a sweep, and what it sends back.

:func:`run_member` is the task the sweep submits: it runs the member (the default runner, or
the caller's), times it, and turns any exception into a failed outcome with a one-line reason,
so that one member that raises (a network that does not percolate, say) never stops the others.

Outputs of the default runner (names given in ``outputs``; ``"trace"`` is always included):

``"trace"``
    ``t`` (T,) s, ``conductance`` (T,) S, ``terminal_current`` (T, E) A and
    ``terminal_voltage`` (T, E) V, one row every ``run.record_every`` steps from step 0,
    exactly the rows ``nwn run`` writes to ``/t``, ``/network/conductance`` and
    ``/electrodes/current|voltage``.
``"junctions"``
    ``junction_state`` (M,) and ``junction_conductance`` (M,) S at the end of the run.
``"nodes"``
    ``node_t`` (S,) s and ``node_voltage`` (S, N) V every ``run.snapshot_every`` steps.
``"fit"``
    The lumped law fitted to the member's two-terminal trace
    (:func:`nwn.engine.analysis.fit.fit_deterministic`, single element): ``fit_g_min``,
    ``fit_g_max``, ``fit_kp0``, ``fit_eta_p``, ``fit_kd0``, ``fit_eta_d``, ``fit_G0`` and
    ``fit_rms_relative_error``, scalars (SI units).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["OUTPUTS", "default_runner", "run_member"]

#: Output groups the default runner can return (see the module docstring).
OUTPUTS = ("trace", "junctions", "nodes", "fit")


def default_runner(scenario: Any, outputs: Sequence[str] = ("trace",), *,
                   junction_seed: int | None = None) -> dict[str, np.ndarray]:
    """Run one scenario and return the requested outputs (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
        Run as given, seed included.
    outputs : sequence of str
        Names from :data:`OUTPUTS`.
    junction_seed : int, optional
        Seed of the junction agents' streams when it differs from the scenario's seed (the
        wires then come from the scenario's seed): a sweep with ``reseed="dynamics"``.
    """
    from nwn.engine.build import build_network_from, build_simulation
    from nwn.engine.recording import StateMonitor, TraceRecorder

    run = scenario.run
    # Every recorded row, as `nwn run` writes them: no decimation however long the run.
    trace = TraceRecorder(every=run.record_every)
    recorders: list[Any] = [trace]
    nodes = None
    if "nodes" in outputs:
        nodes = StateMonitor(nodes=True, every=run.snapshot_every)
        recorders.append(nodes)
    if junction_seed is None:
        simulation = build_simulation(scenario, recorders=recorders)
    else:
        built = build_network_from(scenario)
        simulation = build_simulation(scenario, seed=junction_seed, built=built,
                                      recorders=recorders)
    simulation.run(run.duration)
    out = {"t": trace.t, "conductance": trace.conductance,
           "terminal_current": trace.terminal_current.reshape(trace.t.size, -1),
           "terminal_voltage": trace.terminal_voltage.reshape(trace.t.size, -1)}
    if "junctions" in outputs:
        out["junction_state"] = np.array(simulation.model.state(), dtype=np.float64)
        out["junction_conductance"] = np.array(simulation.junction_conductance,
                                               dtype=np.float64)
    if nodes is not None:
        out["node_t"] = np.asarray(nodes.t, dtype=np.float64)
        # (snapshot, node), as the results file's /nodes/voltage (the monitor holds (n, T))
        out["node_voltage"] = np.asarray(nodes.node_voltage, dtype=np.float64).T
    if "fit" in outputs:
        out.update(_fit(out))
    return out


def _fit(out: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The lumped law fitted to the two-terminal trace (scalars, ``fit_`` prefix)."""
    from nwn.engine.analysis.fit import fit_deterministic
    from nwn.engine.analysis.traces import Trace

    volts = out["terminal_voltage"]
    # The bias between the two terminals, as read_hdf5_trace takes it from a results file.
    voltage = np.nanmax(volts, axis=1) - np.nanmin(volts, axis=1)
    trace = Trace(t=out["t"], current=out["conductance"] * voltage, voltage=voltage,
                  conductance=out["conductance"], source="sweep member")
    result = fit_deterministic(trace)
    fitted = {f"fit_{name}": np.float64(value) for name, value in result.parameters.items()}
    fitted["fit_rms_relative_error"] = np.float64(result.rms_relative_error)
    return fitted


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()} (in process)"


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def run_member(scenario: Any, *, outputs: Sequence[str] = ("trace",),
               runner: Callable[[Any], dict] | None = None,
               junction_seed: int | None = None) -> dict[str, Any]:
    """Run one member and report its outcome; never raises for the member's own failure.

    Returns
    -------
    dict
        ``status`` ("done" or "failed"), ``arrays`` (name -> ndarray; empty when failed),
        ``error`` (one line; "" when done), ``wall_time`` (s), ``worker`` (address).
    """
    started = time.perf_counter()
    try:
        if runner is None:
            arrays = default_runner(scenario, outputs, junction_seed=junction_seed)
        else:
            arrays = runner(scenario)
            if not isinstance(arrays, dict):
                raise TypeError(f"the sweep's runner must return a dict of arrays "
                                f"(got {type(arrays).__name__})")
        arrays = {str(name): np.asarray(value) for name, value in arrays.items()}
        for name, value in arrays.items():
            if value.dtype.kind not in "biuf":
                raise TypeError(f"runner output {name!r} must be numeric "
                                f"(got dtype {value.dtype})")
        status, error = "done", ""
    except Exception as exc:  # a member's failure is data: the other members go on
        arrays, status, error = {}, "failed", _one_line(exc)
    return {"status": status, "arrays": arrays, "error": error,
            "wall_time": time.perf_counter() - started, "worker": _worker_name()}
