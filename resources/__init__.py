"""Packaged resources: scenario presets (TOML), icons and colour maps."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

__all__ = ["list_presets", "preset_path", "preset_text"]


def _folder() -> Path:
    return Path(str(resources.files(__name__) / "presets"))


def list_presets() -> list[tuple[str, str]]:
    """Every shipped preset as ``(name, title)``, sorted by name."""
    out = []
    for path in sorted(_folder().glob("*.toml")):
        with path.open("rb") as handle:
            title = tomllib.load(handle).get("name", "")
        out.append((path.stem, title))
    return out


def preset_path(name: str) -> Path:
    """Path of the preset called ``name`` (file stem, e.g. ``"two_terminal_pulse"``)."""
    path = _folder() / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(n for n, _ in list_presets())
        raise ValueError(f"preset {name!r} does not exist (known: {known})")
    return path


def preset_text(name: str) -> str:
    """TOML text of the preset called ``name``."""
    return preset_path(name).read_text(encoding="utf-8")
