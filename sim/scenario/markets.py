"""Markets and prices, buyers' allocation and plant economics, as scenario data."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Market(_Model):
    """A price for one material over a set of regions, formed from scarcity.

    price = reference price x (cover / target cover) ^ (-1 / elasticity), within [floor, cap]
    multiples of the reference, where cover = stock in the market's regions over its smoothed
    outflow, in days. No published elasticity was found (data/10): 1.0 means that halving the
    cover doubles the price.
    """

    material: str
    regions: tuple[str, ...] = Field((), description="regions of this market; empty = every region no other market of this material names")
    price_usd_per_kg: PositiveFloat = Field(description="reference price at target cover")
    target_cover_days: PositiveFloat | None = Field(
        None, description="cover at which the price is the reference; default: the median cover over the second half of the warm-up"
    )
    elasticity: PositiveFloat = Field(1.0, description="of cover with respect to price (see class doc)")
    min_multiple: PositiveFloat = 0.25
    max_multiple: PositiveFloat = 20.0
    update_days: PositiveFloat = 7.0
    smoothing: float = Field(0.1, gt=0, le=1, description="exponential smoothing of outflow and stock (weekly: ~10 weeks of memory)")
    source: str = ""


class Allocation(_Model):
    """How buyers at one stock share it when it is short."""

    rule: Literal["pro_rata", "priority"] = "pro_rata"
    priority: tuple[str, ...] = Field((), description="end uses served first, in order (rule: priority)")


class Economics(_Model):
    """When plants with a unit cost idle or close because the price does not cover it, and how
    buyers with several suppliers weigh their landed prices (tariffs included)."""

    idle_after_days: PositiveFloat = 90.0
    close_after_days: PositiveFloat = 365.0
    review_days: PositiveFloat = 7.0
    buyer_price_sensitivity: float = Field(4.0, ge=0, description="order share ~ landed price ^ -sensitivity (ASSUMPTION)")
