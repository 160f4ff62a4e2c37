"""The waveform editor's model (no Qt): start a waveform of a kind, change one field, edit a
sequence's segments, and the multi-line TOML view that round-trips exactly.

Waveforms are the plain dicts of :func:`nwn.engine.stimuli.make_stimulus`; the fields, units
and limits come from :data:`nwn.engine.stimuli.WAVEFORM_FIELDS`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping

from nwn.engine.stimuli import STIMULUS_KINDS, WAVEFORM_FIELDS, make_stimulus

__all__ = ["ALTERNATIVES", "check_waveform", "move_segment", "new_segment", "new_waveform",
           "parse_waveform_toml", "set_field", "unit_of", "waveform_toml"]

#: Fields of which exactly one is given: setting one removes the other.
ALTERNATIVES = {"period": "frequency", "frequency": "period"}
#: Keys a segment of a sequence has beyond its waveform's.
SEGMENT_KEYS = ("duration",)


def unit_of(field_unit: str, level_unit: str) -> str:
    """A field's shown unit: the source's (V or A) for ``"level"``, else its own."""
    return level_unit if field_unit == "level" else field_unit


def new_waveform(kind: str, previous: Mapping | None = None) -> dict:
    """A valid waveform of ``kind``: the kind's example values, keeping the fields of
    ``previous`` that the new kind also has (switching pulse -> square keeps the amplitude)."""
    if kind not in STIMULUS_KINDS:
        raise ValueError(f"waveform kind must be one of {', '.join(STIMULUS_KINDS)} "
                         f"(got {kind!r})")
    previous = dict(previous or {})
    if kind == "sequence":
        first = {k: v for k, v in previous.items() if k not in ("segments", "repeat")} \
            if previous.get("kind") not in (None, "sequence", "samples") else \
            {"kind": "dc", "value": 1.0}
        return {"kind": "sequence", "segments": [{**first, "duration": 1.0},
                                                 {"kind": "dc", "value": 0.0,
                                                  "duration": 1.0}]}
    if kind == "samples":
        return {"kind": "samples", "times": [0.0, 1.0], "values": [0.0, 1.0]}
    waveform: dict = {"kind": kind}
    for field in WAVEFORM_FIELDS[kind]:
        if field.name == "frequency":
            continue  # period is the one given by default
        if field.name in previous and field.name != "kind":
            waveform[field.name] = previous[field.name]
        elif field.required or field.name == "period":
            waveform[field.name] = field.example
    if kind == "pulse" and waveform["width"] > waveform["period"]:
        waveform["width"] = 0.5 * waveform["period"]
    return waveform


def set_field(waveform: Mapping, name: str, value) -> dict:
    """``waveform`` with field ``name`` set to ``value`` (None: removed, the default applies);
    setting period removes frequency and the reverse."""
    out = dict(waveform)
    if value is None:
        out.pop(name, None)
    else:
        out[name] = value
        if name in ALTERNATIVES:
            out.pop(ALTERNATIVES[name], None)
    return out


def new_segment() -> dict:
    """A segment to append to a sequence: 0 for one second."""
    return {"kind": "dc", "value": 0.0, "duration": 1.0}


def move_segment(segments: list, index: int, step: int) -> list:
    """``segments`` with entry ``index`` moved by ``step`` (clamped to the ends)."""
    out = list(segments)
    target = min(max(index + step, 0), len(out) - 1)
    out.insert(target, out.pop(index))
    return out


def check_waveform(waveform: Mapping, *, base_dir=None) -> dict:
    """``waveform`` as a plain dict, checked by the engine (InputError naming
    ``waveform.<field>`` as it is wrong)."""
    make_stimulus(waveform, base_dir=base_dir, path="waveform")
    return dict(waveform)


def waveform_toml(waveform: Mapping | None) -> str:
    """The waveform as TOML key lines (``kind = "pulse"`` ...), a sequence's segments one
    per line, so a whole protocol can be read at a glance; "" for None.

    ``parse_waveform_toml(waveform_toml(w)) == w`` for every waveform (ints stay ints, floats
    floats), and text written here reads back to the same text.
    """
    from nwn.engine.scenario import toml_key, toml_value

    if waveform is None:
        return ""
    lines = []
    for key, value in waveform.items():
        if key == "segments" and isinstance(value, list):
            lines.append(f"{toml_key(key)} = [")
            lines += [f"    {toml_value(segment)}," for segment in value]
            lines.append("]")
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def parse_waveform_toml(text: str, *, base_dir=None) -> dict:
    """TOML key lines (as :func:`waveform_toml` writes, or an inline table ``{kind = ...}``)
    as a checked waveform dict; ValueError with the reason."""
    body = text.strip()
    try:
        if body.startswith("{"):
            waveform = tomllib.loads(f"waveform = {body}")["waveform"]
        else:
            waveform = tomllib.loads(body)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"waveform TOML does not read: {error}") from None
    return check_waveform(waveform, base_dir=base_dir)
