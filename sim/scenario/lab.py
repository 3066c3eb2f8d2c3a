"""The ``lab:`` section: what a student may change in a scenario from the lab, and what to watch.

The schema says the shape; `check_lab` checks it against the scenario as written (each control
names a value the file has, within the control's range; each series an entity of the file). KPI
names are checked above this layer (``sim.lab.checks``), where the KPI registry lives.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field, model_validator

from .components import Model
from .errors import Issue, Mark, did_you_mean, format_path, mark_for
from .yamlio import Positions

Scalar = float | int | bool | str
NICE = (1, 2, 2.5, 5)
"""Slider steps are these times a power of ten: values a person would type."""


def nice_step(low: float, high: float, value: float | None = None, steps: int = 100) -> float:
    """A slider step a person would type (1, 2, 2.5 or 5 times a power of ten) giving about
    ``steps`` steps over the range, the largest such step that still lands on ``value`` from
    ``low`` where one gives at least a fifth of that many steps."""
    span = high - low
    if not span > 0:
        return 1.0
    target = span / steps
    power = 10.0 ** math.floor(math.log10(target))
    candidates = sorted({float(f"{n * power * scale:.12g}") for n in NICE for scale in (0.1, 1, 10)})  # 0.02, not 0.020000000000000004
    fitted = min(candidates, key=lambda s: abs(math.log(s / target)))
    if value is None or on_grid(value, low, fitted):
        return fitted
    landing = [s for s in candidates if span / s >= steps / 5 and on_grid(value, low, s)]
    return max(landing) if landing else fitted


def on_grid(value: float, low: float, step: float) -> bool:
    """Whether a slider from ``low`` in steps of ``step`` lands on ``value`` (to rounding)."""
    k = (value - low) / step
    return abs(k - round(k)) < 1e-6


class Control(Model):
    """A value a student may change: a number on a slider (``min``, ``max``, ``step``) or a choice among ``values``."""

    path: str = Field(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$",
                      description="the dotted path of the value in the scenario, as --set takes it")
    label: str = Field("", description="what the control is called on the page (default: the path)")
    min: float | None = Field(None, description="the smallest value on the slider")
    max: float | None = Field(None, description="the largest value on the slider")
    step: float | None = Field(None, gt=0, description="the slider's step")
    values: list[Scalar] | None = Field(None, min_length=2, description="the choices, for a value that is not a number on a scale")
    unit: str = Field("", description="the unit shown beside the value (t/day, days...)")

    @model_validator(mode="after")
    def _range(self) -> Control:
        if self.values is not None:
            if self.min is not None or self.max is not None:
                raise ValueError("give either values (a choice) or min and max (a slider), not both")
            return self
        if self.min is None or self.max is None:
            raise ValueError("expected min and max (a slider) or values (a choice)")
        if not self.min < self.max:
            raise ValueError(f"expected min below max (min {self.min:g}, max {self.max:g})")
        return self

    def slider_step(self, value: float | None = None) -> float:
        """The step given, else a step a person would type, about a hundredth of the range (one
        that lands on ``value``, the file's, where one fits)."""
        assert self.min is not None and self.max is not None
        return self.step if self.step is not None else nice_step(self.min, self.max, value)


class Series(Model):
    """One daily series to chart, as the run's time series names it."""

    entity: str = Field(description="a facility, demand, site (its stocks), link, market or policy id")
    variable: str = Field(description="the series' variable (output_t, level_t, unmet_t, price_usd_per_kg...)")
    material: str | None = Field(None, description="the material, where the entity has several (a stock site)")
    label: str = Field("", description="the series' name in the legend (default: entity and variable)")


class Bounds(Model):
    """A lower bound, an upper bound or both, the lower not above the upper."""

    min: float | None = Field(None, description="at least this")
    max: float | None = Field(None, description="at most this")

    @model_validator(mode="after")
    def _a_bound(self) -> Bounds:
        if self.min is None and self.max is None:
            raise ValueError("expected min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"expected min at most max (min {self.min:g}, max {self.max:g})")
        return self


class Hold(Bounds, Series):
    """A daily series a challenge bounds over the period it judges (the run, or its last days):
    it must not fall below ``min`` nor rise above ``max``."""


class Limit(Bounds):
    """Bounds a challenge puts on a control: the goal counts only when reached within them."""


class Challenge(Model):
    """A goal for the student: bring a KPI above or below a mark, with the controls kept within limits."""

    kpi: str = Field(description="the KPI, named as in docs/kpis.md")
    above: float | None = Field(None, description="met when the KPI is above this")
    below: float | None = Field(None, description="met when the KPI is below this")
    limits: dict[str, Limit] = Field({}, description="control id -> bounds it must stay within for the goal to count "
                                                     "('with a buffer of at most 50 days': {buffer: {max: 50}})")
    last_days: int | None = Field(None, gt=0, description="judge the KPI and holds over the run's last N days only: the "
                                                           "state the run settles into, not its start or one lucky stretch")
    hold: list[Hold] = Field([], description="daily series that must stay within bounds over the period judged "
                                             "(a cover that never falls below 5 days)")
    text: str = Field(description="the challenge in words")

    @model_validator(mode="after")
    def _one_bound(self) -> Challenge:
        if (self.above is None) == (self.below is None):
            raise ValueError("expected one of above or below")
        return self


class Lab(Model):
    """What the lab (``reesim lab``) offers on this scenario: the controls, the KPIs and series to show, a question."""

    question: str = Field(description="the question to think about while moving the controls")
    controls: dict[str, Control] = Field(description="control id -> the value it changes and its range")
    kpis: list[str] = Field([], description="KPIs shown as cards, named as in docs/kpis.md (fill_rate_by_region_material.usa.magnet)")
    series: list[Series] = Field([], description="daily series charted after each run")
    challenge: Challenge | None = Field(None, description="a goal to reach with the controls; the page says when the current run meets it")


SERIES_ENTITIES = ("facilities", "demand", "sites", "markets", "links", "policies")
"""The sections whose ids name entities in a run's time series."""

_MISSING = object()


def resolve(data: Any, parts: list[str]) -> tuple[Any, int]:
    """The value at a dotted path, and how many parts matched (``_MISSING`` if not all did)."""
    node = data
    for i, part in enumerate(parts):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING, i
    return node, len(parts)


def check_lab(data: dict, positions: Positions) -> list[Issue]:
    """Problems in the ``lab:`` section of scenario data as written (before overrides), each located."""
    lab = data.get("lab")
    if not isinstance(lab, dict):
        return []  # absent, or the schema says what is wrong
    issues: list[Issue] = []

    def bad(loc: tuple, message: str) -> None:
        issues.append(Issue(mark_for(loc, positions, Mark("")), format_path(loc), message))

    controls = lab.get("controls")
    for cid, control in (controls.items() if isinstance(controls, dict) else []):
        if isinstance(control, dict) and isinstance(control.get("path"), str):
            _check_control(("lab", "controls", cid), control, data, bad)
    challenge = lab.get("challenge")
    limits = challenge.get("limits") if isinstance(challenge, dict) else None
    for cid, limit in (limits.items() if isinstance(limits, dict) else []):
        _check_limit(("lab", "challenge", "limits", cid), cid, limit, controls if isinstance(controls, dict) else {}, bad)
    series = lab.get("series")
    holds = challenge.get("hold") if isinstance(challenge, dict) else None
    named = [(("lab", "series", i), one) for i, one in enumerate(series if isinstance(series, list) else [])]
    named += [(("lab", "challenge", "hold", i), one) for i, one in enumerate(holds if isinstance(holds, list) else [])]
    for at, one in named:
        if isinstance(one, dict):
            _check_series(at, one, data, bad)
    return issues


def _check_series(at: tuple, one: dict, data: dict, bad) -> None:
    known = {i for section in SERIES_ENTITIES if isinstance(data.get(section), dict) for i in data[section]}
    materials = data.get("materials") if isinstance(data.get("materials"), dict) else {}
    entity, material = one.get("entity"), one.get("material")
    if isinstance(entity, str) and entity not in known:
        bad(at + ("entity",), f"no entity '{entity}' in this scenario" + did_you_mean(entity, known)
            + " (a facility, demand, site, link, market or policy)")
    if isinstance(material, str) and material not in materials:
        bad(at + ("material",), f"unknown material '{material}'" + did_you_mean(material, materials))


def _check_control(at: tuple, control: dict, data: dict, bad) -> None:
    parts = control["path"].split(".")
    value, matched = resolve(data, parts)
    through_list = next((".".join(parts[:i]) for i in range(1, matched) if isinstance(resolve(data, parts[:i])[0], list)), None)
    if through_list is not None:  # its settings could not be written as a file that extends this one
        bad(at + ("path",), f"{through_list} is a list: a control changes a key of a mapping, not an item of a list")
        return
    if value is _MISSING:
        parent, _ = resolve(data, parts[:matched])
        choices = list(parent) if isinstance(parent, dict) else []
        bad(at + ("path",), f"no key '{'.'.join(parts[: matched + 1])}' in this scenario"
            + did_you_mean(parts[matched], choices) + " (a control changes a value the file gives)")
        return
    choices = control.get("values")
    if isinstance(choices, list):
        if value not in choices:
            bad(at + ("values",), f"the file's value {value!r} at {control['path']} is not one of the values")
        return
    low, high = control.get("min"), control.get("max")
    if isinstance(value, bool) or not isinstance(value, int | float):
        bad(at + ("path",), f"{control['path']} is {type(value).__name__}, not a number: a slider needs one number"
            + (" (name one of its keys, such as " + ", ".join(f"{control['path']}.{k}" for k in list(value)[:3]) + ")"
               if isinstance(value, dict) else ""))
        return
    if _number(low) and _number(high) and low < high and not low <= value <= high:  # min >= max: the schema says so
        bad(at + ("min" if value < low else "max",),
            f"the file's value {value:g} at {control['path']} is outside the control's range {low:g} to {high:g}")
        return
    step = control.get("step")
    if _number(low) and _number(step) and step > 0 and not on_grid(value, low, step):
        bad(at + ("step",), f"the file's value {value:g} is not on the slider ({low:g} + a multiple of {step:g}): "
            "choose a step that divides the difference, so a student can set it back")


def _check_limit(at: tuple, cid: str, limit: Any, controls: dict, bad) -> None:
    control = controls.get(cid)
    if control is None:
        bad(at, f"no control '{cid}' in this lab" + did_you_mean(cid, controls) + " (a limit bounds one of lab.controls)")
        return
    if not isinstance(control, dict) or not isinstance(limit, dict):
        return  # the schema says what is wrong
    if isinstance(control.get("values"), list):
        bad(at, f"control '{cid}' is a choice, not a slider: a limit needs min and max")
        return
    low, high = control.get("min"), control.get("max")
    for key in ("min", "max"):
        bound = limit.get(key)
        if _number(bound) and _number(low) and _number(high) and not low <= bound <= high:
            bad(at + (key,), f"{bound:g} is outside control '{cid}''s range {low:g} to {high:g}: the student could never reach it")
        elif _number(bound) and _number(low) and _number(step := control.get("step")) and step > 0 and not on_grid(bound, low, step):
            bad(at + (key,), f"{bound:g} is not on control '{cid}''s slider ({low:g} + a multiple of {step:g}): "
                "the student could not set it exactly with the slider")


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
