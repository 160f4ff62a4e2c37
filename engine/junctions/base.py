"""Shared machinery of the junction agent models: parameters, spread, initial state.

A model class declares ``PARAMETERS`` (name -> :class:`Param`); the base class resolves user
values against it, draws per-junction parameter arrays for device variability, draws the
initial normalized state, and gives every model the same public interface::

    model.name, model.n_junctions, model.parameters
    model.conductance(out=None) -> (M,) S
    model.state() -> (M,) normalized display state in [0, 1]
    model.advance(junction_voltage, dt)
    model.get_state() / model.set_state(d)
    model.describe_parameters() -> [(name, default, unit, meaning), ...]

Random draws happen in a fixed order at construction: spread arrays (in ``PARAMETERS``
order), then the initial state, then the per-junction streams. Errors name the scenario key
path: ``junction.params.<name>``, ``junction.spread.<name>``, ``junction.initial``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from nwn.geometry.checks import InputError, check_finite, check_int

__all__ = ["Param", "JunctionModel"]

_SPREAD_KINDS = ("lognormal", "normal")


@dataclass(frozen=True)
class Param:
    """One model parameter: default, SI unit, meaning and allowed values.

    Attributes
    ----------
    default : float, int or str
        Published (or documented) default value.
    unit : str
        SI unit ("" for dimensionless).
    meaning : str
        One-line description for docs and the GUI.
    low, high : float or None
        Allowed range; ``low_open``/``high_open`` make the bound strict.
    integer : bool
        Value must be an integer.
    choices : tuple of str or None
        Value must be one of these strings (then ``default`` is a str).
    spreadable : bool
        Whether device-to-device spread may be requested for it.
    """

    default: float | int | str
    unit: str
    meaning: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    choices: tuple[str, ...] | None = None
    spreadable: bool = True

    def allowed(self) -> str:
        """Human-readable allowed range, e.g. ``> 0`` or ``in [0, 1]``."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        kind = "an integer" if self.integer else "a number"
        return kind + (" " + " and ".join(parts) if parts else "")

    def validate(self, key: str, value: Any) -> float | int | str:
        """Return ``value`` converted and checked; raise InputError naming ``key``."""
        if self.choices is not None:
            if not isinstance(value, str) or value not in self.choices:
                raise InputError(f"{key} must be {self.allowed()} (got {value!r})")
            return value
        if self.integer:
            number: float | int = check_int(key, value)
        else:
            number = check_finite(key, value)
        if not self.contains(number):
            raise InputError(f"{key} must be {self.allowed()} (got {value!r})")
        return number

    def contains(self, number: float) -> bool:
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            return False
        if self.high is not None and (
            number > self.high or (self.high_open and number == self.high)
        ):
            return False
        return True

    def contains_array(self, values: np.ndarray) -> np.ndarray:
        ok = np.isfinite(values)
        if self.low is not None:
            ok &= values > self.low if self.low_open else values >= self.low
        if self.high is not None:
            ok &= values < self.high if self.high_open else values <= self.high
        return ok


