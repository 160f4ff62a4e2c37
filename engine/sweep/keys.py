"""Key paths into a scenario, and the members of a sweep.

A key path names one value of a scenario file exactly as the validator names it in its
messages: dotted table keys and ``[i]`` list indices, e.g. ``junction.params.eta_p``,
``network.n_wires``, ``electrodes[0].source.waveform.value`` or ``run.dt``. A sweep varies a
few key paths over lists of values; its members are the Cartesian product of those lists (or,
with ``zip=True``, the lists read side by side) times the seeds, seed innermost::

    member index = ravel_multi_index((i_key1, ..., i_keyN, i_seed), shape)

Each member's scenario is the base scenario's TOML mapping with the member's values written
at their key paths, parsed again with :func:`nwn.engine.scenario.parse_scenario`, so every
refusal is the scenario's own one-line message; the seed is then set as ``nwn run --seed``
sets it.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nwn.engine import limits
from nwn.engine.scenario import Scenario, parse_scenario, scenario_to_toml, toml_value
from nwn.geometry.checks import InputError, check_choice

__all__ = ["MAX_MEMBERS", "RESEED", "Member", "SweepDefinition", "format_value", "parse_values",
           "set_key"]

#: The most members one sweep may have: beyond it the member table and the validation pass
#: alone outgrow a laptop, and such a count is nearly always a typo in a list.
MAX_MEMBERS = 100_000

#: What a member's seed changes: ``"all"`` (wires and junction streams, as ``nwn run --seed``)
#: or ``"dynamics"`` (the wires stay those of the scenario's own seed; only the junction
#: agents' streams change: one device measured again and again).
RESEED = ("all", "dynamics")

_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)$")


def _split(key: str) -> list[str | int]:
    """``"electrodes[0].source.kind"`` -> ``["electrodes", 0, "source", "kind"]``."""
    if not isinstance(key, str) or not key.strip():
        raise InputError(f"a key path must be a non-empty text such as 'junction.params.eta_p' "
                         f"(got {key!r})")
    steps: list[str | int] = []
    for part in key.strip().split("."):
        match = _PART.match(part)
        if match is None:
            raise InputError(f"key path {key!r} is not of the form 'table.key' or "
                             f"'list[index].key' (e.g. electrodes[0].source.waveform.value)")
        steps.append(match.group(1))
        steps += [int(i) for i in re.findall(r"\[(\d+)\]", match.group(2))]
    return steps


def _join(steps: Sequence[str | int]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def set_key(data: dict, key: str, value: Any) -> None:
    """Write ``value`` at key path ``key`` of a scenario mapping, in place.

    Missing tables on the way are created (``junction.params`` may be absent from a file that
    keeps every default); whether the key itself is allowed is for the scenario parser to say.

    Raises
    ------
    InputError
        When the path runs through a value that is not a table or a list, or past a list's end.
    """
    steps = _split(key)
    node: Any = data
    for depth, step in enumerate(steps[:-1]):
        here = _join(steps[: depth + 1])
        following = steps[depth + 1]
        if isinstance(step, int):
            if not isinstance(node, list):
                raise InputError(f"key path {key!r}: {_join(steps[:depth]) or 'scenario'} "
                                 f"is not a list")
            if step >= len(node):
                raise InputError(f"key path {key!r}: {_join(steps[:depth])} has "
                                 f"{len(node)} entries (index {step} is past the end)")
            node = node[step]
        else:
            if not isinstance(node, dict):
                raise InputError(f"key path {key!r}: {_join(steps[:depth])} is not a table "
                                 f"(got {node!r})")
            if step not in node:
                node[step] = [] if isinstance(following, int) else {}
            node = node[step]
        if isinstance(following, int) and not isinstance(node, list):
            raise InputError(f"key path {key!r}: {here} is not a list (got {node!r})")
        if isinstance(following, str) and not isinstance(node, dict):
            raise InputError(f"key path {key!r}: {here} is not a table (got {node!r})")
    last = steps[-1]
    if isinstance(last, int):
        if last >= len(node):
            raise InputError(f"key path {key!r}: {_join(steps[:-1])} has {len(node)} entries "
                             f"(index {last} is past the end)")
    node[last] = value


def format_value(value: Any) -> str:
    """A value as the user writes it in a scenario file (inline TOML)."""
    try:
        return toml_value(value)
    except InputError:
        return repr(value)


def _split_top(text: str) -> list[str]:
    """Split ``text`` on the commas that are outside brackets, braces and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_values(key: str, text: str) -> list[Any]:
    """Values of ``--vary KEY=V1,V2,...``: each an inline TOML value, bare words as text.

    ``5`` is an integer, ``5.0`` and ``1e-3`` are floats, ``[1, 2]`` a list, ``rate`` or
    ``"rate"`` the text ``rate``.
    """
    values = []
    for part in _split_top(text):
        if not part:
            raise InputError(f"--vary {key}: empty value in {text!r} "
                             f"(give comma-separated values, e.g. {key}=5,10,20)")
        try:
            values.append(tomllib.loads(f"v = {part}")["v"])
        except tomllib.TOMLDecodeError:
            values.append(part)  # a bare word: text such as a model name
    return values


