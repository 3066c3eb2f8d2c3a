"""The lab's session, without any web framework: controls, runs, the previous and the pinned run.

A session reads one scenario file (given by whoever started the lab, never by the page), offers
its ``lab:`` controls (or, without one, its capacities and demands), runs it with the values set
through `sim.run` and keeps what the page shows: the series and KPIs of the current run, of the
run before it and of a pinned baseline, and each KPI's change from the pinned run.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import sim

from ..results import Result
from ..results.kpis import flatten
from ..results.window import Window, cut
from ..scenario.errors import Mark
from ..scenario.lab import Challenge, Hold, Series, resolve
from ..scenario.loader import LoadedScenario, set_path, validate_scenario
from ..scenario.yamlio import Positions
from .checks import read_lab_scenario
from .controls import ControlView, LabValueError
from .defaults import default_controls
from .numbers import format_value, unit_of

PROJECT = Path(__file__).resolve().parents[2]
"""The project's root: a download names the lab's file from here."""
DEFAULT_KPIS = ("fill_rate", "delivered_t", "unmet_demand_t")
"""KPIs shown for a scenario without a lab section."""
ALL = "*"
"""A series entity standing for every entity with the variable (summed), for the default series."""


@dataclass(frozen=True)
class Judged:
    """What a challenge looks at in one run, over the period it judges: its KPI, and each held
    series' lowest and highest value (None where the run has none)."""

    kpi: float | None
    holds: list[tuple[float, float] | None]


@dataclass(frozen=True)
class LabRun:
    """One run: the values set (dotted path -> value), its KPIs and series, and how long it took."""

    settings: dict[str, Any]
    kpis: dict[str, float | None]
    series: dict[str, pd.DataFrame]
    seconds: float
    judged: Judged | None = None


