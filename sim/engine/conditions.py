"""Trigger conditions, read off the running world."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario.policy import Condition

if TYPE_CHECKING:
    from .world import World


def value_of(cond: Condition, world: World) -> float:
    """The quantity a condition watches, now."""
    if cond.quantity == "price_usd_per_kg":
        return world.markets[cond.market].price  # type: ignore[index]
    if cond.quantity == "cover_days":
        return world.markets[cond.market].cover_days  # type: ignore[index]
    if cond.quantity == "stock_t":
        stock = world.stocks.get((cond.site, cond.material))  # type: ignore[arg-type]
        return 0.0 if stock is None else stock.level
    return world.region_fill_rate(cond.region, cond.window_days)  # type: ignore[arg-type]


def holds(cond: Condition, world: World) -> bool:
    value = value_of(cond, world)
    return value > cond.above if cond.above is not None else value < cond.below  # type: ignore[operator]
