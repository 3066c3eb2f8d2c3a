"""Build a SimPy world from a Scenario, run it, and hand back plain arrays and tables."""

from __future__ import annotations

import datetime as dt
import gc
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ..policies.base import Policy
from ..scenario.policy_kinds import ensure_loaded, kinds
from ..scenario.schema import Facility as FacilitySpec
from ..scenario.schema import Scenario
from .allocation import allocation
from .anticipation import Expectations
from .clock import Clock
from .context import EngineContext
from .core import Core
from .demand import BuyerGroup, DemandSink
from .economics import PlantBooks, run_economics
from .facility import Facility, Flow
from .investment import Expandable, Investor, rule_for
from .ledger import Ledger
from .link import Link
from .market import Market
from .origin import trace_origins
from .policy_runner import PolicyRunner
from .recorder import Recorder, SeriesKey
from .replenishment import FORECASTS, ORDER_RULES, SUPPLIERS, Precaution, Replenisher
from .stock import Stock
from .streams import RandomStreams
from .substitution import Substitution, pair_buyers

if TYPE_CHECKING:  # pandas loads when a run's tables are made, not to simulate
    import pandas as pd

PROGRESS_MASK = 4095
"""A run tells its progress listener where it is once in this many (+1) events (a bit mask)."""


@dataclass
class RunOutput:
    """What a run leaves behind: daily series, entity tables, the mass balance and counters."""

    scenario: Scenario
    keys: list[SeriesKey]
    daily: np.ndarray
    entity_rows: list[dict[str, Any]]  # the entities table's rows: pandas loads only when it is asked for
    balance: dict[str, dict[str, float]]
    events: int
    wall_seconds: float
    counters: dict[str, float] = field(default_factory=dict)
    policy_events: list[dict] = field(default_factory=list)
    policy_kpis: dict[str, dict[str, Any]] = field(default_factory=dict)  # each policy's own KPIs, by id

    @cached_property
    def entities(self) -> pd.DataFrame:
        """Every facility, stock, link and demand with its kind, stage, site, region and material."""
        import pandas as pd

        return pd.DataFrame(self.entity_rows, columns=ENTITY_COLUMNS)

    def timeseries(self) -> pd.DataFrame:
        """Long format: day, date, entity, material, variable, value (one row a series a day)."""
        import pandas as pd

        n_series, horizon = self.daily.shape
        start = np.datetime64(self.scenario.meta.start_date, "D")
        days = np.tile(np.arange(horizon, dtype=np.int32), n_series)
        dates = (start + np.arange(horizon).astype("timedelta64[D]")).astype("datetime64[ms]")  # Parquet's unit

        def column(values: list[str]) -> pd.Categorical:
            # built from codes: repeating strings for every day would cost more than the run; the
            # codes repeated in the width pandas keeps them in, not numpy's int64 cast down after
            categories, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
            width = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32767 else np.int32
            return pd.Categorical.from_codes(np.repeat(codes.astype(width), horizon), categories=categories)

        return pd.DataFrame(
            {
                "day": days,
                "date": np.tile(dates, n_series),
                "entity": column([k.entity for k in self.keys]),
                "material": column([k.material for k in self.keys]),
                "variable": column([k.variable for k in self.keys]),
                "value": self.daily.reshape(-1),
            },
            copy=False,  # new arrays, or (no warm-up) a view of ``daily``, which nothing writes after the run
        )


