"""Design points: a full grid, or samples from scipy.stats.qmc (Latin hypercube) and SALib
(Sobol/Saltelli, Morris). Sampled designs draw unit values, mapped to each parameter through its
range or its distribution's quantiles."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import qmc

from .spec import Parameter, SweepSpec


@dataclass
class DesignPoints:
    """The design: parameter values per point, and (for sampled designs) the unit sample behind them."""

    names: list[str]
    points: list[dict[str, Any]]
    unit: np.ndarray | None = None  # (points, parameters) in [0, 1]
    problem: dict[str, Any] = field(default_factory=dict)  # SALib problem over the unit cube


def _choices(p: Parameter) -> list[Any]:
    if p.values is not None:
        return list(p.values)
    if p.overrides is not None:
        return list(p.overrides)
    assert p.low is not None and p.high is not None and p.steps is not None
    return np.linspace(p.low, p.high, p.steps).tolist() if p.steps > 1 else [p.low]


def _quantile(p: Parameter, u: float) -> Any:
    """The parameter's value at unit quantile u."""
    if p.overrides is not None or p.values is not None:
        choices = _choices(p)
        return choices[min(int(u * len(choices)), len(choices) - 1)]
    if p.low is not None and p.high is not None:
        x = p.low + u * (p.high - p.low)
    else:
        x = p.dist.quantile(u)  # type: ignore[union-attr]
    return int(round(x)) if p.integer else float(x)


def count_points(spec: SweepSpec) -> int:
    """How many design points ``spec`` makes, without making them."""
    params = list(spec.parameters.values())
    design, d = spec.design, len(params)
    if design.kind == "grid":
        n = 1
        for p in params:
            n *= len(p.values or p.overrides or ()) or (p.steps or 1)
        return n
    samples = design.samples or 0
    if design.kind == "lhs":
        return samples
    if design.kind == "sobol":
        return samples * (2 * d + 2 if design.second_order else d + 2)
    return samples * (d + 1)  # morris: trajectories of d + 1 points


def build_design(spec: SweepSpec) -> DesignPoints:
    names = list(spec.parameters)
    params = [spec.parameters[n] for n in names]
    design = spec.design
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if design.kind == "grid":
        combos = itertools.product(*[_choices(p) for p in params])
        return DesignPoints(names, [dict(zip(names, c, strict=True)) for c in combos], None, problem)
    if design.kind == "lhs":
        unit = qmc.LatinHypercube(d=len(names), scramble=design.scramble, seed=spec.seed).random(design.samples)
    elif design.kind == "sobol":
        from SALib.sample import sobol as sobol_sample

        unit = sobol_sample.sample(problem, design.samples, calc_second_order=design.second_order,
                                   scramble=design.scramble, seed=spec.seed)
    else:
        from SALib.sample import morris as morris_sample

        unit = morris_sample.sample(problem, design.samples, num_levels=design.levels, seed=spec.seed)
    points = [{n: _quantile(p, float(u)) for n, p, u in zip(names, params, row, strict=True)} for row in unit]
    return DesignPoints(names, points, np.asarray(unit), problem)