def _coerce(value: Any) -> Any:
    """numpy scalars and tuples as the plain values a TOML mapping holds."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return [_coerce(v) for v in value]
    if isinstance(value, list):
        return [_coerce(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _coerce(v) for k, v in value.items()}
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal as scenario values (5 and 5.0 are the same number)."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class Member:
    """One run of a sweep.

    Attributes
    ----------
    index : int
        Position in the member table (C order over the sweep's shape, seed innermost).
    position : tuple of int
        Index along each of the sweep's dimensions (varied keys, or the zipped ``case``, then
        ``seed``).
    values : tuple
        The member's value of each varied key, in the sweep's key order.
    seed : int
    """

    index: int
    position: tuple[int, ...]
    values: tuple
    seed: int

    def label(self, keys: Sequence[str]) -> str:
        """``"network.n_wires=200, seed 3"``."""
        parts = [f"{k}={format_value(v)}" for k, v in zip(keys, self.values, strict=True)]
        return ", ".join(parts + [f"seed {self.seed}"])


@dataclass(frozen=True)
class SweepDefinition:
    """What a sweep varies: key paths and their values, the seeds, and what the seed changes.

    Build with :meth:`make`, which checks everything.

    Attributes
    ----------
    keys : tuple of str
        Varied key paths, in the user's order (one dimension each unless ``zip``).
    values : tuple of tuple
        The values of each key.
    zip : bool
        Lists read side by side (one ``case`` dimension) instead of their product.
    seeds : tuple of int
    reseed : {"all", "dynamics"}
        See :data:`RESEED`.
    """

    keys: tuple[str, ...]
    values: tuple[tuple, ...]
    zip: bool
    seeds: tuple[int, ...]
    reseed: str = "all"

    @classmethod
    def make(cls, vary: Mapping[str, Sequence] | Iterable[tuple[str, Sequence]] | None,
             seeds: Iterable[int], *, zip: bool = False, reseed: str = "all"
             ) -> SweepDefinition:
        """Check a sweep's description and return it.

        Parameters
        ----------
        vary : mapping or sequence of (key, values) pairs, optional
            Pairs let a caller (the command line) report a key given twice.
        seeds : iterable of int
            Distinct seeds >= 0, at least one.
        zip : bool
        reseed : {"all", "dynamics"}

        Raises
        ------
        InputError
            A bad key path, an empty list, a value listed twice, a key given twice (or inside
            another varied key), lists of unequal length with ``zip``, or too many members.
        """
        pairs = list(vary.items()) if isinstance(vary, Mapping) else list(vary or ())
        keys: list[str] = []
        values: list[tuple] = []
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise InputError(f"vary must map key paths to lists of values (got {pair!r})")
            key, items = pair
            steps = _split(key)
            key = _join(steps)
            if key == "seed":
                raise InputError("vary: the seed is varied with seeds (e.g. --seeds 8), "
                                 "not as a key")
            if key in keys:
                raise InputError(f"vary: key {key!r} is given twice (give each key once, "
                                 f"with all its values)")
            for other in keys:
                if key.startswith(other + ".") or key.startswith(other + "[") or \
                        other.startswith(key + ".") or other.startswith(key + "["):
                    raise InputError(f"vary: key {key!r} overlaps {other!r} (one lies inside "
                                     f"the other; vary one of them)")
            if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
                raise InputError(f"vary[{key!r}] must be a list of values (got {items!r})")
            items = tuple(_coerce(v) for v in items)
            if not items:
                raise InputError(f"vary[{key!r}] must list at least one value (got none)")
            for i, item in enumerate(items):
                if item is None:
                    raise InputError(f"vary[{key!r}][{i}] has no value (got None)")
                for earlier in items[:i]:
                    if _same(item, earlier):
                        raise InputError(f"vary[{key!r}] lists {format_value(item)} twice "
                                         f"(values must be distinct)")
            keys.append(key)
            values.append(items)
        seeds = list(seeds)
        if not seeds:
            raise InputError("seeds must list at least one seed (got none)")
        checked = []
        for i, seed in enumerate(seeds):
            seed = limits.check_seed(f"seeds[{i}]", seed)
            if seed in checked:
                raise InputError(f"seeds lists seed {seed} twice (seeds must be distinct)")
            checked.append(seed)
        reseed = check_choice("reseed", reseed, RESEED)
        if zip and values:
            lengths = {len(v) for v in values}
            if len(lengths) > 1:
                listed = ", ".join(f"{k}: {len(v)}" for k, v in
                                   itertools.zip_longest(keys, values))
                raise InputError(f"zip needs lists of equal length (got {listed})")
        definition = cls(keys=tuple(keys), values=tuple(values), zip=bool(zip and values),
                         seeds=tuple(checked), reseed=reseed)
        count = math.prod(definition.shape)
        if count > MAX_MEMBERS:
            raise InputError(f"the sweep has {count:,} members (allowed: at most "
                             f"{MAX_MEMBERS:,}; shorten a list or use fewer seeds)")
        return definition

    # -- shape ----------------------------------------------------------------------------

    @property
    def dims(self) -> tuple[str, ...]:
        """Dimension names: one per key (or ``case`` when zipped), then ``seed``."""
        if self.zip:
            return ("case", "seed")
        return self.keys + ("seed",)

    @property
    def shape(self) -> tuple[int, ...]:
        """Length of each dimension of :attr:`dims`."""
        if self.zip:
            return (len(self.values[0]), len(self.seeds))
        return tuple(len(v) for v in self.values) + (len(self.seeds),)

    @property
    def n_members(self) -> int:
        return math.prod(self.shape)

    @property
    def n_cases(self) -> int:
        """Number of distinct key combinations (members per seed)."""
        return self.n_members // len(self.seeds)

    def case_values(self, case: int) -> tuple:
        """The key values of key combination ``case`` (C order over the key dimensions)."""
        if self.zip:
            return tuple(v[case] for v in self.values)
        position = np.unravel_index(case, self.shape[:-1]) if self.keys else ()
        return tuple(v[int(i)] for v, i in zip(self.values, position, strict=True))

    def member(self, index: int) -> Member:
        """Member ``index`` of the member table."""
        position = tuple(int(i) for i in np.unravel_index(index, self.shape))
        case = index // len(self.seeds)
        return Member(index=int(index), position=position, values=self.case_values(case),
                      seed=self.seeds[position[-1]])

    def members(self) -> Iterator[Member]:
        """Every member, in member-table order."""
        for index in range(self.n_members):
            yield self.member(index)

    # -- storage --------------------------------------------------------------------------

    def to_json(self) -> str:
        """The definition as JSON text (stored in the results file, compared on resume)."""
        return json.dumps({"keys": list(self.keys), "values": [list(v) for v in self.values],
                           "zip": self.zip, "seeds": list(self.seeds),
                           "reseed": self.reseed}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SweepDefinition:
        data = json.loads(text)
        return cls(keys=tuple(data["keys"]), values=tuple(tuple(v) for v in data["values"]),
                   zip=bool(data["zip"]), seeds=tuple(data["seeds"]),
                   reseed=data.get("reseed", "all"))

    # -- scenarios ------------------------------------------------------------------------

    def case_scenarios(self, scenario: Scenario,
                       check: Callable[[Scenario], None] | None = None) -> list[Scenario]:
        """Each key combination's scenario, parsed and validated (seed still the base one).

        ``check(case)``, if given, is called on each too (a runner's own checks).

        Raises
        ------
        InputError
            For the first combination the scenario (or ``check``) refuses, naming the member
            and the scenario's own message (which names the key path).
        """
        base = tomllib.loads(scenario_to_toml(scenario))
        out = []
        for case in range(self.n_cases):
            values = self.case_values(case)
            first = self.member(case * len(self.seeds))
            data = json.loads(json.dumps(base))  # a deep copy of plain TOML data
            try:
                for key, value in zip(self.keys, values, strict=True):
                    set_key(data, key, value)
                out.append(parse_scenario(data, base_dir=scenario.base_dir))
                if check is not None:
                    check(out[-1])
            except InputError as error:
                where = ", ".join(f"{k}={format_value(v)}"
                                  for k, v in zip(self.keys, values, strict=True))
                where = f" ({where})" if where else ""
                raise InputError(f"sweep member {first.index}{where}: {error}") from None
        return out

    def member_scenario(self, cases: Sequence[Scenario], member: Member) -> Scenario:
        """The scenario member ``member`` runs: its case's scenario with the member's seed.

        With ``reseed="all"`` the seed is set exactly as ``nwn run --seed`` sets it. With
        ``"dynamics"`` the scenario keeps its own seed (the wires); the runner takes the
        member's seed for the junction streams.
        """
        case = cases[member.index // len(self.seeds)]
        if self.reseed == "all":
            return dataclasses.replace(case, seed=member.seed)
        return case
