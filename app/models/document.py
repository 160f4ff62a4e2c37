"""The studio's document: the scenario being edited, its deposited network, undo/redo.

Qt-free (napari style): views subscribe with :meth:`Events.connect` and the Qt adapter in
:mod:`nwn.app.widgets.studio` relays the events as signals. Every change goes through a method
here, so the dirty flag, the undo stack and the built network never disagree with the scenario.

Events (name, payload):

* ``"scenario"``: any part of the scenario changed (``Scenario``)
* ``"electrodes"``: electrodes changed (tuple of ``ElectrodeSpec``)
* ``"network"``: the built network changed or was dropped (``BuiltNetwork`` or None)
* ``"dirty"``: unsaved-changes flag (bool)
* ``"path"``: the file the document is saved in (``Path`` or None)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nwn.engine.build import BuiltNetwork, deposit_wires
from nwn.engine.electrode_conflicts import check_shorting_wires
from nwn.engine.scenario import (
    ElectrodeSpec,
    Scenario,
    SourceSpec,
    check_electrode,
    load_scenario,
    parse_scenario,
    scenario_to_toml,
)
from nwn.geometry import Electrode, build_network, find_junctions
from nwn.geometry.checks import InputError
from nwn.geometry.electrodes import wires_touching

__all__ = ["Document", "Events", "check_electrode", "default_scenario", "geometry_electrodes",
           "unique_name"]



class Events:
    """Minimal synchronous observer list: ``connect(callback)``, ``emit(name, payload)``."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[str, object], None]] = []

    def connect(self, callback: Callable[[str, object], None]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[str, object], None]) -> None:
        self._callbacks.remove(callback)

    def emit(self, name: str, payload: object = None) -> None:
        for callback in list(self._callbacks):
            callback(name, payload)


def geometry_electrodes(specs: Sequence[ElectrodeSpec]) -> tuple[Electrode, ...]:
    """Scenario electrodes as :class:`nwn.geometry.Electrode` (name and shapely shape)."""
    return tuple(Electrode(spec.name, spec.geometry()) for spec in specs)


def unique_name(existing: Sequence[str], stem: str = "E") -> str:
    """``stem1``, ``stem2``, ... : the first not in ``existing``."""
    taken = set(existing)
    k = 1
    while f"{stem}{k}" in taken:
        k += 1
    return f"{stem}{k}"


def default_scenario() -> Scenario:
    """A small two-terminal scenario to start from when no file or preset is given."""
    text = """
seed = 1
name = "untitled"
[network]
box = [60e-6, 60e-6]
n_wires = 600
length = 7e-6
[[electrodes]]
name = "left"
shape = {type = "rectangle", bounds = [0.0, 0.0, 4e-6, 60e-6]}
source = {kind = "voltage", waveform = {kind = "dc", value = 1.0}}
[[electrodes]]
name = "right"
shape = {type = "rectangle", bounds = [56e-6, 0.0, 60e-6, 60e-6]}
source = {kind = "ground"}
[junction]
model = "rate"
[run]
dt = 1e-3
duration = 1.0
"""
    return parse_scenario(text)


