"""A plant closed for good from a date (or a trigger)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..scenario.policy import KIND, TimedPolicy
from .base import Policy, PolicyContext, register_policy


class Closure(TimedPolicy):
    """A plant closed for good."""

    kind: Literal["closure"] = Field(description=KIND)
    facility: str = Field(description="the plant that closes; it stays closed even after the policy ends")

    disruption = True


@register_policy(Closure)
class ClosurePolicy(Policy):
    def __init__(self, pid: str, spec: Closure, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.plant = ctx.facility(spec.facility)

    def switch_on(self) -> None:
        self.plant.stop(f"closure:{self.id}")
