"""An outage: a plant stopped, a lane closed, or a border closed, for a while."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..scenario.policy import KIND, TimedPolicy
from .base import Policy, PolicyContext, register_policy
from .border import Ban


class Outage(TimedPolicy):
    """A plant, a link, or a border closed for a while."""

    kind: Literal["outage"] = Field(description=KIND)
    facility: str | None = Field(None, description="a plant that stops while in force; give one of facility, link or from")
    link: str | None = Field(None, description="a link that ships nothing while in force")
    from_region: str | None = Field(None, alias="from", description="a border: links leaving this region ship nothing while in force")
    to_region: str | None = Field(None, alias="to", description="with from: only links to this region (none: to every other region)")

    disruption = True

    @model_validator(mode="after")
    def _target(self) -> Outage:
        if sum(x is not None for x in (self.facility, self.link, self.from_region)) != 1:
            raise ValueError("give one of facility, link, or from (a border, with optional to)")
        return self


@register_policy(Outage)
class OutagePolicy(Policy):
    def __init__(self, pid: str, spec: Outage, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.reason = f"outage:{pid}"
        self.plant = ctx.facility(spec.facility) if spec.facility is not None else None
        self.rule: Ban | None = None
        if self.plant is None:
            self.rule = Ban(None)
            if spec.link is not None:
                self.rule.attach([ctx.link(spec.link)])
            else:
                assert spec.from_region is not None
                dest = {spec.to_region} if spec.to_region else set(ctx.scenario.regions) - {spec.from_region}
                self.rule.attach(ctx.links(spec.from_region, dest))

    def switch_on(self) -> None:
        if self.rule is not None:
            self.rule.switch(True)
        else:
            self.plant.stop(self.reason)

    def switch_off(self) -> None:
        if self.rule is not None:
            self.rule.switch(False)
        else:
            self.plant.resume(self.reason)
