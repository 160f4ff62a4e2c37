"""Synthetic reservoirs for the reservoir-computing tests (seeded, numpy only)."""

from __future__ import annotations

import numpy as np

from nwn.resources import validation_path

#: The measured 16-pad recording shipped with the package (INRiM, via RCbench's test data).
MEASURED = validation_path("inrim2024_memory_capacity_pad129M.txt")


class EchoState:
    """A small echo-state network x(t) = tanh(W x(t-1) + w_in u(t) + b): a generic reservoir.

    Features are x(t), shape (n, T), one column per input sample.
    """

    def __init__(self, n: int = 30, *, seed: int = 0, radius: float = 0.9,
                 input_scale: float = 0.5, leak: float = 1.0) -> None:
        rng = np.random.default_rng(seed)
        w = rng.normal(size=(n, n))
        self.w = w * (radius / np.max(np.abs(np.linalg.eigvals(w))))
        self.w_in = rng.uniform(-input_scale, input_scale, n)
        self.bias = rng.uniform(-0.2, 0.2, n)
        self.leak = leak
        self.x = np.zeros(n)

    def step(self, u: float) -> np.ndarray:
        new = np.tanh(self.w @ self.x + self.w_in * u + self.bias)
        self.x = (1 - self.leak) * self.x + self.leak * new
        return self.x.copy()

    def run(self, u: np.ndarray) -> np.ndarray:
        return np.stack([self.step(value) for value in u], axis=1)


def pad_device(*, model: str = "ohmic", params: str = "{}", samples: int = 600,
               washout: int = 20, dt: float = 0.05, hold: float = 0.05, extra: str = "",
               seed: int = 7) -> str:
    """A small 2 x 2 pad device as scenario TOML: pad1 input, pad4 ground, pads 2-3 floating."""
    pads = {"pad1": (2e-6, 2e-6), "pad2": (24e-6, 2e-6), "pad3": (2e-6, 24e-6),
            "pad4": (24e-6, 24e-6)}
    sources = {"pad1": '{kind = "voltage", waveform = {kind = "dc", value = 1.0}}',
               "pad2": '{kind = "floating"}', "pad3": '{kind = "floating"}',
               "pad4": '{kind = "ground"}'}
    electrodes = "".join(
        f'[[electrodes]]\nname = "{name}"\n'
        f'shape = {{type = "rectangle", bounds = [{x!r}, {y!r}, {x + 4e-6!r}, {y + 4e-6!r}]}}\n'
        f'source = {sources[name]}\n'
        for name, (x, y) in pads.items())
    return f"""
seed = {seed}
[network]
box = [30e-6, 30e-6]
n_wires = 260
length = 8e-6
{electrodes}
[junction]
model = "{model}"
params = {params}
[run]
dt = {dt!r}
duration = 1.0
[reservoir]
inputs = ["pad1"]
offset = 0.5
amplitude = 1.0
hold = {hold!r}
samples = {samples}
washout = {washout}
{extra}
"""
