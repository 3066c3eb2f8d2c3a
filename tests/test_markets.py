"""Scarcity prices and how buyers share a short stock."""

import pytest

from conftest import base_world, run_dict, totals


def draining_market(elasticity=1.0, smoothing=1.0):
    w = base_world(60)
    w["stocks"] = {"market": {"a": {"initial_t": 1000}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10}}
    w["markets"] = {"a_usa": {"material": "a", "price_usd_per_kg": 50, "target_cover_days": 50,
                              "elasticity": elasticity, "smoothing": smoothing, "update_days": 7}}
    return w


@pytest.mark.parametrize("elasticity", [0.5, 1.0, 2.0])
def test_price_follows_cover_with_the_stated_elasticity(elasticity):
    """Day 14: 70 t/week taken, so 10 t/day; 1000 - 3 x 70 = 790 t held: 79 days of cover."""
    r = run_dict(draining_market(elasticity))
    ts = r.timeseries
    price = ts[(ts["entity"] == "a_usa") & (ts["variable"] == "price_usd_per_kg")].set_index("day")["value"]
    assert price[14] == pytest.approx(50 * (79 / 50) ** (-1 / elasticity))
    assert price.iloc[-1] > price[14]  # the stock drains, so the price climbs


def test_price_is_capped():
    w = draining_market()
    w["stocks"]["market"]["a"]["initial_t"] = 100
    r = run_dict(w)
    assert r.kpis["price_usd_per_kg"]["a_usa"]["peak"] == pytest.approx(50 * 20)


def short_stock(rule="pro_rata", priority=()):
    w = base_world(70)
    w["stocks"] = {"market": {"a": {"initial_t": 0}}}
    w["facilities"] = {"plant": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}},
                                 "capacity": {"t_per_day": 30}, "cycle_days": 7}}
    w["demand"] = {
        "cars": {"site": "market", "material": "a", "end_use": "ev_traction", "t_per_day": 30},
        "jets": {"site": "market", "material": "a", "end_use": "defense", "t_per_day": 10},
    }
    w["allocation"] = {"rule": rule, "priority": list(priority)}
    return w


def test_pro_rata_shares_a_shortage_evenly():
    t = totals(run_dict(short_stock()))
    rate = {d: t[(d, "a", "delivered_t")] / t[(d, "a", "requested_t")] for d in ("cars", "jets")}
    assert rate["cars"] == pytest.approx(rate["jets"])
    assert rate["cars"] == pytest.approx(0.75 * 9 / 10, rel=0.02)  # nothing the first week, then 30 of 40


def test_priority_serves_defense_first():
    t = totals(run_dict(short_stock("priority", ["defense"])))
    jets = t[("jets", "a", "delivered_t")] / t[("jets", "a", "requested_t")]
    cars = t[("cars", "a", "delivered_t")] / t[("cars", "a", "requested_t")]
    assert jets == pytest.approx(0.9, rel=0.02)  # all but the empty first week
    assert cars < 0.7
