"""Helpers shared by subcommands."""

from __future__ import annotations

# Scenarios are resolved where scripts resolve them (file, preset name or TOML text).
from nwn.engine.runner import resolve_scenario

__all__ = ["resolve_scenario"]