class Document:
    """The scenario being edited, the network deposited for it and the undo history.

    Parameters
    ----------
    scenario : Scenario, optional
        Starting scenario (default: :func:`default_scenario`).
    path : path, optional
        File it came from.
    """

    def __init__(self, scenario: Scenario | None = None, *, path: str | Path | None = None
                 ) -> None:
        self.events = Events()
        self.scenario = scenario if scenario is not None else default_scenario()
        self.path = Path(path) if path is not None else None
        self.dirty = False
        self.built = None
        self.flagged: tuple[str, ...] = ()
        self.network_error: str | None = None
        self._wires = None
        self._junctions = None
        self._touching = None  # (wires, electrodes, touching_wires()) of the last build
        self._undo: list[tuple[str, Scenario, Scenario]] = []
        self._redo: list[tuple[str, Scenario, Scenario]] = []
        #: ``builder(wires, junctions)``: builds the circuit graph of an edit elsewhere (the
        #: studio: in a worker thread) and hands the :class:`NetworkBuild` to
        #: :meth:`apply_build`; None: :meth:`prepare_network` here, at once.
        self.builder: Callable[[object, object], None] | None = None
        #: True from an edit that needs a new circuit graph until :meth:`apply_build` has it
        self.rebuilding = False

    # -- files --------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path) -> Document:
        """A document for a scenario file (validated; InputError on bad content)."""
        return cls(load_scenario(path), path=path)

    @classmethod
    def from_preset(cls, name: str) -> Document:
        """A document for a shipped preset (unsaved: saving asks for a path)."""
        from nwn.resources import preset_path

        scenario = load_scenario(preset_path(name))
        return cls(scenario)

    def save(self, path: str | Path | None = None) -> Path:
        """Write the scenario TOML (to ``path`` or the document's file) and clear dirty."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise InputError("no file name: choose where to save the scenario")
        text = scenario_to_toml(self.scenario)
        target.write_text(text, encoding="utf-8")
        if target != self.path:
            self.path = target
            self.events.emit("path", target)
        self._set_dirty(False)
        return target

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self.dirty:
            self.dirty = dirty
            self.events.emit("dirty", dirty)

    # -- scenario parts -----------------------------------------------------------------------

    def replace(self, **changes) -> None:
        """Replace top-level parts of the scenario (``network=``, ``junction=``, ``run=``,
        ``seed=``, ``name=``...). Changing the network or the seed drops the deposited wires."""
        old = self.scenario
        new = dataclasses.replace(old, **changes)
        if new == old:
            return
        wire_keys = ("box", "n_wires", "density", "length", "angle", "centre", "diameter",
                     "wire_file")
        wires_changed = new.seed != old.seed or any(
            getattr(new.network, k) != getattr(old.network, k) for k in wire_keys)
        self.scenario = new
        self._set_dirty(True)
        self.events.emit("scenario", new)
        if wires_changed and self._wires is not None:
            self.clear_network()
        elif new.network != old.network:
            self._rebuild()  # graph mode or resistances: same wires, new circuit graph

    def validate(self) -> Scenario:
        """The scenario as a run would see it, fully checked (InputError says what is wrong)."""
        scenario = self.scenario
        cached = self.__dict__.get("_validated")
        if cached is not None and cached[0] is scenario:
            if cached[2] is not None:
                raise cached[2].with_traceback(None)
            return cached[1]
        # Kept for this very scenario object (an edit makes a new one), unless it reads a wire
        # file, which may appear or change on disk. Every document event asks (the run state
        # is updated on each): the TOML round trip and the electrode checks cost the GUI
        # thread 6-18 ms a time during a deposition, several times that on a loaded machine.
        keep = scenario.network.wire_file is None
        try:
            checked = parse_scenario(_scenario_dict(scenario), base_dir=scenario.base_dir)
        except InputError as error:
            if keep:
                self.__dict__["_validated"] = (scenario, None, error)
            raise
        if keep:
            self.__dict__["_validated"] = (scenario, checked, None)
        return checked

    def problems(self) -> list[str]:
        """Reasons a run cannot start now, in words; empty when it can."""
        out = []
        try:
            self.validate()
        except InputError as error:
            out.append(str(error))
        if self.flagged:
            out.append(f"electrode {self.flagged[0]!r} touches no wire: move it onto the "
                       f"network or delete it")
        elif self.rebuilding:
            out.append("the circuit graph is being rebuilt for the new settings")
        elif self.built is None:
            out.append(self.network_error or "no network yet: press Deposit")
        return out

    # -- electrodes (undoable) ----------------------------------------------------------------

    @property
    def electrodes(self) -> tuple[ElectrodeSpec, ...]:
        return self.scenario.electrodes

    def _commit_electrodes(self, label: str, electrodes: tuple[ElectrodeSpec, ...]) -> None:
        # Each electrode is re-checked under its key path, with waveform files read from the
        # scenario's folder; the Scenario itself refuses duplicate names and an undriven set.
        before = self.scenario
        electrodes = tuple(check_electrode(e, where=f"electrodes[{k}]", base_dir=before.base_dir)
                           for k, e in enumerate(electrodes))
        after = dataclasses.replace(before, electrodes=electrodes)
        if after == before:
            return
        self._undo.append((label, before, after))
        self._redo.clear()
        self._apply(after)

    def _apply(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._set_dirty(True)
        self.events.emit("scenario", scenario)
        self.events.emit("electrodes", scenario.electrodes)
        self._rebuild()

    def add_electrode(self, shape: dict, *, name: str | None = None,
                      source: SourceSpec | None = None) -> str:
        """Add an electrode (floating unless ``source``); returns its name."""
        name = name or unique_name([e.name for e in self.electrodes])
        spec = ElectrodeSpec(name, shape, source or SourceSpec("floating"))  # floats it
        self._commit_electrodes(f"add electrode {name}", self.electrodes + (spec,))
        return name

    def edit_electrode(self, name: str, *, shape: dict | None = None,
                       source: SourceSpec | None = None, new_name: str | None = None) -> None:
        """Change an electrode's shape, source or name."""
        spec = self.scenario.electrode(name)
        changed = dataclasses.replace(
            spec,
            name=spec.name if new_name is None else new_name.strip(),
            shape=spec.shape if shape is None else shape,
            source=spec.source if source is None else source,
        )
        what = "rename" if new_name is not None else ("move" if shape is not None else "edit")
        self._commit_electrodes(f"{what} electrode {name}",
                                tuple(changed if e.name == name else e
                                      for e in self.electrodes))

    def remove_electrode(self, name: str) -> None:
        self.scenario.electrode(name)
        self._commit_electrodes(f"delete electrode {name}",
                                tuple(e for e in self.electrodes if e.name != name))

    def set_electrodes(self, electrodes: Sequence[ElectrodeSpec], *,
                       label: str = "set electrodes") -> None:
        """Replace all electrodes at once (layout presets, layouts loaded from a file)."""
        self._commit_electrodes(label, tuple(electrodes))

    def undo_text(self) -> str | None:
        return self._undo[-1][0] if self._undo else None

    def redo_text(self) -> str | None:
        return self._redo[-1][0] if self._redo else None

    def undo(self) -> None:
        if not self._undo:
            return
        entry = self._undo.pop()
        self._redo.append(entry)
        self._apply(entry[1])

    def redo(self) -> None:
        if not self._redo:
            return
        entry = self._redo.pop()
        self._undo.append(entry)
        self._apply(entry[2])

    # -- network ------------------------------------------------------------------------------

    def deposit_all(self) -> None:
        """Deposit every wire of the scenario at once: :func:`nwn.engine.build.deposit_wires`,
        the same wires ``nwn run`` builds for this scenario and seed."""
        self.set_wires(deposit_wires(self.scenario))

    def set_wires(self, wires, junctions=None, *, prepared: NetworkBuild | None = None) -> None:
        """Use these wires (and their junctions, found here if not given).

        ``prepared``: :meth:`prepare_network` of the same wires and junctions, computed off the
        GUI thread (building 100,000 wires' graph takes ~0.5 s); used if the electrodes and
        network settings it was built for are still the document's."""
        if junctions is None:
            junctions = find_junctions(wires)
        self._wires = wires
        self._junctions = junctions
        if prepared is not None and prepared.wires is wires and \
                prepared.electrodes == self.electrodes and \
                prepared.network_spec == self.scenario.network:
            self._apply_build(prepared)
        else:
            self._rebuild()

    def clear_network(self) -> None:
        self._wires = None
        self._junctions = None
        self.rebuilding = False
        self.built = None
        self.flagged = ()
        self.network_error = None
        self.events.emit("network", None)

    @property
    def wires(self):
        return self._wires

    @property
    def junctions(self):
        return self._junctions

    def touching_wires(self) -> dict[str, np.ndarray]:
        """Indices of the wires each electrode touches, by electrode name."""
        if self._wires is None:
            return {}
        cached = self._touching
        if cached is not None and cached[0] is self._wires and cached[1] == self.electrodes:
            return dict(cached[2])

        electrodes = geometry_electrodes(self.electrodes)
        return dict(zip((e.name for e in electrodes), wires_touching(self._wires, electrodes),
                        strict=True))

    def prepare_network(self, wires, junctions) -> NetworkBuild:
        """The circuit graph of ``wires`` with this document's electrodes, without changing the
        document: safe to call in a worker thread, then hand to :meth:`set_wires`."""
        return prepare_network(wires, junctions, self.electrodes, self.scenario.network)

    def _rebuild(self) -> None:
        if self._wires is None:
            return
        if self.builder is not None:
            self.rebuilding = True  # Run waits for it (problems)
            self.builder(self._wires, self._junctions)
            return
        self._apply_build(self.prepare_network(self._wires, self._junctions))

    def apply_build(self, build: NetworkBuild) -> bool:
        """Use a :meth:`prepare_network` result computed elsewhere; False (and nothing
        changes) when it is not for the document's wires, electrodes and network settings
        now (an edit came after it was asked for: that edit's build follows)."""
        if build.wires is not self._wires or build.electrodes != self.electrodes or \
                build.network_spec != self.scenario.network:
            return False
        self._apply_build(build)
        return True

    def _apply_build(self, build: NetworkBuild) -> None:
        self.rebuilding = False
        self.flagged = build.flagged
        self._touching = (build.wires, build.electrodes, build.touching)
        self.network_error = build.error
        self.built = build.built
        self.events.emit("network", self.built)


