"""The calm world stays calm (issue 10): the baseline with no demand growth and no policy, three
years."""

from functools import cache

import numpy as np
import pytest

from conftest import SCENARIOS
from sim.engine import simulate
from sim.engine.world import World
from sim.results import Result
from sim.scenario import load_scenario

BASELINE = SCENARIOS / "baseline.yaml"


@cache
def calm(growth: bool = False, investment: bool = True) -> Result:
    plain = load_scenario(BASELINE).scenario
    overrides = ["meta.horizon_days=1095"]
    if not growth:
        overrides += [f"demand.{d}.growth_pct_per_year=0" for d in plain.demand]
    if not investment:
        overrides += ["investment.enabled=false"]
    loaded = load_scenario(BASELINE, overrides)
    return Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())


def prices(r: Result, market: str) -> np.ndarray:
    ts = r.timeseries
    return ts[(ts["entity"] == market) & (ts["variable"] == "price_usd_per_kg")].sort_values("day")["value"].to_numpy()


def test_the_calm_world_meets_demand():
    for region, by_material in calm().kpis["fill_rate_by_region_material"].items():
        for material, rate in by_material.items():
            assert rate >= 0.99, (region, material, rate)


MARKETS = list(load_scenario(BASELINE).scenario.markets)


@pytest.mark.parametrize("market", MARKETS)
def test_every_price_stays_within_15_percent_of_its_reference(market):
    reference = load_scenario(BASELINE).scenario.markets[market].price_usd_per_kg
    series = prices(calm(), market)
    means = [series[i * 365:(i + 1) * 365].mean() / reference for i in range(3)]
    assert all(0.85 <= m <= 1.15 for m in means), [round(m, 2) for m in means]


def test_no_price_sits_below_its_inputs_cost():
    r = calm(growth=True)
    sc = load_scenario(BASELINE).scenario
    world = World(sc)  # resolves each market's inputs and conversion as a run does
    for mid, market in world.markets.items():
        if not market.inputs:
            continue
        floor = sum(coef * prices(r, inp.id) for inp, coef in market.inputs) + market.conversion
        assert (prices(r, mid) >= floor * (1 - 1e-9)).all(), mid


def test_with_growth_and_no_new_capacity_magnet_prices_move_towards_the_shortage():
    grown, flat = calm(growth=True, investment=False), calm()
    for market in ("ndfeb_magnet_world", "ndfeb_magnet_hre_free_world", "ndfeb_magnet_china", "ndfeb_magnet_hre_free_china"):
        assert prices(grown, market)[730:].mean() > prices(flat, market)[730:].mean(), market
