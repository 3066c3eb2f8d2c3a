"""A price floor (or offtake): named producers' revenue never falls below a guaranteed price."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..scenario.policy import KIND, TimedPolicy
from ..scenario.ranges import Price
from .base import Policy, PolicyContext, register_policy


class PriceFloor(TimedPolicy):
    """A guaranteed price (or offtake) for named producers: their revenue never falls below it."""

    kind: Literal["price_floor"] = Field(description=KIND)
    facilities: tuple[str, ...] = Field(min_length=1, description="the producers whose books the floor holds up")
    material: str = Field(description="the output whose price is guaranteed")
    floor_usd_per_kg: Price = Field(description="the guaranteed price: their margin counts this when the market price is lower")


@register_policy(PriceFloor)
class PriceFloorPolicy(Policy):
    """Sets the floor on the plants' books while in force; the plants' economics pay it."""

    def __init__(self, pid: str, spec: PriceFloor, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.plants = [ctx.facility(fid) for fid in spec.facilities]

    def switch_on(self) -> None:
        for plant in self.plants:
            plant.price_floors[self.spec.material] = self.spec.floor_usd_per_kg  # type: ignore[attr-defined]

    def switch_off(self) -> None:
        for plant in self.plants:
            plant.price_floors.pop(self.spec.material, None)  # type: ignore[attr-defined]
