"""Sweep files: a base scenario, uncertain parameters, a design, replications and what to keep.

Validated like scenario files: every problem at once, each with file:line:column.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from ..results.window import Window
from ..scenario.distributions import Distribution
from ..scenario.errors import InputError, Issue, Mark, did_you_mean, pydantic_issues
from ..scenario.loader import override_blocks, read_scenario_data
from ..scenario.yamlio import Positions, read_yaml
from .limits import DEFAULT_MAX_RUNS

MAX_STEPS = 10_000
"""The most values one grid parameter may take."""
MAX_SAMPLES = 1_000_000
"""The most samples (lhs points, sobol base samples, morris trajectories) a design may ask for."""
MAX_REPLICATIONS = 100_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


def _kind(value: Any) -> str:
    """What kind of value a sweep value is, for the one-kind rule."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "numbers"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "nulls"
    return "lists or mappings"


class Parameter(_Model):
    """One uncertain input: a dotted path into the scenario and the values it may take.

    ``values`` (a list), ``low``/``high`` (a range; ``steps`` values in a grid, uniform when
    sampled) or ``dist`` (a distribution, sampled through its quantiles). ``overrides`` lists
    named override blocks (or lists of them, composed) instead of a path.
    """

    path: str | None = Field(None, description="the dotted path into the scenario the parameter sets (e.g. facilities.x.capacity.t_per_day)")
    values: tuple[Any, ...] | None = Field(None, min_length=1, description="the values it takes, all of one kind (sampled designs pick among them)")
    low: float | None = Field(None, description="the lowest value of a range, with high")
    high: float | None = Field(None, description="the highest value of a range, with low")
    steps: int | None = Field(None, ge=1, le=MAX_STEPS, description="grid: how many evenly spaced values from low to high")
    dist: Distribution | None = Field(None, description="a distribution sampled through its quantiles (sampled designs)")  # type: ignore[assignment]
    overrides: tuple[str | tuple[str, ...], ...] | None = Field(
        None, description="the choices: each a named override block, or a list of blocks applied together (instead of path)"
    )
    integer: bool = Field(False, description="sampled designs: round values drawn from low/high or dist to whole numbers")

    @model_validator(mode="after")
    def _one_form(self) -> Parameter:
        forms = [self.values is not None, self.low is not None or self.high is not None, self.dist is not None, self.overrides is not None]
        if sum(forms) != 1:
            raise ValueError("give exactly one of values, low/high, dist or overrides")
        if (self.low is None) != (self.high is None):
            raise ValueError("low and high go together")
        if self.low is not None and self.high is not None and self.high < self.low:
            raise ValueError("high must be >= low")
        if self.overrides is None and self.path is None:
            raise ValueError("a parameter needs a path (or overrides)")
        if self.overrides is not None and self.path is not None:
            raise ValueError("an overrides parameter has no path")
        if self.values is not None:
            kinds = {_kind(v) for v in self.values}
            if len(kinds) > 1:
                raise ValueError(f"values mix {' and '.join(sorted(kinds))}: give values of one kind")
        return self

    @property
    def sampled(self) -> bool:
        return self.dist is not None or self.low is not None


class Design(_Model):
    """How design points are chosen: a full grid, or samples (Latin hypercube, Sobol, Morris)."""

    kind: Literal["grid", "lhs", "sobol", "morris"] = Field(
        "grid", description="grid: every combination; lhs: Latin hypercube; sobol: Saltelli samples for Sobol indices; morris: Morris trajectories"
    )
    samples: int | None = Field(None, ge=1, le=MAX_SAMPLES, description="lhs: points; sobol: base samples N (N x (2D+2) points); morris: trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels")
    second_order: bool = Field(False, description="sobol: also sample for second-order indices")
    scramble: bool = Field(True, description="lhs and sobol: randomise points within their cells, from the sweep's seed (false: lhs takes cell centres)")

    @model_validator(mode="after")
    def _samples(self) -> Design:
        if self.kind != "grid" and self.samples is None:
            raise ValueError(f"a {self.kind} design needs samples")
        return self


class KeepSeries(_Model):
    """Daily series to keep from each run, thinned."""

    variables: tuple[str, ...] = Field(min_length=1, description="the series' variables to keep (e.g. price_usd_per_kg, shipped_t)")
    entities: tuple[str, ...] = Field((), description="only these entities' series (empty: every entity)")
    every_days: PositiveInt = Field(7, description="keep the days that are multiples of this")


