"""A production facility: runs its recipe in campaigns within capacity.

A campaign takes the inputs for up to ``cycle_days`` of work at the current
(ramped) rate, runs, and puts the outputs at its end. So a plant running steadily
costs one event per cycle, not one per day. An outage interrupts the campaign; it
resumes after the repair.

A plant short of input runs a shorter campaign on what there is, but starts at most one
campaign every ``MIN_START_GAP_DAYS``: input that arrives sooner after the last start
waits for the next. Results are daily, so merging a day's arrivals into one campaign
changes nothing at their grain, while a campaign per arrival cost thousands of events
(9,193 campaigns over ten years at one magnet plant where 269 full cycles fit). When
room for outputs or a quota is short it runs a shorter campaign at once, and when
nothing at all can be done it sleeps until a stock or quota changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import simpy

from ..scenario.components import Facility as FacilitySpec
from .core import Core
from .sampling import exponential_or_constant
from .stock import Stock

_TINY = 1e-9
MIN_START_GAP_DAYS = 1.0
"""A plant short of input starts at most one campaign this often (see the module doc)."""


class Limit(Protocol):
    """A cap on a plant's activity besides its inputs and room (e.g. a production quota pool)."""

    def allows(self, plant: Facility) -> float: ...
    def use(self, plant: Facility, activity: float) -> None: ...
    def when_lifted(self) -> simpy.Event: ...


@dataclass(frozen=True)
class Flow:
    stock: Stock
    t_per_activity: float


