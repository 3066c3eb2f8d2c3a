"""Key performance indicators, computed from a run's daily series and entity table alone."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..scenario.policy_kinds import disruption_kinds
from ..scenario.schema import KPI_STAGES
from .kpi_registry import KPIS, TEXT_KPIS

RECOVERED_FILL_RATE = 0.99
WINDOW_DAYS = 30


def flatten(kpis: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Nested KPIs as dotted names -> numbers (non-numbers are left out)."""
    out: dict[str, float] = {}
    for key, value in kpis.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            out[name] = float(value)
    return out


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 1.0


class LongSeries:
    """The long timeseries as numpy arrays, its rows split by variable once, for sums by entity
    (the KPIs and a run's summary): they read a dozen variables, and a pandas filter, group and
    reindex for each cost more than the sums themselves on all but the longest runs."""

    def __init__(self, ts: pd.DataFrame):
        self.entity, self.names = _codes(ts["entity"])
        self.code_of = {name: i for i, name in enumerate(self.names)}
        var, var_names = _codes(ts["variable"])
        self.day = ts["day"].to_numpy()
        self.value = ts["value"].to_numpy(dtype=float)
        # what sums add: a missing value (NaN) counts as nothing, as in pandas' sums
        nan = np.isnan(self.value)
        self.addend = np.where(nan, 0.0, self.value) if nan.any() else self.value
        self.last_day = int(self.day.max()) if len(self.day) else 0
        self.n_days = _count_days(self.day)
        self.rows = {str(var_names[code]): at for code, at in _positions(var, len(var_names)).items()}
        self._material: tuple[np.ndarray, list[str]] | None = None
        self.source = ts  # what these arrays were made from

    def of(self, variable: str) -> np.ndarray:
        """Positions of ``variable``'s rows (none if the run has no such series)."""
        return self.rows.get(variable, _NO_ROWS)

    def totals(self, variable: str, entities: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each of ``entities``' sum of ``variable``, and whether it has any such row."""
        at = self.of(variable)
        n = len(self.names)
        sums = np.bincount(self.entity[at], weights=self.addend[at], minlength=n)
        seen = np.bincount(self.entity[at], minlength=n) > 0
        pos = np.array([self.code_of.get(e, -1) for e in entities], dtype=np.int64)
        known = pos >= 0
        pos = np.where(known, pos, 0)
        return np.where(known, sums[pos], 0.0), known & seen[pos]

    def in_run(self, entities: list[str]) -> np.ndarray:
        """Whether each of ``entities`` has any row at all."""
        seen = np.bincount(self.entity, minlength=len(self.names)) > 0
        return np.array([e in self.code_of and bool(seen[self.code_of[e]]) for e in entities], dtype=bool)

    def capacity(self, facilities: list[str], t_per_day: np.ndarray, days: int | None = None) -> np.ndarray:
        """Each facility's capacity summed over the ``days`` of these rows (default: all the days
        they cover; t of its basis): the daily ``capacity_t_per_day`` of a plant that may expand
        (investment), else ``t_per_day`` every day."""
        grown, has_grown = self.totals("capacity_t_per_day", facilities)
        return np.where(has_grown, grown, t_per_day * (self.n_days if days is None else days))

    def material(self) -> tuple[np.ndarray, list[str]]:
        if self._material is None:
            self._material = _codes(self.source["material"])
        return self._material


_NO_ROWS = np.zeros(0, dtype=np.int64)


def _count_days(day: np.ndarray) -> int:
    """How many different days ``day`` holds. A run's first series has a row every day, so when
    its first rows are every day from the first to the last, that is the count: no pass over the
    millions of rows for it."""
    if not len(day):
        return 0
    first, last = int(day.min()), int(day.max())
    span = last - first + 1
    if len(day) >= span and np.array_equal(day[:span], np.arange(first, last + 1)):
        return span
    return int(np.count_nonzero(np.bincount(day - first)))


def _positions(codes: np.ndarray, n: int) -> dict[int, np.ndarray]:
    """The positions of each code's rows, in order (codes with no rows left out). A run's series
    come one after another, so a code's rows are a few long stretches: found where the code
    changes, in one pass; codes in no such order are sorted instead."""
    if not len(codes):
        return {}
    changes = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    if len(changes) > len(codes) // 64:
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(n + 1, dtype=np.int64))
        return {c: order[bounds[c]:bounds[c + 1]] for c in range(n) if bounds[c + 1] > bounds[c]}
    starts = np.concatenate(([0], changes)).astype(np.int64)
    lengths = np.diff(np.concatenate((starts, [len(codes)])))
    of_stretch = codes[starts]
    out = {}
    for c in np.unique(of_stretch).tolist():
        mine = of_stretch == c
        first, size = starts[mine], lengths[mine]
        # each stretch's positions: its first row plus 0, 1, 2... counted across the stretches
        offsets = np.cumsum(size) - size
        out[c] = np.arange(int(size.sum()), dtype=np.int64) + np.repeat(first - offsets, size)
    return dict(sorted(out.items()))


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A column as integer codes and the names they stand for."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        # narrow codes as they are: numpy sorts 8- and 16-bit integers by radix, in linear time
        return column.cat.codes.to_numpy(), [str(c) for c in column.cat.categories]
    codes, names = pd.factorize(column, sort=True)
    return codes, [str(c) for c in names]


