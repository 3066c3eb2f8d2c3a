"""Supply that grows: every ``review_days`` from the start date, each plant under an expansion
rule that has run near full builds ahead of the growth of the demand it follows, or a step while
its signal price stands high; the build adds capacity after the rule's build time, within its
region's ceiling for the stage (China's mining quota).

The run records each such plant's ``capacity_t_per_day`` (a level, in tonnes of its capacity
basis) so reports and KPIs see the capacity grow."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ..scenario.investment import Ceiling, ExpansionRule, Investment
from .core import Core
from .facility import Facility

Signal = Callable[[Facility, ExpansionRule], "tuple[float, float] | None"]
"""The (price, reference) that tells a plant whether building pays, or None (utilisation alone)."""
Demand = Callable[[tuple[str, ...]], float]
"""Tonnes the buyers have asked for of some materials so far (world-wide, cumulative)."""
HALF_YEAR = 182.0  # 26 weeks: windows hold whole weeks of demand (buyers order by the week or the day)


@dataclass
class Expandable:
    """A plant that may expand, with its rule and the throughput seen at past reviews."""

    plant: Facility
    rule: ExpansionRule
    region: str
    stage: str
    first_rate: float  # units of activity a day at its first capacity
    seen: deque[tuple[float, float]] = field(default_factory=deque)  # (time, throughput so far)
    building: float = 0.0  # activity a day under construction (builds may overlap)
    ratios: deque[tuple[float, float]] = field(default_factory=deque)  # (time, signal / reference) at reviews
    feed_seen: deque[tuple[float, float]] = field(default_factory=deque)  # (time, feed waiting) at reviews
    sid: int = -1

    def capacity(self) -> float:
        """Capacity now, t of its basis a day."""
        return self.plant.rate * self.plant.basis

    def pace(self, now: float) -> tuple[float, float] | None:
        """Throughput a day over the rule's window, and its share of capacity; None until a window
        has passed."""
        window = self.rule.window_days
        old = [(t, thr) for t, thr in self.seen if t <= now - window + 1e-9]
        if not old or now <= old[-1][0]:
            return None
        t0, thr0 = old[-1]
        rate = (self.plant.throughput - thr0) / (now - t0)
        cap = self.capacity()
        return (rate, rate / cap) if cap > 0 else None


class Investor:
    """Reviews every plant an expansion rule covers and starts its builds."""

    def __init__(self, core: Core, spec: Investment, plants: list[Expandable], signal: Signal, demand: Demand):
        self.env = core.env
        self.core = core
        self.spec = spec
        self.plants = plants
        self.signal = signal
        self.demand = demand
        self._asked: dict[tuple[str, ...], deque[tuple[float, float]]] = {
            p.rule.follows_demand_of: deque() for p in plants if p.rule.follows_demand_of}
        self.recorder = core.recorder
        self.expansions = 0
        self.added_t_per_day = 0.0
        for p in plants:
            p.sid = core.recorder.series(p.plant.id, "", "capacity_t_per_day", level=True, initial=p.capacity())
        self.process = None

    def start(self) -> None:
        """Start the reviews (samples of throughput from the first moment; decisions from the start date)."""
        self.process = self.env.process(self._run())

    def _run(self):
        env, every = self.env, self.spec.review_days
        # reviews fall on the start date (and every review_days either side of it)
        first = self.core.warmup % every
        if first == 0 and self.core.warmup > 0:
            first = every  # not at the very first moment, before any buyer has asked
        yield env.timeout(first)
        while True:
            now = env.now
            for materials, asked in self._asked.items():
                asked.append((now, self.demand(materials)))
                while len(asked) > 2 and asked[1][0] <= now - 2 * HALF_YEAR + 1e-9:
                    asked.popleft()
            for p in self.plants:
                p.seen.append((now, p.plant.throughput))
                if p.plant.inputs:
                    p.feed_seen.append((now, p.plant.inputs[0].stock.free))
                    while len(p.feed_seen) > 2 and p.feed_seen[1][0] <= now - p.rule.window_days + 1e-9:
                        p.feed_seen.popleft()
                while len(p.seen) > 2 and p.seen[1][0] <= now - p.rule.window_days + 1e-9:
                    p.seen.popleft()
            if now >= self.core.warmup - 1e-9:
                for p in self.plants:
                    self._review(p, now)
            yield env.timeout(every)

    def growth(self, materials: tuple[str, ...], now: float) -> float | None:
        """Yearly growth of the buyers' demand for some materials: the last half year against the
        half year before; None until a year has passed."""
        asked = self._asked.get(materials)
        if not asked:
            return None
        total = self.demand(materials)
        old = [(t, a) for t, a in asked if t <= now - 2 * HALF_YEAR + 1e-9]
        mid = [(t, a) for t, a in asked if t <= now - HALF_YEAR + 1e-9]
        if not old or not mid:
            return None
        (t0, a0), (t1, a1) = old[-1], mid[-1]
        before, recent = (a1 - a0) / (t1 - t0) if t1 > t0 else 0.0, (total - a1) / (now - t1)
        if before <= 0 or recent <= 0:
            return None
        return (recent / before) ** (365.0 / ((now - t0) / 2)) - 1.0

    def _review(self, p: Expandable, now: float) -> None:
        rule, plant = p.rule, p.plant
        if plant.ramp(now) < 1.0 or plant.is_stopped_for("closed"):
            return
        seen = p.pace(now)
        if seen is None:
            return
        growth = self.growth(rule.follows_demand_of, now) if rule.follows_demand_of else None
        if growth is not None and growth * 100 < rule.min_growth_pct:
            growth = None
        years = rule.build_time_days / 365.0
        full = seen[1] >= rule.trigger_utilisation
        # a plant that demand's growth will run near full by the time a build is done builds now
        if not full and (growth is None or seen[1] * (1 + growth) ** years < rule.trigger_utilisation):
            return
        out = plant.outputs[0].stock
        if out.level > rule.max_output_cover_days * out.wanted.read(now):
            return  # its product is not finding buyers
        signal = self.signal(plant, rule)
        ratio = None
        if signal is not None and signal[1] > 0:
            # held for a while: the mean over the rule's window, so one spike builds nothing
            p.ratios.append((now, signal[0] / signal[1]))
            while p.ratios and p.ratios[0][0] < now - rule.window_days - 1e-9:
                p.ratios.popleft()
            ratio = sum(r for _, r in p.ratios) / len(p.ratios)
        step = 0.0
        if full and ((ratio is not None and ratio >= rule.price_ratio) or self._backlogged(p)):  # scarcity, or feed piling up
            step = p.first_rate * rule.step_pct / 100
        if growth is not None and (ratio is None or ratio >= rule.min_price_ratio):
            # growth: capacity to run at the trigger on what the demand will call for when the build
            # is done, and, while the plant runs full, the plan grows with the demand review by review
            planned = plant.rate + p.building
            ahead = seen[0] / plant.basis * (1 + growth) ** years / rule.trigger_utilisation - planned
            along = planned * ((1 + growth) ** (self.spec.review_days / 365.0) - 1) if full else 0.0
            step = max(step, ahead, along)
        step = min(step, p.first_rate * rule.max_multiple - plant.rate - p.building,
                   plant.rate * rule.max_pending_pct / 100 - p.building)
        room = self._room(p, now)
        if room is not None:
            step = min(step, room / plant.basis)
        if step <= p.first_rate * 1e-3:
            return
        p.building += step
        self.expansions += 1
        timer = self.env.timeout(rule.build_time_days)
        timer.callbacks.append(lambda _ev, p=p, step=step: self._online(p, step))

    @staticmethod
    def _backlogged(p: Expandable) -> bool:
        """Whether the plant's first input piles up at its door: beyond the rule's days of its need,
        and more (by a tenth) than a window ago, so a steady buffer is no backlog."""
        if not p.plant.inputs or not p.feed_seen:
            return False
        feed = p.plant.inputs[0]
        need = p.plant.rate * feed.t_per_activity  # at full capacity
        days = max(p.rule.feed_backlog_days, 2 * (feed.stock.target_cover_days or 0.0))  # a buffer kept on purpose is no backlog
        waiting, before = feed.stock.free, p.feed_seen[0][1]
        return need > 0 and waiting > days * need and waiting > 1.1 * before

    def _online(self, p: Expandable, step: float) -> None:
        p.plant.rate += step
        p.building -= step
        self.added_t_per_day += step * p.plant.basis
        self.recorder.level(p.sid, self.env.now, p.capacity())

    def _room(self, p: Expandable, now: float) -> float | None:
        """Capacity (t/day) the region's ceilings still allow at the plant's stage, or None."""
        room: float | None = None
        for ceiling in self.spec.ceilings.values():
            if ceiling.region != p.region or ceiling.stage != p.stage:
                continue
            used = sum((q.plant.rate + q.building) * q.plant.basis for q in self.plants
                       if q.region == p.region and q.stage == p.stage)
            left = ceiling.cap(self._year(now)) / 365.0 - used
            room = left if room is None else min(room, left)
        return None if room is None else max(room, 0.0)

    def _year(self, now: float) -> float:
        start = self.core.start_date
        return start.year + (start.timetuple().tm_yday - 1) / 365.0 + (now - self.core.warmup) / 365.0


def rule_for(spec: Investment, fid: str, stage: str, kind: str, region: str) -> ExpansionRule | None:
    """The first rule (in file order) that covers a plant, or None (excluded, or no rule)."""
    if not spec.enabled or fid in spec.exclude:
        return None
    for rule in spec.rules.values():
        if stage in rule.stages and (not rule.kinds or kind in rule.kinds) and (not rule.regions or region in rule.regions):
            return rule
    return None


__all__ = ["Ceiling", "Expandable", "Investor", "rule_for"]
