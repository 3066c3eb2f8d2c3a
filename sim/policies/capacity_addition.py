"""New capacity: a new plant, or an expansion of one, announced on a date and commissioned after
a random build time (and, with some probability, a slip), then ramped up linearly.

With ``when``, the project is a response to the market: it goes ahead only once the condition
holds (a price above a level, say) on or after ``announced``, checked every ``review_days``, and
its build time runs from then (an idle mine restarting, a project advanced). It may never go
ahead."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from ..scenario.components import Capacity, Commissioning, Facility
from ..scenario.distributions import Distribution
from ..scenario.policy import KIND, Condition, PolicySpec
from ..scenario.ranges import MAX_DAYS, Date, Days, Step
from .base import Policy, PolicyContext, register_policy


class CapacityAddition(PolicySpec):
    """A new plant, or an expansion of one, announced on a date and built after a random time."""

    kind: Literal["capacity_addition"] = Field(description=KIND)
    facility: Facility | None = Field(None, description="a new plant, as in facilities: (its commissioning is set by the build)")
    expands: str | None = Field(None, description="an existing facility to add capacity to")
    capacity: Capacity | None = Field(None, description="the added capacity (with expands)")
    announced: Date = Field(description="the day the project is announced; the build time runs from it (with when: from the go-ahead)")
    build_time_days: Distribution = Field(description="days from announcement (or go-ahead) to the plant starting, drawn once per run")  # type: ignore[assignment]
    slip_probability: float = Field(0.0, ge=0, le=1, description="chance that the project slips")
    slip_days: Distribution = Field(  # type: ignore[assignment]
        0.0, validate_default=True, description="days added to the build time when it slips, drawn once per run"
    )
    ramp_up_days: Days = Field(365.0, description="days from the start to full capacity")
    start_fraction: float = Field(0.1, ge=0, le=1, description="share of the capacity available on the start day, rising linearly to 1 over the ramp-up")
    capex_musd: float = Field(0.0, ge=0, le=1e7, description="capital cost, reported as a KPI and in the entities table (it does not change the run)")
    when: Condition | None = Field(None, description="go ahead only once this holds (on or after announced); the build runs from then")
    review_days: Step = Field(7.0, description="with when: how often the condition is checked")

    KPIS = {
        "capex_musd": ("million USD", "the project's capital cost, as given"),
        "online_day": ("day", "the day (from the start) the plant came online; absent if it never did"),
        "go_ahead_day": ("day", "with when: the day the project went ahead; absent if it never did"),
    }

    @model_validator(mode="after")
    def _one_target(self) -> CapacityAddition:
        if (self.facility is None) == (self.expands is None):
            raise ValueError("give either facility (a new plant) or expands (an existing one)")
        if self.expands is not None and self.capacity is None:
            raise ValueError("an expansion needs the added capacity")
        return self


NEVER = dt.date(9999, 12, 31)
"""The commissioning date of a project still waiting for its condition."""


@register_policy(CapacityAddition)
class CapacityAdditionPolicy(Policy):
    """Adds its plant when the world is built (named after the policy); it comes online when built."""

    timed = False

    @classmethod
    def build_days(cls, spec: Any, ctx: PolicyContext) -> int:
        """The build time, and a slip with its probability, drawn from the policy's own stream."""
        build = ctx.sampler(spec.build_time_days, "build")()
        slipped = ctx.uniform("slip")() < spec.slip_probability
        slip = ctx.sampler(spec.slip_days, "slip_days")() if slipped else 0.0
        return round(min(build + slip, MAX_DAYS))  # a draw in a long tail still ends within a century

    @classmethod
    def facilities(cls, pid: str, spec: Any, ctx: PolicyContext) -> dict[str, Facility]:
        # a market response waits for its condition: built as if never, rescheduled when it holds
        online = NEVER if spec.when is not None else spec.announced + dt.timedelta(days=cls.build_days(spec, ctx))
        # built from checked values; "never" lies beyond the dates a scenario may state
        commissioning = Commissioning.model_construct(date=online, ramp_up_days=spec.ramp_up_days, start_fraction=spec.start_fraction)
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
        self.go_ahead_day: float | None = None
        if spec.when is None:
            self.online_day: float | None = self.plant.start_day - ctx.warmup_days
            ctx.at(self.plant.start_day, lambda: ctx.log("comes online"))
        else:
            self.online_day = None
            self._build = self.build_days(spec, ctx)
            ctx.every(spec.review_days, self._review, first=max(ctx.day_of(spec.announced) - ctx.now, 0.0))

    def _review(self) -> None:
        ctx, spec = self.ctx, self.spec
        if self.go_ahead_day is not None or not ctx.holds(spec.when):  # type: ignore[attr-defined]
            return
        now = ctx.now
        self.go_ahead_day = now - ctx.warmup_days
        self.online_day = now + self._build - ctx.warmup_days
        self.plant.commission_at(now + self._build)
        ctx.log("goes ahead")
        ctx.at(now + self._build, lambda: ctx.log("comes online"))

    def kpis(self) -> dict[str, float]:
        """When it came online (and, for a market response, went ahead), in days from the start;
        a response that never went ahead has neither."""
        out = {"capex_musd": float(self.spec.capex_musd)}  # type: ignore[attr-defined]
        if self.online_day is not None:
            out["online_day"] = float(self.online_day)
        if self.go_ahead_day is not None:
            out["go_ahead_day"] = float(self.go_ahead_day)
        return out

    def facility_attributes(self) -> dict[str, dict[str, float]]:
        return {self.id: {"capex_musd": self.spec.capex_musd}}  # type: ignore[attr-defined]
