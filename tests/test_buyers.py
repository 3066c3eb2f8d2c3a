"""Buyers who remember: backorders, patience, forecasts of what was wanted, restocking, and how
home and export buyers share a short stock. Each on a small chain against a hand calculation."""

import pytest

from conftest import base_world, run_dict, series


def late_supply(share: float, patience: float = 36_500, horizon: int = 40):
    """No supply for the first ten days, then 20 t/day against a demand of 10 t/day."""
    w = base_world(horizon)
    w["facilities"] = {"mine": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}}, "cycle_days": 1,
                                "capacity": {"t_per_day": 20}, "commissioning": {"date": "2025-01-11", "start_fraction": 1}}}
    w["stocks"] = {"market": {"a": {"initial_t": 0}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    w["buyers"] = {"backorder_share": {}, "other_backorder_share": share, "patience_days": patience}
    return w


def test_backorders_are_served_before_new_demand_and_counted_once():
    r = run_dict(late_supply(0.5))
    delivered, lost = series(r, "buyers", "delivered_t"), series(r, "buyers", "unmet_t")
    requested = series(r, "buyers", "requested_t")
    dry = int((delivered > 0).idxmax())  # days with nothing to deliver (the plant's first output ends day 10)
    # dry days: half of each day's 10 t waits, half is lost: 5 x dry t waiting. Then 20 t a day go
    # to the backorders first, so each day's new 10 t is short, and half of it lost, until they
    # are gone: with 55 t waiting, 55 -> 40 -> 25 -> 10 -> 0 (the fourth day serves 10 + 10).
    # (patience is a century, the longest allowed: a waiting tonne is cancelled at 1/36,500 a day,
    # about 0.01 t over the run)
    assert dry == 11
    assert lost.sum() == pytest.approx(5 * dry + 5 * 3, abs=0.02)
    assert requested.sum() == pytest.approx(400)  # demand counted once, however long it waits
    assert delivered.sum() == pytest.approx(400 - lost.sum())
    assert series(r, "buyers", "backorder_t").iloc[-1] == pytest.approx(0)
    assert r.kpis["unmet_demand_t"] == pytest.approx(lost.sum())


def test_backorders_wait_for_the_buyers_patience():
    patience, horizon = 20.0, 60
    w = late_supply(1.0, patience, horizon)  # no supply within the run: every tonne waits, a twentieth of it cancelled a day
    w["facilities"]["mine"]["commissioning"]["date"] = "2026-01-01"
    r = run_dict(w)
    backlog = 0.0
    for _ in range(horizon):  # by hand: cancelled first from what waited, then the day's demand joins
        backlog = backlog * (1 - 1 / patience) + 10
    assert series(r, "buyers", "backorder_t").iloc[-1] == pytest.approx(backlog, rel=1e-9)
    assert series(r, "buyers", "unmet_t").sum() == pytest.approx(10 * horizon - backlog, rel=1e-9)


def test_requested_is_delivered_lost_or_still_waiting():
    r = run_dict(late_supply(0.7, patience=15, horizon=13))
    waiting = series(r, "buyers", "backorder_t").iloc[-1]
    assert waiting > 0
    assert r.kpis["requested_t"] == pytest.approx(r.kpis["delivered_t"] + r.kpis["unmet_demand_t"] + waiting)


def cut_supplier(share: float = 1.0):
    """A buyer's shelf orders from a supplier's warehouse; the supplier's plant stops for 60 days."""
    w = base_world(240)
    w["facilities"] = {"plant": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}},
                                 "capacity": {"t_per_day": 15}, "cycle_days": 1}}
    w["links"] = {"lane": {"from": "plant", "to": "market", "materials": ["a"], "lead_time_days": 5, "dispatch_every_days": 7}}
    w["stocks"] = {"plant": {"a": {"initial_t": 0, "max_t": 120}},  # a week of output: the plant makes to order
                   "market": {"a": {"initial_t": 300, "target_cover_days": 30, "replenishment": {"review_days": 7, "smoothing": 0.3}}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    w["buyers"] = {"backorder_share": {}, "other_backorder_share": share, "patience_days": 365}
    w["policies"] = {"strike": {"kind": "outage", "facility": "plant", "start": "2025-03-01", "duration_days": 60}}
    return w


def test_forecasts_follow_what_was_wanted_not_what_was_delivered():
    r = run_dict(cut_supplier())
    forecast = series(r, "market", "forecast_t_per_day", material="a")
    delivered = series(r, "buyers", "delivered_t")
    strike = slice(59 + 30, 119)  # the shelf is empty for the second half of the strike
    assert delivered[strike].sum() < 0.2 * 10 * (119 - 89)
    assert forecast[strike].min() == pytest.approx(10, rel=0.05)


def test_after_a_shortage_buyers_restock_in_a_surge():
    r = run_dict(cut_supplier())
    ordered = series(r, "market", "ordered_t", material="a")
    assert ordered[20:59].sum() / 39 == pytest.approx(10, rel=0.1)  # before the strike: what is used
    assert ordered[59:119].sum() > 0.8 * 10 * 60  # during it: orders keep coming, for the backorders too
    made, shipped = series(r, "plant", "output_t"), series(r, "lane", "shipped_t")
    assert made[125:160].mean() == pytest.approx(15, rel=0.01)  # afterwards the plant runs flat out
    assert shipped[125:160].sum() > 1.3 * 10 * 35  # to refill the shelf and serve the backorders
    backlog = series(r, "buyers", "backorder_t")
    assert backlog.max() > 200
    assert backlog.iloc[-1] == pytest.approx(0, abs=1e-6)


def home_and_abroad(rule: str):
    """China makes 10 t/day; home buyers and an importer each want 10 t/day."""
    w = base_world(365)
    w["sites"] = {"china_hub": {"region": "china"}, "usa": {"region": "usa"}}
    w["facilities"] = {"plant": {"kind": "mine", "site": "china_hub", "recipe": {"outputs": {"a": 1}},
                                 "capacity": {"t_per_day": 10}, "cycle_days": 1}}
    w["links"] = {"lane": {"from": "china_hub", "to": "usa", "materials": ["a"], "lead_time_days": 10, "dispatch_every_days": 7}}
    w["stocks"] = {"china_hub": {"a": {"initial_t": 0}},
                   "usa": {"a": {"initial_t": 300, "target_cover_days": 30, "replenishment": {"review_days": 7}}}}
    w["demand"] = {"home": {"site": "china_hub", "material": "a", "end_use": "x", "t_per_day": 10},
                   "abroad": {"site": "usa", "material": "a", "end_use": "x", "t_per_day": 10}}
    w["buyers"]["home_and_export"] = rule
    return w


def test_home_and_export_buyers_share_a_shortage_pro_rata():
    fill = run_dict(home_and_abroad("pro_rata")).kpis["fill_rate_by_region"]
    assert fill["china"] == pytest.approx(0.5, abs=0.15)
    assert fill["usa"] == pytest.approx(0.5, abs=0.15)  # exports do not go first, nor last


def test_home_first_serves_home_buyers_before_exports():
    fill = run_dict(home_and_abroad("home_first")).kpis["fill_rate_by_region"]
    assert fill["china"] > 0.95
    assert fill["usa"] < 0.15  # what the opening shelf held


def two_grades(premium: bool, years: float = 3):
    """Buyers of a Dy-bearing grade and of an HRE-free grade; the Dy-bearing grade's price is set
    (cost_plus) from a Dy input whose stock drains, or not."""
    w = base_world(int(365 * years))
    w["materials"] |= {"dy": {}, "hre": {"elements": ["Dy"]}, "free": {}}
    w["stocks"] = {"market": {"dy": {"initial_t": 100 if premium else 1e6}, "hre": {"initial_t": 1e6}, "free": {"initial_t": 4e5}}}
    w["demand"] = {"dy_use": {"site": "market", "material": "dy", "end_use": "x", "t_per_day": 1},
                   "ev_hre": {"site": "market", "material": "hre", "end_use": "ev_traction", "t_per_day": 10},
                   "ev_free": {"site": "market", "material": "free", "end_use": "ev_traction", "t_per_day": 10},
                   "def_hre": {"site": "market", "material": "hre", "end_use": "defense", "t_per_day": 5},
                   "def_free": {"site": "market", "material": "free", "end_use": "defense", "t_per_day": 1}}
    w["markets"] = {"dy": {"material": "dy", "price_usd_per_kg": 300, "target_cover_days": 100},
                    "hre": {"material": "hre", "price_usd_per_kg": 50, "made_from": {"dy": 0.04}, "pricing": "cost_plus"},
                    "free": {"material": "free", "price_usd_per_kg": 40, "target_cover_days": 36_500}}  # ~its cover
    w["substitutions"] = {"thrift": {"from": "hre", "to": "free"}}  # 10%/yr, reach 0.5 for EVs, none for defence
    return w


def test_substitution_is_bounded_in_rate_and_reach():
    r = run_dict(two_grades(premium=True))
    moved = series(r, "ev_hre", "substituted_t_per_day")
    requested = {d: series(r, d, "requested_t") for d in ("ev_hre", "ev_free")}
    # the pair's demand is 20 t/day: at most 10% of it a year (2 t/day a year), at most half of the 10 t/day EV demand
    days = moved.index.to_numpy()
    assert (moved.to_numpy() <= 2.0 * (days + 1) / 365 + 2.0 * 30 / 365 + 1e-9).all()
    assert moved.iloc[-1] == pytest.approx(5.0)  # the reach, after about 2.5 years
    assert requested["ev_hre"].iloc[-1] == pytest.approx(5.0)
    assert requested["ev_hre"].iloc[-1] + requested["ev_free"].iloc[-1] == pytest.approx(20.0)  # demand moves, it is not lost
    assert series(r, "def_hre", "substituted_t_per_day").max() == 0  # defence cannot switch
    assert r.kpis["substituted_t_per_day_by_region"]["usa"] == pytest.approx(5.0)


def test_no_substitution_without_a_premium():
    r = run_dict(two_grades(premium=False, years=1))
    assert series(r, "ev_hre", "substituted_t_per_day").max() == 0


def hoarders(rise: float, fall: float = 0.0, draining: bool = True):
    """Importers order magnets up to 30 days of cover from an ample supplier; the magnet's price
    follows (cost plus) an input whose stock drains (the price climbs) or piles up (it falls)."""
    w = base_world(240)
    w["materials"] |= {"x": {}}
    w["facilities"] = {"plant": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}},
                                 "capacity": {"t_per_day": 100}, "cycle_days": 1}}
    if not draining:
        w["facilities"]["glut"] = {"kind": "mine", "site": "market", "recipe": {"outputs": {"x": 1}},
                                   "capacity": {"t_per_day": 20}, "cycle_days": 1}
    w["links"] = {"lane": {"from": "plant", "to": "market", "materials": ["a"], "lead_time_days": 5, "dispatch_every_days": 7}}
    w["stocks"] = {"plant": {"a": {"initial_t": 0, "max_t": 700}},
                   "market": {"a": {"initial_t": 300, "target_cover_days": 30, "replenishment": {"review_days": 7}},
                              "x": {"initial_t": 1000}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10},
                   "x_users": {"site": "market", "material": "x", "end_use": "x", "t_per_day": 5}}
    w["markets"] = {"x": {"material": "x", "price_usd_per_kg": 100, "target_cover_days": 200, "max_multiple": 4},
                    "a": {"material": "a", "price_usd_per_kg": 50, "made_from": {"x": 0.5}, "pricing": "cost_plus"}}
    w["buyers"]["precaution"] = {"cover_per_price_rise": rise, "cover_per_price_fall": fall, "window_days": 60, "adjust_days": 30}
    return w


