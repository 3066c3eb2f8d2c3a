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


class BorderRule:
    """A rule on some materials (None: every material) of the links it is attached to."""

    def __init__(self, materials: set[str] | None):
        self.materials = materials
        self.active = False
        self.links: list[Any] = []
        self.denied_t = 0.0
        self.approved_t = 0.0

    def attach(self, links: Iterable[Any]) -> None:
        for link in links:
            self.links.append(link)
            link.add_rule(self)

    def covers(self, material: str) -> bool:
        return self.active and (self.materials is None or material in self.materials)

    def allow(self, material: str, amount: float) -> float:
        """How much of ``amount`` may leave now."""
        return amount

    def shipped(self, material: str, amount: float) -> None:
        """Tonnes of ``material`` left under this rule."""

    def licence_delay(self, material: str) -> float | None:
        """Calendar days a shipment waits at the border for a licence (None: no licence needed)."""
        return None

    def decide(self, material: str, amount: float, now: float) -> bool:
        """A licence decision for a shipment that waited: True lets it sail."""
        return True

    def switch(self, active: bool) -> None:
        self.active = active
        for link in self.links:
            link.poke()


class Ban(BorderRule):
    """Nothing covered leaves."""

    def allow(self, material: str, amount: float) -> float:
        return 0.0 if self.covers(material) else amount


class Quota(BorderRule):
    """Covered tonnes leave while the pool lasts; the pool is refilled in batches."""

    def __init__(self, materials: set[str] | None):
        super().__init__(materials)
        self.pool = 0.0

    def allow(self, material: str, amount: float) -> float:
        return min(amount, self.pool) if self.covers(material) else amount

    def shipped(self, material: str, amount: float) -> None:
        if self.covers(material):
            self.pool = max(self.pool - amount, 0.0)

    def refill(self, amount: float, reset: bool) -> None:
        self.pool = amount if reset else self.pool + amount
        for link in self.links:
            link.poke()


class Licence(BorderRule):
    """Covered shipments wait a processing delay, then are approved with the probability in force."""

    def __init__(self, materials: set[str] | None, delay: Callable[[], float], uniform: Callable[[], float],
                 approval: list[tuple[float, float]]):
        super().__init__(materials)
        self.delay = delay  # working days
        self.uniform = uniform
        self.approval = sorted(approval)  # (from time, probability)

    def licence_delay(self, material: str) -> float | None:
        return self.delay() * WORKING_DAY if self.covers(material) else None

    def decide(self, material: str, amount: float, now: float) -> bool:
        p = 0.0
        for day, prob in self.approval:
            if now + 1e-9 >= day:
                p = prob
        if self.uniform() < p:
            self.approved_t += amount
            return True
        self.denied_t += amount
        return False


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