class Discovery(_Model):
    """Scenario discovery (PRIM): which inputs lead to runs where a KPI is above or below a value."""

    kpi: str = Field(description="the KPI, by its full name (no pattern)")
    above: float | None = Field(None, description="the runs of interest have the KPI above this; give above or below")
    below: float | None = Field(None, description="the runs of interest have the KPI below this; give above or below")

    @model_validator(mode="after")
    def _one(self) -> Discovery:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        return self


class Report(_Model):
    """How the sweep's page is drawn."""

    group_by: str | None = Field(None, description="parameter whose values split the fan charts into envelopes; "
                                 "default: the first categorical parameter (overrides or text values), else the first")


DEFAULT_KPIS = ("fill_rate", "unmet_demand_t", "fill_rate_by_region.*", "unmet_demand_t_by_region.*",
                "time_to_survive_days.*", "time_to_recover_days.*", "price_usd_per_kg.*.mean",
                "price_usd_per_kg.*.peak", "share_china.*")


class SweepSpec(_Model):
    name: str = Field(description="the sweep's name, in its report and default output folder")
    description: str = Field("", description="what the sweep asks, for readers and its report")
    base: str = Field(description="scenario file, relative to the sweep file")
    seed: int = Field(0, ge=0, lt=2**32, description="seeds the design's sampling and every run: a run's seed derives from it and the run's index (the base's meta.seed is not used)")
    design: Design = Field(Design(), description="how design points are chosen")
    replications: int = Field(1, ge=1, le=MAX_REPLICATIONS, description="runs per design point, each with its own seed")
    parameters: dict[str, Parameter] = Field(min_length=1, description="the uncertain inputs, by name")
    overrides: dict[str, dict[str, Any]] = Field({}, description="named blocks: dotted.path -> value")
    set: dict[str, Any] = Field({}, description="dotted.path -> value for every run")
    kpis: tuple[str, ...] = Field(DEFAULT_KPIS, description="KPI names to keep; * matches one level")
    timeseries: KeepSeries | None = Field(None, description="daily series to keep from each run (none: KPIs only)")
    discovery: Discovery | None = Field(None, description="scenario discovery over the runs (none: no discovery)")
    window: str | None = Field(None, description="KPIs over FROM:TO (YYYY-MM-DD, either end may be left out) or policy:ID only (none: the whole run)")
    report: Report = Field(Report(), description="how the page is drawn; changing it needs no new sweep folder")

    @field_validator("window")
    @classmethod
    def _window(cls, text: str | None) -> str | None:
        if text is not None:
            Window.parse(text)  # a WindowError is a ValueError: reported at the key
        return text