class JunctionModel:
    """Base class of all junction agent models (see the module docstring for the interface).

    Subclasses set ``name``, ``PARAMETERS`` and ``STATE_DTYPES`` and implement
    ``_initialize(x0, rng)``, ``_advance(voltage, dt)``, ``conductance`` and ``state``; they
    may override ``_check_relations`` for constraints between parameters.
    """

    name: ClassVar[str] = ""
    PARAMETERS: ClassVar[dict[str, Param]] = {}
    #: names and dtypes of the arrays returned by ``get_state`` (all of shape (M, ...)).
    STATE_DTYPES: ClassVar[dict[str, type]] = {}
    #: whether ``initial`` is meaningful for this model.
    HAS_INITIAL: ClassVar[bool] = True

    def __init__(
        self,
        n_junctions: int,
        *,
        params: Mapping[str, Any] | None = None,
        spread: Mapping[str, Any] | None = None,
        initial: Mapping[str, Any] | None = None,
        rng: np.random.Generator,
    ) -> None:
        if not isinstance(rng, np.random.Generator):
            raise InputError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})")
        self.n_junctions = check_int("n_junctions", n_junctions, minimum=0)
        self.parameters = self.resolve_parameters(params)
        self._arrays = self._draw_spread(spread, rng)
        x0 = self._draw_initial(initial, rng)
        self._initialize(x0, rng)

    # ---- parameters -------------------------------------------------------------------

    @classmethod
    def resolve_parameters(cls, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Fill defaults into ``params`` and validate every value and relation.

        Raises
        ------
        InputError
            Unknown name or bad value, naming ``junction.params.<name>``.
        """
        given = {} if params is None else params
        if not isinstance(given, Mapping):
            raise InputError(f"junction.params must be a table (got {type(given).__name__})")
        unknown = [key for key in given if key not in cls.PARAMETERS]
        if unknown:
            allowed = ", ".join(cls.PARAMETERS)
            raise InputError(
                f"junction.params.{unknown[0]} is not a parameter of model {cls.name!r} "
                f"(allowed: {allowed})"
            )
        resolved = {}
        for key, param in cls.PARAMETERS.items():
            value = given.get(key, param.default)
            resolved[key] = param.validate(f"junction.params.{key}", value)
        cls._check_relations(
            {k: np.asarray(v) for k, v in resolved.items() if not isinstance(v, str)},
            "junction.params",
        )
        return resolved

    @classmethod
    def _check_relations(cls, values: dict[str, np.ndarray], where: str) -> None:
        """Refuse inconsistent parameter combinations (arrays or scalars); override."""

    @staticmethod
    def _require(ok: np.ndarray | bool, where: str, name: str, rule: str, values) -> None:
        ok = np.asarray(ok)
        if not np.all(ok):
            if ok.ndim == 0:
                got = f"got {float(np.asarray(values[name])):.6g}"
            else:
                got = f"violated by {int(np.count_nonzero(~ok))} junctions; reduce the spread"
            raise InputError(f"{where}.{name} must satisfy {rule} ({got})")

    @classmethod
    def describe_parameters(cls) -> list[tuple[str, Any, str, str]]:
        """List of (name, default, unit, meaning), in declaration order."""
        return [(k, p.default, p.unit, p.meaning) for k, p in cls.PARAMETERS.items()]

    def parameter_array(self, name: str) -> np.ndarray:
        """Per-junction values of a numeric parameter, (M,) float64 (a copy)."""
        return self._arrays[name].copy()

    def _draw_spread(self, spread: Mapping[str, Any] | None, rng) -> dict[str, np.ndarray]:
        m = self.n_junctions
        arrays = {
            key: np.full(m, float(value))
            for key, value in self.parameters.items()
            if not isinstance(value, str)
        }
        given = {} if spread is None else spread
        if not isinstance(given, Mapping):
            raise InputError(f"junction.spread must be a table (got {type(given).__name__})")
        for key in given:
            if key not in self.PARAMETERS:
                raise InputError(
                    f"junction.spread.{key} is not a parameter of model {self.name!r} "
                    f"(allowed: {', '.join(self.PARAMETERS)})"
                )
            if not self.PARAMETERS[key].spreadable:
                raise InputError(f"junction.spread.{key}: {key} cannot vary between junctions")
        for key, param in self.PARAMETERS.items():  # declaration order fixes the rng order
            if key not in given:
                continue
            where = f"junction.spread.{key}"
            entry = given[key]
            if not isinstance(entry, Mapping):
                raise InputError(f"{where} must be a table (got {type(entry).__name__})")
            extra = set(entry) - {"distribution", "relative_width"}
            if extra:
                raise InputError(
                    f"{where}.{sorted(extra)[0]} is not a spread option "
                    "(allowed: distribution, relative_width)"
                )
            kind = entry.get("distribution", "lognormal")
            if kind not in _SPREAD_KINDS:
                raise InputError(
                    f"{where}.distribution must be one of 'lognormal', 'normal' (got {kind!r})"
                )
            if "relative_width" not in entry:
                raise InputError(f"{where}.relative_width is required")
            width = check_finite(f"{where}.relative_width", entry["relative_width"])
            if width < 0:
                raise InputError(f"{where}.relative_width must be >= 0 (got {width:g})")
            arrays[key] = _draw_spread_array(
                where, param, float(self.parameters[key]), kind, width, m, rng
            )
        self._check_relations(arrays, "junction.spread")
        return arrays

    def _draw_initial(self, initial: Mapping[str, Any] | None, rng) -> np.ndarray | None:
        if initial is None or (isinstance(initial, Mapping) and len(initial) == 0):
            return None  # an empty table (a scenario without [junction.initial]) = default
        if not self.HAS_INITIAL:
            raise InputError(f"junction.initial is not used by model {self.name!r}; remove it")
        if not isinstance(initial, Mapping) or len(initial) != 1:
            raise InputError(
                "junction.initial must hold exactly one of 'value' or 'uniform' "
                f"(got {initial!r})"
            )
        (kind, spec), = initial.items()
        m = self.n_junctions
        if kind == "value":
            value = check_finite("junction.initial.value", spec)
            if not 0.0 <= value <= 1.0:
                raise InputError(f"junction.initial.value must be in [0, 1] (got {value:g})")
            return np.full(m, value)
        if kind == "uniform":
            if (
                isinstance(spec, (str, bytes))
                or not hasattr(spec, "__len__")
                or len(spec) != 2
            ):
                raise InputError(
                    f"junction.initial.uniform must be a pair [low, high] (got {spec!r})"
                )
            low = check_finite("junction.initial.uniform[0]", spec[0])
            high = check_finite("junction.initial.uniform[1]", spec[1])
            if not 0.0 <= low <= high <= 1.0:
                raise InputError(
                    "junction.initial.uniform must satisfy 0 <= low <= high <= 1 "
                    f"(got [{low:g}, {high:g}])"
                )
            return rng.uniform(low, high, size=m)
        raise InputError(
            f"junction.initial.{kind} is not an initial-state option (allowed: value, uniform)"
        )

    # ---- state --------------------------------------------------------------------------

    def get_state(self) -> dict[str, np.ndarray]:
        """Full dynamic state, random streams included, as copies."""
        return {key: getattr(self, "_" + key).copy() for key in self.STATE_DTYPES}

    def set_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Restore a state returned by :meth:`get_state` exactly (values are copied)."""
        if not isinstance(state, Mapping) or set(state) != set(self.STATE_DTYPES):
            got = sorted(state) if isinstance(state, Mapping) else type(state).__name__
            raise InputError(
                f"state for model {self.name!r} must have keys {sorted(self.STATE_DTYPES)} "
                f"(got {got})"
            )
        new = {}
        for key, dtype in self.STATE_DTYPES.items():
            current = getattr(self, "_" + key)
            array = np.asarray(state[key])
            if array.shape != current.shape or array.dtype != np.dtype(dtype):
                raise InputError(
                    f"state[{key!r}] must be a {current.shape} {np.dtype(dtype)} array "
                    f"(got {array.shape} {array.dtype})"
                )
            if key == "rng" and array.size and np.any(~array.any(axis=1)):
                raise InputError("state['rng'] holds an all-zero xoshiro256** state")
            new[key] = np.ascontiguousarray(array).copy()
        for key, array in new.items():
            setattr(self, "_" + key, array)

    # ---- stepping -------------------------------------------------------------------------

    def advance(self, junction_voltage: np.ndarray, dt: float) -> None:
        """Advance every junction over ``dt`` at constant voltage, in place.

        Parameters
        ----------
        junction_voltage : (M,) array_like
            Voltage across each junction, V (sign matters only for ``threshold``).
        dt : float
            Time step, s (> 0).
        """
        voltage = np.asarray(junction_voltage, dtype=np.float64)
        if voltage.shape != (self.n_junctions,):
            raise InputError(
                f"junction_voltage must have shape ({self.n_junctions},) (got {voltage.shape})"
            )
        step = float(dt)
        if not (step > 0.0 and math.isfinite(step)):
            raise InputError(f"dt must be a finite number > 0 (got {dt!r})")
        if not np.isfinite(voltage).all():
            bad = int(np.count_nonzero(~np.isfinite(voltage)))
            raise InputError(f"junction_voltage must be finite (got {bad} NaN or inf)")
        self._advance(np.ascontiguousarray(voltage), step)

    def _out(self, out: np.ndarray | None) -> np.ndarray:
        if out is None:
            return np.empty(self.n_junctions)
        if out.shape != (self.n_junctions,) or out.dtype != np.float64:
            raise InputError(
                f"out must be a ({self.n_junctions},) float64 array (got {out.shape} {out.dtype})"
            )
        return out

    # subclass hooks
    def _initialize(self, x0: np.ndarray | None, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _advance(self, voltage: np.ndarray, dt: float) -> None:
        raise NotImplementedError

    def conductance(self, out: np.ndarray | None = None) -> np.ndarray:
        """Current conductance of every junction, (M,) float64, S."""
        raise NotImplementedError

    def state(self) -> np.ndarray:
        """Normalized display state of every junction, (M,) float64 in [0, 1]."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {self.n_junctions} junctions>"


def _draw_spread_array(
    where: str, param: Param, nominal: float, kind: str, width: float, m: int, rng
) -> np.ndarray:
    """Per-junction values with mean ``nominal`` and standard deviation ``width*|nominal|``.

    lognormal: exp(N(mu, s)) with s**2 = ln(1 + w**2), mu = ln(nominal) - s**2/2, so the
    mean and relative standard deviation are exactly ``nominal`` and ``w``; needs nominal > 0.
    normal: nominal * (1 + w * N(0, 1)), redrawing values outside the allowed range (a
    truncation that is negligible for the widths this is meant for, w <~ 0.3).
    """
    if width == 0.0 or m == 0:
        return np.full(m, nominal)
    if kind == "lognormal":
        if nominal <= 0.0:
            raise InputError(
                f"{where}.distribution 'lognormal' needs a positive parameter (got {nominal:g}); "
                "use 'normal'"
            )
        s2 = math.log1p(width * width)
        values = rng.lognormal(math.log(nominal) - 0.5 * s2, math.sqrt(s2), size=m)
        bad = ~param.contains_array(values)
        if np.any(bad):
            raise InputError(
                f"{where}.relative_width {width:g} puts {int(bad.sum())} values outside the "
                f"allowed range ({param.allowed()}); reduce it"
            )
        return values
    values = nominal * (1.0 + width * rng.standard_normal(m))
    for _ in range(100):
        bad = ~param.contains_array(values)
        count = int(bad.sum())
        if count == 0:
            return values
        values[bad] = nominal * (1.0 + width * rng.standard_normal(count))
    raise InputError(
        f"{where}.relative_width {width:g} keeps drawing values outside the allowed range "
        f"({param.allowed()}); reduce it or use 'lognormal'"
    )
