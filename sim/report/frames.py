"""A run's time series cut once into the tables its figures draw.

A 10-year run holds millions of rows. Figures used to filter them again one by one and map entity
names to regions row by row; `prepare` cuts each variable once, looks entities' stage and region
up on the few categories rather than on every row, and keeps the date x region tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ..results.kpis import LongSeries
from ..results.result import Result
from ..scenario.components import STAGES
from .style import region_colours

DEMAND_VARIABLES = ("requested_t", "delivered_t", "unmet_t")
T = TypeVar("T")


def timeline(result: Result) -> pd.DataFrame:
    """Policy events inside the reported period, with calendar dates, numbered (``#``) in order:
    figures mark each event by its number, and the page lists them."""
    ev = result.policy_events
    if ev is None or not len(ev):
        return pd.DataFrame(columns=["#", "day", "date", "policy", "kind", "event"])
    ev = ev[ev["day"] >= 0].sort_values("day", kind="stable").copy()
    ev["date"] = pd.to_datetime(ev["date"])
    ev.insert(0, "#", range(1, len(ev) + 1))
    return ev.reset_index(drop=True)


def _attribute(long: LongSeries, table: pd.DataFrame, by_material: bool, column: str, labels: Sequence[str]) -> np.ndarray:
    """The position in ``labels`` of ``table[column]`` for each entity code of ``long`` (and each
    material code, ``by_material``; the last slot of an axis answers a missing code, -1): -1 where
    the table has no such row. Looked up once per entity, then indexed by the rows' codes."""
    materials = long.material()[1] if by_material else []
    out = np.full((len(long.names) + 1, len(materials) + 1) if by_material else len(long.names) + 1, -1, dtype=np.int64)
    label_of = {label: i for i, label in enumerate(labels)}
    material_of = {m: i for i, m in enumerate(materials)}
    keys = zip(table["entity"].astype(str), table["material"].astype(str) if by_material else table["entity"], table[column], strict=True)
    for entity, material, value in keys:
        e, v = long.code_of.get(entity), label_of.get(str(value)) if not pd.isna(value) else None
        if e is None or v is None:
            continue
        if by_material:
            m = material_of.get(material)
            if m is not None:
                out[e, m] = v
        else:
            out[e] = v
    return out


def _table(sums: np.ndarray, seen: np.ndarray, dates: pd.DatetimeIndex, columns: pd.Index, fill: float) -> pd.DataFrame:
    """A date x column frame of ``sums`` (days x columns) over the days and columns ``seen`` at all,
    ``fill`` where a day saw nothing of a column."""
    days, cols = seen.any(axis=1), seen.any(axis=0)
    values = np.where(seen, sums, fill)[np.ix_(days, cols)]
    return pd.DataFrame(values, index=dates[days], columns=columns[cols])


@dataclass(frozen=True)
class RunFrames:
    """One run, prepared for its figures: the regions and their colours, the policy timeline, and
    (computed when first asked for, then kept) each variable's rows and the date x region tables."""

    result: Result
    regions: tuple[str, ...]
    colours: dict[str, str]
    events: pd.DataFrame
    _rows: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    _memo: dict[object, Any] = field(default_factory=dict, repr=False, compare=False)

    def memo(self, key: object, work: Callable[[], T]) -> T:
        """``work()``, done once per ``key`` for this run: what several figures and the page ask
        for (the shortfalls, the material flows) is worked out once."""
        if key not in self._memo:
            self._memo[key] = work()
        return self._memo[key]

    @property
    def title(self) -> str:
        """The scenario's name, for figure titles."""
        return str(self.result.run.get("scenario", ""))

    def rows(self, variable: str) -> pd.DataFrame:
        """The time-series rows of one variable."""
        if variable not in self._rows:
            self._rows[variable] = self.result.rows(variable)
        return self._rows[variable]

    @cached_property
    def first_date(self) -> pd.Timestamp:
        """The first reported day's date."""
        return pd.Timestamp(self.result.timeseries["date"].min())

    @property
    def last_day(self) -> int:
        """The last reported day (days count from the start date)."""
        return self.result.long.last_day

    @cached_property
    def _days(self) -> tuple[int, pd.DatetimeIndex]:
        """The first day of the series, and the date of each day from it to the last (a day's
        date as its rows have it)."""
        long = self.result.long
        if not len(long.day):
            return 0, pd.DatetimeIndex([], name="date")
        first = int(long.day.min())
        span = long.last_day - first + 1
        if np.array_equal(long.day[:span], np.arange(first, first + span)):
            at = np.arange(span)  # the first series has a row each day: its rows give the dates
        else:
            at = np.zeros(span, dtype=np.int64)
            at[long.day[::-1] - first] = np.arange(len(long.day) - 1, -1, -1)  # each day's first row
        return first, pd.DatetimeIndex(self.result.timeseries["date"].to_numpy()[at], name="date")

    def _sums(self, variable: str, key: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
        """``variable`` summed by day and ``key`` (one code per row of the variable, -1: left out):
        days x keys sums, and whether any row fell in each cell. Sums add rows in their order (as
        bincount does; pandas' sums differed in the last digits only)."""
        long = self.result.long
        at = long.of(variable)
        first, dates = self._days
        keep = key >= 0
        cell = (long.day[at][keep] - first) * n_keys + key[keep]
        size = len(dates) * n_keys
        sums = np.bincount(cell, weights=long.addend[at][keep], minlength=size).reshape(len(dates), n_keys)
        seen = np.bincount(cell, minlength=size).reshape(len(dates), n_keys) > 0
        return sums, seen

    def _by_stage_and_region(self, variable: str, entity_type: str, by_material: bool, fill: float) -> dict[str, pd.DataFrame]:
        """Sum of ``variable`` over the entities of each stage: one date x region table per stage,
        over the days and regions that stage has rows for (``fill`` where a region has none)."""
        long = self.result.long
        ents = self.result.entities
        ents = ents[ents["type"] == entity_type]
        at = long.of(variable)
        index = (long.entity[at], long.material()[0][at]) if by_material else (long.entity[at],)
        stage = _attribute(long, ents, by_material, "stage", STAGES)[index]
        region = _attribute(long, ents, by_material, "region", self.regions)[index]
        n = len(self.regions)
        key = np.where((stage >= 0) & (region >= 0), stage * n + region, -1)
        sums, seen = self._sums(variable, key, len(STAGES) * n)
        columns = pd.Index(self.regions, name="region")
        out = {}
        for code, stage_name in enumerate(STAGES):
            part = slice(code * n, (code + 1) * n)
            if seen[:, part].any():
                out[stage_name] = _table(sums[:, part], seen[:, part], self._days[1], columns, fill)
        return out

    @cached_property
    def stocks(self) -> dict[str, pd.DataFrame]:
        """Tonnes in stock by stage of material: date x region (missing where a region holds none)."""
        return self._by_stage_and_region("level_t", "stock", True, np.nan)

    @cached_property
    def production(self) -> dict[str, pd.DataFrame]:
        """Facilities' output by stage, t/day: date x region (0 where a region made nothing)."""
        return self._by_stage_and_region("output_t", "facility", False, 0.0)

    @cached_property
    def demand(self) -> dict[str, pd.DataFrame]:
        """``requested_t``, ``delivered_t`` and ``unmet_t`` of the demands, t/day: date x region, all
        three on the same dates and regions (0 where nothing was recorded)."""
        return {v: self.demand_by_material[v].T.groupby(level="region").sum().T for v in DEMAND_VARIABLES}

    @cached_property
    def demand_by_material(self) -> dict[str, pd.DataFrame]:
        """``requested_t``, ``delivered_t``, ``unmet_t`` (lost) and ``backorder_t`` (waiting) of
        the demands, t/day: date x (material, region), all on the same dates and columns."""
        long = self.result.long
        ents = self.result.entities
        region_of = _attribute(long, ents[ents["type"] == "demand"], False, "region", self.regions)
        materials = long.material()[1]
        n = len(self.regions)
        sums, seen = {}, {}
        for variable in (*DEMAND_VARIABLES, "backorder_t"):
            at = long.of(variable)
            region, material = region_of[long.entity[at]], long.material()[0][at].astype(np.int64)  # narrow codes would overflow
            key = np.where((region >= 0) & (material >= 0), material * n + region, -1)
            sums[variable], seen[variable] = self._sums(variable, key, len(materials) * n)
        # every table on the days and columns any of them has, 0 where one has nothing
        any_seen = np.logical_or.reduce(list(seen.values()))
        days, cols = any_seen.any(axis=1), np.flatnonzero(any_seen.any(axis=0))
        names = [(materials[c // n], self.regions[c % n]) for c in cols]
        order = sorted(range(len(cols)), key=lambda i: names[i])  # by material, then region, by name
        columns = pd.MultiIndex.from_tuples([names[i] for i in order], names=["material", "region"])
        keep = cols[order]
        dates = self._days[1][days]
        return {v: pd.DataFrame(sums[v][days][:, keep], index=dates, columns=columns) for v in sums}

    @cached_property
    def reserves(self) -> dict[str, pd.DataFrame]:
        """Each strategic reserve's daily level (day, date, value; sorted), by policy id: the
        policies whose own KPIs count releases (a reserve is a stock named after its policy)."""
        pids = sorted(pid for pid, kpis in self.result.kpis.get("policies", {}).items() if "released_t" in kpis)
        levels = self.rows("level_t")
        return {pid: levels[levels["entity"] == pid].sort_values("day") for pid in pids}

    @cached_property
    def prices(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Each market's price rows (date, value in USD/kg), by material, then market."""
        rows = self.rows("price_usd_per_kg")
        out: dict[str, dict[str, pd.DataFrame]] = {}
        for (material, market), part in rows.groupby(["material", "entity"], observed=True):
            out.setdefault(str(material), {})[str(market)] = part[["date", "value"]]
        return {m: out[m] for m in sorted(out)}


def prepare(result: Result | RunFrames) -> RunFrames:
    """A run prepared for its figures (a prepared run as it is)."""
    if isinstance(result, RunFrames):
        return result
    regions = tuple(sorted(str(r) for r in result.entities["region"].dropna().unique()))
    return RunFrames(result, regions, region_colours(regions), timeline(result))
