"""Supply that grows: plants expand when they have run near full while their product paid, after a
build time, within a region's ceiling (China's mining quota), as scenario data.

The engine side is ``sim/engine/investment.py``; the defaults of the library are stated
assumptions in ``seeds/assumptions.csv`` (ASSUMPTION investment_*), build times from
``06_process_facts.csv``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .components import SOURCE, Stage
from .ranges import Days, Percent, PositiveTonnes, Step


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class ExpansionRule(_Model):
    """When and by how much plants of some stages (and kinds, regions) expand.

    Every ``review_days`` from the start date a plant whose throughput over the last
    ``window_days`` was at least ``trigger_utilisation`` of its capacity may build, in two ways:

    - growth: with ``follows_demand_of``, while the buyers' demand for those materials grew over
      the last year (by ``min_growth_pct`` or more), it builds to the throughput that growth will call for when the build is
      done (its throughput x (1 + growth) ^ build years), and its planned capacity (built and
      under way) grows with the demand from one review to the next, unless its signal price
      stands below ``min_price_ratio`` of its reference;
    - backlog: while its feed piles up at its door (more than ``feed_backlog_days`` of its need,
      and growing), a step of ``step_pct``, whatever the price;
    - scarcity: while its signal price (its main product's market in its region, or
      ``signal_market``; for a product made from priced inputs, its margin over them) stands at
      least ``price_ratio`` times its reference, it builds ``step_pct`` of its first capacity (a
      plant without a price signal, or whose product is priced at cost plus conversion, builds
      only with demand or its feed).

    Added capacity comes online ``build_time_days`` after the decision. Builds may overlap, up to ``max_pending_pct`` of the
    first capacity under way, and a plant grows to at most ``max_multiple`` of it."""

    stages: tuple[Stage, ...] = Field(description="the stages whose plants this rule covers")
    kinds: tuple[str, ...] = Field((), description="only plants of these kinds (empty: every kind)")
    regions: tuple[str, ...] = Field((), description="only plants in these regions (empty: every region)")
    trigger_utilisation: float = Field(0.9, gt=0, le=1, description="share of capacity used over the window that makes a plant want more")
    window_days: Step = Field(182.0, description="days over which utilisation is measured")
    price_ratio: float = Field(1.0, ge=0, le=100, description="scarcity: a plant run near full builds a step while its signal price stands at least this multiple of its reference")
    follows_demand_of: tuple[str, ...] = Field((), description="growth: a plant run near full builds ahead of the growth of the buyers' demand for these materials (world-wide), to what it will need when the build is done")
    min_growth_pct: float = Field(5.0, ge=0, le=100, description="growth: demand growing less than this % a year calls for no build (half-year against half-year, the baseline's demand noise reads as up to 4%)")
    min_price_ratio: float = Field(0.8, ge=0, le=100, description="growth: no build while the signal price stands below this multiple of its reference (a glut)")
    signal_market: str | None = Field(None, description="the market whose price signals a margin (default: the plant's main product's market in its region; none: utilisation alone)")
    max_output_cover_days: Days = Field(90.0, description="no build while the plant's product piles up: its stock at the plant holds more than this many days of what is wanted of it")
    feed_backlog_days: Days = Field(120.0, description="a plant run near full whose first input piles up at its door (more than this many days of its need at capacity, and twice the stock's own target cover) builds a step, whatever the price")
    step_pct: Percent = Field(20.0, description="capacity added by one build, % of the plant's first capacity")
    max_multiple: float = Field(3.0, ge=1, le=1000, description="a plant grows to at most this multiple of its first capacity")
    build_time_days: Days = Field(730.0, description="days from the decision to the added capacity coming online")
    max_pending_pct: Percent = Field(40.0, description="builds under way at once add at most this % of the current capacity (so a long build does not pile up orders for capacity on one signal)")
    source: str = Field("", description=SOURCE)


class Ceiling(_Model):
    """A cap on the capacity of one stage in one region, growing by a path (China's mining quota)."""

    region: str = Field(description="the region capped")
    stage: Stage = Field(description="the stage capped")
    t_per_year: PositiveTonnes = Field(description="the cap in the year ``year``, t of capacity basis a year")
    year: int = Field(ge=1900, le=2200, description="the year of ``t_per_year``")
    growth_pct_per_year: float = Field(0.0, ge=-50, le=100, description="yearly growth of the cap after that year")
    source: str = Field("", description=SOURCE)

    def cap(self, year: float) -> float:
        """The cap in a (fractional) calendar year, t/yr."""
        return self.t_per_year * (1 + self.growth_pct_per_year / 100) ** max(year - self.year, 0.0)


class Investment(_Model):
    """Capacity that follows margins and utilisation (off unless a scenario says)."""

    enabled: bool = Field(False, description="whether plants expand at all")
    review_days: Step = Field(91.0, description="days between investment reviews (from the start date; none in the warm-up)")
    rules: dict[str, ExpansionRule] = Field({}, description="expansion rules; a plant follows the first (in file order) that covers it")
    exclude: tuple[str, ...] = Field((), description="facilities that never expand (the plants the source articles describe as they are)")
    ceilings: dict[str, Ceiling] = Field({}, description="caps on a region's capacity at one stage (a quota path)")

    @model_validator(mode="after")
    def _rules_when_enabled(self) -> Investment:
        if self.enabled and not self.rules:
            raise ValueError("investment is enabled but has no rules: add one under investment.rules")
        return self