def test_buyers_hoard_while_prices_rise():
    calm, wary = run_dict(hoarders(0.0)), run_dict(hoarders(1.0))
    price = series(wary, "a", "price_usd_per_kg")
    assert price.iloc[-1] > 1.5 * price.iloc[0]
    multiple = series(wary, "market", "cover_multiple", "a")
    assert multiple.max() > 1.3
    level = lambda r: series(r, "market", "level_t", "a")  # noqa: E731
    assert level(wary)[150:].mean() > 1.25 * level(calm)[150:].mean()
    assert series(calm, "market", "cover_multiple", "a").empty  # no precaution, no series


def test_buyers_run_stocks_down_while_prices_fall():
    calm, wary = run_dict(hoarders(0.0, draining=False)), run_dict(hoarders(0.0, fall=1.0, draining=False))
    assert series(wary, "a", "price_usd_per_kg").iloc[-1] < 0.8 * 50
    assert series(wary, "market", "cover_multiple", "a").min() < 0.85
    level = lambda r: series(r, "market", "level_t", "a")  # noqa: E731
    assert level(wary)[150:].mean() < 0.85 * level(calm)[150:].mean()


def test_thrifting_takes_demand_away_within_rate_and_reach():
    w = two_grades(premium=True, years=4)
    w["substitutions"] = {"thrift": {"from": "hre", "reach": {"ev_traction": 0.3}}}  # no 'to': less of it a product
    r = run_dict(w)
    moved = series(r, "ev_hre", "substituted_t_per_day")
    days = moved.index.to_numpy()
    assert (moved.to_numpy() <= 1.0 * (days + 1) / 365 + 1.0 * 30 / 365 + 1e-9).all()  # 10% of 10 t/day a year
    assert moved.iloc[-1] == pytest.approx(3.0)  # the reach: 30% of the EV demand
    assert series(r, "ev_hre", "requested_t").iloc[-1] == pytest.approx(7.0)
    assert series(r, "ev_free", "requested_t").iloc[-1] == pytest.approx(10.0)  # nothing moves to the other grade


