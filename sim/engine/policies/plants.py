"""Policies on plants: new capacity, closures and outages, production quotas, a strategic
producer's supply modulation, and demand shocks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import simpy

from ...scenario.components import Commissioning, Facility
from ...scenario.policies import CapacityAddition, DemandShock, ProductionQuota, SupplyModulation
from ..sampling import sampler
from .border import quota_schedule

if TYPE_CHECKING:
    from ..facility import Facility as Plant
    from ..world import World


def added_facility(world: World, spec: CapacityAddition, rng) -> Facility:
    """The facility a capacity addition builds, commissioned after its sampled build time (+ slip)."""
    build = sampler(spec.build_time_days, rng)()
    slipped = float(rng.random()) < spec.slip_probability
    slip = sampler(spec.slip_days, rng)() if slipped else 0.0
    online = spec.announced + dt.timedelta(days=round(build + slip))
    commissioning = Commissioning(date=online, ramp_up_days=spec.ramp_up_days, start_fraction=spec.start_fraction)
    if spec.facility is not None:
        base = spec.facility
        return base.model_copy(update={"commissioning": commissioning})
    old = world.facility_specs[spec.expands]  # type: ignore[index]  # a plant, or one added before
    cap = spec.capacity
    assert cap is not None
    if "basis" not in cap.model_fields_set:
        cap = cap.model_copy(update={"basis": old.capacity.basis})
    return old.model_copy(update={"capacity": cap, "commissioning": commissioning})


class QuotaPool:
    """Tonnes a group of plants may still put through this quota year."""

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.remaining = 0.0
        self._waiters: list[simpy.Event] = []

    def when_refilled(self) -> simpy.Event:
        ev = self.env.event()
        self._waiters.append(ev)
        return ev

    def refill(self, amount: float, reset: bool) -> None:
        self.remaining = amount if reset else self.remaining + amount
        waiters, self._waiters = self._waiters, []
        for ev in waiters:
            ev.succeed()


def plants_of(world: World, facilities: tuple[str, ...], region: str | None = None, stage: str | None = None) -> list[Plant]:
    if facilities:
        return [world.facilities[f] for f in facilities]
    return [
        world.facilities[fid] for fid, f in world.facility_specs.items()
        if (region is None or world.region_of[f.site] == region) and (stage is None or f.stage == stage)
    ]


def production_quota(world: World, spec: ProductionQuota) -> tuple[callable, callable]:
    plants = plants_of(world, spec.facilities, spec.region, spec.stage)
    pool = QuotaPool(world.env)
    for day, amount, reset in quota_schedule(world, spec.t_per_year, spec.batches):
        world.at(day, lambda a=amount, r=reset: pool.refill(a, r))

    def on() -> None:
        for plant in plants:
            plant.quotas.append(pool)

    def off() -> None:
        for plant in plants:
            if pool in plant.quotas:
                plant.quotas.remove(pool)
        pool.refill(0.0, False)  # wake plants waiting for it

    return on, off


class SupplyModulator:
    """Every review, cut output by a step when the price is under the band, raise it when over."""

    def __init__(self, world: World, spec: SupplyModulation):
        self.world = world
        self.spec = spec
        self.plants = plants_of(world, spec.facilities)
        self.multiple = 1.0
        self.active = False
        self._sid = world.recorder.series(spec.market, "", "supply_multiple", level=True, initial=1.0)
        world.env.process(self._run())

    def _run(self):
        env, spec = self.world.env, self.spec
        while True:
            yield env.timeout(spec.review_days)
            if not self.active:
                continue
            price = self.world.markets[spec.market].price
            if price < spec.band_low_usd_per_kg:
                self.set(max(spec.min_multiple, self.multiple - spec.step))
            elif price > spec.band_high_usd_per_kg:
                self.set(min(spec.max_multiple, self.multiple + spec.step))

    def set(self, multiple: float) -> None:
        self.multiple = multiple
        for plant in self.plants:
            plant.multiplier = multiple
        self.world.recorder.level(self._sid, self.world.env.now, multiple)

    def on(self) -> None:
        self.active = True

    def off(self) -> None:
        self.active = False
        self.set(1.0)


def demand_shock(world: World, spec: DemandShock) -> tuple[callable, callable]:
    sinks = [
        sink for did, sink in world.demands.items()
        if (spec.region is None or world.region_of[world.scenario.demand[did].site] == spec.region)
        and (spec.end_use is None or sink.end_use == spec.end_use)
        and (spec.material is None or sink.stock.material == spec.material)
    ]

    def on() -> None:
        for sink in sinks:
            sink.multiplier *= spec.multiplier

    def off() -> None:
        for sink in sinks:
            sink.multiplier = sink.multiplier / spec.multiplier if spec.multiplier > 0 else 1.0

    return on, off
