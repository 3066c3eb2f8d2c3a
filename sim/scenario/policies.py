"""Policies as scenario data: what changes the world, and when (a date or a trigger)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, model_validator

from .components import Capacity, Element, Facility
from .distributions import Distribution


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


QUANTITIES = ("price_usd_per_kg", "cover_days", "stock_t", "fill_rate")


class Condition(_Model):
    """A condition on a model quantity, checked every day.

    ``price_usd_per_kg`` and ``cover_days`` of a market; ``stock_t`` of a material at a site;
    ``fill_rate`` of a region's demand over the last 30 days.
    """

    quantity: Literal["price_usd_per_kg", "cover_days", "stock_t", "fill_rate"]
    market: str | None = None
    site: str | None = None
    material: str | None = None
    region: str | None = None
    above: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        need = {"price_usd_per_kg": ("market",), "cover_days": ("market",), "stock_t": ("site", "material"), "fill_rate": ("region",)}
        missing = [k for k in need[self.quantity] if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{self.quantity} needs {' and '.join(missing)}")
        return self


class _Timed(_Model):
    """When a policy is in force: from ``start`` (default: the scenario's start date, after any
    warm-up; with ``when``, the first day the condition holds from then on) until ``end``,
    ``duration_days`` later, or until ``release_when`` holds."""

    start: dt.date | None = None
    end: dt.date | None = None
    duration_days: PositiveFloat | None = None
    when: Condition | None = None
    release_when: Condition | None = None
    note: str = ""

    @model_validator(mode="after")
    def _one_end(self) -> _Timed:
        ends = [self.end is not None, self.duration_days is not None, self.release_when is not None]
        if sum(ends) > 1:
            raise ValueError("give at most one of end, duration_days, release_when")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must come after start")
        return self


class ApprovalStep(_Model):
    """From this date on, a licence is approved with this probability."""

    date: dt.date = Field(alias="from")
    probability: float = Field(ge=0, le=1)


class Licence(_Model):
    processing_working_days: Distribution = Field(description="delay before a decision, in working days (5 a week)")  # type: ignore[assignment]
    approval: tuple[ApprovalStep, ...] = Field(min_length=1, description="approval probability over time")


class QuotaBatch(_Model):
    date: dt.date
    t: NonNegativeFloat


class ExportControl(_Timed):
    """Limits on shipments leaving a region: a ban, a quota (released in batches) or licences."""

    kind: Literal["export_control"]
    from_region: str = Field(alias="from")
    to_regions: tuple[str, ...] = Field((), alias="to", description="destinations; empty = every other region")
    exempt_regions: tuple[str, ...] = ()
    elements: tuple[Element, ...] = Field((), description="materials containing any of these are controlled")
    materials: tuple[str, ...] = Field((), description="controlled materials, besides those with the elements")
    exempt_materials: tuple[str, ...] = ()
    mode: Literal["ban", "quota", "licence"]
    quota_t_per_year: NonNegativeFloat | None = None
    quota_batches: tuple[QuotaBatch, ...] = Field((), description="quota releases; default: two halves, 1 Jan and 1 Jul")
    licence: Licence | None = None

    @model_validator(mode="after")
    def _mode_fields(self) -> ExportControl:
        if not self.elements and not self.materials:
            raise ValueError("name the controlled elements or materials")
        if self.mode == "quota" and self.quota_t_per_year is None and not self.quota_batches:
            raise ValueError("a quota needs quota_t_per_year or quota_batches")
        if self.mode == "licence" and self.licence is None:
            raise ValueError("licence mode needs licence: {processing_working_days, approval}")
        return self


class Tariff(_Timed):
    """An import duty on a link or on everything a region imports from another."""

    kind: Literal["tariff"]
    rate_pct: NonNegativeFloat
    link: str | None = None
    from_region: str | None = Field(None, alias="from")
    to_region: str | None = Field(None, alias="to")
    materials: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _target(self) -> Tariff:
        if self.link is None and self.to_region is None:
            raise ValueError("a tariff needs a link or a destination region (to)")
        return self


class CapacityAddition(_Model):
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
    note: str = ""

    @model_validator(mode="after")
    def _one_target(self) -> CapacityAddition:
        if (self.facility is None) == (self.expands is None):
            raise ValueError("give either facility (a new plant) or expands (an existing one)")
        if self.expands is not None and self.capacity is None:
            raise ValueError("an expansion needs the added capacity")
        return self


class Closure(_Timed):
    kind: Literal["closure"]
    facility: str


class Outage(_Timed):
    """A plant, a link, or a border closed for a while."""

    kind: Literal["outage"]
    facility: str | None = None
    link: str | None = None
    from_region: str | None = Field(None, alias="from")
    to_region: str | None = Field(None, alias="to")

    @model_validator(mode="after")
    def _target(self) -> Outage:
        if sum(x is not None for x in (self.facility, self.link, self.from_region)) != 1:
            raise ValueError("give one of facility, link, or from (a border, with optional to)")
        return self


class Stockpile(_Model):
    """A strategic reserve at a site: buys when the price is low, releases on a condition."""

    kind: Literal["stockpile"]
    site: str
    material: str
    size_t: PositiveFloat
    initial_t: NonNegativeFloat = 0.0
    buy_below_usd_per_kg: NonNegativeFloat | None = None
    buy_t_per_day: NonNegativeFloat = 0.0
    release_when: Condition | None = None
    release_t_per_day: PositiveFloat = 1.0
    market: str | None = Field(None, description="market whose price drives buying")
    note: str = ""


class PriceFloor(_Timed):
    """A guaranteed price (or offtake) for named producers: their revenue never falls below it."""

    kind: Literal["price_floor"]
    facilities: tuple[str, ...] = Field(min_length=1)
    material: str
    floor_usd_per_kg: PositiveFloat


class ProductionQuota(_Timed):
    """A yearly cap on the throughput of a group of plants, released in batches."""

    kind: Literal["production_quota"]
    region: str | None = None
    stage: str | None = None
    facilities: tuple[str, ...] = ()
    t_per_year: NonNegativeFloat | None = None
    batches: tuple[QuotaBatch, ...] = ()

    @model_validator(mode="after")
    def _amount(self) -> ProductionQuota:
        if self.t_per_year is None and not self.batches:
            raise ValueError("a production quota needs t_per_year or batches")
        if not self.facilities and self.region is None and self.stage is None:
            raise ValueError("name the facilities, or a region and/or stage")
        return self


class SupplyModulation(_Timed):
    """A strategic producer that cuts output when the price is below a band and raises it above."""

    kind: Literal["supply_modulation"]
    facilities: tuple[str, ...] = Field(min_length=1)
    market: str
    band_low_usd_per_kg: PositiveFloat
    band_high_usd_per_kg: PositiveFloat
    step: float = Field(0.1, gt=0, le=1, description="change of the output multiple per review")
    min_multiple: float = Field(0.3, ge=0, le=1)
    max_multiple: float = Field(1.0, ge=1, description="above 1: spare capacity the producer can bring on")
    review_days: PositiveFloat = 14.0


class DemandShock(_Timed):
    """Demand multiplied by a factor for a while, by region, end use and material."""

    kind: Literal["demand_shock"]
    multiplier: NonNegativeFloat
    region: str | None = None
    end_use: str | None = None
    material: str | None = None


Policy = Annotated[
    ExportControl | Tariff | CapacityAddition | Closure | Outage | Stockpile | PriceFloor
    | ProductionQuota | SupplyModulation | DemandShock,
    Field(discriminator="kind"),
]

POLICY_KINDS = (
    "export_control", "tariff", "capacity_addition", "closure", "outage", "stockpile",
    "price_floor", "production_quota", "supply_modulation", "demand_shock",
)  # fmt: skip
