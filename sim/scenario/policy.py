"""What every policy shares as scenario data: its kind and note, and for timed policies when it is
in force (a start date or a trigger, and an end date, a duration or a release condition).

Each policy kind is a plug-in (``sim/policies/<kind>.py``) that subclasses these and registers
itself with ``sim.scenario.policy_kinds``.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from .ranges import MAX_DAYS, Date, PositiveDays, Threshold, Tonnes


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


Quantity = Literal["price_usd_per_kg", "cover_days", "stock_t", "fill_rate"]

KIND = "the policy kind (a module of sim/policies/); it picks the keys below"
NOTE = "free text for readers (the model ignores it)"
"""Meanings of the ``kind`` and ``note`` keys every policy kind shares (for docs/reference.md)."""


class Condition(_Model):
    """A condition on a model quantity, checked every day.

    ``price_usd_per_kg`` and ``cover_days`` of a market; ``stock_t`` of a material at a site;
    ``fill_rate`` of a region's demand over the last ``window_days``.
    """

    quantity: Quantity = Field(description="what is watched: a market's price (USD/kg) or cover (days), a stock (t), or a region's fill rate (share, 0 to 1)")
    market: str | None = Field(None, description="price_usd_per_kg and cover_days: the market")
    site: str | None = Field(None, description="stock_t: the site of the stock")
    material: str | None = Field(None, description="stock_t: the material of the stock")
    region: str | None = Field(None, description="fill_rate: the region whose demand is watched")
    above: Threshold | None = Field(None, description="holds while the quantity is above this (in its unit); give above or below")
    below: Threshold | None = Field(None, description="holds while the quantity is below this (in its unit); give above or below")
    window_days: int = Field(30, ge=1, le=MAX_DAYS, description="fill_rate: the days over which the share of demand met is taken")

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        need = {"price_usd_per_kg": ("market",), "cover_days": ("market",), "stock_t": ("site", "material"), "fill_rate": ("region",)}
        missing = [k for k in need[self.quantity] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{self.quantity} needs {' and '.join(missing)}")
        return self


class PolicySpec(_Model):
    """The base of every policy kind's schema."""

    kind: str = Field(description=KIND)
    note: str = Field("", description=NOTE)
    enabled: bool = Field(True, description="false: the policy is checked but not applied (switch an inherited one off)")
    in_warmup: bool = Field(False, description="true: it acts in the warm-up too, as one in force before start_date would; "
                                               "false: it does nothing before start_date (a start before it takes effect then)")

    disruption: ClassVar[bool] = False
    """True for kinds that disrupt supply or demand: the KPIs' time to survive and to recover
    count from the first of them to start."""

    KPIS: ClassVar[dict[str, tuple[str, str]]] = {}
    """The KPIs a policy of this kind reports under ``policies.<id>``: name -> (unit, meaning)."""


class Suspension(_Model):
    """A window in which a policy in force does not apply: from ``from`` (its first day) to ``to``
    (the first day it applies again)."""

    from_: Date = Field(alias="from", description="the first day of the window")
    to: Date = Field(description="the first day after the window")

    @model_validator(mode="after")
    def _ordered(self) -> Suspension:
        if self.to <= self.from_:
            raise ValueError("to must come after from")
        return self


class TimedPolicy(PolicySpec):
    """When a policy is in force: from ``start`` (default: the scenario's start date, after any
    warm-up; with ``when``, the first day the condition holds from then on) until ``end``,
    ``duration_days`` later, or until ``release_when`` holds."""

    start: Date | None = Field(None, description="the day it comes into force, or from which when is checked (default: start_date)")
    end: Date | None = Field(None, description="the day it ends (none of end, duration_days, release_when: in force to the end)")
    duration_days: PositiveDays | None = Field(None, description="it ends this many days after it came into force")
    when: Condition | None = Field(None, description="it comes into force on the first day, from start on, that this holds (checked daily)")
    release_when: Condition | None = Field(None, description="once in force, it ends on the first day this holds (checked daily)")
    suspended: tuple[Suspension, ...] = Field(
        (), description="windows, in date order, in which a policy in force does not apply (a suspension, as No. 70 suspended Nos. 55-58, 61 and 62)"
    )

    @model_validator(mode="after")
    def _one_end(self) -> TimedPolicy:
        ends = [self.end is not None, self.duration_days is not None, self.release_when is not None]
        if sum(ends) > 1:
            raise ValueError("give at most one of end, duration_days, release_when")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must come after start")
        for before, after in zip(self.suspended, self.suspended[1:], strict=False):
            if after.from_ < before.to:
                raise ValueError("suspended windows must be in date order and not overlap")
        if self.suspended and self.start and self.suspended[0].from_ < self.start:
            raise ValueError("a suspension must begin on or after start")
        return self


class AnnouncedPolicy(TimedPolicy):
    """A timed policy that may be made public before it comes into force (``announced``): buyers
    and traders it covers act on it from then (``buyers.anticipation``; each kind says how)."""

    announced: Date | None = Field(
        None, description="the day it was made public, if before it came into force: buyers and traders it covers act on it from then (buyers.anticipation)"
    )

    @model_validator(mode="after")
    def _announced_first(self) -> AnnouncedPolicy:
        if self.announced is not None and self.start is not None and self.announced > self.start:
            raise ValueError("announced must come on or before start")
        return self


class QuotaBatch(_Model):
    """Tonnes released on a date (export and production quotas)."""

    date: Date = Field(description="the release day; a calendar year's first release replaces what was left of the last year's")
    t: Tonnes = Field(description="tonnes released")
