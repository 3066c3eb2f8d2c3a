"""A demand shock: demand multiplied by a factor for a while, by region, end use and material.
Shocks in force at once multiply; each ends on its own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..scenario.policy import KIND, TimedPolicy
from .base import Policy, PolicyContext, register_policy


class DemandShock(TimedPolicy):
    """Demand multiplied by a factor for a while, by region, end use and material."""

    kind: Literal["demand_shock"] = Field(description=KIND)
    multiplier: float = Field(ge=0, le=1000, description="factor on the demand while in force (0: none; 2: double); shocks in force together multiply")
    region: str | None = Field(None, description="only demand at sites in this region (none: every region)")
    end_use: str | None = Field(None, description="only demand of this end use (none: every end use)")
    material: str | None = Field(None, description="only demand for this material (none: every material)")

    disruption = True


@register_policy(DemandShock)
class DemandShockPolicy(Policy):
    def __init__(self, pid: str, spec: DemandShock, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.sinks = ctx.demands(spec.region, spec.end_use, spec.material)

    def switch_on(self) -> None:
        for sink in self.sinks:
            sink.shock(self.id, self.spec.multiplier)  # type: ignore[attr-defined]

    def switch_off(self) -> None:
        for sink in self.sinks:
            sink.shock(self.id, None)
