"""A production quota: a yearly cap on what a group of plants may put through, released in
batches (China's mining and separation quotas)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..scenario.policy import KIND, QuotaBatch, TimedPolicy
from ..scenario.ranges import Tonnes
from .base import Policy, PolicyContext, register_policy
from .border import quota_schedule


class ProductionQuota(TimedPolicy):
    """A yearly cap on the throughput of a group of plants, released in batches."""

    kind: Literal["production_quota"] = Field(description=KIND)
    region: str | None = Field(None, description="without facilities: the plants in this region (with stage: of that stage too)")
    stage: str | None = Field(None, description="without facilities: the plants of this stage")
    facilities: tuple[str, ...] = Field((), description="the plants under the quota, by id (instead of region and stage)")
    t_per_year: Tonnes | None = Field(
        None, description="tonnes a year (of each plant's capacity basis) the group may put through, released in two halves on 1 Jan and 1 Jul"
    )
    batches: tuple[QuotaBatch, ...] = Field((), description="quota releases, instead of t_per_year's halves")

    @model_validator(mode="after")
    def _amount(self) -> ProductionQuota:
        if self.t_per_year is None and not self.batches:
            raise ValueError("a production quota needs t_per_year or batches")
        if not self.facilities and self.region is None and self.stage is None:
            raise ValueError("name the facilities, or a region and/or stage")
        return self


class QuotaPool:
    """Tonnes (of the plants' capacity basis) the group may still put through this quota year.

    A plant limit: plants ask how much activity it allows, draw on it, and wait for its refill."""

    def __init__(self, ctx: PolicyContext):
        self.ctx = ctx
        self.remaining = 0.0
        self._waiters: list[Any] = []

    def allows(self, plant: Any) -> float:
        return self.remaining / plant.basis

    def use(self, plant: Any, activity: float) -> None:
        self.remaining -= activity * plant.basis

    def when_lifted(self) -> Any:
        signal = self.ctx.signal()
        self._waiters.append(signal)
        return signal

    def refill(self, amount: float, reset: bool) -> None:
        self.remaining = amount if reset else self.remaining + amount
        waiters, self._waiters = self._waiters, []
        for signal in waiters:
            signal.succeed()


@register_policy(ProductionQuota)
class ProductionQuotaPolicy(Policy):
    def __init__(self, pid: str, spec: ProductionQuota, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        if spec.facilities:
            self.plants = [ctx.facility(f) for f in spec.facilities]
        else:
            self.plants = ctx.facilities(spec.region, spec.stage)
        self.pool = QuotaPool(ctx)
        for day, amount, reset in quota_schedule(ctx, spec.t_per_year, spec.batches):
            ctx.at(day, lambda a=amount, r=reset: self.pool.refill(a, r))

    def switch_on(self) -> None:
        for plant in self.plants:
            plant.add_limit(self.pool)

    def switch_off(self) -> None:
        for plant in self.plants:
            plant.remove_limit(self.pool)
        self.pool.refill(0.0, False)  # wake plants waiting for it
