"""A demand shock: demand multiplied by a factor for a while, by region, end use and material.
Shocks in force at once multiply; each ends on its own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..scenario.policy import TimedPolicy
from .base import Policy, PolicyContext, register_policy


class DemandShock(TimedPolicy):
    """Demand multiplied by a factor for a while, by region, end use and material."""

    kind: Literal["demand_shock"]
    multiplier: float = Field(ge=0, le=1000)
    region: str | None = None
    end_use: str | None = None
    material: str | None = None

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