def _sum_by(keys: list[str], values: np.ndarray) -> dict[str, float]:
    """``values`` summed by key, keys sorted."""
    out: dict[str, float] = {}
    for k, v in zip(keys, values.tolist(), strict=True):
        out[k] = out.get(k, 0.0) + v
    return {k: out[k] for k in sorted(out)}


def compute_kpis(ts: pd.DataFrame, entities: pd.DataFrame, policy_events: pd.DataFrame | None = None,
                 focus_region: str = "china", policy_kpis: dict[str, dict[str, Any]] | None = None,
                 elements: dict[str, dict[str, float]] | None = None, long: LongSeries | None = None) -> dict[str, Any]:
    """KPIs of one run: unmet demand and fill rates, production and shares per stage, prices,
    margins, and how long each region held out and took to recover after a disruption; each is
    defined in `kpi_registry` (and docs/kpis.md), and they come in its order.

    The focus region (the scenario's ``meta.focus_region``) names two KPIs: ``share_<focus>``
    (its share of each stage) and ``margin_usd_per_t_outside_<focus>``. Each policy's own KPIs
    (what its kind reports) come under ``policies.<id>``; ``elements`` (``element_balance``) is
    reported as ``element_balance_t`` when given (single runs; sweeps leave it out). ``long``: the
    series already split (`LongSeries` of ``ts``), if at hand."""
    long = LongSeries(ts) if long is None else long
    demand = entities[entities["type"] == "demand"]
    dem_ids = demand["entity"].astype(str).tolist()
    dem_col = {c: demand[c].fillna("").astype(str).tolist() for c in ("region", "material", "end_use")}
    dem_col["entity"] = dem_ids
    dlv, _ = long.totals("delivered_t", dem_ids)
    unmet, _ = long.totals("unmet_t", dem_ids)
    requested, _ = long.totals("requested_t", dem_ids)
    # what each buyer group was owed over these days: what was delivered, lost or still waiting at
    # the end, which is what it requested and the backlog it carried in (a window that starts while
    # buyers wait, a run whose warm-up left a backlog), so a fill rate is a share. Counted at the
    # end: a buyer's requests are recorded spread over the days of its period while its backlog
    # moves on the period's day, so the backlog at a window's start is not a clean figure.
    waiting_rows = long.of("backorder_t")
    waiting_rows = waiting_rows[long.day[waiting_rows] == long.last_day]
    end = np.bincount(long.entity[waiting_rows], weights=long.addend[waiting_rows], minlength=len(long.names))
    owed = dlv + unmet + np.array([end[long.code_of[e]] if e in long.code_of else 0.0 for e in dem_ids])

    def by(column: str) -> dict[str, float]:
        o, d = _sum_by(dem_col[column], owed), _sum_by(dem_col[column], dlv)
        return {k: _ratio(d[k], o[k]) for k in o}

    def unmet_by(column: str) -> dict[str, float]:
        return _sum_by(dem_col[column], unmet)

    fac = entities[entities["type"] == "facility"]
    fac_ids = fac["entity"].astype(str).tolist()
    fac_stage, fac_region = fac["stage"].astype(str).tolist(), fac["region"].astype(str).tolist()
    out, _ = long.totals("output_t", fac_ids)
    stages = list(KPI_STAGES) + sorted(set(fac_stage) - set(KPI_STAGES))
    production: dict[str, float] = {}
    by_region: dict[str, dict[str, float]] = {}
    share_focus: dict[str, float] = {}
    for stage in stages:
        at = [i for i, s in enumerate(fac_stage) if s == stage]
        total = float(out[at].sum())
        production[stage] = total
        regions = _sum_by([fac_region[i] for i in at], out[at])
        by_region[stage] = regions
        share_focus[stage] = float(regions.get(focus_region, 0.0) / total) if total > 0 else 0.0

    capacity = long.capacity(fac_ids, fac["capacity_t_per_day"].to_numpy(dtype=float))
    throughput, _ = long.totals("throughput_t", fac_ids)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = throughput / capacity
    utilisation = np.where(np.isnan(utilisation), 0.0, utilisation)

    days_short: dict[str, int] = {}
    waiting: dict[str, float] = {}
    daily = _regional_daily(long, dem_ids, dem_col["region"])
    for region, frame in daily.items():
        days_short[region] = int(_short(frame).sum())
        waiting[region] = float(frame["backorder_t"].iloc[-1]) if len(frame) else 0.0
    disruption = _disruption_day(policy_events)
    survive, recover = {}, {}
    if disruption is not None:
        for region, frame in daily.items():
            survive[region], recover[region] = _survive_recover(frame, disruption)

    short_days = _short_days(long, dem_ids)
    pairs = {column: _by_pair(short_days, dem_col, column, owed, dlv, unmet) for column in ("material", "end_use")}  # each magnet grade on its own

    substituted: dict[str, float] = {}  # t/day of base demand moved to another material, at the end
    region_of = dict(zip(dem_ids, dem_col["region"], strict=True))
    moved = long.of("substituted_t_per_day")
    moved = moved[long.day[moved] == long.last_day]
    for code, value in zip(long.entity[moved].tolist(), long.value[moved].tolist(), strict=True):
        entity = long.names[code]
        if entity in region_of:
            region = region_of[entity]
            substituted[region] = substituted.get(region, 0.0) + value

    share_by_region = {
        stage: {r: v / production[stage] for r, v in regions.items()} if production[stage] > 0 else {}
        for stage, regions in by_region.items()
    }
    hhi = {stage: float(sum((100 * v) ** 2 for v in shares.values())) for stage, shares in share_by_region.items()}

    margins = {}
    region_of_fac = dict(zip(fac_ids, fac_region, strict=True))
    for entity, values in _per_entity(long, "margin_usd_per_t"):
        if entity in region_of_fac:
            known = _known(values)
            margins[entity] = {"mean": float(known.mean()), "min": float(known.min()), "region": region_of_fac[entity]}

    prices: dict[str, dict[str, float]] = {}
    for market, values in _per_entity(long, "price_usd_per_kg"):
        known = _known(values)
        prices[market] = {"mean": float(known.mean()), "peak": float(known.max()), "low": float(known.min()),
                          "start": float(values[0]), "end": float(values[-1])}

    kpis = {
        "bullwhip_ratio": _bullwhip(long) if len(owed) else {},
        "price_usd_per_kg": prices,
        "unmet_demand_t": float(unmet.sum()),
        "requested_t": float(requested.sum()),
        "delivered_t": float(dlv.sum()),
        "fill_rate": _ratio(float(dlv.sum()), float(owed.sum())),
        "fill_rate_by_region": by("region"),
        "fill_rate_by_end_use": by("end_use"),
        "fill_rate_by_material": by("material"),
        "unmet_demand_t_by_region": unmet_by("region"),
        "unmet_demand_t_by_end_use": unmet_by("end_use"),
        "unmet_demand_t_by_material": unmet_by("material"),
        "days_short_by_region": days_short,
        "backorders_t_at_end_by_region": waiting,
        "substituted_t_per_day_by_region": substituted,
        "fill_rate_by_region_material": pairs["material"][0],
        "fill_rate_by_region_end_use": pairs["end_use"][0],
        "unmet_demand_t_by_region_material": pairs["material"][1],
        "unmet_demand_t_by_region_end_use": pairs["end_use"][1],
        "days_short_by_region_material": pairs["material"][2],
        "days_short_by_region_end_use": pairs["end_use"][2],
        "disruption_day": disruption,
        "time_to_survive_days": survive,
        "time_to_recover_days": recover,
        "share_by_region": share_by_region,
        "hhi": hhi,
        "margin_usd_per_t": margins,
        f"margin_usd_per_t_outside_{focus_region}": {f: m["mean"] for f, m in margins.items() if m["region"] != focus_region},
        "production_t": production,
        "production_t_by_region": by_region,
        "focus_region": focus_region,
        f"share_{focus_region}": share_focus,
        "utilisation_by_facility": dict(zip(fac_ids, utilisation.tolist(), strict=True)),
        "policies": {pid: dict(values) for pid, values in (policy_kpis or {}).items()},
    }
    if elements is not None:
        kpis["element_balance_t"] = elements
    order = [k.named(focus_region) for k in KPIS] + list(TEXT_KPIS)
    return {name: kpis[name] for name in order if name in kpis}  # the registry's order, which reports follow