class World:
    """Sites, stocks, facilities, links, demand, markets and policies in one SimPy environment.

    Built in phases, as desmod elaborates a model: entities are created from their specs, then
    wired together (push shares, policies), and their processes start only in ``start()``.
    """

    def __init__(self, scenario: Scenario, merge_events: bool = True):
        """``merge_events=False`` gives every timed call its own event: the same results with more
        events (see ``sim/engine/clock.py``)."""
        ensure_loaded()
        self.scenario = scenario
        meta = scenario.meta
        self.warmup = meta.warmup_days
        self.horizon = meta.horizon_days
        self.end = self.warmup + self.horizon  # simulated time runs from -warmup; day 0 is start_date
        self.env = Clock(merge_events)
        self.streams = RandomStreams(meta.seed)
        self.ledger = Ledger()
        self.recorder = Recorder(self.end)
        self.core = Core(self.env, self.ledger, self.recorder, self.streams, meta.start_date, self.warmup, self.end)
        self.stocks: dict[tuple[str, str], Stock] = {}
        self.facilities: dict[str, Facility] = {}
        self.links: dict[str, Link] = {}
        self.demands: dict[str, DemandSink] = {}
        self.buyers: list[BuyerGroup] = []
        self.markets: dict[str, Market] = {}
        self.market_of: dict[tuple[str, str], Market] = {}  # (material, region) -> market
        self.replenishers: list[Replenisher] = []
        self.substitutions: dict[str, Substitution] = {}
        self._home_first = scenario.buyers.home_and_export == "home_first"
        self.region_of: dict[str, str] = {sid: s.region for sid, s in scenario.sites.items()}
        self.facility_specs: dict[str, FacilitySpec] = dict(scenario.facilities)
        self.policies: dict[str, Policy] = {}
        self.books: list[PlantBooks] = []
        self.policy_events: list[dict] = []
        self._runners: list[PolicyRunner] = []
        self._starters: list[Callable[[], object]] = []
        self._started = False
        self._demand_tally: dict[str, np.ndarray] = {}
        self._create()
        self._wire()

    # -- time -----------------------------------------------------------------------------
    def day_of(self, date: dt.date) -> float:
        """Simulation time of a calendar date (start_date is warmup_days)."""
        return self.core.day_of(date)

    def date_of(self, t: float) -> dt.date:
        return self.core.date_of(t)

    def at(self, t: float, action: Callable[[], None]) -> None:
        """Run ``action`` at time t (at once if t has passed)."""
        delay = max(t - self.env.now, 0.0)
        ev = self.env.timeout(delay)
        ev.callbacks.append(lambda _ev: action())

    def on_start(self, action: Callable[[], object]) -> None:
        """Run ``action`` when the world starts (at once if it has)."""
        if self._started:
            action()
        else:
            self._starters.append(action)

    def log_policy(self, pid: str, kind: str, what: str) -> None:
        t = self.env.now
        self.policy_events.append({"day": int(t) - self.warmup, "date": self.date_of(t).isoformat(), "policy": pid, "kind": kind, "event": what})

    def tally_demand(self, region: str, t: float, want: float, got: float) -> None:
        tally = self._demand_tally.get(region)
        if tally is None:
            tally = self._demand_tally[region] = np.zeros((2, self.end + 1))
        day = min(int(t), self.end)
        tally[0, day] += want
        tally[1, day] += got

    def region_fill_rate(self, region: str, window: int) -> float:
        """Share of a region's demand met over the last ``window`` days (1.0 if it had none)."""
        tally = self._demand_tally.get(region)
        if tally is None:
            return 1.0
        day = int(self.env.now)
        lo = max(day - window + 1, 0)
        want = tally[0, lo: day + 1].sum()
        return float(tally[1, lo: day + 1].sum() / want) if want > 0 else 1.0

    # -- phase 1: create entities from their specs ---------------------------------------------
    def stock(self, site: str, material: str) -> Stock:
        key = (site, material)
        if key not in self.stocks:
            spec = self.scenario.stocks.get(site, {}).get(material)
            self.stocks[key] = Stock(
                self.core, site, material,
                initial=spec.initial_t if spec else 0.0,
                max_t=spec.max_t if spec else None,
                target_cover_days=spec.target_cover_days if spec else None,
                max_cover_days=spec.max_cover_days if spec else None,
                surplus_cover_days=spec.surplus_above_cover_days if spec else None,
                home_first=self._home_first,
            )
        return self.stocks[key]

    def add_stock(self, site: str, material: str, region: str, initial_t: float, max_t: float | None) -> Stock:
        """A stock at a place no scenario site names (a policy's reserve), in a region."""
        stock = Stock(self.core, site, material, initial=initial_t, max_t=max_t, home_first=self._home_first)
        self.stocks[(site, material)] = stock
        self.region_of[site] = region
        return stock

    def _context(self, pid: str) -> EngineContext:
        return EngineContext(self, pid, self.scenario.policies[pid].kind)

    def _create(self) -> None:
        sc = self.scenario
        for site, per_site in sc.stocks.items():
            for material in per_site:
                self.stock(site, material)
        for pid, pol in sc.policies.items():
            self.facility_specs.update(kinds()[pol.kind].builder.facilities(pid, pol, self._context(pid)))
        for fid, spec in self.facility_specs.items():
            self.facilities[fid] = self._facility(fid, spec)
        for lid, spec in sc.links.items():
            self.links[lid] = link = Link(self.core, lid, spec, origins={m: self.stock(spec.from_, m) for m in spec.materials},
                                          dests={m: self.stock(spec.to, m) for m in spec.materials})
            link.abroad = self.region_of[spec.from_] != self.region_of[spec.to]
        groups: dict[tuple[str, str, float], list[DemandSink]] = {}
        for did, spec in sc.demand.items():
            share = spec.backorder_share if spec.backorder_share is not None else sc.buyers.share_for(spec.end_use)
            sink = DemandSink(self.core, did, spec, self.stock(spec.site, spec.material), share)
            self.demands[did] = sink
            groups.setdefault((spec.site, spec.material, spec.period_days), []).append(sink)
        for (site, material, period), sinks in groups.items():
            self.buyers.append(BuyerGroup(
                self.core, self.stock(site, material), sinks, period, allocation(sc.allocation.rule, sc.allocation.priority),
                tally=lambda t, w, g, r=self.region_of[site]: self.tally_demand(r, t, w, g),
                patience_days=sc.buyers.patience_days,
            ))
        # indexed once, so building stays linear in the size of the world
        pulled_by: dict[tuple[str, str], list[tuple[Link, float]]] = {}
        for lid, ls in sc.links.items():
            if ls.mode == "pull":
                for m in ls.materials:
                    pulled_by.setdefault((ls.to, m), []).append((self.links[lid], ls.share_of(m)))
        for (_, m), inbound in pulled_by.items():
            total = sum(w for _, w in inbound)
            for link, w in inbound:
                link.supplier_share[m] = w / total if total > 0 else 1.0
        needs = self._expected_outflows()
        for key, st in self.stocks.items():  # the pace wanted starts at the plan, not at nothing
            st.wanted.rate = needs.get(key, 0.0)
        for d in sc.demand.values():
            self.stock(d.site, d.material).buyers_pace.rate += d.t_per_day
        made: dict[tuple[str, str], float] = {}
        for fac in self.facilities.values():
            for f in fac.outputs:
                key = (f.stock.site, f.stock.material)
                made[key] = made.get(key, 0.0) + fac.rate * f.t_per_activity
        for key, rate in made.items():
            self.stocks[key].expect_arrivals(rate)
        for site, per_site in sc.stocks.items():
            for material, spec in per_site.items():
                if spec.replenishment is None:
                    continue
                inbound = pulled_by.get((site, material), [])
                if not inbound:
                    continue
                pol = spec.replenishment
                st = self.stock(site, material)
                forecast = pol.forecast_t_per_day
                if forecast is None:
                    forecast = needs.get((site, material), 0.0)
                self.replenishers.append(Replenisher(
                    self.core, st, ORDER_RULES[pol.kind](spec.target_cover_days or 0.0, pol.reorder_point_days),
                    FORECASTS[pol.forecast](forecast, pol.smoothing),
                    SUPPLIERS[pol.suppliers](inbound, self.landed_price, sc.economics.buyer_price_sensitivity),
                    pol.review_days,
                    Precaution(sc.buyers.precaution, lambda m=material, r=self.region_of[site]: self.price(m, r)),
                    pol.cancel_excess,
                ))
        self._create_markets()
        origins = {(rep.stock.site, rep.stock.material): frozenset(self.region_of[sc.links[link.id].from_] for link, _ in rep.suppliers.links)
                   for rep in self.replenishers}
        self.expectations = Expectations(
            [(rep, self.region_of[rep.stock.site], origins[(rep.stock.site, rep.stock.material)]) for rep in self.replenishers],
            [(m, [(self.region_of[st.site], origins.get((st.site, st.material), frozenset())) for st in m.stocks])
             for m in self.markets.values()],
        )
        self.investor = self._create_investor()
        site_of = {did: d.site for did, d in sc.demand.items()}
        for sid, spec in sc.substitutions.items():
            pairs = pair_buyers(spec, self.demands, site_of, self.region_of)
            self.substitutions[sid] = Substitution(self.core, sid, spec, pairs, self._price_and_reference)
        trace_origins(self)  # last: every stock, plant and lane exists

    def _create_investor(self) -> Investor | None:
        spec = self.scenario.investment
        plants = []
        for fid, fspec in self.facility_specs.items():
            region = self.region_of[fspec.site]
            rule = rule_for(spec, fid, fspec.stage, fspec.kind, region)
            if rule is not None:
                fac = self.facilities[fid]
                plants.append(Expandable(fac, rule, region, fspec.stage, fac.rate))
        return Investor(self.core, spec, plants, self._signal, self._asked_for) if plants else None

    def _asked_for(self, materials: tuple[str, ...]) -> float:
        """Tonnes the buyers have asked for of some materials so far, world-wide."""
        return sum(st.buyers_pace.total for (_, m), st in self.stocks.items() if m in materials)

    def _signal(self, plant: Facility, rule) -> tuple[float, float] | None:
        """What tells whether expanding a plant pays, against its reference: the signal market's
        price, or, for a product made from priced inputs, its margin over them (for a product
        priced at cost plus conversion, always its reference margin)."""
        if rule.signal_market is not None:
            market = self.markets[rule.signal_market]
            return market.price, market.reference
        region = self.region_of[self.facility_specs[plant.id].site]
        market = self.market_of.get((plant.outputs[0].stock.material, region))
        if market is None or market.spec.pricing == "cost_plus":
            return None  # no price, or priced at its inputs' cost plus conversion: its margin is the reference's
        floor = market.cost_floor()
        return (market.price, market.reference) if floor is None else (market.price - floor, market.conversion)

    def _in_reach(self) -> set[tuple[str, str]]:
        """Stocks a buyer can reach: with buyers, a plant drawing on them, or a lane out of them."""
        sc = self.scenario
        reach = {(d.site, d.material) for d in sc.demand.values()}
        reach.update((f.stock.site, f.stock.material) for fac in self.facilities.values() for f in fac.inputs)
        reach.update((ls.from_, m) for ls in sc.links.values() for m in ls.materials)
        return reach

    def _create_markets(self) -> None:
        sc = self.scenario
        region_of = {sid: s.region for sid, s in sc.sites.items()}
        claimed: dict[str, set[str]] = {}
        for spec in sc.markets.values():
            claimed.setdefault(spec.material, set()).update(spec.regions)
        reach = self._in_reach()
        for mid, spec in sc.markets.items():
            regions = set(spec.regions) or (set(sc.regions) - claimed.get(spec.material, set()))
            counts = {spec.material: 1.0, **spec.also_counts}
            held = [(st, counts[key[1]]) for key, st in self.stocks.items()
                    if key[1] in counts and region_of.get(key[0]) in regions and key in reach]
            market = Market(self.core, mid, spec, regions, [st for st, _ in held], [w for _, w in held])
            self.markets[mid] = market
            for region in regions:
                self.market_of[(spec.material, region)] = market
        order = list(sc.regions)
        for mid, spec in sc.markets.items():
            if not spec.made_from:
                continue
            market = self.markets[mid]
            home = min(market.regions, key=order.index)  # inputs are priced in the market's first region
            market.link_inputs([(self.market_of[(m, home)], coef) for m, coef in spec.made_from.items()
                                if (m, home) in self.market_of])

    # -- phase 2: wire them together ---------------------------------------------------------
    def _wire(self) -> None:
        for st in self.stocks.values():
            st.split_initial()
        for pid, spec in self.scenario.policies.items():
            ctx = self._context(pid)
            policy = kinds()[spec.kind].builder(pid, spec, ctx)
            self.policies[pid] = policy
            if policy.timed:
                runner = PolicyRunner(self, ctx, policy)
                self._runners.append(runner)
                self._starters.append(runner.start)
        for fid, spec in self.facility_specs.items():
            if spec.unit_cost_usd_per_t is not None:
                self.books.append(PlantBooks(self, fid, self.facilities[fid], spec.unit_cost_usd_per_t))

    # -- phase 3: start the processes ---------------------------------------------------------
    def start(self) -> None:
        """Switch on the policies in force from the first moment, then start every process."""
        if self._started:
            return
        # a policy in force from the very first moment is switched on before any process runs,
        # so that nothing slips through on that day
        for runner in self._runners:
            if runner.in_force_from_the_first_moment():
                runner.switch_on()
        entities = [*self.facilities.values(), *self.links.values(), *self.buyers, *self.replenishers,
                    *self.markets.values(), *self.substitutions.values(), *([self.investor] if self.investor else [])]
        for entity in entities:
            entity.start()
        self._started = True
        for action in self._starters:
            action()
        if self.books:
            self.env.process(run_economics(self, self.books))

    def landed_price(self, link: Link, material: str) -> float | None:
        """What a buyer pays for a material over a link: the origin's price plus its tariff. While
        a border rule holds the material on the link (an export licence, a ban), the origin's
        exporters sell at no less than the destination's price: a Chinese home price kept low by
        a control does not draw buyers abroad away from suppliers who can ship."""
        spec = self.scenario.links[link.id]
        price = self.price(material, self.region_of[spec.from_])
        if price is None:
            return None
        if any(rule.active and rule.covers(material) for rule in link.rules):
            there = self.price(material, self.region_of[spec.to])
            price = max(price, there or 0.0)
        return price * (1 + link.tariff_pct / 100)

    def _price_and_reference(self, material: str, region: str) -> tuple[float, float] | None:
        market = self.market_of.get((material, region))
        return None if market is None else (market.price, market.reference)

    def price(self, material: str, region: str) -> float | None:
        """The current price of a material in a region (USD/kg), or None if it has no market."""
        market = self.market_of.get((material, region))
        return None if market is None else market.price

    def _expected_outflows(self) -> dict[tuple[str, str], float]:
        """A first forecast per stock: the demand and the plants' full input needs there (t/day)."""
        rate: dict[tuple[str, str], float] = {}
        for d in self.scenario.demand.values():
            rate[(d.site, d.material)] = rate.get((d.site, d.material), 0.0) + d.t_per_day
        for fac in self.facilities.values():
            for f in fac.inputs:
                key = (f.stock.site, f.stock.material)
                rate[key] = rate.get(key, 0.0) + fac.rate * f.t_per_activity
        return rate

    def _facility(self, fid: str, spec: FacilitySpec) -> Facility:
        sc = self.scenario
        recipe = spec.recipe
        if recipe.products:
            feed = next(iter(recipe.inputs))
            ore = sc.ore_bodies[sc.materials[feed].ore_body]  # type: ignore[index]
            out_coef = ore.split(recipe.products, sc.materials)
        else:
            out_coef = dict(recipe.outputs)
        inputs = [Flow(self.stock(spec.site, m), c) for m, c in recipe.inputs.items()]
        outputs = [Flow(self.stock(spec.site, m), c) for m, c in out_coef.items() if c > 0]
        return Facility(self.core, fid, spec, inputs, outputs)

    # -- running --------------------------------------------------------------------------
    def run(self, progress: Callable[[float], None] | None = None) -> RunOutput:
        """Run to the end; ``progress`` (if given) hears the share of the horizon simulated every
        few thousand events, and may stop the run by raising."""
        t0 = time.perf_counter()
        self.start()
        env, end, events = self.env, self.end, 0
        with _collector_spared(self):
            while env.peek() < end:
                env.step()
                events += 1
                if progress is not None and not events & PROGRESS_MASK:
                    progress(env.now / end)
            env.run(until=end)
        for fac in self.facilities.values():
            fac.close_books()
        in_stock: dict[str, float] = {}
        for (_, material), st in self.stocks.items():
            in_stock[material] = in_stock.get(material, 0.0) + st.level + st.set_aside
        balance = self.ledger.check(in_stock)
        daily = self.recorder.daily()[:, self.warmup:]
        wall = time.perf_counter() - t0
        counters: dict[str, float] = {
            "campaigns": sum(f.campaigns for f in self.facilities.values()),
            "shipments": sum(lk.shipments for lk in self.links.values()),
        }
        for policy in self.policies.values():
            for name, value in policy.counters().items():
                counters[name] = counters.get(name, 0.0) + value
        if self.investor is not None:
            counters["expansions"] = float(self.investor.expansions)
            counters["capacity_added_t_per_day"] = self.investor.added_t_per_day
        if self.books:
            counters["floor_payments_usd"] = sum(b.floor_payments_usd for b in self.books)
        policy_kpis = {pid: kpis for pid, p in self.policies.items() if (kpis := p.kpis())}
        for pid, kpis in policy_kpis.items():
            undeclared = set(kpis) - set(type(self.policies[pid].spec).KPIS)
            if undeclared:  # the KPI registry and its docs list what each kind declares
                raise TypeError(f"policy '{pid}' reports KPIs its kind does not declare in KPIS: {sorted(undeclared)}")
        return RunOutput(self.scenario, list(self.recorder.keys), daily, self.entity_rows(), balance, events, wall,
                         counters, sorted(self.policy_events, key=lambda e: e["day"]), policy_kpis)

    def entity_rows(self) -> list[dict[str, Any]]:
        """The rows of the run's entities table (`RunOutput.entities`)."""
        sc = self.scenario
        region = self.region_of
        added: dict[str, dict[str, float]] = {}
        for policy in self.policies.values():
            added.update(policy.facility_attributes())
        rows = []
        for fid, spec in self.facility_specs.items():
            fac = self.facilities[fid]
            rows.append({
                "entity": fid, "type": "facility", "kind": spec.kind, "stage": spec.stage,
                "site": spec.site, "region": region[spec.site], "material": fac.outputs[0].stock.material,
                "end_use": "", "capacity_t_per_day": spec.capacity.per_day(),
                "down_days": fac.down_days, "name": spec.name, "capex_musd": added.get(fid, {}).get("capex_musd", 0.0),
            })
        for (site, material) in self.stocks:
            rows.append({"entity": site, "type": "stock", "site": site, "region": region[site],
                         "material": material, "stage": sc.materials[material].stage or ""})
        for lid, spec in sc.links.items():
            rows.append({"entity": lid, "type": "link", "site": spec.from_, "region": region[spec.from_],
                         "to_site": spec.to, "to_region": region[spec.to], "material": ",".join(spec.materials)})
        for did, spec in sc.demand.items():
            rows.append({"entity": did, "type": "demand", "site": spec.site, "region": region[spec.site],
                         "material": spec.material, "end_use": spec.end_use, "capacity_t_per_day": spec.t_per_day})
        return rows


