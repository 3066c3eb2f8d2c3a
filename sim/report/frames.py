"""A run's time series cut once into the tables its figures draw.

A 10-year run holds millions of rows. Figures used to filter them again one by one and map entity
names to regions row by row; `prepare` cuts each variable once, looks entities' stage and region
up on the few categories rather than on every row, and keeps the date x region tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, reduce

import numpy as np
import pandas as pd

from ..results.result import Result
from ..scenario.components import STAGES
from .style import region_colours

DEMAND_VARIABLES = ("requested_t", "delivered_t", "unmet_t")


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


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1: missing) and categories of a column; reesim's time series are categorical."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("category")
    return column.cat.codes.to_numpy(), column.cat.categories


def _lookup(rows: pd.DataFrame, table: pd.DataFrame, keys: Sequence[str], column: str, labels: Sequence[str]) -> np.ndarray:
    """For each row, the position in ``labels`` of ``table[column]`` on the table's row with the same
    ``keys`` (-1 if none): looked up once per combination of categories, then indexed by codes."""
    codes, positions, shape = [], [], []
    found = np.ones(len(table), dtype=bool)
    for key in keys:
        code, categories = _codes(rows[key])
        position = categories.get_indexer(table[key])
        codes.append(code)
        positions.append(position)
        shape.append(len(categories) + 1)  # the last slot answers code -1 (a missing key) with -1
        found &= position >= 0
    table_of = np.full(shape, -1, dtype=np.int64)
    table_of[tuple(p[found] for p in positions)] = pd.Index(labels).get_indexer(table[column])[found]
    return table_of[tuple(codes)]


@dataclass(frozen=True)
class RunFrames:
    """One run, prepared for its figures: the regions and their colours, the policy timeline, and
    (computed when first asked for, then kept) each variable's rows and the date x region tables."""

    result: Result
    regions: tuple[str, ...]
    colours: dict[str, str]
    events: pd.DataFrame
    _rows: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        """The scenario's name, for figure titles."""
        return str(self.result.run.get("scenario", ""))

    @cached_property
    def _variable_codes(self) -> tuple[np.ndarray, pd.Index]:
        return _codes(self.result.timeseries["variable"])

    def rows(self, variable: str) -> pd.DataFrame:
        """The time-series rows of one variable."""
        if variable not in self._rows:
            codes, categories = self._variable_codes
            code = categories.get_indexer([variable])[0]
            ts = self.result.timeseries
            self._rows[variable] = ts[codes == code] if code >= 0 else ts.iloc[:0]
        return self._rows[variable]

    @cached_property
    def first_date(self) -> pd.Timestamp:
        """The first reported day's date."""
        return pd.Timestamp(self.result.timeseries["date"].min())

    @cached_property
    def last_day(self) -> int:
        """The last reported day (days count from the start date)."""
        return int(self.result.timeseries["day"].max())

    def _by_stage_and_region(self, variable: str, entity_type: str, keys: Sequence[str]) -> dict[str, pd.DataFrame]:
        """Sum of ``variable`` over the entities of each stage: one date x region table per stage.

        One groupby for every stage; within a group the rows keep their order, so the sums are
        the very numbers a pivot table per stage gave."""
        rows = self.rows(variable)
        ents = self.result.entities
        ents = ents[ents["type"] == entity_type]
        stage = _lookup(rows, ents, keys, "stage", STAGES)
        region = _lookup(rows, ents, keys, "region", self.regions)
        keep = (stage >= 0) & (region >= 0)
        frame = pd.DataFrame({"stage": stage[keep], "date": rows["date"].to_numpy()[keep],
                              "region": region[keep], "value": rows["value"].to_numpy()[keep]})
        sums = frame.groupby(["stage", "date", "region"])["value"].sum()
        out = {}
        for code, part in sums.groupby(level="stage"):
            out[STAGES[code]] = self._named(part.droplevel("stage").unstack("region"))
        return out

    def _named(self, table: pd.DataFrame) -> pd.DataFrame:
        """Region names for the region codes of a table's columns (in place)."""
        table.columns = pd.Index([self.regions[c] for c in table.columns], name="region")
        return table

    @cached_property
    def stocks(self) -> dict[str, pd.DataFrame]:
        """Tonnes in stock by stage of material: date x region (missing where a region holds none)."""
        return self._by_stage_and_region("level_t", "stock", ("entity", "material"))

    @cached_property
    def production(self) -> dict[str, pd.DataFrame]:
        """Facilities' output by stage, t/day: date x region (0 where a region made nothing)."""
        return {stage: table.fillna(0.0) for stage, table in self._by_stage_and_region("output_t", "facility", ("entity",)).items()}

    @cached_property
    def demand(self) -> dict[str, pd.DataFrame]:
        """``requested_t``, ``delivered_t`` and ``unmet_t`` of the demands, t/day: date x region, all
        three on the same dates and regions (0 where nothing was recorded)."""
        return {v: self.demand_by_material[v].T.groupby(level="region").sum().T for v in DEMAND_VARIABLES}

    @cached_property
    def demand_by_material(self) -> dict[str, pd.DataFrame]:
        """``requested_t``, ``delivered_t``, ``unmet_t`` (lost) and ``backorder_t`` (waiting) of
        the demands, t/day: date x (material, region), all on the same dates and columns."""
        ents = self.result.entities
        ents = ents[ents["type"] == "demand"]
        tables = {}
        for variable in (*DEMAND_VARIABLES, "backorder_t"):
            rows = self.rows(variable)
            region = _lookup(rows, ents, ("entity",), "region", self.regions)
            material, materials = _codes(rows["material"])
            keep = region >= 0
            frame = pd.DataFrame({"date": rows["date"].to_numpy()[keep], "material": material[keep],
                                  "region": region[keep], "value": rows["value"].to_numpy()[keep]})
            table = frame.groupby(["date", "material", "region"])["value"].sum().unstack(["material", "region"])
            # grouped on the codes, named after: names for a few columns, not for every row
            table.columns = pd.MultiIndex.from_tuples([(str(materials[m]), self.regions[r]) for m, r in table.columns],
                                                      names=["material", "region"])
            tables[variable] = table.sort_index(axis=1)
        dates = reduce(pd.Index.union, (t.index for t in tables.values()))
        columns = reduce(lambda a, b: a.union(b), (t.columns for t in tables.values()))
        return {v: t.reindex(index=dates, columns=columns).fillna(0.0) for v, t in tables.items()}

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
