"""A strategic stockpile: a reserve beside a site that buys while the price is low and releases
while its condition holds (a price spike, a shortage). It holds real tonnes, so they count in
the mass balance like any stock."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..scenario.policy import KIND, Condition, PolicySpec
from ..scenario.ranges import PositiveRate, PositiveTonnes, Price, Rate, Step, Tonnes
from .base import Policy, PolicyContext, register_policy


class Stockpile(PolicySpec):
    """A strategic reserve at a site: buys when the price is low, releases on a condition."""

    kind: Literal["stockpile"] = Field(description=KIND)
    site: str = Field(description="the site whose stock the reserve buys from and releases to")
    material: str = Field(description="the material held")
    size_t: PositiveTonnes = Field(description="the most the reserve holds")
    initial_t: Tonnes = Field(0.0, description="tonnes held when the simulation starts")
    buy_below_usd_per_kg: Price | None = Field(None, description="the reserve buys while the price is below this (none: it never buys)")
    buy_t_per_day: Rate = Field(0.0, description="how fast it buys, from the site's stock, while buying")
    release_when: Condition | None = Field(None, description="the reserve releases while this holds (none: it never releases)")
    release_t_per_day: PositiveRate = Field(1.0, description="how fast it releases into the site's stock while releasing")
    market: str | None = Field(None, description="market whose price drives buying (default: the material's price in the site's region)")
    review_days: Step = Field(1.0, description="how often the reserve looks at its condition and the price")

    KPIS = {
        "released_t": ("t", "tonnes the reserve released to buyers over the run"),
        "bought_t": ("t", "tonnes the reserve bought over the run"),
        "held_t": ("t", "tonnes held in the reserve at the end"),
    }

    @model_validator(mode="after")
    def _starts_within_its_size(self) -> Stockpile:
        if self.initial_t > self.size_t:
            raise ValueError(f"initial_t ({self.initial_t:,g} t) is more than size_t ({self.size_t:,g} t), the most "
                             "the reserve holds: raise size_t or lower initial_t")
        return self


@register_policy(Stockpile)
class StockpilePolicy(Policy):
    """Keeps its own clock: every review it releases, buys, or waits."""

    timed = False

    def __init__(self, pid: str, spec: Stockpile, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.site_stock = ctx.stock(spec.site, spec.material)
        self.reserve = ctx.new_stock(pid, spec.material, ctx.region_of(spec.site), spec.initial_t, spec.size_t)
        self.releasing = False
        self.released_t = 0.0
        self.bought_t = 0.0
        ctx.every(spec.review_days, self.review)  # from the start of the run, then every review

    def _price(self) -> float | None:
        spec = self.spec
        if spec.market is not None:  # type: ignore[attr-defined]
            return self.ctx.market(spec.market).price  # type: ignore[attr-defined]
        return self.ctx.price(spec.material, self.ctx.region_of(spec.site))  # type: ignore[attr-defined]

    def review(self) -> None:
        spec, ctx = self.spec, self.ctx
        assert isinstance(spec, Stockpile)
        release = spec.release_when is not None and ctx.holds(spec.release_when)
        if release != self.releasing:
            self.releasing = release
            ctx.log("release starts" if release else "release ends")
        days = spec.review_days
        if release:
            amount = self.reserve.take(min(spec.release_t_per_day * days, self.reserve.free))
            self.site_stock.put(amount)
            self.released_t += amount
        elif spec.buy_below_usd_per_kg is not None and spec.buy_t_per_day > 0:
            price = self._price()
            if price is not None and price < spec.buy_below_usd_per_kg:
                want = min(spec.buy_t_per_day * days, self.reserve.room())
                amount = self.site_stock.take(self.site_stock.home_free(want))
                self.site_stock.want(amount)
                self.reserve.put(amount)
                self.bought_t += amount

    def counters(self) -> dict[str, float]:
        return {"stockpile_released_t": self.released_t}

    def kpis(self) -> dict[str, float]:
        return {"released_t": self.released_t, "bought_t": self.bought_t, "held_t": self.reserve.level}
