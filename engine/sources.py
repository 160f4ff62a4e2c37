"""What drives an electrode: the source kinds, their rules, and the runtime :class:`Source`.

Every electrode terminal is one of four kinds (:data:`SOURCE_KINDS`):

- ``voltage``: an ideal voltage source following a waveform (V), optionally behind a series
  resistance (ohm);
- ``current``: a current source following a waveform (A, positive into the network);
- ``ground``: held at 0 V;
- ``floating``: no source; its potential is measured.

Voltage and current sources need a waveform, ground and floating terminals take none; only
a voltage source takes a series resistance (a grounded terminal behind one is a 0 V voltage
source behind it). :func:`check_source` holds these rules and their messages for both forms
of a source: the file-level :class:`~nwn.engine.scenario.SourceSpec`, whose waveform is a
TOML table, and the runtime :class:`Source`, whose waveform is a stimulus object
(:mod:`nwn.engine.stimuli`) and which :meth:`Source.from_spec` derives from a spec. The two
stay distinct types because a spec is plain data that is compared, edited and written back
to a file, while a stimulus may hold a loaded file's samples and is only evaluated.
"""

from __future__ import annotations

import numbers
from dataclasses import InitVar, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nwn.engine.stimuli import DC, make_stimulus
from nwn.geometry.checks import InputError, check_choice, check_finite, check_nonnegative

__all__ = [
    "REFERENCE_KINDS",
    "SERIES_KINDS",
    "SOURCE_KINDS",
    "WAVEFORM_KINDS",
    "Source",
    "as_source",
    "check_source",
]

#: Every kind of electrode terminal (the solver's kernels number them in this order).
SOURCE_KINDS = ("voltage", "current", "ground", "floating")
#: Kinds driven by a waveform: volts for a voltage source, amperes for a current source.
WAVEFORM_KINDS = ("voltage", "current")
#: Kinds that may sit behind a series resistance.
SERIES_KINDS = ("voltage",)
#: Kinds that fix their terminal's potential: a cluster needs one to have defined voltages.
REFERENCE_KINDS = ("voltage", "ground")


def check_source(where: str, kind: Any, series_resistance: Any, has_waveform: bool
                 ) -> tuple[str, float]:
    """Apply the rules of the source kinds; return ``(kind, series_resistance)`` normalized.

    Parameters
    ----------
    where : str
        Key path that messages start with, e.g. ``electrodes[1].source``.
    kind : str
    series_resistance : float
        Ohm.
    has_waveform : bool
        Whether a waveform was given.

    Raises
    ------
    InputError
        One line naming the field, the value and what is allowed.
    """
    kind = check_choice(f"{where}.kind", kind, SOURCE_KINDS)
    series = check_nonnegative(f"{where}.series_resistance", series_resistance)
    if kind in WAVEFORM_KINDS and not has_waveform:
        raise InputError(f"{where}: a {kind} source needs a 'waveform' "
                         f"(e.g. {{kind = \"dc\", value = 1.0}})")
    if kind not in WAVEFORM_KINDS and has_waveform:
        raise InputError(f"{where}: a {kind} electrode takes no waveform")
    if series and kind not in SERIES_KINDS:
        raise InputError(f"{where}.series_resistance applies to voltage sources only "
                         f"(got kind {kind!r})")
    return kind, series


@dataclass(frozen=True)
class Source:
    """How one electrode terminal is driven during a run.

    Parameters
    ----------
    kind : {"voltage", "current", "ground", "floating"}
    stimulus : Stimulus, float or None
        Waveform with a vectorized ``at(t)`` (V for a voltage, A for a current source);
        a number is a constant level (stored as :class:`~nwn.engine.stimuli.DC`). None for
        ground and floating terminals.
    series_resistance : float
        Ohm, >= 0, voltage sources only (0: ideal source).
    where : str, init only
        Key path named by refusals (default ``"source"``).

    Raises
    ------
    InputError
        If the kind's rules (:func:`check_source`) are broken or the stimulus has no
        ``at(t)``.
    """

    kind: str
    stimulus: Any = None
    series_resistance: float = 0.0
    where: InitVar[str] = "source"

    def __post_init__(self, where: str) -> None:
        stimulus = self.stimulus
        if isinstance(stimulus, numbers.Real) and not isinstance(stimulus, bool):
            stimulus = DC(check_finite(f"{where}.stimulus", stimulus))
        elif stimulus is not None and not callable(getattr(stimulus, "at", None)):
            raise InputError(f"{where}.stimulus must be a number or a waveform with an "
                             f"at(t) method (got {stimulus!r})")
        series = check_source(where, self.kind, self.series_resistance,
                              stimulus is not None)[1]
        object.__setattr__(self, "stimulus", stimulus)
        object.__setattr__(self, "series_resistance", series)

    @classmethod
    def from_spec(cls, spec, *, base_dir: str | Path | None = None,
                  where: str = "source") -> Source:
        """The runtime source of a :class:`~nwn.engine.scenario.SourceSpec`.

        Parameters
        ----------
        spec : SourceSpec
            Its waveform table becomes the stimulus (:func:`~nwn.engine.stimuli.make_stimulus`).
        base_dir : path, optional
            Folder a ``samples`` waveform's relative ``file`` is read from.
        where : str
            Key path named by refusals.
        """
        stimulus = None
        if spec.waveform is not None:
            stimulus = make_stimulus(spec.waveform, base_dir=base_dir,
                                     path=f"{where}.waveform")
        return cls(spec.kind, stimulus, spec.series_resistance, where=where)

    def at(self, t):
        """The source's value at time(s) ``t`` (s): V or A, 0 for ground and floating.

        Returns a float for a scalar ``t``, else an array of ``t``'s shape.
        """
        if self.stimulus is not None:
            return self.stimulus.at(t)
        times = np.asarray(t, dtype=np.float64)
        return 0.0 if times.ndim == 0 else np.zeros(times.shape)


def as_source(spec, where: str = "source") -> Source:
    """A :class:`Source` from itself or a short tuple.

    Parameters
    ----------
    spec : Source, str or tuple
        ``("voltage", V)``, ``("voltage", V, R_series)``, ``("current", A)``, ``("ground",)``,
        ``("floating",)`` (a bare kind name stands for its 1-tuple).
    where : str
        Key path named by refusals.
    """
    if isinstance(spec, Source):
        return spec
    if isinstance(spec, str):
        spec = (spec,)
    if not isinstance(spec, (tuple, list)) or not 1 <= len(spec) <= 3:
        raise InputError(
            f"{where} must be a Source or a tuple (kind[, value[, series_resistance]])"
            f" (got {spec!r})"
        )
    return Source(*spec, where=where)
