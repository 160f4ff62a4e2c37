"""Packaged resources: scenario presets (TOML), measured validation data, icons and colour maps."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

__all__ = ["list_presets", "list_validation", "preset_names", "preset_path", "preset_text",
           "validation_path"]


def _folder(kind: str = "presets") -> Path:
    return Path(str(resources.files(__name__) / kind))


def list_presets() -> list[tuple[str, str]]:
    """Every shipped preset as ``(name, title)``, sorted by name."""
    out = []
    for path in sorted(_folder().glob("*.toml")):
        with path.open("rb") as handle:
            title = tomllib.load(handle).get("name", "")
        out.append((path.stem, title))
    return out


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted, without reading them (``nwn run`` resolves a
    name with this on every start)."""
    return sorted(path.stem for path in _folder().glob("*.toml"))


def preset_path(name: str) -> Path:
    """Path of the preset called ``name`` (file stem, e.g. ``"two_terminal_pulse"``)."""
    path = _folder() / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(preset_names())
        raise ValueError(f"preset {name!r} does not exist (known: {known})")
    return path


def preset_text(name: str) -> str:
    """TOML text of the preset called ``name``."""
    return preset_path(name).read_text(encoding="utf-8")


def list_validation() -> list[str]:
    """File names of the shipped validation data (measured traces and reference runs), sorted.

    Their provenance, columns, units and reference figures are in ``validation/README.md``
    beside them and in ``docs/validation.md``.
    """
    return sorted(p.name for p in _folder("validation").iterdir()
                  if p.is_file() and p.name != "README.md" and not p.name.startswith("."))


def validation_path(name: str) -> Path:
    """Path of the shipped validation file ``name`` (e.g. ``"milano2022_pulse_2V.txt"``)."""
    path = _folder("validation") / name
    if name not in list_validation():
        known = ", ".join(list_validation())
        raise ValueError(f"validation file {name!r} does not exist (known: {known})")
    return path