COLLECT_AFTER = 10.0
"""Earlier runs' worlds are collected once this many times the last collection's cost has passed
since it (so collecting costs at most a tenth of a sweep's time)..."""
COLLECT_EVERY_WORLDS = 16
"""...or once this many worlds have run since it. A collection's cost grows with the worlds
waiting for it, so a rule of time alone lets them pile up without end when a world runs in less
than ten times what collecting it costs (short runs on the compiled engine)."""


@dataclass
class _Leftovers:
    """The world run last in this process (while it lives), and when the last collection of
    earlier worlds ended and what it cost (``time.perf_counter`` seconds)."""

    last: weakref.ref | None = None
    ended_s: float = 0.0
    cost_s: float = 0.0
    worlds: int = 0  # run since that collection


_leftovers = _Leftovers()


@contextmanager
def _collector_spared(world: World) -> Iterator[None]:
    """Run with the world already built frozen out of the garbage collector's sight, and its young
    generation collected less often: a run makes millions of short-lived objects and few cycles,
    and on a large world the collector's passes over the built world cost a fifth of the run.
    The collector's settings are restored afterwards.

    A world is a web of cycles (processes, events, the plants they drive) that only a full
    collection frees, and one frozen with the next world would stay. So when the last world run
    here still lives (most likely garbage: a sweep's previous run), earlier worlds are collected
    first, at most as often as keeps that under a tenth of the time passing but at least every
    ``COLLECT_EVERY_WORLDS`` worlds: a sweep's memory stays flat, give or take a few worlds. A
    single run pays nothing."""
    left = _leftovers
    now = time.perf_counter()
    due = now - left.ended_s >= COLLECT_AFTER * left.cost_s or left.worlds >= COLLECT_EVERY_WORLDS
    if left.last is not None and left.last() is not None and due:
        gc.collect()
        left.ended_s = time.perf_counter()
        left.cost_s = left.ended_s - now
        left.worlds = 0
    left.last = weakref.ref(world)
    left.worlds += 1
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


ENTITY_COLUMNS = ["entity", "type", "kind", "stage", "site", "region", "to_site", "to_region", "material",
                  "end_use", "capacity_t_per_day", "down_days", "name", "capex_musd"]


def simulate(scenario: Scenario, progress: Callable[[float], None] | None = None) -> RunOutput:
    """Build and run a world; raises MassBalanceError if the books do not close. ``progress``
    hears the share of the horizon simulated now and then (see `World.run`)."""
    return World(scenario).run(progress)
