"""Supply that grows (issue 20): plants expand after their trigger has held, once their build time
has run, within a region's ceiling; plants drawing one short input share it pro rata to their
needs. Each on a small chain against a hand calculation."""

import math

import pytest

from conftest import base_world, run_dict, series, totals
from sim.scenario import scenario_from_dict
from sim.scenario.errors import InputError


def growing_chain(feed=100.0, horizon=500):
    """A mine feeding a metal plant of 50 t/day whose rule adds 20% after 200 days; the warm-up
    (120 days, four reviews) leaves a full window of steady running before the start date."""
    w = base_world(horizon)
    w["meta"]["warmup_days"] = 120
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": feed}},
        "s1": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"a": 1}, "outputs": {"b": 1}},
               "capacity": {"t_per_day": 50}, "yield": 1, "cycle_days": 1},
    }
    # b's buyers want more than the plant makes, so its product finds buyers (nothing piles up)
    # and its price stands high: the margin the rule's scarcity step waits for
    w["demand"] = {"buyers": {"site": "plant", "material": "b", "end_use": "other", "t_per_day": 70}}
    w["markets"] = {"b": {"material": "b", "price_usd_per_kg": 10, "target_cover_days": 10}}
    w["investment"] = {
        "enabled": True, "review_days": 30,
        "rules": {"metal": {"stages": ["metal"], "trigger_utilisation": 0.9, "window_days": 60,
                            "step_pct": 20, "build_time_days": 200, "max_multiple": 1.2,
                            "feed_backlog_days": 36500}},  # the feed piles up here: this chain tests utilisation
    }
    return w


def test_a_plant_run_full_expands_once_its_build_time_has_run():
    r = run_dict(growing_chain())
    cap = series(r, "s1", "capacity_t_per_day")
    made = series(r, "s1", "output_t")
    # the first review on the start date finds it full; 200 days later it has 20% more
    assert cap.loc[199] == pytest.approx(50)
    assert cap.loc[200] == pytest.approx(60)
    assert made.loc[20:190].mean() == pytest.approx(50, rel=0.01)
    assert made.loc[210:490].mean() == pytest.approx(60, rel=0.01)
    assert r.run["expansions"] == 1  # max_multiple 1.2: one step and no more


def test_without_a_price_signal_or_demand_growth_a_full_plant_does_not_build():
    w = growing_chain()
    w["markets"] = {}
    assert series(run_dict(w), "s1", "capacity_t_per_day").max() == pytest.approx(50)


def test_a_plant_short_of_feed_does_not_expand():
    r = run_dict(growing_chain(feed=25.0))  # 50% utilised, below the 90% trigger
    assert series(r, "s1", "capacity_t_per_day").max() == pytest.approx(50)
    assert r.run["expansions"] == 0


def test_nothing_is_decided_in_the_warm_up():
    w = growing_chain()
    w["meta"]["warmup_days"] = 300  # full all through the warm-up: still the decision waits for day 0
    r = run_dict(w)
    assert series(r, "s1", "capacity_t_per_day").loc[199] == pytest.approx(50)
    assert series(r, "s1", "capacity_t_per_day").loc[200] == pytest.approx(60)


def test_a_plant_whose_feed_piles_up_builds_whatever_the_price():
    w = glut_signal(growing_chain())
    w["investment"]["rules"]["metal"]["feed_backlog_days"] = 30
    # the signal is at its floor, but 50 t/day of feed pile up at the plant's door: once 30 days of
    # its need (1,500 t) wait, by day 30 of the warm-up, a review decides; on the start date the
    # first decision is taken, and 200 days on the plant has 20% more
    r = run_dict(w)
    cap = series(r, "s1", "capacity_t_per_day")
    assert cap.max() == pytest.approx(60)
    assert cap.loc[199] == pytest.approx(50) and cap.loc[200] == pytest.approx(60)


def test_a_ceiling_caps_the_region_stage():
    w = growing_chain()
    w["investment"]["ceilings"] = {"quota": {"region": "china", "stage": "metal", "t_per_year": 55 * 365, "year": 2025}}
    r = run_dict(w)
    assert series(r, "s1", "capacity_t_per_day").max() == pytest.approx(55)


def test_a_ceiling_that_grows_lets_the_plant_grow_with_it():
    w = growing_chain(horizon=900)
    w["investment"]["rules"]["metal"]["max_multiple"] = 3
    w["investment"]["rules"]["metal"]["max_pending_pct"] = 100
    # 50 t/day in 2025, +10%/yr: 55 in 2026 and 60.5 in 2027, so capacity online by day 900
    # (decided by day 700, mid-2026: cap 52.4) stays below the 2026-27 path
    w["investment"]["ceilings"] = {"quota": {"region": "china", "stage": "metal", "t_per_year": 50 * 365, "year": 2025,
                                             "growth_pct_per_year": 10}}
    r = run_dict(w)
    cap = series(r, "s1", "capacity_t_per_day")
    assert 50 < cap.iloc[-1] <= 50 * 1.1 ** (700 / 365) + 1e-6


def glut_signal(w: dict) -> dict:
    """The rule reads its signal from a market of c, held in a glut (its price at the floor)."""
    w["stocks"] = {"plant": {"c": {"initial_t": 1e6}}}
    w["demand"]["c_buyers"] = {"site": "plant", "material": "c", "end_use": "other", "t_per_day": 1}
    w["markets"] = {"c": {"material": "c", "price_usd_per_kg": 10, "target_cover_days": 30, "min_multiple": 0.25}}
    w["investment"]["rules"]["metal"]["signal_market"] = "c"
    return w