def _per_entity(long: LongSeries, variable: str):
    """(entity, its values in day order) for each entity with ``variable``, in the entities' order."""
    at = long.of(variable)
    if not len(at):
        return
    at = at[np.lexsort((long.day[at], long.entity[at]))]
    codes = long.entity[at]
    cuts = np.flatnonzero(np.diff(codes)) + 1
    for part in np.split(at, cuts):
        yield long.names[long.entity[part[0]]], long.value[part]


def _known(values: np.ndarray) -> np.ndarray:
    """The values that are not missing (NaN), or one NaN when none is known (a mean, peak or low
    of nothing is missing too)."""
    known = values[~np.isnan(values)]
    return known if len(known) else np.array([np.nan])


def _bullwhip(long: LongSeries) -> dict[str, float]:
    """Each ordering stock's weekly orders' variance over the variance of weekly demand (whole
    weeks: the first and last are left out)."""
    orders = long.of("ordered_t")
    if not len(orders):
        return {}
    req = long.of("requested_t")
    weeks = long.day[req] // 7
    present = np.unique(weeks)[1:-1]
    if not len(present):
        return {}
    base_weekly = np.bincount(weeks - weeks.min(), weights=long.addend[req])[present - weeks.min()] if len(weeks) else np.zeros(0)
    base = float(np.var(base_weekly, ddof=1)) if len(base_weekly) > 2 else 0.0
    if base <= 0:
        return {}
    material, material_names = long.material()
    out = {}
    ent, mat = long.entity[orders], material[orders]
    pairs = np.unique(ent.astype(np.int64) * len(material_names) + mat)
    for e, m in zip((pairs // len(material_names)).tolist(), (pairs % len(material_names)).tolist(), strict=True):
        part = orders[(ent == e) & (mat == m)]
        w = long.day[part] // 7
        inside = (w >= present[0]) & (w <= present[-1])
        weekly = np.bincount(w[inside] - present[0], weights=long.addend[part][inside], minlength=present[-1] - present[0] + 1)
        out[f"{long.names[e]}.{material_names[m]}"] = float(np.var(weekly[present - present[0]], ddof=1) / base)
    return out


def _short_days(long: LongSeries, dem_ids: list[str]) -> dict[str, set[int]]:
    """Per buyer group, the days it was short: something lost or waiting."""
    at = np.concatenate([long.of("unmet_t"), long.of("backorder_t")])
    demand_codes = {long.code_of[e] for e in dem_ids if e in long.code_of}
    at = at[np.isin(long.entity[at], list(demand_codes))]
    if not len(at):
        return {}
    key = long.entity[at].astype(np.int64) * (long.last_day + 1) + long.day[at]
    uniq, inverse = np.unique(key, return_inverse=True)
    per_day = np.bincount(inverse, weights=long.addend[at])
    short = uniq[per_day > 1e-9]
    out: dict[str, set[int]] = {}
    for code, day in zip((short // (long.last_day + 1)).tolist(), (short % (long.last_day + 1)).tolist(), strict=True):
        out.setdefault(long.names[code], set()).add(day)
    return out


Table = dict[str, dict[str, float]]


def _by_pair(short_days: dict[str, set[int]], dem_col: dict[str, list[str]], column: str, owed: np.ndarray,
             dlv: np.ndarray, unmet: np.ndarray) -> tuple[Table, Table, dict[str, dict[str, int]]]:
    """Fill rate, lost tonnes and days short by region and ``column`` (material or end use); a day
    is short for a group when any of its demands was short that day."""
    fill: Table = {}
    lost: Table = {}
    short: dict[str, dict[str, int]] = {}
    groups: dict[tuple[str, str], list[int]] = {}
    for i, pair in enumerate(zip(dem_col["region"], dem_col[column], strict=True)):
        groups.setdefault(pair, []).append(i)
    ids = dem_col["entity"]
    for (r, k), at in sorted(groups.items()):
        fill.setdefault(r, {})[k] = _ratio(float(dlv[at].sum()), float(owed[at].sum()))
        lost.setdefault(r, {})[k] = float(unmet[at].sum())
        short.setdefault(r, {})[k] = len(set().union(*(short_days.get(ids[i], set()) for i in at)))
    return fill, lost, short


def _regional_daily(long: LongSeries, dem_ids: list[str], dem_region: list[str]) -> dict[str, pd.DataFrame]:
    """Per region, a frame indexed by day (the days its buyers have rows) with requested_t,
    delivered_t, unmet_t (lost) and backorder_t (waiting)."""
    variables = ("requested_t", "delivered_t", "unmet_t", "backorder_t")
    region_of_code = {long.code_of[e]: r for e, r in zip(dem_ids, dem_region, strict=True) if e in long.code_of}
    if not region_of_code:
        return {}
    regions = sorted(set(region_of_code.values()))
    region_index = np.full(len(long.names), -1, dtype=np.int64)
    for code, r in region_of_code.items():
        region_index[code] = regions.index(r)
    parts = [(j, at[region_index[long.entity[at]] >= 0]) for j, v in enumerate(variables) if len(at := long.of(v))]
    if not parts or not sum(len(at) for _, at in parts):
        return {}
    col = np.concatenate([np.full(len(at), j) for j, at in parts])
    at = np.concatenate([at for _, at in parts])
    reg, day, value = region_index[long.entity[at]], long.day[at].astype(np.int64), long.addend[at]
    out = {}
    for i, r in enumerate(regions):
        mine = reg == i
        if not mine.any():
            continue
        d = day[mine]
        days = np.flatnonzero(np.bincount(d))
        cells = np.bincount(d * len(variables) + col[mine], weights=value[mine], minlength=(days[-1] + 1) * len(variables))
        table = cells.reshape(-1, len(variables))[days]
        out[r] = pd.DataFrame(table, index=pd.Index(days, name="day"), columns=list(variables))
    return out


def _short(frame: pd.DataFrame) -> pd.Series:
    """Days a region was short: demand lost, or buyers waiting for backorders."""
    return (frame["unmet_t"] > 1e-9) | (frame["backorder_t"] > 1e-9)


def _disruption_day(events: pd.DataFrame | None) -> int | None:
    """The first day a disruption (export control, outage, closure, demand shock) came into force."""
    if events is None or not len(events):
        return None
    starts = events[(events["kind"].isin(disruption_kinds())) & (events["event"] == "start") & (events["day"] >= 0)]
    return int(starts["day"].min()) if len(starts) else None


def _survive_recover(frame: pd.DataFrame, start: int) -> tuple[int | None, int | None]:
    """Time to survive: days from the disruption to the region's first shortfall (None: never short).
    Time to recover: days from the disruption until the 30-day fill rate is back at 99% for good
    (0 if it never fell; None if it had not recovered by the end)."""
    after = frame[frame.index >= start]
    short = after.index[_short(after)]
    survive = int(short[0] - start) if len(short) else None
    req = frame["requested_t"].rolling(WINDOW_DAYS, min_periods=1).sum()
    dlv = frame["delivered_t"].rolling(WINDOW_DAYS, min_periods=1).sum()
    rate = (dlv / req.where(req > 0)).fillna(1.0)
    below = rate.index[(rate.index >= start) & (rate < RECOVERED_FILL_RATE)]
    if not len(below):
        return survive, 0
    last = int(below[-1])
    if last >= int(frame.index.max()):
        return survive, None
    return survive, last + 1 - start