def test_destocking_buyers_withdraw_orders_not_yet_shipped():
    """An importer orders 300 t (30 days of 10 t/day) from a supplier with nothing to ship. When its
    buyers stop buying, its forecast falls week by week and it withdraws what its position holds
    above 30 days of the new forecast: by hand, 300 - 30 x the last forecast in all."""
    def world(cancel: bool):
        w = base_world(120)
        w["stocks"] = {"plant": {"a": {"initial_t": 0}},
                       "market": {"a": {"initial_t": 0, "target_cover_days": 30,
                                        "replenishment": {"review_days": 7, "forecast_t_per_day": 10, "cancel_excess": cancel}}}}
        w["links"] = {"lane": {"from": "plant", "to": "market", "materials": ["a"], "lead_time_days": 5}}
        w["facilities"] = {"late": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10},
                                    "commissioning": {"date": "2026-01-01"}}}  # built after the run: nothing to ship
        w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10}}
        w["policies"] = {"stop": {"kind": "demand_shock", "multiplier": 0, "region": "usa", "start": "2025-02-01"}}
        return run_dict(w)
    keep, cancel = world(False), world(True)
    forecast = series(cancel, "market", "forecast_t_per_day", "a")
    assert forecast.iloc[-1] < 1.0  # the buyers stopped: the forecast fell towards nothing
    assert series(cancel, "market", "cancelled_t", "a").sum() == pytest.approx(300 - 30 * forecast.iloc[-1], rel=1e-6)
    assert series(cancel, "market", "ordered_t", "a").sum() == pytest.approx(300)
    assert series(keep, "market", "cancelled_t", "a").empty  # without the option, orders stand


