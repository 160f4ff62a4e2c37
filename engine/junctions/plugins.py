"""Junction models from other packages: the ``nwn.junction_models`` entry points.

A package adds a model without forking nwn-studio by declaring, in its ``pyproject.toml``::

    [project.entry-points."nwn.junction_models"]
    linear_memristor = "my_package.module:LinearMemristor"

where the class subclasses :class:`~nwn.engine.junctions.base.JunctionModel` and its ``name``
equals the entry point's name. Installed packages are found when :mod:`nwn.engine.junctions`
is first imported; their models join ``MODELS``, so scenario files name them
(``[junction] model = "linear_memristor"``), and the GUI's parameter form, the recorder,
sweeps and every command use them unchanged. A script registers a class with
:func:`register_model` instead. The interface and a worked example: ``docs/plugins.md``.

A plugin that fails to load never stops nwn: it is left out with a warning naming the entry
point and the error, and :func:`plugin_errors` lists it.
"""

from __future__ import annotations

import warnings
from importlib.metadata import entry_points

import numpy as np

from nwn.geometry.checks import InputError

from .base import JunctionModel, Param

__all__ = ["ENTRY_POINT_GROUP", "load_plugins", "plugin_errors", "register_model"]

ENTRY_POINT_GROUP = "nwn.junction_models"
_ERRORS: dict[str, str] = {}


def _registry() -> dict:
    from . import MODELS

    return MODELS


def register_model(cls: type, *, replace: bool = False) -> type:
    """Add a junction model class to ``MODELS`` (and so to scenarios, the GUI and the CLI).

    Parameters
    ----------
    cls : type
        A :class:`JunctionModel` subclass with a ``name`` (an identifier), ``PARAMETERS``
        (name -> :class:`Param`, defaults valid) and ``STATE_DTYPES``.
    replace : bool, optional
        Replace a model of the same name registered earlier (never a built-in one).

    Returns
    -------
    type
        ``cls``, so that this works as a class decorator.

    Raises
    ------
    InputError
        Naming what is wrong with the class.
    """
    from . import BUILTIN_MODELS

    if not (isinstance(cls, type) and issubclass(cls, JunctionModel)):
        raise InputError(f"junction model must be a JunctionModel subclass (got {cls!r})")
    name = getattr(cls, "name", "")
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"junction model {cls.__name__}.name must be an identifier "
                         f"(got {name!r})")
    if not isinstance(cls.PARAMETERS, dict) or not all(
            isinstance(p, Param) for p in cls.PARAMETERS.values()):
        raise InputError(f"junction model {name!r}: PARAMETERS must map names to Param")
    for key, param in cls.PARAMETERS.items():
        param.validate(f"junction model {name!r} default of {key}", param.default)
    if not isinstance(cls.STATE_DTYPES, dict) or not all(
            isinstance(np.dtype(d), np.dtype) for d in cls.STATE_DTYPES.values()):
        raise InputError(f"junction model {name!r}: STATE_DTYPES must map names to dtypes")
    models = _registry()
    known = models.get(name)
    if known is not None and known is not cls:
        if name in BUILTIN_MODELS:
            raise InputError(f"junction model name {name!r} is a built-in model's "
                             f"(choose another name)")
        if not replace:
            raise InputError(f"junction model {name!r} is already registered (by "
                             f"{known.__module__}); pass replace=True to replace it")
    models[name] = cls
    return cls


def load_plugins() -> dict[str, str]:
    """Register every model of the installed ``nwn.junction_models`` entry points.

    Returns
    -------
    dict of str to str
        Entry points that failed, with the reason (also warned about).
    """
    _ERRORS.clear()
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = point.load()
            if getattr(cls, "name", None) != point.name:
                raise InputError(f"the class's name is {getattr(cls, 'name', None)!r}, not "
                                 f"the entry point's {point.name!r}")
            register_model(cls)
        except Exception as error:  # a broken plugin must not break nwn
            _ERRORS[point.name] = f"{type(error).__name__}: {error}"
            warnings.warn(f"junction model plugin {point.name!r} ({point.value}) was not "
                          f"loaded: {_ERRORS[point.name]}", RuntimeWarning, stacklevel=2)
    return dict(_ERRORS)


def plugin_errors() -> dict[str, str]:
    """Entry points that failed to load at the last :func:`load_plugins`, with the reason."""
    return dict(_ERRORS)
