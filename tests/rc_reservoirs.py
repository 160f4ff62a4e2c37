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
