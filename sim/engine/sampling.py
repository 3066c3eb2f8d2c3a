"""Samplers: draw one value at a time from a distribution spec, with the entity's own Generator.

Draws are taken in batches and handed out as Python floats: numpy scalar calls
inside SimPy processes are slow (DESIGN.md, performance notes).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..scenario.distributions import Constant, Dist, Exponential

_BATCH = 128


class Sampler:
    """Draws one value at a time from a distribution, in batches under the hood."""

    __slots__ = ("_draw", "_buf", "_const")

    def __init__(self, draw: Callable[[int], np.ndarray] | None, const: float = 0.0):
        self._draw = draw
        self._buf: list[float] = []
        self._const = const

    def __call__(self) -> float:
        if self._draw is None:
            return self._const
        if not self._buf:
            self._buf = self._draw(_BATCH).tolist()
            self._buf.reverse()
        return self._buf.pop()


def sampler(spec: Dist, rng: np.random.Generator) -> Sampler:
    """A sampler for a distribution spec; a distribution without spread spends no draws."""
    if spec.is_constant():
        return Sampler(None, spec.mean())
    return Sampler(lambda n: spec.sample(rng, n))


def uniform01(rng: np.random.Generator) -> Sampler:
    """Uniform draws on [0, 1), for decisions taken with a probability."""
    return Sampler(lambda n: rng.random(n))


def exponential_or_constant(mean: float, kind: str, rng: np.random.Generator) -> Sampler:
    """Times between failures or to repair: exponential with this mean, or always the mean."""
    if kind == "constant":
        return sampler(Constant(dist="constant", value=mean), rng)
    return sampler(Exponential(dist="exponential", mean=mean), rng)
