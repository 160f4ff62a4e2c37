"""Junction agent models: every junction is an agent with its own state, parameters and
random stream, advanced over dt at constant voltage by one numba call for all junctions.

>>> import numpy as np
>>> model = make_model("rate", 3, rng=np.random.default_rng(0))
>>> model.advance(np.array([0.0, 1.0, 2.0]), 1e-3)
>>> model.conductance().shape
(3,)

Models (``MODELS``): ``rate``, ``filament``, ``ou_jump``, ``threshold``, ``ohmic``, ``hp``,
``decay_hp``, ``mss``; see each module for equations, defaults and sources. Models of other
packages join them through the ``nwn.junction_models`` entry points (:mod:`.plugins`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nwn.geometry.checks import InputError

from .base import JunctionModel, Param
from .filament import FilamentModel
from .hp import DecayHPModel, HPModel
from .mss import MSSModel
from .ohmic import OhmicModel
from .ou_jump import OUJumpModel
from .plugins import load_plugins, register_model
from .rate import RateModel
from .threshold import ThresholdModel

__all__ = ["BUILTIN_MODELS", "MODELS", "JunctionModel", "Param", "load_plugins", "make_model",
           "register_model"]

MODELS: dict[str, type[JunctionModel]] = {
    cls.name: cls for cls in (RateModel, FilamentModel, OUJumpModel, ThresholdModel, OhmicModel,
                              HPModel, DecayHPModel, MSSModel)
}
#: The models that ship with nwn-studio (plugins may not take their names).
BUILTIN_MODELS = tuple(MODELS)

load_plugins()


def make_model(
    name: str,
    n_junctions: int,
    *,
    params: Mapping[str, Any] | None = None,
    spread: Mapping[str, Any] | None = None,
    initial: Mapping[str, Any] | None = None,
    rng: np.random.Generator,
) -> JunctionModel:
    """Build a junction model for ``n_junctions`` agents.

    Parameters
    ----------
    name : str
        One of ``MODELS``.
    n_junctions : int
        Number of junctions M.
    params : dict, optional
        Scalar parameter values; missing ones take the documented defaults.
    spread : dict, optional
        ``{param: {"distribution": "lognormal" | "normal", "relative_width": w}}``:
        per-junction values with mean = the parameter and relative standard deviation w.
    initial : dict, optional
        ``{"value": x0}`` or ``{"uniform": [a, b]}`` for the normalized state in [0, 1].
    rng : numpy.random.Generator
        Source of spread, initial state and per-junction streams (drawn in that order).

    Returns
    -------
    JunctionModel

    Raises
    ------
    InputError
        Unknown model (``junction.model``), unknown or out-of-range parameter
        (``junction.params.<name>``), bad spread or initial state.
    """
    if name not in MODELS:
        allowed = ", ".join(repr(m) for m in MODELS)
        raise InputError(f"junction.model must be one of {allowed} (got {name!r})")
    return MODELS[name](n_junctions, params=params, spread=spread, initial=initial, rng=rng)
