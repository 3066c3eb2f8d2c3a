"""New capacity: a new plant, or an expansion of one, announced on a date and commissioned after
a random build time (and, with some probability, a slip), then ramped up linearly."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, NonNegativeFloat, model_validator

from ..scenario.components import Capacity, Commissioning, Facility
from ..scenario.distributions import Distribution
from ..scenario.policy import PolicySpec
from .base import Policy, PolicyContext, register_policy


class CapacityAddition(PolicySpec):
    """A new plant, or an expansion of one, announced on a date and built after a random time."""

    kind: Literal["capacity_addition"]
    facility: Facility | None = Field(None, description="a new plant, as in facilities: (its commissioning is set by the build)")
    expands: str | None = Field(None, description="an existing facility to add capacity to")
    capacity: Capacity | None = Field(None, description="the added capacity (with expands)")
    announced: dt.date
    build_time_days: Distribution  # type: ignore[assignment]
    slip_probability: float = Field(0.0, ge=0, le=1)
    slip_days: Distribution = Field(0.0, validate_default=True)  # type: ignore[assignment]
    ramp_up_days: NonNegativeFloat = 365.0
    start_fraction: float = Field(0.1, ge=0, le=1)
    capex_musd: NonNegativeFloat = 0.0

    @model_validator(mode="after")
    def _one_target(self) -> CapacityAddition:
        if (self.facility is None) == (self.expands is None):
            raise ValueError("give either facility (a new plant) or expands (an existing one)")
        if self.expands is not None and self.capacity is None:
            raise ValueError("an expansion needs the added capacity")
        return self


@register_policy(CapacityAddition)
class CapacityAdditionPolicy(Policy):
    """Adds its plant when the world is built (named after the policy); it comes online when built."""

    timed = False

    @classmethod
    def facilities(cls, pid: str, spec: Any, ctx: PolicyContext) -> dict[str, Facility]:
        build = ctx.sampler(spec.build_time_days, "build")()
        slipped = ctx.uniform("slip")() < spec.slip_probability
        slip = ctx.sampler(spec.slip_days, "slip_days")() if slipped else 0.0
        online = spec.announced + dt.timedelta(days=round(build + slip))
        commissioning = Commissioning(date=online, ramp_up_days=spec.ramp_up_days, start_fraction=spec.start_fraction)
        if spec.facility is not None:
            return {pid: spec.facility.model_copy(update={"commissioning": commissioning})}
        old = ctx.facility_spec(spec.expands)  # a plant, or one added before
        cap = spec.capacity
        if "basis" not in cap.model_fields_set:
            cap = cap.model_copy(update={"basis": old.capacity.basis})
        return {pid: old.model_copy(update={"capacity": cap, "commissioning": commissioning})}

    def __init__(self, pid: str, spec: CapacityAddition, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.plant = ctx.facility(pid)
        self.online_day = self.plant.start_day - ctx.warmup_days
        ctx.at(self.plant.start_day, lambda: ctx.log("comes online"))

    def kpis(self) -> dict[str, float]:
        return {"online_day": float(self.online_day), "capex_musd": self.spec.capex_musd}  # type: ignore[attr-defined]

    def facility_attributes(self) -> dict[str, dict[str, float]]:
        return {self.id: {"capex_musd": self.spec.capex_musd}}  # type: ignore[attr-defined]
