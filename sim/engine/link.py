"""Shipping lanes: shipments leave in whole lots, at most every ``dispatch_every_days``, within a
capacity, and arrive after a random lead time. What a lane ships is its dispatch strategy's
choice (``sim/engine/dispatch.py``); border rules may hold it back or make it wait for a licence."""

from __future__ import annotations

import math
from functools import partial

import simpy

from ..policies.border import BorderRule
from ..scenario.components import Link as LinkSpec
from .core import Core
from .dispatch import DISPATCH
from .sampling import sampler
from .stock import Stock


class Link:
    """One lane between two sites, carrying one or more materials."""

    def __init__(self, core: Core, lid: str, spec: LinkSpec, origins: dict[str, Stock], dests: dict[str, Stock]):
        """``origins`` and ``dests``: the stock of each material the lane carries at either end."""
        self.env = core.env
        self.id = lid
        self.dispatch = DISPATCH[spec.mode]()
        self.share = {m: spec.share_of(m) for m in spec.materials}
        self.origins = origins
        self.dests = dests
        self.lead_time = sampler(spec.lead_time_days, core.streams.stream("link", lid, "lead_time"))
        self.ledger = core.ledger
        self.recorder = recorder = core.recorder
        self.every = spec.dispatch_every_days
        self.lot = spec.shipment_t
        self.capacity = spec.capacity_t_per_day
        self.order_delay = spec.order_delay_days
        self.in_order = spec.capacity_rule == "in_order"
        self.keep_t = spec.keep_t
        self.full_days = spec.full_above_cover_days  # push: no share while the destination holds this much
        self.backlog: dict[str, float] = dict.fromkeys(origins, 0.0)  # pull: ordered, not yet shipped
        self.supplier_share: dict[str, float] = dict.fromkeys(origins, 1.0)  # pull: share of the destination's supply
        self.abroad = True  # crosses a border (set when the world is wired)
        self.traced: set[str] = set()  # materials whose Chinese content it carries along (sim/engine/origin.py)
        self.shipments = 0
        self.rules: list[BorderRule] = []  # border rules (export controls, closed lanes) that may hold shipments
        self.tariff_pct = 0.0
        self._sid = {m: recorder.series(lid, m, "shipped_t") for m in origins}
        self._denied_sid: dict[str, int] = {}
        self._smuggled_sid: dict[str, int] = {}
        # asleep with nothing to ship, until poked (or, while a leak grows, at most ``every`` days)
        self._asleep = self._woken = self._leaky = self._ending = False
        self._sleeps = 0  # sleeps so far: a timer left from an earlier one is ignored
        for stock in origins.values():
            self.dispatch.attach(self, stock)

    def start(self) -> None:
        """Start dispatching; called once the world is wired."""
        self.env.begin(self._dispatch)

    def add_rule(self, rule: BorderRule) -> None:
        """A border rule this link consults before and after each shipment."""
        self.rules.append(rule)

    def poke(self) -> None:
        """Something changed at the origin or an order came in: wake the dispatcher if it sleeps."""
        if self._asleep and not self._woken:
            self._woken = True
            self.env.call_later(0, self._on_wake)

    def order(self, material: str, qty: float) -> None:
        """Place an order; it reaches the origin after the order delay."""
        if self.order_delay > 0:
            self.env.call_later(self.order_delay, partial(self._receive_order, material, qty))
        else:
            self._receive_order(material, qty)

    def _receive_order(self, material: str, qty: float, _ev: simpy.Event | None = None) -> None:
        self.origins[material].want(qty)
        self.add_backlog(material, qty)
        self.poke()

    def need(self, material: str) -> float:
        """What the destination needs of a material through this lane, t/day: what is wanted there,
        times this lane's share among its suppliers."""
        dest = self.dests[material]
        return dest.wanted.read(self.env.now) * self.supplier_share[material]

    def open_for(self, material: str) -> bool:
        """Push: whether the lane takes its share of what arrives at the origin now: not while a
        border rule stops the material (and nothing leaks past it), while it holds back more than
        two dispatches of its capacity, or while its destination holds more than ``full_days`` of
        what is wanted there (a destination nobody draws on is full once it holds anything)."""
        for rule in self.rules:
            if rule.legal(material, 1.0) <= 0.0 and rule.leak_per_day <= 0:
                return False
        if self.capacity is not None and self.origins[material].reserved_for(self) > 2 * self.capacity * self.every:
            return False
        dest = self.dests[material]
        return dest.level <= self.full_days * dest.demand_pace()  # type: ignore[operator]

    def add_backlog(self, material: str, delta: float) -> None:
        """Orders waiting rose (or fell, when shipped); the origin keeps that much for them."""
        old = self.backlog[material]
        new = max(old + delta, 0.0)
        self.backlog[material] = new
        self.origins[material].promise(new - old)

    def _whole_lots(self, amount: float) -> float:
        if self.lot is None:
            return amount
        return math.floor(amount / self.lot + 1e-9) * self.lot

    def _plan(self) -> dict[str, float]:
        want = {}
        for m, origin in self.origins.items():
            amount = self.dispatch.wanted(self, m, origin)
            for rule in self.rules:
                amount = rule.allow(m, amount)
            want[m] = self._whole_lots(amount)
        if self.capacity is not None:
            want = self._within_capacity(want, self.capacity * self.every)
        return {m: a for m, a in want.items() if a > 1e-12}

    def _within_capacity(self, want: dict[str, float], limit: float) -> dict[str, float]:
        """Share the lane's capacity pro rata among materials, in whole lots (largest remainder)."""
        total = sum(want.values())
        if total <= limit:
            return want
        if self.in_order:
            out, left = {}, limit
            for m, amount in want.items():
                out[m] = self._whole_lots(min(amount, left))
                left -= out[m]
            return out
        if self.lot is None:
            return {m: a * limit / total for m, a in want.items()}
        lots = {m: round(a / self.lot) for m, a in want.items()}
        free_lots = math.floor(limit / self.lot + 1e-9)
        exact = {m: n * free_lots / sum(lots.values()) for m, n in lots.items()}
        given = {m: math.floor(x) for m, x in exact.items()}
        spare = free_lots - sum(given.values())
        for m in sorted(exact, key=lambda k: (given[k] - exact[k], k))[:spare]:
            given[m] += 1
        return {m: n * self.lot for m, n in given.items()}

    def _dispatch(self, _ev: object = None) -> None:
        """Ship what the plan says and look again ``every`` days later; with nothing to ship, sleep.
        (Calls on the clock, not a SimPy process: each step runs where the process's would have.)"""
        plan = self._plan()
        if not plan:
            self._asleep, self._woken, self._sleeps = True, False, self._sleeps + 1
            self._leaky = any(rule.active and rule.leak_per_day > 0 for rule in self.rules)
            if self._leaky:  # a leak grows with time: look again after ``every`` days at the latest
                self.env.call_later(self.every, partial(self._either, self._sleeps))
            return
        for m, amount in plan.items():
            self._ship(m, amount)
        self.env.call_later(self.every, self._dispatch)

    def _on_wake(self, ev: object) -> None:
        if self._leaky:
            self._either(self._sleeps, ev)
            return
        self._asleep = False
        self._dispatch()

    def _either(self, sleep: int, _ev: object) -> None:
        """The first of a poke and the timer ends a leaky sleep, a moment later (as SimPy's AnyOf
        would: its condition is an event of its own)."""
        if sleep != self._sleeps or not self._asleep or self._ending:
            return
        self._ending = True
        self.env.call_later(0, self._end_sleep)

    def _end_sleep(self, _ev: object) -> None:
        self._asleep = self._ending = False
        self._dispatch()

    def _ship(self, material: str, amount: float) -> None:
        # asked again at shipping: materials planned together may share one rule's pool (a quota)
        for rule in self.rules:
            amount = rule.allow(material, amount)
        amount = self._whole_lots(amount)
        if amount <= 1e-12:
            return
        origin_stock = self.origins[material]
        amount = self.dispatch.take(self, material, origin_stock, amount)
        if amount <= 0:
            return
        origin = dict(origin_stock.origin) if material in self.traced and origin_stock.origin is not None else None
        self.shipments += 1
        self.ledger.in_transit[material] += amount
        now = self.env.now
        self.recorder.flow(self._sid[material], now, now, amount)
        licence, wait, leaked = None, 0.0, 0.0
        for rule in self.rules:
            leaked = max(leaked, rule.shipped(material, amount))
            delay = rule.licence_delay(material, self.id)
            if delay is not None:
                licence, wait = rule, delay
        if leaked > 0:  # past a control, off the customs books
            if material not in self._smuggled_sid:
                self._smuggled_sid[material] = self.recorder.series(self.id, material, "smuggled_t")
            self.recorder.flow(self._smuggled_sid[material], now, now, leaked)
        if licence is not None:  # waits at the border for a decision
            ev = self.env.timeout(wait)
            ev.callbacks.append(partial(self._decided, licence, material, amount, origin))
            return
        self._sail(material, amount, origin)

    def _sail(self, material: str, amount: float, origin: dict[str, float] | None) -> None:
        self.env.call_later(self.lead_time(), partial(self._arrive, material, amount, origin))

    def _decided(self, rule: BorderRule, material: str, amount: float, origin: dict[str, float] | None,
                 _ev: simpy.Event) -> None:
        if rule.decide(material, amount, self.env.now, self.id):
            self._sail(material, amount, origin)
            return
        # refused: the goods go back to the exporter, and the order waits to be applied for again
        self.ledger.in_transit[material] -= amount
        if material not in self._denied_sid:
            self._denied_sid[material] = self.recorder.series(self.id, material, "licence_denied_t")
        now = self.env.now
        self.recorder.flow(self._denied_sid[material], now, now, amount)
        self.dispatch.refused(self, material, self.origins[material], amount)
        self.poke()

    def _arrive(self, material: str, amount: float, origin: dict[str, float] | None, _ev: simpy.Event) -> None:
        self.ledger.in_transit[material] -= amount
        dest = self.dests[material]
        self.dispatch.arrived(self, material, dest, amount)
        dest.put(amount, origin)
