"""Plant economics: a plant whose unit cost stays above what its output fetches idles, and closes
after a longer while, unless a price floor or offtake holds it up."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .facility import Facility
    from .world import World


class PlantBooks:
    """Margin per tonne (of capacity basis) for one plant, reviewed periodically."""

    def __init__(self, world: World, fid: str, plant: Facility, unit_cost: float):
        self.world = world
        self.id = fid
        self.plant = plant
        self.unit_cost = unit_cost
        self.region = world.region_of[world.facility_specs[fid].site]
        self.underwater_days = 0.0
        self.closed = False
        self.margin = 0.0
        self.floor_payments_usd = 0.0
        self._made = dict(plant.produced)
        self._sid = world.recorder.series(fid, "", "margin_usd_per_t", level=True, initial=0.0)

    def _price(self, material: str) -> float | None:
        return self.world.price(material, self.region)

    def review(self, days: float) -> None:
        plant, world = self.plant, self.world
        revenue = 0.0
        for f in plant.outputs:
            m = f.stock.material
            price = self._price(m)
            if price is None:
                continue
            floor = plant.price_floors.get(m)
            if floor is not None and floor > price:
                made = plant.produced.get(m, 0.0) - self._made.get(m, 0.0)
                self.floor_payments_usd += made * (floor - price) * 1000
                price = floor
            revenue += f.t_per_activity * plant.yield_ * price * 1000
        feed = 0.0
        for f in plant.inputs:
            price = self._price(f.stock.material)
            if price is not None:
                feed += f.t_per_activity * price * 1000
        self._made = dict(plant.produced)
        self.margin = (revenue - feed) / plant.basis - self.unit_cost
        world.recorder.level(self._sid, world.env.now, self.margin)
        rules = world.scenario.economics
        if self.closed:
            return
        if self.margin < 0:
            self.underwater_days += days
            if self.underwater_days >= rules.close_after_days:
                self.closed = True
                plant.stop("closed")
                world.log_policy(self.id, "economics", "closes")
            elif self.underwater_days >= rules.idle_after_days and not plant.is_stopped_for("idle"):
                plant.stop("idle")
                world.log_policy(self.id, "economics", "idles")
        else:
            self.underwater_days = 0.0
            if plant.is_stopped_for("idle"):
                plant.resume("idle")
                world.log_policy(self.id, "economics", "restarts")


def run_economics(world: World, books: list[PlantBooks]):
    """The process that reviews every plant's books."""
    days = world.scenario.economics.review_days
    while True:
        yield world.env.timeout(days)
        for b in books:
            b.review(days)
