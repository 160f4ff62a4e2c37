"""``ohmic``: fixed junction conductance (static networks, percolation, cross-checks).

Uniform ``g`` or, with ``spread``, one value per junction; ``advance`` changes nothing.
Default g = 1e-3 S, the connectome model's G_min (Milano et al., Neural Networks 2022).
``state()`` is g / max(g) (all ones when uniform), for colouring; there is no initial state.
"""

from __future__ import annotations

from .base import JunctionModel, Param

__all__ = ["OhmicModel"]


class OhmicModel(JunctionModel):
    """Junctions of fixed conductance; no dynamic state."""

    name = "ohmic"
    PARAMETERS = {"g": Param(1e-3, "S", "junction conductance", low=0.0, low_open=True)}
    STATE_DTYPES: dict[str, type] = {}
    HAS_INITIAL = False

    def _initialize(self, x0, rng):
        pass

    def _advance(self, voltage, dt):
        pass

    def conductance(self, out=None):
        out = self._out(out)
        out[:] = self._arrays["g"]
        return out

    def state(self):
        g = self._arrays["g"]
        if g.size == 0:
            return g.copy()
        return g / g.max()
