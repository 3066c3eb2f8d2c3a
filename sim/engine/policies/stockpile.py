"""A strategic stockpile: a reserve at a site that buys while the price is low and releases
while its condition holds (a price spike, a shortage). It holds real tonnes, so they count in
the mass balance like any stock."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...scenario.policies import Stockpile
from ..stock import Stock
from .conditions import holds

if TYPE_CHECKING:
    from ..world import World


class StrategicReserve:
    def __init__(self, world: World, pid: str, spec: Stockpile):
        self.world = world
        self.id = pid
        self.spec = spec
        self.site_stock = world.stock(spec.site, spec.material)
        self.reserve = Stock(world.env, pid, spec.material, world.ledger, world.recorder, initial=spec.initial_t, max_t=spec.size_t)
        world.stocks[(pid, spec.material)] = self.reserve
        world.extra_sites[pid] = world.region_of[spec.site]
        self.releasing = False
        self.released_t = 0.0
        self.bought_t = 0.0
        world.env.process(self._run())

    def _price(self) -> float | None:
        spec = self.spec
        if spec.market is not None:
            return self.world.markets[spec.market].price
        return self.world.price(spec.material, self.world.region_of[spec.site])

    def _run(self):
        env, spec, world = self.world.env, self.spec, self.world
        while True:
            release = spec.release_when is not None and holds(spec.release_when, world)
            if release != self.releasing:
                self.releasing = release
                world.log_policy(self.id, "stockpile", "release starts" if release else "release ends")
            if release:
                amount = self.reserve.take(min(spec.release_t_per_day, self.reserve.free))
                self.site_stock.put(amount)
                self.released_t += amount
            elif spec.buy_below_usd_per_kg is not None and spec.buy_t_per_day > 0:
                price = self._price()
                if price is not None and price < spec.buy_below_usd_per_kg:
                    want = min(spec.buy_t_per_day, self.reserve.room(), self.site_stock.local_free())
                    amount = self.site_stock.take(want)
                    self.reserve.put(amount)
                    self.bought_t += amount
            yield env.timeout(1)
