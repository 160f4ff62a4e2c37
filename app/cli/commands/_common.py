"""Helpers shared by subcommands."""

from __future__ import annotations

from pathlib import Path

from nwn.engine.scenario import Scenario, load_scenario
from nwn.geometry.checks import InputError


def resolve_scenario(argument: str) -> tuple[Scenario, str]:
    """Load a scenario given as a file path or as the name of a shipped preset.

    Returns
    -------
    scenario : Scenario
    text : str
        The scenario's TOML text, as stored with results.
    """
    from nwn.resources import list_presets, preset_path

    path = Path(argument)
    if not path.exists():
        names = [name for name, _ in list_presets()]
        if argument in names:
            path = preset_path(argument)
        else:
            raise InputError(f"scenario {argument!r} is neither a file nor a preset "
                             f"(presets: {', '.join(names)})")
    scenario = load_scenario(path)
    return scenario, path.read_text(encoding="utf-8")
