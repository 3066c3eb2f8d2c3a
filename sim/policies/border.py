"""Rules at borders, as strategies a link consults before and after it ships: a ban, a quota
released in batches, or a licence with a processing delay and an approval probability.

A rule holds only while its policy has it switched on. The strategy is chosen by the scenario's
``mode`` key through ``BORDER_RULES``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from .base import PolicyContext

WORKING_DAY = 7 / 5
"""Calendar days per working day (licence offices work five days a week)."""


LEAK_CAP_DAYS = 30.0
"""A leak unused for a while does not bank more than this many days of its rate: smugglers move
what there is to move, they do not save up."""


class BorderRule:
    """A rule on some materials (None: every material) of the links it is attached to. It may
    leak: up to a rate of covered tonnes leave outside it (smuggled or transshipped), recorded
    apart from what left under the rule."""

    def __init__(self, materials: set[str] | None):
        self.materials = materials
        self.active = False
        self.links: list[Any] = []
        self.denied_t = 0.0
        self.approved_t = 0.0
        self.leaked_t = 0.0
        self.leak_per_day = 0.0
        self._leak = 0.0
        self._leak_at = 0.0
        self._clock: Callable[[], float] = lambda: 0.0

    def attach(self, links: Iterable[Any]) -> None:
        for link in links:
            self.links.append(link)
            link.add_rule(self)

    def leaks(self, per_year: float, clock: Callable[[], float]) -> None:
        """Let up to ``per_year`` covered tonnes a year leave outside the rule."""
        self.leak_per_day = per_year / 365.0
        self._clock = clock

    def covers(self, material: str) -> bool:
        return self.active and (self.materials is None or material in self.materials)

    def _leak_now(self) -> float:
        now = self._clock()
        cap = self.leak_per_day * LEAK_CAP_DAYS
        self._leak = min(self._leak + self.leak_per_day * (now - self._leak_at), cap)
        self._leak_at = now
        return self._leak

    def allow(self, material: str, amount: float) -> float:
        """How much of ``amount`` may leave now, under the rule or leaking past it."""
        legal = self.legal(material, amount)
        if legal >= amount or self.leak_per_day <= 0 or not self.covers(material):
            return legal
        return min(amount, legal + self._leak_now())

    def shipped(self, material: str, amount: float) -> float:
        """Tonnes of ``material`` left; returns those that leaked past the rule."""
        legal = min(amount, self.legal(material, amount))
        self.used(material, legal)
        leaked = amount - legal
        if leaked <= 1e-12:
            return 0.0
        self._leak_now()
        self._leak = max(self._leak - leaked, 0.0)
        self.leaked_t += leaked
        return leaked

    def legal(self, material: str, amount: float) -> float:
        """How much of ``amount`` the rule lets leave now."""
        return amount

    def used(self, material: str, amount: float) -> None:
        """Tonnes of ``material`` left under the rule."""

    def licence_delay(self, material: str, lane: str = "") -> float | None:
        """Calendar days a shipment on ``lane`` waits at the border for a licence (None: no licence needed)."""
        return None

    def decide(self, material: str, amount: float, now: float, lane: str = "") -> bool:
        """A licence decision for a shipment on ``lane`` that waited: True lets it sail."""
        return True

    def switch(self, active: bool) -> None:
        self.active = active
        if active:
            self._leak, self._leak_at = 0.0, self._clock()
        for link in self.links:
            link.poke()


class Ban(BorderRule):
    """Nothing covered leaves."""

    def legal(self, material: str, amount: float) -> float:
        return 0.0 if self.covers(material) else amount


class Quota(BorderRule):
    """Covered tonnes leave while the pool lasts; the pool is refilled in batches."""

    def __init__(self, materials: set[str] | None):
        super().__init__(materials)
        self.pool = 0.0

    def legal(self, material: str, amount: float) -> float:
        return min(amount, self.pool) if self.covers(material) else amount

    def used(self, material: str, amount: float) -> None:
        if self.covers(material):
            self.pool = max(self.pool - amount, 0.0)

    def refill(self, amount: float, reset: bool) -> None:
        self.pool = amount if reset else self.pool + amount
        for link in self.links:
            link.poke()


class Licence(BorderRule):
    """Covered shipments wait a processing delay, then are approved with the probability in force."""

    def __init__(self, materials: set[str] | None, delay: Callable[[str], Callable[[], float]],
                 uniform: Callable[[str], Callable[[], float]], approval: list[tuple[float, float]]):
        """``delay`` and ``uniform`` give the draws of one lane and material (their own random
        streams, so that a shipment on one lane does not change the draws of another)."""
        super().__init__(materials)
        self._delay_of = delay  # working days
        self._uniform_of = uniform
        self._draws: dict[tuple[str, str], tuple[Callable[[], float], Callable[[], float]]] = {}
        self.approval = sorted(approval)  # (from time, probability)

    def _draw(self, lane: str, material: str) -> tuple[Callable[[], float], Callable[[], float]]:
        key = (lane, material)
        if key not in self._draws:
            name = f":{lane}:{material}"
            self._draws[key] = (self._delay_of(name), self._uniform_of(name))
        return self._draws[key]

    def licence_delay(self, material: str, lane: str = "") -> float | None:
        return self._draw(lane, material)[0]() * WORKING_DAY if self.covers(material) else None

    def decide(self, material: str, amount: float, now: float, lane: str = "") -> bool:
        p = 0.0
        for day, prob in self.approval:
            if now + 1e-9 >= day:
                p = prob
        if self._draw(lane, material)[1]() < p:
            self.approved_t += amount
            return True
        self.denied_t += amount
        return False


class ChinaContentGate:
    """One lane's view of a rule that follows Chinese content abroad (No. 61): the rule holds a
    shipment only while the goods' Chinese content of the named elements is worth ``threshold``
    or more of their value (``weights``: each element's value share per unit of Chinese share);
    other goods pass as if there were no rule."""

    def __init__(self, rule: BorderRule, link: Any, weights: dict[str, dict[str, float]], threshold: float,
                 content: dict[str, dict[str, float]] | None = None):
        self.rule = rule
        self.link = link
        self.weights = weights
        self.threshold = threshold
        self.content = content or {}  # material -> named element -> tonnes a tonne
        self.gated_t = 0.0  # tonnes that left under the rule (Chinese content above the threshold)
        self.gated_element_t: dict[str, dict[str, float]] = {}  # element -> origin (china, other) -> tonnes

    @property
    def active(self) -> bool:
        return self.rule.active

    @property
    def leak_per_day(self) -> float:
        return self.rule.leak_per_day

    def over(self, material: str) -> bool:
        """Whether the lane's goods of ``material`` hold enough Chinese content to fall under the rule."""
        weights = self.weights.get(material)
        origin = self.link.origins[material].origin
        if not weights or origin is None:
            return False
        return sum(origin.get(el, 0.0) * k for el, k in weights.items()) >= self.threshold - 1e-12

    def covers(self, material: str) -> bool:
        return self.rule.covers(material) and self.over(material)

    def legal(self, material: str, amount: float) -> float:
        return self.rule.legal(material, amount) if self.over(material) else amount

    def allow(self, material: str, amount: float) -> float:
        return self.rule.allow(material, amount) if self.over(material) else amount

    def shipped(self, material: str, amount: float) -> float:
        if not self.covers(material):
            return 0.0
        self.gated_t += amount
        origin = self.link.origins[material].origin or {}
        for el, c in self.content.get(material, {}).items():
            china = origin.get(el, 0.0)
            by_origin = self.gated_element_t.setdefault(el, {"china": 0.0, "other": 0.0})
            by_origin["china"] += amount * c * china
            by_origin["other"] += amount * c * (1.0 - china)
        return self.rule.shipped(material, amount)

    def licence_delay(self, material: str, lane: str = "") -> float | None:
        return self.rule.licence_delay(material, lane) if self.over(material) else None

    def decide(self, material: str, amount: float, now: float, lane: str = "") -> bool:
        return self.rule.decide(material, amount, now, lane)


BORDER_RULES: dict[str, type[BorderRule]] = {"ban": Ban, "quota": Quota, "licence": Licence}


def quota_schedule(ctx: PolicyContext, per_year: float | None, batches) -> list[tuple[float, float, bool]]:
    """(time, tonnes, reset) releases from the start of the run on. A calendar year's first
    release resets what was left; releases dated before the run are summed into one at time 0."""
    if batches:
        dated = [(b.date, b.t) for b in batches]
    else:
        assert per_year is not None
        end = ctx.scenario.meta.warmup_days + ctx.scenario.meta.horizon_days
        first, last = ctx.date_of(0).year, ctx.date_of(end).year
        dated = [(dt.date(y, m, 1), per_year / 2) for y in range(first, last + 1) for m in (1, 7)]
    dated.sort()
    out: list[tuple[float, float, bool]] = []
    opening, seen_years = 0.0, set()
    for date, amount in dated:
        reset = date.year not in seen_years
        seen_years.add(date.year)
        day = ctx.day_of(date)
        if day <= 0:
            opening = amount if reset else opening + amount
        else:
            out.append((day, amount, reset))
    return [(0.0, opening, True)] + out