@dataclasses.dataclass(frozen=True)
class NetworkBuild:
    """What :func:`prepare_network` found: the built network, or why there is none.

    Attributes
    ----------
    wires, junctions
        What it was built from.
    electrodes : tuple of ElectrodeSpec
    network_spec
        The scenario's ``[network]`` section it used.
    flagged : tuple of str
        Electrodes touching no wire.
    touching : dict
        Indices of the wires each electrode touches, by name.
    built : BuiltNetwork or None
    error : str or None
        One line: why nothing was built.
    """

    wires: object
    junctions: object
    electrodes: tuple
    network_spec: object
    flagged: tuple[str, ...]
    touching: dict
    built: BuiltNetwork | None
    error: str | None


def prepare_network(wires, junctions, electrodes: Sequence[ElectrodeSpec],
                    spec) -> NetworkBuild:
    """Build the circuit graph of ``wires`` (and ``junctions``) with ``electrodes`` and the
    ``[network]`` settings ``spec``; touches no document (runs in a worker thread)."""

    electrodes = tuple(electrodes)
    geometry = geometry_electrodes(electrodes)
    touching = dict(zip((e.name for e in geometry), wires_touching(wires, geometry),
                        strict=True))
    flagged = tuple(name for name, index in touching.items() if index.size == 0)
    built = None
    error = None
    if flagged:
        error = f"electrode {flagged[0]!r} touches no wire"
    elif not electrodes:
        error = "no electrodes: draw some or pick a layout"
    else:
        try:
            network = build_network(wires, junctions, list(geometry), mode=spec.mode,
                                    wire_resistivity=spec.wire_resistivity,
                                    contact_resistance=spec.contact_resistance)
            check_shorting_wires(electrodes, [touching[e.name] for e in electrodes])
        except ValueError as exc:
            error = str(exc).splitlines()[0]
        else:
            built = BuiltNetwork(wires=wires, junctions=junctions, electrodes=geometry,
                                 network=network)
    return NetworkBuild(wires=wires, junctions=junctions, electrodes=electrodes,
                        network_spec=spec, flagged=flagged, touching=touching, built=built,
                        error=error)

def _scenario_dict(scenario: Scenario) -> dict:
    """The scenario as the mapping :func:`parse_scenario` reads (via its TOML text)."""
    import tomllib

    return tomllib.loads(scenario_to_toml(scenario))