class Facility:
    """Runs a recipe: per unit of activity, takes ``inputs`` and makes ``outputs`` x yield."""

    def __init__(self, core: Core, fid: str, spec: FacilitySpec, inputs: list[Flow], outputs: list[Flow]):
        """``inputs`` and ``outputs`` are the recipe's flows at the plant's stocks (a separation's
        outputs are its products, split in its feed's ratios)."""
        self.env = core.env
        self.id = fid
        self.stage = spec.stage
        self.inputs = inputs
        self.outputs = outputs
        co_products = bool(spec.recipe.products)
        if spec.capacity.basis == "input" and inputs:
            per_activity = inputs[0].t_per_activity
        elif co_products:
            per_activity = sum(f.t_per_activity for f in outputs) * spec.yield_
        else:
            per_activity = outputs[0].t_per_activity * spec.yield_
        self.rate = spec.capacity.per_day() / per_activity  # units of activity a day at full capacity
        self.basis = per_activity  # tonnes of the capacity basis per unit of activity
        self.yield_ = spec.yield_
        self.cycle = spec.cycle_days
        self.start_day, self.ramp_up_days, self.start_fraction = 0.0, 0.0, 1.0
        if spec.commissioning is not None:
            self.start_day = core.day_of(spec.commissioning.date)
            self.ramp_up_days = spec.commissioning.ramp_up_days
            self.start_fraction = spec.commissioning.start_fraction
        self._ttf = self._ttr = None
        if spec.outages is not None:
            o = spec.outages
            self._ttf = exponential_or_constant(o.mtbf_days, o.failure_dist, core.streams.stream("facility", fid, "failures"))
            self._ttr = exponential_or_constant(o.mttr_days, o.repair_dist, core.streams.stream("facility", fid, "repairs"))
        self.ledger = core.ledger
        self.recorder = recorder = core.recorder
        self.down_days = 0.0
        self.campaigns = 0
        self.throughput = 0.0  # tonnes of the capacity basis worked so far (utilisation, investment)
        # what counts as the plant's production: all co-products of a separation, else the first output
        self._main = outputs if co_products else outputs[:1]
        self._out_sid = {f.stock.material: recorder.series(fid, f.stock.material, "produced_t") for f in outputs}
        self._in_sid = {f.stock.material: recorder.series(fid, f.stock.material, "consumed_t") for f in inputs}
        self._main_sid = recorder.series(fid, "", "output_t")
        self._basis_sid = recorder.series(fid, "", "throughput_t")
        self._wip: tuple[float, float, float] | None = None  # activity, work time, work done
        self.origin_of: Callable[[Facility], dict[str, float]] | None = None  # Chinese content traced (sim/engine/origin.py)
        self._wip_origin: dict[str, float] | None = None
        self._last_start = float("-inf")
        self._seg_start: float | None = None
        self._down_until = -1.0
        self._stops: set[str] = set()
        self._unstopped: simpy.Event | None = None
        self.multiplier = 1.0  # output multiple set by policies (supply modulation)
        self.produced: dict[str, float] = {}  # tonnes made, per output material
        self.limits: list[Limit] = []  # caps the plant draws on besides its inputs (a production quota)
        self.price_floors: dict[str, float] = {}  # guaranteed USD/kg per output material (its books pay the gap)
        self.process: simpy.Process | None = None
        self._breaker: simpy.Process | None = None
        self._coef = {f.stock.material: f.t_per_activity for f in inputs}
        # a plant making to stock (its output's stock limits producers) runs for what is wanted of it
        self._pulled_by = [(f, f.t_per_activity * spec.yield_) for f in outputs if f.stock.limits_producers]
        for f in inputs:
            f.stock.draw_for(partial(self.need, f.stock.material), partial(self.need, f.stock.material, False))

    def need(self, material: str, refill: bool = True) -> float:
        """Tonnes a day of an input this plant needs: at its current capacity, or, making to stock,
        what is wanted of its output by everyone downstream (their own needs, not their draws, so
        a plant starved of a shared input keeps its claim on it), more while its output's stock
        is low and less while it is full (others may feed that stock too); none while it is
        stopped, broken down or not yet built."""
        return self.wanted_activity(refill) * self._coef[material]

    def wanted_activity(self, refill: bool = True) -> float:
        """Units of activity a day this plant would run if its inputs allowed (making to stock,
        with ``refill``: harder while its output's stock is low; without: what is wanted of it)."""
        now = self.env.now
        if self._stops or self._down_until > now or now < self.start_day - _TINY:
            return 0.0
        full = self.rate * self.ramp(now) * self.multiplier
        if not self._pulled_by:
            return full
        pulled = None  # the largest pull (a loop: this runs hundreds of thousands of times)
        for f, per_activity in self._pulled_by:
            stock = f.stock
            p = stock.demand_pace() * (stock.refill_factor() if refill else 1.0) / per_activity
            if pulled is None or p > pulled:
                pulled = p
        return min(full, pulled)  # type: ignore[type-var,return-value]  # pulled is set: _pulled_by is not empty

    def start(self) -> None:
        """Start making (and breaking down); called once the world is wired."""
        self.process = self.env.process(self._run())
        if self._ttf is not None and self._ttr is not None:
            self._breaker = self.env.process(self._breakdowns())

    def commission_at(self, t: float) -> None:
        """Bring a plant not yet built online at time t instead (a project that goes ahead)."""
        if self.env.now >= self.start_day - _TINY:
            return  # already online
        self.start_day = t
        for proc in (self.process, self._breaker):
            if proc is not None and proc.is_alive:
                proc.interrupt("rescheduled")

    def add_limit(self, limit: Limit) -> None:
        self.limits.append(limit)

    def remove_limit(self, limit: Limit) -> None:
        if limit in self.limits:
            self.limits.remove(limit)

    def ramp(self, t: float) -> float:
        """Share of nameplate capacity available at time t (0 before commissioning)."""
        if t < self.start_day - _TINY:
            return 0.0
        if self.ramp_up_days <= 0:
            return 1.0
        done = (t - self.start_day) / self.ramp_up_days
        return 1.0 if done >= 1 else self.start_fraction + (1 - self.start_fraction) * done

    def _limit(self, planned: float) -> tuple[float, object]:
        """Activity possible now given inputs on hand and room for outputs; and what limits it."""
        activity: float = planned
        limiting: object = None  # a stock or a limit
        for f in self.inputs:
            possible = f.stock.home_free(planned * f.t_per_activity, self.need(f.stock.material), self) / f.t_per_activity
            if possible < activity:
                activity, limiting = possible, f.stock
        co_room, co_stock = -1.0, None
        for f in self.outputs:
            if not f.stock.limits_producers:
                continue
            possible = f.stock.room() / (f.t_per_activity * self.yield_)
            if f.stock.surplus_cover_days is not None:
                # co-products made to stock: the plant runs for the one with most room, and the
                # others' overflow goes to their stockpiles
                if possible > co_room:
                    co_room, co_stock = possible, f.stock
            elif possible < activity:
                activity, limiting = possible, f.stock
        if co_stock is not None and co_room < activity:
            activity, limiting = co_room, co_stock
        for limit in self.limits:
            possible = limit.allows(self)
            if possible < activity:
                activity, limiting = possible, limit
        return max(activity, 0.0), limiting

    def _run(self):
        env = self.env
        while True:
            try:
                if env.now < self.start_day - _TINY:  # not yet commissioned
                    yield env.timeout(self.start_day - env.now)
                    continue
                if self._down_until > env.now + _TINY:  # broken down
                    yield env.timeout(self._down_until - env.now)
                    continue
                if self._stops:  # closed, idled, or shut by a policy
                    self._unstopped = env.event()
                    yield self._unstopped
                    continue
                if self._wip is None:
                    rate = self.rate * self.ramp(env.now) * self.multiplier
                    planned = rate * self.cycle
                    activity, limiting = self._limit(planned)
                    if activity <= planned * 1e-6:
                        yield self._wait_for(limiting)
                        continue
                    next_start = self._last_start + MIN_START_GAP_DAYS
                    if activity < planned * (1 - 1e-9) and env.now < next_start - _TINY and self._is_input(limiting):
                        yield env.timeout(next_start - env.now)  # gather the day's arrivals into one campaign
                        continue
                    self._start(activity, activity / rate)
                activity, work, done = self._wip  # type: ignore[misc]
                self._seg_start = env.now
                yield env.timeout(work - done)
                self._record_work(activity, work, self._seg_start, env.now)
                self._seg_start = None
                self._finish(activity)
            except simpy.Interrupt as why:
                self._pause()
                if isinstance(why.cause, float):  # a breakdown, with its repair time
                    self.down_days += why.cause
                    self._down_until = max(self._down_until, env.now + why.cause)

    def _is_input(self, limiting: object) -> bool:
        return any(f.stock is limiting for f in self.inputs)

    def _wait_for(self, limiting) -> simpy.Event:
        """The event that may lift what limits this plant: material in, room out, or a limit's refill."""
        if isinstance(limiting, Stock):
            if any(f.stock is limiting for f in self.inputs):
                return limiting.when_put()
            return limiting.when_taken()
        return limiting.when_lifted()

    def stop(self, reason: str) -> None:
        """Stop making (a closure, an idle plant, a policy outage) until every reason is lifted."""
        first = not self._stops
        self._stops.add(reason)
        if first and self.process is not None and self.process.is_alive:
            self.process.interrupt("stop")

    def resume(self, reason: str) -> None:
        self._stops.discard(reason)
        if not self._stops and self._unstopped is not None and not self._unstopped.triggered:
            self._unstopped.succeed()

    def is_stopped_for(self, reason: str) -> bool:
        return reason in self._stops

    def _pause(self) -> None:
        """Stop the clock on the current campaign, keeping the work done so far."""
        if self._wip is not None and self._seg_start is not None:
            activity, work, done = self._wip
            self._record_work(activity, work, self._seg_start, self.env.now)
            self._wip = (activity, work, done + (self.env.now - self._seg_start))
        self._seg_start = None

    def _start(self, activity: float, work: float) -> None:
        now, y = self.env.now, self.yield_
        if self.origin_of is not None:  # read before the inputs are taken (taking leaves shares as they are)
            self._wip_origin = self.origin_of(self)
        for f in self.inputs:
            amount = activity * f.t_per_activity
            f.stock.take(amount, self)
            f.stock.want(amount)
            m = f.stock.material
            self.ledger.consumed[m] += amount * y
            self.ledger.lost[m] += amount * (1 - y)
            self.recorder.flow(self._in_sid[m], now, now, amount)
        for limit in self.limits:
            limit.use(self, activity)
        self._wip = (activity, work, 0.0)
        self._last_start = now
        self.campaigns += 1

    def _record_work(self, activity: float, work: float, t0: float, t1: float) -> None:
        if t1 <= t0:
            return
        share = (t1 - t0) / work
        made = 0.0
        for f in self._main:
            made += activity * f.t_per_activity * self.yield_ * share
        self.recorder.flow(self._main_sid, t0, t1, made)
        self.recorder.flow(self._basis_sid, t0, t1, activity * self.basis * share)
        self.throughput += activity * self.basis * share
        for f in self.outputs:
            self.recorder.flow(self._out_sid[f.stock.material], t0, t1, activity * f.t_per_activity * self.yield_ * share)

    def _finish(self, activity: float, share: float = 1.0) -> None:
        for f in self.outputs:
            amount = activity * f.t_per_activity * self.yield_ * share
            self.ledger.produced[f.stock.material] += amount
            self.produced[f.stock.material] = self.produced.get(f.stock.material, 0.0) + amount
            f.stock.put(amount, self._wip_origin)
        self._wip = None

    def close_books(self) -> None:
        """At the horizon: a half-done campaign delivers its done share and returns unused input."""
        self._pause()
        if self._wip is None:
            return
        activity, work, done = self._wip
        share = min(done / work, 1.0) if work > 0 else 1.0
        y = self.yield_
        for f in self.inputs:
            back = activity * f.t_per_activity * (1 - share)
            m = f.stock.material
            self.ledger.consumed[m] -= back * y
            self.ledger.lost[m] -= back * (1 - y)
            f.stock.give_back(back)
            self.recorder.flow(self._in_sid[m], self.env.now, self.env.now, -back)
        self._finish(activity, share)

    def _breakdowns(self):
        env = self.env
        while self.start_day > env.now + _TINY:  # not yet built (the date may be brought forward)
            try:
                yield env.timeout(self.start_day - env.now)
            except simpy.Interrupt:
                continue
        while True:
            yield env.timeout(self._ttf())
            repair = float(self._ttr())
            self.process.interrupt(repair)
            yield env.timeout(repair)