def test_a_fill_rate_is_a_share_when_the_run_starts_with_a_backlog():
    """Nothing is made in a 10-day warm-up, so buyers carry 100 t of backorders into the run; then
    20 t/day serve them and the new 10 t/day. Deliveries of the old backlog count against it, so
    the fill rate is delivered over requested plus the backlog carried in, not over 1."""
    w = late_supply(1.0, horizon=40)
    w["meta"]["warmup_days"] = 10
    w["facilities"]["mine"]["commissioning"]["date"] = "2025-01-01"
    r = run_dict(w)
    delivered, requested = series(r, "buyers", "delivered_t").sum(), series(r, "buyers", "requested_t").sum()
    carried_in = 100.0  # 10 days of 10 t, less about 0.03 t cancelled over a century's patience
    assert requested == pytest.approx(400)
    assert delivered == pytest.approx(400 + carried_in, abs=0.1)  # every tonne served by the end
    assert r.kpis["fill_rate"] == pytest.approx(delivered / (requested + carried_in), abs=1e-3)
    assert r.kpis["fill_rate_by_region"]["usa"] <= 1.0
    assert r.kpis["fill_rate_by_region_material"]["usa"]["a"] <= 1.0


def test_a_window_that_starts_while_buyers_wait_owes_them_the_backlog_too():
    """Over days 5-39 of the late supply (no output before day 10), the window's fill rate is what
    was delivered in it over its requests plus the backlog waiting when it opened (by hand)."""
    import datetime as dt

    from sim.results.window import Window, cut

    r = run_dict(late_supply(1.0, horizon=40))
    part = cut(r, Window(dt.date(2025, 1, 6), dt.date(2025, 2, 9)))
    waiting = series(r, "buyers", "backorder_t")
    delivered = series(r, "buyers", "delivered_t").loc[5:39].sum()
    owed = series(r, "buyers", "requested_t").loc[5:39].sum() + waiting.loc[4]
    assert waiting.loc[4] == pytest.approx(50, abs=0.1)  # five dry days of 10 t
    assert delivered > series(r, "buyers", "requested_t").loc[5:39].sum()  # the old formula's share above 1
    assert part.kpis["fill_rate"] == pytest.approx(delivered / owed, rel=1e-3)
    assert part.kpis["fill_rate"] <= 1.0
