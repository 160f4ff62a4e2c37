"""The short path for scripts: a scenario in, :class:`~nwn.engine.results.Results` out.

>>> import nwn.engine as ne
>>> monitor = ne.StateMonitor(junctions=[0, 1, 2], every=10)
>>> results = ne.run("two_terminal_pulse", duration=1.0, seed=3, monitors=[monitor])
>>> results.conductance.shape, monitor.junction_state.shape     # doctest: +SKIP
((201,), (3, 21))

:func:`run` records exactly what ``nwn run`` writes (the same recorder, the same layout), in
memory or to a file, and returns it through the same reader, so arrays from a script, from the
command line and from the app carry the same names and shapes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nwn.engine.results import Results
from nwn.engine.scenario import (
    Scenario,
    load_scenario,
    parse_scenario,
    read_scenario_text,
    scenario_to_toml,
)
from nwn.geometry.checks import InputError

__all__ = ["override", "resolve_scenario", "run"]


def resolve_scenario(source: Scenario | str | Path) -> tuple[Scenario, str]:
    """A scenario given as a :class:`Scenario`, a file, a preset name or TOML text.

    Parameters
    ----------
    source : Scenario, str or Path
        A string is a file path if such a file exists, else a preset name if it is one
        (see ``nwn presets``), else TOML text if it holds a ``=``.

    Returns
    -------
    scenario : Scenario
    text : str
        The scenario's TOML text, as stored with results.

    Raises
    ------
    InputError
        When ``source`` is none of these, or the scenario is invalid.
    """
    from nwn.resources import preset_names, preset_path

    if isinstance(source, Scenario):
        return source, scenario_to_toml(source)
    if not isinstance(source, (str, Path)):
        raise InputError(f"scenario must be a Scenario, a file, a preset name or TOML text "
                         f"(got {type(source).__name__})")
    text = str(source)
    if "\n" not in text and Path(text).exists():
        path = Path(text)
        return load_scenario(path), read_scenario_text(path)
    names = preset_names()
    if text in names:
        path = preset_path(text)
        return load_scenario(path), read_scenario_text(path)
    if isinstance(source, str) and "=" in text:
        return parse_scenario(text), text
    if Path(text).suffix or any(sep in text for sep in ("/", "\\")):
        # Meant as a file (it has an extension or a folder): say that plainly.
        raise InputError(f"no such file: {text}")
    raise InputError(f"no such file or preset: {text!r} (presets: {', '.join(names)})")


def override(scenario: Scenario, text: str, *, duration: float | None = None,
             seed: int | None = None) -> tuple[Scenario, str]:
    """The scenario with ``run.duration`` and ``seed`` replaced where given.

    Returns the new scenario and its TOML text, re-validated, so that what is stored with the
    results is exactly what ran; ``text`` comes back unchanged when nothing is replaced.
    """
    # The specs refuse a bad seed or duration themselves (nwn.engine.limits, the file's words).
    if seed is not None:
        scenario = dataclasses.replace(scenario, seed=seed)
    if duration is not None:
        scenario = dataclasses.replace(scenario, run=dataclasses.replace(scenario.run,
                                                                         duration=duration))
    if seed is not None or duration is not None:
        text = scenario_to_toml(scenario)
        parse_scenario(text, base_dir=scenario.base_dir)
    return scenario, text


def run(scenario: Scenario | str | Path, *, duration: float | None = None,
        seed: int | None = None, output: str | Path | None = None,
        monitors: Sequence[Any] = (),
        progress: Callable[[float, float], None] | None = None) -> Results:
    """Simulate a scenario and return its results.

    Parameters
    ----------
    scenario : Scenario, str or Path
        A preset name (``"two_terminal_pulse"``), a scenario file, TOML text or a
        :class:`Scenario` (see :func:`resolve_scenario`).
    duration : float, optional
        Simulated time (s); default ``run.duration`` of the scenario.
    seed : int, optional
        Default: the scenario's seed. The same scenario and seed give bit-identical results.
    output : str or Path, optional
        HDF5 file to write, as ``nwn run -o`` writes it; an existing file is replaced when
        the run completes (a run that fails leaves it as it was). Default: the results are
        kept in memory.
    monitors : sequence of recorders
        E.g. :class:`~nwn.engine.recording.StateMonitor` or
        :class:`~nwn.engine.recording.TraceRecorder`, declared before the run; they record
        alongside and are returned as ``results.monitors``.
    progress : callable, optional
        ``progress(fraction_done, t)``, called about ten times a second.

    Returns
    -------
    Results
        The datasets of the results file as arrays (``results.t``,
        ``results.terminal_current``, ``results.junction_state`` ...), the network, and
        :meth:`Results.snapshot_at`. With an ``output`` file it stays open until
        ``results.close()`` (or use ``with``).

    Raises
    ------
    InputError
        Bad scenario, override or output path (one line naming what is wrong).
    """
    from nwn.engine.build import build_simulation
    from nwn.engine.recording import HDF5Recorder

    scenario, text = resolve_scenario(scenario)
    scenario, text = override(scenario, text, duration=duration, seed=seed)
    if output is not None and Path(output).is_dir():
        raise InputError(f"output {str(output)!r} is a folder (give a file name, e.g. run.h5)")
    monitors = tuple(monitors)
    for k, monitor in enumerate(monitors):
        if not all(callable(getattr(monitor, name, None))
                   for name in ("start", "record", "finish")):
            raise InputError(f"monitors[{k}] must have start, record and finish methods "
                             f"(got {type(monitor).__name__})")
    # An existing output is replaced only by a complete run (a failed one leaves it as it was).
    recorder = HDF5Recorder.for_scenario(output, scenario, scenario_text=text,
                                         keep_existing=True)
    simulation = build_simulation(scenario, recorders=[recorder, *monitors])
    complete = False
    try:
        simulation.run(scenario.run.duration, progress=progress)
        complete = True
    finally:
        recorder.close(complete=complete)
    results = recorder.results()
    results.monitors = monitors
    return results
