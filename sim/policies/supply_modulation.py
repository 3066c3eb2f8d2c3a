"""A strategic producer's supply modulation: output cut by a step when the price is under a band
and raised when over it, up to spare capacity (price "stabilisation" by throttling output)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..scenario.policy import KIND, TimedPolicy
from ..scenario.ranges import Price, Step
from .base import Policy, PolicyContext, register_policy


class SupplyModulation(TimedPolicy):
    """A strategic producer that cuts output when the price is below a band and raises it above."""

    kind: Literal["supply_modulation"] = Field(description=KIND)
    facilities: tuple[str, ...] = Field(min_length=1, description="the plants whose output is modulated")
    market: str = Field(description="the market whose price is watched")
    band_low_usd_per_kg: Price = Field(description="below this price, output is cut by a step each review")
    band_high_usd_per_kg: Price = Field(description="above this price, output is raised by a step each review")
    step: float = Field(0.1, gt=0, le=1, description="change of the output multiple per review")
    min_multiple: float = Field(0.3, ge=0, le=1, description="the lowest output multiple (of capacity)")
    max_multiple: float = Field(1.0, ge=1, le=100, description="above 1: spare capacity the producer can bring on")
    review_days: Step = Field(14.0, description="days between looks at the price")


@register_policy(SupplyModulation)
class SupplyModulationPolicy(Policy):
    """Every review while in force, steps the plants' output multiple towards the band."""

    def __init__(self, pid: str, spec: SupplyModulation, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.plants = [ctx.facility(f) for f in spec.facilities]
        self.multiple = 1.0
        self.active = False
        self._record = ctx.level_series(spec.market, "supply_multiple", 1.0)
        ctx.every(spec.review_days, self.review, first=spec.review_days)

    def review(self) -> None:
        if not self.active:
            return
        spec = self.spec
        assert isinstance(spec, SupplyModulation)
        price = self.ctx.market(spec.market).price
        if price < spec.band_low_usd_per_kg:
            self.set(max(spec.min_multiple, self.multiple - spec.step))
        elif price > spec.band_high_usd_per_kg:
            self.set(min(spec.max_multiple, self.multiple + spec.step))

    def set(self, multiple: float) -> None:
        self.multiple = multiple
        for plant in self.plants:
            plant.multiplier = multiple
        self._record(multiple)

    def switch_on(self) -> None:
        self.active = True

    def switch_off(self) -> None:
        self.active = False
        self.set(1.0)