@dataclass
class LabSession:
    """A scenario in the lab: its controls' values and the current, previous and pinned runs."""

    path: Path
    loaded: LoadedScenario
    data: dict  # the file as read once, without its lab section: each run validates it with the controls' values
    positions: Positions
    controls: dict[str, ControlView]
    kpis: list[str]
    series: list[Series]
    question: str
    values: dict[str, Any] = field(default_factory=dict)
    current: LabRun | None = None
    previous: LabRun | None = None
    pinned: LabRun | None = None

    @classmethod
    def open(cls, path: str | Path) -> LabSession:
        """A session on a scenario file (`sim.scenario.InputError` if the file is not valid)."""
        path = Path(path)
        loaded, written, positions = read_lab_scenario(path)
        sc = loaded.scenario
        if sc.lab is not None:
            resolved = loaded.resolved()
            # the file's own value (a lead time of 21, not its resolved {dist: constant, value: 21}),
            # else the resolved one (a kind's default capacity)
            controls = {cid: ControlView(cid, c, _resolve(written, c.path, _resolve(resolved, c.path)))
                        for cid, c in sc.lab.controls.items()}
            kpis, series, question = list(sc.lab.kpis), list(sc.lab.series), sc.lab.question
        else:
            controls = default_controls(loaded, written)
            kpis, series = list(DEFAULT_KPIS), default_series()
            question = sc.meta.question or sc.meta.description
        data = {k: v for k, v in written.items() if k != "lab"}  # checked once, here; runs go beyond its ranges
        session = cls(path, loaded, data, positions, controls, kpis, series, question)
        session.values = {cid: view.default for cid, view in controls.items()}
        return session

    @property
    def title(self) -> str:
        meta = self.loaded.scenario.meta
        return meta.description or meta.name

    def settings(self, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Dotted path -> value for the controls moved from the file's value (the others stay as written)."""
        values = self.values if values is None else values
        return {self.controls[cid].control.path: v for cid, v in values.items() if v != self.controls[cid].default}

    def run(self, changes: Mapping[str, Any] | None = None, progress: Callable[[float], None] | None = None) -> LabRun:
        """Set the changed controls (refusing values outside their range), run, and keep the run
        before as the previous one. ``progress`` hears the share of the horizon simulated (and may
        stop the run by raising). A run that fails or is stopped leaves the session as it was."""
        values = dict(self.values)
        for cid, value in (changes or {}).items():
            if cid not in self.controls:
                raise LabValueError(f"no control '{cid}' in this lab")
            values[cid] = self.controls[cid].check(value)
        settings = self.settings(values)
        started = time.perf_counter()
        # the file as read when the lab opened: its controls and their defaults came from it
        result = sim.run_loaded(validate_scenario(self.data, self.positions, self.path, (), settings.items()), progress)
        challenge = self.challenge
        names = self.kpis + ([challenge.kpi] if challenge is not None and challenge.kpi not in self.kpis else [])
        flat = flatten(result.kpis)
        judged = judge(result, challenge) if challenge is not None else None
        run = LabRun(settings, {k: flat.get(k) for k in names},
                     {_series_label(s): series_frame(result.timeseries, s) for s in self.series},
                     time.perf_counter() - started, judged)
        self.values, self.previous, self.current = values, self.current, run
        return run

    def reset(self) -> LabRun:
        """Run with every control back at the file's value."""
        return self.run({cid: view.default for cid, view in self.controls.items()})

    @property
    def challenge(self) -> Challenge | None:
        lab = self.loaded.scenario.lab
        return lab.challenge if lab is not None else None

    def challenge_met(self) -> bool | None:
        """Whether the current run meets the lab's challenge (None without one, a run, or the KPI)."""
        return self.challenge_status()[0]

    def challenge_status(self) -> tuple[bool | None, list[str]]:
        """Whether the current run meets the challenge (None without one, a run, or the KPI), and
        what is still missing, in words: the KPI short of its mark, a held series out of its
        bounds, controls outside their limits."""
        challenge = self.challenge
        judged = self.current.judged if challenge is not None and self.current is not None else None
        if challenge is None or judged is None or judged.kpi is None:
            return None, []
        over = f" over the last {challenge.last_days} days" if challenge.last_days else ""
        title, unit = self.caption(challenge.kpi)
        mark = challenge.above if challenge.above is not None else challenge.below
        missing = []
        if not (judged.kpi > mark if challenge.above is not None else judged.kpi < mark):  # type: ignore[operator]
            shown, needed = format_value(judged.kpi, unit), format_value(mark, unit, typed=True)
            if shown == needed:  # "is 100, needs below 100": enough figures to tell them apart
                shown = format_value(judged.kpi, unit, significant=6)
            missing.append(f"{title}{over} is {shown}, needs {'above' if challenge.above is not None else 'below'} {needed}")
        for hold, span in zip(challenge.hold, judged.holds, strict=True):
            missing += _hold_misses(hold, span, over)
        for cid, limit in challenge.limits.items():
            view, value = self.controls[cid], self.values[cid]
            if limit.max is not None and value > limit.max:
                missing.append(f"{view.label} is {view.show(value)}, needs at most {view.show(limit.max)}")
            if limit.min is not None and value < limit.min:
                missing.append(f"{view.label} is {view.show(value)}, needs at least {view.show(limit.min)}")
        return not missing, missing

    def pin(self) -> LabRun | None:
        """Keep the current run as the baseline the KPI changes are measured from."""
        self.pinned = self.current
        return self.pinned

    @property
    def settings_filename(self) -> str:
        """The name the settings download under, as their header's run command gives it."""
        return f"{self.loaded.scenario.meta.name}_lab.yaml"

    def settings_yaml(self) -> str:
        """The current settings as a scenario file that runs anywhere (`reesim run`, `reesim lab`):
        the lab's file whole (with the files it extends) and the moved controls' values laid on
        it, its header naming the file and what moved, with the same values as an ``overrides:``
        block to paste into that file, so a class can hand in what it found."""
        settings = self.settings()
        data = copy.deepcopy(self.data)  # without its lab section: a value typed between the slider's steps is no error here
        for dotted, value in settings.items():
            set_path(data, dotted.split("."), value, Mark("lab"))
        data["meta"] = {**data.get("meta", {}), "name": f"{self.loaded.scenario.meta.name}_lab"}
        block = yaml.safe_dump({"overrides": {"lab": settings}}, sort_keys=False, default_flow_style=False).splitlines()
        lines = [f"# Settings saved from reesim lab: {self.title.rstrip('.')}.",
                 f"# From {_shown_path(self.path)}, whole, with the values moved in the lab; run it: reesim run {self.settings_filename}",
                 "# Or paste this block into that file and run it with --scenario lab:"]
        lines += [f"#   {line}" for line in block] if settings else ["#   (no control moved from the file's values)"]
        return "\n".join(lines) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def caption(self, kpi: str) -> tuple[str, str]:
        """A KPI's name in words and its unit, for this scenario (see `kpi_caption`)."""
        sc = self.loaded.scenario
        return kpi_caption(kpi, sc.meta.focus_region, sc.policies)

    def deltas(self) -> dict[str, float | None]:
        """Each KPI of the current run less the pinned run's (None where either is missing)."""
        if self.current is None or self.pinned is None:
            return {k: None for k in self.kpis}
        return {k: _minus(self.current.kpis.get(k), self.pinned.kpis.get(k)) for k in self.kpis}


def default_series() -> list[Series]:
    """All demand together: delivered and unmet tonnes a day."""
    return [Series(entity=ALL, variable="delivered_t", label="delivered (all demand)"),
            Series(entity=ALL, variable="unmet_t", label="unmet (all demand)")]


def series_frame(timeseries: pd.DataFrame, series: Series) -> pd.DataFrame:
    """One daily series (date, value), summed over materials unless one is named."""
    ts = timeseries
    mask = ts["variable"] == series.variable
    if series.entity != ALL:
        mask &= ts["entity"] == series.entity
    if series.material is not None:
        mask &= ts["material"] == series.material
    rows = ts.loc[mask, ["date", "value"]]
    out = rows.groupby("date", observed=True, sort=True)["value"].sum().reset_index()
    out["date"] = pd.to_datetime(out["date"])
    return out


def kpi_value(kpis: Mapping[str, Any], name: str) -> float | None:
    """A KPI by its dotted name in a run's nested KPIs, or None (keys may themselves hold dots)."""
    return flatten(dict(kpis)).get(name)


UNIT_ENDINGS = ("_usd_per_kg", "_usd_per_t", "_t_per_day", "_t", "_days")
"""Units spelt at the end of a KPI's name: the card shows the unit with the value instead."""


def kpi_caption(name: str, focus: str = "china", policies: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """A KPI's name as a card shows it, and its unit, from the registry (or, for a policy's KPI,
    its kind's declaration in ``policies``, the scenario's policy specs): 'fill rate: usa, magnet'
    and 'share' for ``fill_rate_by_region_material.usa.magnet``."""
    from ..results.kpi_registry import by_name

    parts = name.split(".")
    if parts[0] == "policies" and len(parts) == 3:
        spec = (policies or {}).get(parts[1])
        unit = getattr(type(spec), "KPIS", {}).get(parts[2], ("",))[0] if spec is not None else ""
        return f"{parts[1]}: {_plain(parts[2])}", unit
    kpi = by_name(focus).get(parts[0])
    base = parts[0]
    if kpi is not None and len(parts) > 1:
        base = base.removesuffix("_by_" + "_".join(kpi.keys))
    title = _plain(base)
    if len(parts) > 1:
        title += ": " + ", ".join(parts[1:])
    return title, kpi.unit if kpi is not None else ""


def _plain(name: str) -> str:
    for ending in UNIT_ENDINGS:
        if name.endswith(ending):
            return name.removesuffix(ending).replace("_", " ")
    return name.replace("_", " ")


def _shown_path(path: Path) -> str:
    """A scenario file's path as a download names it: from the project's root, else its name alone
    (never where it lies on the machine that made it)."""
    try:
        return path.resolve().relative_to(PROJECT).as_posix()
    except ValueError:
        return path.name


def judge(result: Result, challenge: Challenge) -> Judged:
    """A challenge's KPI and held series over the period it judges: the whole run, or its last days."""
    if challenge.last_days:
        start = dt.date.fromisoformat(str(result.run["start_date"]))
        first = start + dt.timedelta(days=max(int(result.run["horizon_days"]) - challenge.last_days, 0))
        result = cut(result, Window(first=first))
    holds = []
    for hold in challenge.hold:
        values = series_frame(result.timeseries, hold)["value"]
        holds.append((float(values.min()), float(values.max())) if len(values) else None)
    return Judged(flatten(result.kpis).get(challenge.kpi), holds)


def _hold_misses(hold: Hold, span: tuple[float, float] | None, over: str) -> list[str]:
    """What a held series' lowest and highest values miss of its bounds, in words."""
    label, unit = _series_label(hold), unit_of(hold.variable)
    if span is None:
        return [f"{label}: no such series in this run"]
    out = []
    if hold.min is not None and span[0] < hold.min:
        out.append(f"{label}{over} falls to {format_value(span[0], unit)}, needs at least {format_value(hold.min, unit, typed=True)}")
    if hold.max is not None and span[1] > hold.max:
        out.append(f"{label}{over} rises to {format_value(span[1], unit)}, needs at most {format_value(hold.max, unit, typed=True)}")
    return out


def _resolve(data: Any, path: str, missing: Any = None) -> Any:
    value, matched = resolve(data, path.split("."))
    return value if matched == len(path.split(".")) else missing


def _series_label(series: Series) -> str:
    return series.label or " ".join(p for p in (series.entity, series.material, series.variable) if p)


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b
