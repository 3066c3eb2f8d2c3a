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
    Fraction,
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


SOURCE = "where the numbers come from (a citation or note for readers; the model ignores it)"
NAME = "a display name for readers (the key is the id)"
"""Meanings of the ``source`` and ``name`` keys many parts share (for docs/reference.md)."""


class Meta(Model):
    name: str = Field(description="the scenario's name, in reports and default run folder names")
    description: str = Field("", description="what the scenario is, for readers and reports")
    question: str = Field("", description="the question the scenario answers, for readers and reports")
    start_date: Date = Field(description="the first reported day (day 0); a warm-up runs before it")
    horizon_days: int = Field(gt=0, le=MAX_DAYS, description="simulated days reported, from start_date")
    warmup_days: int = Field(0, ge=0, le=MAX_DAYS, description="days simulated before start_date to fill pipelines; not reported")
    seed: int = Field(0, ge=0, lt=2**63, description="random seed: every random stream of the run derives from it (--seed overrides)")
    focus_region: str = Field("china", description="the region whose share of each stage the KPIs and reports single out")


class Region(Model):
    name: str = Field("", description=NAME)


class Site(Model):
    region: str = Field(description="the region the site is in (its border, market and KPIs)")
    name: str = Field("", description=NAME)


class OreBody(Model):
    """Share of each element in the total rare-earth oxide (TREO) of a deposit, in %."""

    shares_pct: dict[Element, Percent] = Field(description="% of the TREO for each element, adding up to 100")
    source: str = Field("", description=SOURCE)

    @model_validator(mode="after")
    def _sums_to_100(self) -> OreBody:
        total = sum(self.shares_pct.values())
        if abs(total - 100.0) > 0.5:
            raise ValueError(f"element shares add up to {total:.2f}%, expected 100%")
        return self

    def split(self, products: typing.Iterable[str], materials: typing.Mapping[str, Material]) -> dict[str, float]:
        """Tonnes of each separation product per tonne of REO fed (before yield), in the ratios of
        the deposit's elements; sums to 1 over products that take every element. Making more NdPr
        from Bayan Obo ore also makes about three tonnes of La and Ce a tonne, which must find a
        buyer or pile up."""
        total = sum(self.shares_pct.values())
        return {m: sum(self.shares_pct.get(el, 0.0) for el in materials[m].elements) / total for m in products}


class Material(Model):
    stage: Stage | None = Field(None, description="the stage that makes it (the stage column of its stocks in the entities table)")
    unit: str = Field("t", description="the unit its quantities are counted in, for readers (flows and stocks are in tonnes)")
    elements: tuple[Element, ...] = Field((), description="rare-earth elements it contains: export controls by element cover it; separation splits a feed by them")
    content: dict[Element, Fraction] = Field(
        {}, description="t of each element a tonne (none: worked out from its ore body, separators or recipe; see docs/controls.md)"
    )
    ore_body: str | None = Field(None, description="for concentrates and mixed oxides: the ore body whose element shares a separation splits it in")
    description: str = Field("", description="what the material is, for readers")

    @model_validator(mode="after")
    def _content_within_a_tonne(self) -> Material:
        total = sum(self.content.values())
        if total > 1 + 1e-9:
            raise ValueError(f"content adds up to {total:g} t a tonne; expected at most 1 (tonnes of each element in a tonne)")
        return self


class Recipe(Model):
    """Tonnes of each input and output per unit of activity, before yield.

    A separation recipe gives one input (a concentrate of a known ore body) and
    ``products`` instead of ``outputs``: the products split the feed in the
    ratios of its ore body.
    """

    inputs: dict[str, Ratio] = Field({}, description="material -> t taken per unit of activity")
    outputs: dict[str, Ratio] = Field({}, description="material -> t made per unit of activity, before yield")
    products: tuple[str, ...] = Field((), description="separation: the materials the feed splits into, in its ore body's element shares (instead of outputs)")

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

    t_per_day: PositiveRate | None = Field(None, description="nameplate capacity, tonnes of the basis a day")
    t_per_year: PositiveTonnes | None = Field(None, description="nameplate capacity, tonnes of the basis a year (365 days)")
    units: int | None = Field(None, gt=0, le=1_000_000, description="number of identical units (kilns, cells, lines), with t_per_unit_per_day")
    t_per_unit_per_day: PositiveRate | None = Field(None, description="capacity of one unit, tonnes of the basis a day, with units")
    basis: Literal["input", "output"] = Field(
        "output", description="what the capacity counts: tonnes of the first input, or of output after yield (a separation's products together)"
    )

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

    mtbf_days: Annotated[float, Field(ge=0.1, le=MAX_DAYS)] = Field(description="mean time from the end of one repair to the next failure")
    mttr_days: PositiveDays = Field(description="mean time a repair takes; the plant makes nothing meanwhile")
    failure_dist: Literal["exponential", "constant"] = Field("exponential", description="times between failures: exponential with that mean, or always the mean")
    repair_dist: Literal["exponential", "constant"] = Field("exponential", description="repair times: exponential with that mean, or always the mean")


class Commissioning(Model):
    """When a plant starts and how its capacity ramps up (linearly) afterwards."""

    date: Date = Field(description="the day the plant starts; before it, it makes nothing")
    ramp_up_days: Days = Field(0.0, description="days from the start to full capacity (0: full at once)")
    start_fraction: float = Field(0.2, ge=0, le=1, description="share of capacity available on the start day, rising linearly to 1 over the ramp-up")


