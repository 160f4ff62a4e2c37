"""Small seeded scenarios shared by the tests (TOML text, so tests can also edit it)."""

from __future__ import annotations


def two_terminal(*, seed: int = 3, side: float = 30e-6, n_wires: int = 200,
                 length: float = 8e-6, waveform: str = '{kind = "dc", value = 2.0}',
                 model: str = "rate", params: str = "", dt: float = 1e-3,
                 duration: float = 0.02) -> str:
    """A square device of ``side`` (m) with left/right bar electrodes 10 % wide.

    The left bar is a voltage source with ``waveform`` (an inline TOML table), the right one
    is grounded; ``params`` is an inline TOML table of junction parameters ("" for defaults).
    """
    bar = side / 10
    junction = f'model = "{model}"' + (f"\nparams = {params}" if params else "")
    return f"""
seed = {seed}
[network]
box = [{side!r}, {side!r}]
n_wires = {n_wires}
length = {length!r}
[[electrodes]]
name = "left"
shape = {{type = "rectangle", bounds = [0.0, 0.0, {bar!r}, {side!r}]}}
source = {{kind = "voltage", waveform = {waveform}}}
[[electrodes]]
name = "right"
shape = {{type = "rectangle", bounds = [{side - bar!r}, 0.0, {side!r}, {side!r}]}}
source = {{kind = "ground"}}
[junction]
{junction}
[run]
dt = {dt!r}
duration = {duration!r}
"""


def record_run(path, text: str, *, every: int = 5):
    """Run scenario ``text`` to its end, recording it to the HDF5 file ``path``.

    Junction states and network snapshots are kept every ``every`` steps; returns ``path``.
    """
    from nwn.engine.build import build_simulation
    from nwn.engine.recording import HDF5Recorder
    from nwn.engine.scenario import parse_scenario

    scenario = parse_scenario(text)
    simulation = build_simulation(scenario)
    recorder = HDF5Recorder(path, junction_every=every, snapshot_every=every,
                            scenario_text=text, seed=scenario.seed)
    simulation.recorders.append(recorder)
    simulation.run(scenario.run.duration)
    recorder.close()
    return path