class LoadedSweep:
    """A validated sweep spec with where it came from."""

    def __init__(self, spec: SweepSpec, path: Path, positions: Positions, base_data: dict[str, Any],
                 base_blocks: dict[str, dict[str, Any]]):
        self.spec = spec
        self.path = path
        self.positions = positions
        self.base_data = base_data  # the base scenario as read (its parents merged), which every run starts from
        self.base_blocks = base_blocks

    @property
    def blocks(self) -> dict[str, dict[str, Any]]:
        """Override blocks a parameter may choose: the base scenario's, and the sweep's own (which
        win on a shared name)."""
        return {**self.base_blocks, **self.spec.overrides}

    @property
    def used_blocks(self) -> dict[str, dict[str, Any]]:
        """The sweep's own blocks, and those of the base scenario's that a parameter chooses."""
        used = {b for p in self.spec.parameters.values() for choice in p.overrides or ()
                for b in ((choice,) if isinstance(choice, str) else choice)}
        return {name: block for name, block in self.blocks.items() if name in used or name in self.spec.overrides}

    @property
    def base_path(self) -> Path:
        return (self.path.parent / self.spec.base).resolve()

    def resolved(self) -> dict[str, Any]:
        data = self.spec.model_dump(mode="json", by_alias=True, exclude_none=True)
        data["base"] = str(self.base_path)
        inherited = {name: block for name, block in self.used_blocks.items() if name not in self.spec.overrides}
        if inherited:
            data["base_overrides"] = inherited  # part of what the runs are: a changed block is another sweep
        return data

    def digest(self) -> str:
        """What the runs are: the resolved spec without its report options (the page is drawn anew
        from the runs, so changing them needs no new sweep folder)."""
        data = {k: v for k, v in self.resolved().items() if k != "report"}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and validate a sweep file; every problem is an InputError issue with file:line."""
    path = Path(path)
    data, positions = read_yaml(path)
    file = str(path)
    if not isinstance(data, dict) or "sweep" not in data or len(data) != 1:
        raise InputError([Issue(positions.get((), Mark(file)), "", "expected one top-level key 'sweep'" + (
            did_you_mean(next(iter(data)), ["sweep"]) if isinstance(data, dict) and data else ""))])
    inner = {k[1:]: v for k, v in positions.items() if k and k[0] == "sweep"}
    try:
        spec = SweepSpec.model_validate(data["sweep"])
    except ValidationError as exc:
        issues = [Issue(i.mark, "sweep." + i.path if i.path else "sweep", i.message)
                  for i in pydantic_issues(exc, inner, file, root=SweepSpec)]
        raise InputError(issues) from None
    base = (path.parent / spec.base)
    base_data: dict[str, Any] = {}
    base_blocks: dict[str, dict[str, Any]] = {}
    issues = []
    if not base.exists():
        issues.append(Issue(inner.get(("base",), Mark(file)), "sweep.base", f"scenario file '{spec.base}' not found"))
    else:
        base_data, base_positions = read_scenario_data(base)
        base_blocks = override_blocks(base_data, base_positions, str(base))
    issues = (_check_design(spec, inner, file) + _check_blocks(spec, {**base_blocks, **spec.overrides}, inner, file)
              + _check_report(spec, inner, file) + issues)
    if issues:
        raise InputError(issues)
    return LoadedSweep(spec, path, inner, base_data, base_blocks)


def check_size(loaded: LoadedSweep, points: int, max_runs: int = DEFAULT_MAX_RUNS) -> None:
    """Refuse a sweep of more runs than ``max_runs`` before any design point is made."""
    runs = points * loaded.spec.replications
    if runs > max_runs:
        mark = loaded.positions.get(("design",), loaded.positions.get((), Mark(str(loaded.path))))
        raise InputError([Issue(mark, "sweep.design", f"the sweep has {runs:,} runs ({points:,} design points x "
                                f"{loaded.spec.replications:,} replications), more than --max-runs {max_runs:,}: "
                                "shrink the design, or raise --max-runs")])


def _check_design(spec: SweepSpec, positions: Positions, file: str) -> list[Issue]:
    """Each parameter must suit the design: a grid takes values or steps, samplers take ranges."""
    issues = []
    kind = spec.design.kind
    for name, p in spec.parameters.items():
        problem = None
        if kind == "grid" and p.dist is not None:
            problem = "a grid cannot use dist: give values, or low/high with steps"
        elif kind == "grid" and p.low is not None and p.steps is None:
            problem = "a grid needs values, or low/high with steps"
        elif kind != "grid" and not p.sampled and p.overrides is None and p.values is None:
            problem = f"a {kind} design samples: give low/high or dist"
        if problem:
            issues.append(Issue(positions.get(("parameters", name), Mark(file)), f"sweep.parameters.{name}", problem))
    return issues


def _check_report(spec: SweepSpec, positions: Positions, file: str) -> list[Issue]:
    """The report's group_by must name a parameter."""
    name = spec.report.group_by
    if name is None or name in spec.parameters:
        return []
    mark = positions.get(("report", "group_by"), positions.get(("report",), Mark(file)))
    return [Issue(mark, "sweep.report.group_by", f"unknown parameter '{name}'" + did_you_mean(name, spec.parameters)
                  + f" (parameters: {', '.join(spec.parameters)})")]


def _check_blocks(spec: SweepSpec, available: dict[str, dict[str, Any]], positions: Positions, file: str) -> list[Issue]:
    """Override blocks (the sweep's or the base scenario's) must exist, and blocks composed
    together must not set the same key."""
    issues = []
    for name, p in spec.parameters.items():
        for i, choice in enumerate(p.overrides or ()):
            blocks = (choice,) if isinstance(choice, str) else choice
            seen: dict[str, str] = {}
            for block in blocks:
                loc = ("parameters", name, "overrides", i)
                mark = positions.get(loc, positions.get(("parameters", name), Mark(file)))
                if block not in available:
                    issues.append(Issue(mark, "sweep." + ".".join(map(str, loc)), f"unknown override block '{block}'"
                                        + did_you_mean(block, available) + " (the sweep's overrides, or the base scenario's)"))
                    continue
                for key in available[block]:
                    if key in seen:
                        issues.append(Issue(mark, "sweep." + ".".join(map(str, loc)),
                                            f"override blocks '{seen[key]}' and '{block}' both set '{key}'"))
                    seen[key] = block
    return issues