class Facility(Model):
    kind: str = Field(description="a facility kind of seeds/facility_kinds.csv, whose row fills stage, capacity, yield, cycle and outages not given")
    site: str = Field(description="the site whose stocks it draws from and puts into")
    stage: Stage = Field(description="its stage in the chain (KPIs, reports and the network diagram group by it)")
    recipe: Recipe = Field(description="what it takes and makes per unit of activity")
    capacity: Capacity = Field(description="its nameplate throughput")
    yield_: float = Field(1.0, alias="yield", gt=0, le=1, description="share of the recipe's outputs actually made (losses)")
    cycle_days: Step = Field(7.0, description="processing time of one campaign")
    outages: Outages | None = Field(None, description="random breakdowns (none: it never breaks down)")
    commissioning: Commissioning | None = Field(None, description="when it starts and ramps up (none: running from the start)")
    unit_cost_usd_per_t: Cost | None = Field(
        None, description="processing cost per t of capacity basis, feed bought on a market excluded; plants with one idle when prices do not cover it"
    )
    name: str = Field("", description=NAME)
    source: str = Field("", description=SOURCE)


class Link(Model):
    """A shipping lane; ``push`` ships what the origin makes, ``pull`` ships what the destination orders."""

    from_: str = Field(alias="from", description="the origin site")
    to: str = Field(description="the destination site")
    materials: tuple[str, ...] = Field(min_length=1, description="the materials it carries")
    lead_time_days: Distribution = Field(  # type: ignore[assignment]
        0.0, validate_default=True, description="days from dispatch to arrival, drawn per shipment (a number or a distribution)"
    )
    mode: Literal["push", "pull", "surplus"] = Field(
        "pull", description="push: a share of every arrival; pull: what the destination orders; surplus: what the origin holds above keep_t"
    )
    keep_t: Tonnes = Field(0.0, description="surplus: tonnes of each material the origin keeps")
    share: Annotated[float, Field(gt=0, le=1)] | dict[str, Fraction] = Field(
        1.0, description="push: share of each arrival at the origin (one number, or per material); pull: weight among suppliers"
    )
    capacity_rule: Literal["pro_rata", "in_order"] = Field(
        "pro_rata", description="when over capacity: share it pro rata, or serve materials in the listed order"
    )
    shipment_t: PositiveTonnes | None = Field(None, description="lot size; shipments are whole lots")
    capacity_t_per_day: PositiveRate | None = Field(None, description="most tonnes a day it carries, all materials together (none: no limit)")
    dispatch_every_days: Step = Field(7.0, description="shipments leave at most this often")
    order_delay_days: Days = Field(0.0, description="pull: days an order takes to reach the origin")
    full_above_cover_days: PositiveDays | None = Field(
        None, description="push: while its destination holds more than this many days of what is wanted there, or a border rule "
        "stops it, or it holds back more than two dispatches of its capacity, the lane takes no share; its share goes to the "
        "origin's open push lanes (or stays free there), so a share is what it carries when every destination wants (90 is "
        "a quarter's cover). None: a fixed share, whoever needs the tonnes"
    )
    source: str = Field("", description=SOURCE)

    def share_of(self, material: str) -> float:
        if isinstance(self.share, dict):
            return self.share.get(material, 1.0)
        return self.share


class Replenishment(Model):
    """Periodic-review ordering on a stock's pull links (order-up-to or (s, S))."""

    kind: Literal["order_up_to", "s_S"] = Field(
        "order_up_to", description="order_up_to: every review, order up to target cover; s_S: only once the position falls to reorder_point_days"
    )
    review_days: Step = Field(7.0, description="days between reviews (forecast updated, order placed)")
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
    initial_t: Tonnes = Field(0.0, description="tonnes on hand when the simulation starts (before any warm-up)")
    target_cover_days: Days | None = Field(None, description="order-up-to level, in days of forecast")
    max_t: PositiveTonnes | None = Field(None, description="storage limit; producers stop when full")
    max_cover_days: PositiveDays | None = Field(
        None, description="make to stock: producers here stop while the stock holds this many days of what is wanted of it (with surplus_above_cover_days: a co-product, whose overflow is stockpiled while its plant runs for another output)"
    )
    surplus_above_cover_days: PositiveDays | None = Field(
        None, description="a co-product's surplus: what exceeds this many days of what is wanted goes to a stockpile that sets no price"
    )
    replenishment: Replenishment | None = Field(None, description="how the stock orders on its pull links (none: it places no orders)")

    @model_validator(mode="after")
    def _target_for_policy(self) -> Stock:
        if self.replenishment is not None and self.target_cover_days is None:
            raise ValueError("a stock with replenishment needs target_cover_days")
        return self


class Demand(Model):
    """End-use demand at a site, in t/day, growing and noisy. What is not met when due waits as a
    backorder or is lost, as the scenario's ``buyers`` section says for its end use."""

    site: str = Field(description="the site whose stock the buyers take from")
    material: str = Field(description="the material they want")
    end_use: str = Field(description="what it is for (e.g. ev_traction, wind): sets backorders, allocation priority, substitution and shocks")
    t_per_day: Rate = Field(description="demand at start_date, before growth, noise and shocks")
    growth_pct_per_year: float = Field(0.0, ge=-99, le=1000, description="% a year, compounded")
    noise_cv: float = Field(0.0, ge=0, le=10, description="coefficient of variation of each period's demand")
    period_days: Annotated[float, Field(ge=0.1, le=MAX_DAYS)] = Field(7.0, description="buyers take a period's demand at once, every this many days")
    backorder_share: float | None = Field(None, ge=0, le=1, description="share of unmet demand that waits (default: buyers.backorder_share for the end use)")
    source: str = Field("", description=SOURCE)
