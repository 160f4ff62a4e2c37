"""Electrodes' reservoir-computing roles (input / read / none) and the ``[reservoir]`` table.

The roles live in the scenario's ``[reservoir]`` table (:mod:`nwn.engine.reservoir.protocol`,
which checks them): an *input* electrode is in ``inputs``; a *read* electrode is a floating one
whose voltage is a feature (``read_voltage``) or a driven or grounded one whose current is
(``read_current``). This module turns a role set in the electrode table, or a setting of the
Compute tab, into a new validated table; nothing here decides what is allowed.
"""

from __future__ import annotations

from typing import Any

from nwn.engine.scenario import Scenario
from nwn.geometry.checks import InputError

__all__ = ["ROLES", "protocol_table", "rc_roles", "with_role", "with_settings"]

ROLES = ("input", "read", "none")
_FLOATING = "floating"


def rc_roles(scenario: Scenario) -> dict[str, str]:
    """Each electrode's role in the scenario's ``[reservoir]`` table ("none" without one)."""
    spec = scenario.reservoir
    roles = {e.name: "none" for e in scenario.electrodes}
    if spec is None:
        return roles
    for electrode in scenario.electrodes:
        name, kind = electrode.name, electrode.source.kind
        if name in spec.inputs:
            roles[name] = "input"
        elif kind == "floating" and (spec.read_voltage is None or name in spec.read_voltage):
            roles[name] = "read"
        elif name in spec.read_current:
            roles[name] = "read"
    return roles


def _default_table(scenario: Scenario) -> dict[str, Any]:
    """A starting table: the first driven electrode is the input, held about its present dc
    level; the floating electrodes' voltages are read, or, with none, the grounds' currents."""
    driven = [e for e in scenario.electrodes if e.source.kind in ("voltage", "current")]
    floating = [e.name for e in scenario.electrodes if e.source.kind == _FLOATING]
    grounds = [e.name for e in scenario.electrodes if e.source.kind == "ground"]
    offset, amplitude = 1.0, 0.5
    if driven:
        waveform = driven[0].source.waveform or {}
        if waveform.get("kind") == "dc" and waveform.get("value"):
            offset = float(waveform["value"])
            amplitude = 0.25 * abs(offset)
    return {"inputs": [driven[0].name] if driven else [], "offset": offset,
            "amplitude": amplitude, "hold": 10 * scenario.run.dt,
            "read_voltage": _FLOATING, "read_current": [] if floating else grounds}


def protocol_table(scenario: Scenario) -> dict[str, Any]:
    """The scenario's ``[reservoir]`` table as a plain mapping (a starting one without)."""
    import tomllib

    spec = scenario.reservoir
    if spec is None:
        return _default_table(scenario)
    return tomllib.loads("\n".join(spec.toml_lines()))


def _parse(scenario: Scenario, table: dict[str, Any]) -> Any:
    from nwn.engine.reservoir.protocol import parse_reservoir

    return parse_reservoir(table, scenario.electrodes, scenario.run.dt)


def with_role(scenario: Scenario, name: str, role: str) -> Any:
    """The ``[reservoir]`` table (a ReservoirSpec) with electrode ``name`` given ``role``.

    Raises
    ------
    InputError
        One line when the role is unknown or the table it makes is not allowed (say, a
        floating electrode as the input, or no features left).
    """
    if role not in ROLES:
        raise InputError(f"RC role must be one of {', '.join(ROLES)} (got {role!r})")
    electrode = scenario.electrode(name)
    kind = electrode.source.kind
    table = protocol_table(scenario)
    floating = [e.name for e in scenario.electrodes if e.source.kind == _FLOATING]
    inputs = [n for n in table["inputs"] if n != name]
    read_current = [n for n in table.get("read_current", []) if n != name]
    read_voltage = table.get("read_voltage", _FLOATING)
    read_voltage = list(floating) if read_voltage == _FLOATING else list(read_voltage)
    read_voltage = [n for n in read_voltage if n != name]
    if role == "input":
        inputs.append(name)
    elif role == "read":
        (read_voltage if kind == _FLOATING else read_current).append(name)
    if len(inputs) != len(table["inputs"]):  # one input more or fewer: one offset each
        for key in ("offset", "amplitude"):
            if isinstance(table[key], list):
                table[key] = table[key][0] if table[key] else 0.0
    if not inputs:
        raise InputError(f"electrode {name!r}: the reservoir needs an input electrode; mark "
                         f"another one input first")
    table.update(inputs=inputs, read_current=read_current,
                 read_voltage=_FLOATING if read_voltage == floating else read_voltage)
    return _parse(scenario, table)


def with_settings(scenario: Scenario, **settings: Any) -> Any:
    """The ``[reservoir]`` table with protocol ``settings`` (task, offset, amplitude, hold,
    samples, washout, virtual_nodes) replaced; InputError names the key when one is bad."""
    table = protocol_table(scenario)
    table.update({k: v for k, v in settings.items() if v is not None})
    return _parse(scenario, table)
