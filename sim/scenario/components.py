"""The parts of a scenario: sites, materials, facilities, links, stocks, demand (units in key names)."""

from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .distributions import Distribution
from .ranges import (
    MAX_DAYS,
    Cost,
    Date,
    Days,
    Percent,
    PositiveDays,
    PositiveRate,
    PositiveTonnes,
    Rate,
    Ratio,
    Step,
    Tonnes,
)

Stage = Literal[
    "mining", "processing", "separation", "metal", "alloy", "magnet", "recycling", "collection", "utility",
]  # fmt: skip
"""A production stage; the order is the chain's, from mine to magnet (reports follow it)."""

Element = Literal[
    "Sc", "Y", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd",
    "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
]  # fmt: skip

STAGES: tuple[str, ...] = typing.get_args(Stage)
ELEMENTS: tuple[str, ...] = typing.get_args(Element)
KPI_STAGES = ("mining", "separation", "metal", "alloy", "magnet", "recycling")
"""Stages whose production and regional shares the KPIs report, in chain order."""
FLOW_STAGES = KPI_STAGES[:5]
"""The stages of the material-flow picture, mine to magnet."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Meta(Model):
    name: str
    description: str = ""
    question: str = ""
    start_date: Date
    horizon_days: int = Field(gt=0, le=MAX_DAYS, description="simulated days reported, from start_date")
    warmup_days: int = Field(0, ge=0, le=MAX_DAYS, description="days simulated before start_date to fill pipelines; not reported")
    seed: int = Field(0, ge=0, lt=2**63)
    focus_region: str = Field("china", description="the region whose share of each stage the KPIs and reports single out")


class Region(Model):
    name: str = ""


class Site(Model):
    region: str
    name: str = ""


class OreBody(Model):
    """Share of each element in the total rare-earth oxide (TREO) of a deposit, in %."""

    shares_pct: dict[Element, Percent]
    source: str = ""

    @model_validator(mode="after")
    def _sums_to_100(self) -> OreBody:
        total = sum(self.shares_pct.values())
        if abs(total - 100.0) > 0.5:
            raise ValueError(f"element shares add up to {total:.2f}%, expected 100%")
        return self


class Material(Model):
    stage: Stage | None = None
    unit: str = "t"
    elements: tuple[Element, ...] = ()
    ore_body: str | None = Field(None, description="for concentrates and mixed oxides")
    description: str = ""


class Recipe(Model):
    """Tonnes of each input and output per unit of activity, before yield.

    A separation recipe gives one input (a concentrate of a known ore body) and
    ``products`` instead of ``outputs``: the products split the feed in the
    ratios of its ore body.
    """

    inputs: dict[str, Ratio] = {}
    outputs: dict[str, Ratio] = {}
    products: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _outputs_or_products(self) -> Recipe:
        if self.products and self.outputs:
            raise ValueError("give either outputs or products (separation), not both")
        if not self.products and not self.outputs:
            raise ValueError("a recipe needs outputs (or products for separation)")
        if self.products and len(self.inputs) != 1:
            raise ValueError("a separation recipe takes exactly one input (the feed)")
        return self


class Capacity(Model):
    """Throughput limit: t/day, t/year, or units x t per unit per day, of the input or output basis."""

    t_per_day: PositiveRate | None = None
    t_per_year: PositiveTonnes | None = None
    units: int | None = Field(None, gt=0, le=1_000_000)
    t_per_unit_per_day: PositiveRate | None = None
    basis: Literal["input", "output"] = "output"

    @model_validator(mode="after")
    def _one_form(self) -> Capacity:
        forms = [
            self.t_per_day is not None,
            self.t_per_year is not None,
            self.units is not None or self.t_per_unit_per_day is not None,
        ]
        if sum(forms) != 1:
            raise ValueError("give exactly one of t_per_day, t_per_year, or units with t_per_unit_per_day")
        if forms[2] and (self.units is None or self.t_per_unit_per_day is None):
            raise ValueError("units and t_per_unit_per_day go together")
        return self

    def per_day(self) -> float:
        if self.t_per_day is not None:
            return self.t_per_day
        if self.t_per_year is not None:
            return self.t_per_year / 365.0
        assert self.units is not None and self.t_per_unit_per_day is not None
        return self.units * self.t_per_unit_per_day


class Outages(Model):
    """Random breakdowns: mean time between failures and mean time to repair, in days."""

    mtbf_days: Annotated[float, Field(ge=0.1, le=MAX_DAYS)]
    mttr_days: PositiveDays
    failure_dist: Literal["exponential", "constant"] = "exponential"
    repair_dist: Literal["exponential", "constant"] = "exponential"


class Commissioning(Model):
    """When a plant starts and how its capacity ramps up (linearly) afterwards."""

    date: Date
    ramp_up_days: Days = 0.0
    start_fraction: float = Field(0.2, ge=0, le=1)


class Facility(Model):
    kind: str
    site: str
    stage: Stage
    recipe: Recipe
    capacity: Capacity
    yield_: float = Field(1.0, alias="yield", gt=0, le=1)
    cycle_days: Step = Field(7.0, description="processing time of one campaign")
    outages: Outages | None = None
    commissioning: Commissioning | None = None
    unit_cost_usd_per_t: Cost | None = Field(
        None, description="processing cost per t of capacity basis, feed bought on a market excluded; plants with one idle when prices do not cover it"
    )
    name: str = ""
    source: str = ""


class Link(Model):
    """A shipping lane; ``push`` ships what the origin makes, ``pull`` ships what the destination orders."""

    from_: str = Field(alias="from")
    to: str
    materials: tuple[str, ...] = Field(min_length=1)
    lead_time_days: Distribution = Field(0.0, validate_default=True)  # type: ignore[assignment]
    mode: Literal["push", "pull", "surplus"] = Field(
        "pull", description="push: a share of every arrival; pull: what the destination orders; surplus: what the origin holds above keep_t"
    )
    keep_t: Tonnes = Field(0.0, description="surplus: tonnes of each material the origin keeps")
    share: Annotated[float, Field(gt=0, le=1)] | dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        1.0, description="push: share of each arrival at the origin (one number, or per material); pull: weight among suppliers"
    )
    capacity_rule: Literal["pro_rata", "in_order"] = Field(
        "pro_rata", description="when over capacity: share it pro rata, or serve materials in the listed order"
    )
    shipment_t: PositiveTonnes | None = Field(None, description="lot size; shipments are whole lots")
    capacity_t_per_day: PositiveRate | None = None
    dispatch_every_days: Step = 7.0
    order_delay_days: Days = 0.0
    source: str = ""

    def share_of(self, material: str) -> float:
        if isinstance(self.share, dict):
            return self.share.get(material, 1.0)
        return self.share


class Replenishment(Model):
    """Periodic-review ordering on a stock's pull links (order-up-to or (s, S))."""

    kind: Literal["order_up_to", "s_S"] = "order_up_to"
    review_days: Step = 7.0
    reorder_point_days: Days | None = Field(None, description="s, in days of forecast (s_S only)")
    smoothing: float = Field(0.3, gt=0, le=1, description="exponential smoothing of the forecast")
    forecast_t_per_day: Rate | None = Field(None, description="initial forecast (default: demand and plants' full needs here)")
    forecast: Literal["smoothed", "fixed"] = Field(
        "smoothed", description="smoothed: learn from outflow; fixed: keep the initial forecast (a plant's feed ordered for its planned rate)"
    )
    cancel_excess: bool = Field(
        False, description="when the position stands above the order-up-to level (buyers destocking), withdraw orders not yet shipped"
    )
    suppliers: Literal["price_weighted", "fixed_shares"] = Field(
        "price_weighted", description="how an order is split among pull links: their shares tilted towards the cheaper landed price, or the shares as written"
    )

    @model_validator(mode="after")
    def _s_for_sS(self) -> Replenishment:
        if self.kind == "s_S" and self.reorder_point_days is None:
            raise ValueError("an (s, S) policy needs reorder_point_days")
        return self


