"""Turn distribution specs into samplers drawing from the run's one numpy Generator.

Draws are taken in batches and handed out as Python floats: numpy scalar calls
inside SimPy processes are slow (DESIGN.md, performance notes).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..scenario import distributions as d

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


def sampler(spec: d.Constant | d.Uniform | d.Triangular | d.Normal | d.Lognormal | d.Exponential, rng: np.random.Generator) -> Sampler:
    """A sampler for a distribution spec; values are never negative."""
    if isinstance(spec, d.Constant):
        return Sampler(None, spec.value)
    if isinstance(spec, d.Uniform):
        if spec.low == spec.high:
            return Sampler(None, spec.low)
        return Sampler(lambda n: rng.uniform(spec.low, spec.high, n))
    if isinstance(spec, d.Triangular):
        if spec.low == spec.high:
            return Sampler(None, spec.low)
        return Sampler(lambda n: rng.triangular(spec.low, spec.mode, spec.high, n))
    if isinstance(spec, d.Normal):
        if spec.sd == 0:
            return Sampler(None, spec.mean_)
        return Sampler(lambda n: np.maximum(rng.normal(spec.mean_, spec.sd, n), 0.0))
    if isinstance(spec, d.Lognormal):
        if spec.sd == 0:
            return Sampler(None, spec.mean_)
        sigma2 = math.log(1 + (spec.sd / spec.mean_) ** 2)
        mu = math.log(spec.mean_) - sigma2 / 2
        return Sampler(lambda n: rng.lognormal(mu, math.sqrt(sigma2), n))
    if isinstance(spec, d.Exponential):
        return Sampler(lambda n: rng.exponential(spec.mean_, n))
    raise TypeError(f"unknown distribution {spec!r}")


def exponential_or_constant(mean: float, kind: str, rng: np.random.Generator) -> Sampler:
    if kind == "constant":
        return Sampler(None, mean)
    return Sampler(lambda n: rng.exponential(mean, n))
