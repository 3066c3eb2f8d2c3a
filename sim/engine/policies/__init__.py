"""Policies in the engine: each kind builds what it changes, and a runner switches it on and off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...scenario import policies as p
from .border import closed_lanes, export_control, tariff_links
from .plants import SupplyModulator, demand_shock, production_quota
from .runner import PolicyRunner
from .stockpile import StrategicReserve

if TYPE_CHECKING:
    from ..world import World


def build_policies(world: World) -> None:
    """Wire every policy except capacity additions (built with the facilities) into the world."""
    rng = world.policy_rng
    for pid, spec in world.scenario.policies.items():
        if isinstance(spec, p.ExportControl):
            rule = export_control(world, pid, spec, rng)
            world.border_rules[pid] = rule
            PolicyRunner(world, pid, spec, lambda r=rule: r.switch(True), lambda r=rule: r.switch(False))
        elif isinstance(spec, p.Outage) and spec.facility is None:
            rule = closed_lanes(world, pid, spec)
            world.border_rules[pid] = rule
            PolicyRunner(world, pid, spec, lambda r=rule: r.switch(True), lambda r=rule: r.switch(False))
        elif isinstance(spec, p.Outage | p.Closure):
            plant = world.facilities[spec.facility]  # type: ignore[index]
            reason = f"{spec.kind}:{pid}"
            off = None if isinstance(spec, p.Closure) else (lambda pl=plant, r=reason: pl.resume(r))
            PolicyRunner(world, pid, spec, lambda pl=plant, r=reason: pl.stop(r), off)
        elif isinstance(spec, p.Tariff):
            links = tariff_links(world, spec)

            def on(links=links, rate=spec.rate_pct) -> None:
                for link in links:
                    link.tariff_pct += rate

            def off(links=links, rate=spec.rate_pct) -> None:
                for link in links:
                    link.tariff_pct -= rate

            PolicyRunner(world, pid, spec, on, off)
        elif isinstance(spec, p.ProductionQuota):
            on, off = production_quota(world, spec)
            PolicyRunner(world, pid, spec, on, off)
        elif isinstance(spec, p.SupplyModulation):
            mod = SupplyModulator(world, spec)
            PolicyRunner(world, pid, spec, mod.on, mod.off)
        elif isinstance(spec, p.DemandShock):
            on, off = demand_shock(world, spec)
            PolicyRunner(world, pid, spec, on, off)
        elif isinstance(spec, p.PriceFloor):
            keys = [(fid, spec.material) for fid in spec.facilities]

            def on_floor(keys=keys, floor=spec.floor_usd_per_kg) -> None:
                for key in keys:
                    world.price_floors[key] = floor

            def off_floor(keys=keys) -> None:
                for key in keys:
                    world.price_floors.pop(key, None)

            PolicyRunner(world, pid, spec, on_floor, off_floor)
        elif isinstance(spec, p.Stockpile):
            world.reserves[pid] = StrategicReserve(world, pid, spec)