class Stock(Model):
    initial_t: Tonnes = 0.0
    target_cover_days: Days | None = Field(None, description="order-up-to level, in days of forecast")
    max_t: PositiveTonnes | None = Field(None, description="storage limit; producers stop when full")
    max_cover_days: PositiveDays | None = Field(
        None, description="make to stock: producers here stop while the stock holds this many days of what is wanted of it"
    )
    surplus_above_cover_days: PositiveDays | None = Field(
        None, description="a co-product's surplus: what exceeds this many days of what is wanted goes to a stockpile that sets no price"
    )
    replenishment: Replenishment | None = None

    @model_validator(mode="after")
    def _target_for_policy(self) -> Stock:
        if self.replenishment is not None and self.target_cover_days is None:
            raise ValueError("a stock with replenishment needs target_cover_days")
        return self


class Demand(Model):
    """End-use demand at a site, in t/day, growing and noisy. What is not met when due waits as a
    backorder or is lost, as the scenario's ``buyers`` section says for its end use."""

    site: str
    material: str
    end_use: str
    t_per_day: Rate
    growth_pct_per_year: float = Field(0.0, ge=-99, le=1000, description="% a year, compounded")
    noise_cv: float = Field(0.0, ge=0, le=10, description="coefficient of variation of each period's demand")
    period_days: Annotated[float, Field(ge=0.1, le=MAX_DAYS)] = 7.0
    backorder_share: float | None = Field(None, ge=0, le=1, description="share of unmet demand that waits (default: buyers.backorder_share for the end use)")
    source: str = ""