def test_a_price_below_its_mark_holds_the_build_back():
    r = run_dict(glut_signal(growing_chain()))
    assert series(r, "c", "price_usd_per_kg").iloc[-1] == pytest.approx(2.5)
    assert series(r, "s1", "capacity_t_per_day").max() == pytest.approx(50)


def test_a_product_that_piles_up_holds_the_build_back():
    w = growing_chain()
    w["demand"]["buyers"]["t_per_day"] = 10  # b piles up at the plant: 40 t/day more than wanted
    assert series(run_dict(w), "s1", "capacity_t_per_day").max() == pytest.approx(50)


def test_an_expansion_rule_naming_an_unknown_market_is_refused():
    w = growing_chain()
    w["investment"]["rules"]["metal"]["signal_market"] = "ndpr_oxyde"
    with pytest.raises(InputError, match="unknown market 'ndpr_oxyde'"):
        scenario_from_dict(w)


def test_investment_enabled_without_rules_is_refused():
    w = growing_chain()
    w["investment"]["rules"] = {}
    with pytest.raises(InputError, match="no rules"):
        scenario_from_dict(w)


def test_two_plants_share_a_short_input_pro_rata_to_their_needs():
    """A mine makes 20 t/day; plant p1 can use 30 and p2 10 a day. Pro rata: 15 and 5."""
    w = base_world(400)
    w["meta"]["warmup_days"] = 30
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 20}},
        "p1": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"a": 1}, "outputs": {"b": 1}},
               "capacity": {"t_per_day": 30}, "yield": 1, "cycle_days": 1},
        "p2": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"a": 1}, "outputs": {"c": 1}},
               "capacity": {"t_per_day": 10}, "yield": 1, "cycle_days": 1},
    }
    r = run_dict(w)
    t = totals(r)
    days = r.run["horizon_days"]
    assert t[("p1", "", "output_t")] / days == pytest.approx(15, rel=0.03)
    assert t[("p2", "", "output_t")] / days == pytest.approx(5, rel=0.03)


def test_a_plant_builds_ahead_of_the_demand_it_follows():
    """Demand for b grows 20% a year, reaching 50 t/day (the plant's capacity) on the start date, with
    no price signal. On the start date (over a year of history) the plant builds to run at its
    trigger on its throughput 200 days on, 50 x 1.2^(200/365) / 0.9 = 61.39 t/day; then, while it
    runs full, its plan grows with the demand, 1.2^(30/365) a review. (Demand is taken daily, so half-year windows hold whole periods; each
    half-year's mean stands for its middle, which a steady exponential growth bends by ~0.1%.)"""
    w = growing_chain(horizon=300)
    w["meta"]["warmup_days"] = 400  # reviews from day -390: a year of demand before the start date
    w["markets"] = {}
    w["demand"]["buyers"].update({"t_per_day": 50, "growth_pct_per_year": 20, "period_days": 1})
    w["investment"]["rules"]["metal"].update({"follows_demand_of": ["b"], "max_multiple": 3})
    r = run_dict(w)
    cap = series(r, "s1", "capacity_t_per_day")
    first = 50 * 1.2 ** (200 / 365) / 0.9
    assert cap.loc[199] == pytest.approx(50)
    assert cap.loc[200] == pytest.approx(first, rel=5e-3)
    assert cap.loc[230] == pytest.approx(first * 1.2 ** (30 / 365), rel=5e-3)


@pytest.mark.parametrize("demand, builds", [(42.5, True), (40.0, False)])
def test_a_plant_below_its_trigger_builds_when_growth_will_fill_it_by_the_builds_end(demand, builds):
    """Demand for b grows 20% a year; the 50 t/day plant, making to what is wanted, runs at about
    85% (or 80%) on the start date. In the 200 days a build takes, 20% a year grows it
    1.2^(200/365) = 1.105 times, to 93% of capacity, past the 90% trigger: it builds now, to run at
    the trigger on its throughput over the 60-day window (the mean of 42.5 x 1.2^(t/365) over the
    last 60 days, 41.87 t/day) grown 1.105 times: 41.87 x 1.105 / 0.9 = 51.41 t/day. From 80% it
    would reach 87%, short of the trigger, and nothing is built on the start date."""
    w = growing_chain(horizon=201)
    w["meta"]["warmup_days"] = 400
    w["stocks"] = {"plant": {"b": {"initial_t": 0, "max_cover_days": 5}}}  # made to what is wanted
    w["markets"] = {}
    w["demand"]["buyers"].update({"t_per_day": demand, "growth_pct_per_year": 20, "period_days": 1})
    w["investment"]["rules"]["metal"].update({"follows_demand_of": ["b"], "max_multiple": 3})
    r = run_dict(w)
    cap = series(r, "s1", "capacity_t_per_day")
    if builds:
        window_mean = 42.5 * (1 - 1.2 ** (-60 / 365)) / (60 / 365 * math.log(1.2))
        assert cap.loc[200] == pytest.approx(window_mean * 1.2 ** (200 / 365) / 0.9, rel=5e-3)
    else:
        assert cap.loc[200] == pytest.approx(50)


def test_utilisation_is_read_against_the_capacity_the_plant_had_each_day():
    """The plant runs full at 50 t/day for 200 days, then at 60: against the capacity it had it used
    all of it (against its first 50 t/day it would read 60 x 300 + 50 x 200 over 50 x 500 = 112%)."""
    r = run_dict(growing_chain())
    assert r.kpis["utilisation_by_facility"]["s1"] == pytest.approx(1.0, abs=0.01)
    row = r.summary().set_index("entity").loc["s1"]
    assert row["utilisation"] == pytest.approx(1.0, abs=0.01)
