"""Capacity, bottlenecks, lead times and replenishment on small chains, against hand calculations."""

import pytest

from conftest import base_world, run_dict, totals
from sim.engine.world import World
from sim.scenario import scenario_from_dict


def four_stage_chain(caps=(50, 30, 40, 60), horizon=730):
    w = base_world(horizon)
    w["meta"]["warmup_days"] = 60
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": caps[0]}},
        "s1": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"a": 1}, "outputs": {"b": 1}},
               "capacity": {"t_per_day": caps[1]}, "yield": 1},
        "s2": {"kind": "alloy_plant", "site": "plant", "recipe": {"inputs": {"b": 1}, "outputs": {"c": 1}},
               "capacity": {"t_per_day": caps[2]}, "yield": 1},
        "s3": {"kind": "magnet_plant", "site": "plant", "recipe": {"inputs": {"c": 1}, "outputs": {"d": 1}},
               "capacity": {"t_per_day": caps[3]}, "yield": 1},
    }
    return w


def end_rate(result):
    return totals(result)[("s3", "", "output_t")] / result.run["horizon_days"]


def test_throughput_equals_slowest_stage():
    assert end_rate(run_dict(four_stage_chain())) == pytest.approx(30, rel=0.01)


def test_raising_a_non_bottleneck_changes_nothing():
    base = end_rate(run_dict(four_stage_chain()))
    wider = end_rate(run_dict(four_stage_chain(), ["facilities.s3.capacity.t_per_day=200", "facilities.mine.capacity.t_per_day=90"]))
    assert wider == pytest.approx(base, rel=0.005)


def test_raising_the_bottleneck_moves_it():
    # s1 from 30 to 45: the next bottleneck is s2 at 40
    assert end_rate(run_dict(four_stage_chain(), ["facilities.s1.capacity.t_per_day=45"])) == pytest.approx(40, rel=0.01)


def test_units_times_rate_capacity_and_yield():
    w = four_stage_chain(caps=(100, 100, 100, 100))
    w["facilities"]["s3"]["capacity"] = {"units": 10, "t_per_unit_per_day": 2.5}  # 25 t/day of output
    w["facilities"]["s3"]["yield"] = 0.8
    w["facilities"]["s2"]["capacity"] = {"t_per_day": 100, "basis": "input"}
    r = run_dict(w)
    t = totals(r)
    days = r.run["horizon_days"]
    assert t[("s3", "", "output_t")] / days == pytest.approx(25, rel=0.01)
    # yield loss is counted: input = output / yield
    assert t[("s3", "c", "consumed_t")] / days == pytest.approx(25 / 0.8, rel=0.01)


def two_stage(lead=5.0, review=7, cover=30, demand=10.0, initial=300.0, noise=0.0, horizon=70, smoothing=0.3):
    w = base_world(horizon)
    w["stocks"] = {
        "plant": {"a": {"initial_t": 1e6}},
        "market": {"a": {"initial_t": initial, "target_cover_days": cover,
                         "replenishment": {"kind": "order_up_to", "review_days": review, "smoothing": smoothing,
                                           "forecast_t_per_day": demand}}},
    }
    w["links"] = {"lane": {"from": "plant", "to": "market", "materials": ["a"], "lead_time_days": lead,
                           "dispatch_every_days": 1}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": demand,
                              "period_days": 7, "noise_cv": noise}}
    return w


def test_order_up_to_with_lead_time_matches_hand_calculation():
    """Demand 10 t/day taken weekly (70 t), S = 30 days x 10 = 300 t, lead time 5 days.

    Each review orders what the week took (70 t); it lands 5 days later. On hand is 230 t from the
    weekly draw until the arrival on day 5 of each week, then 300 t again."""
    r = run_dict(two_stage())
    ts = r.timeseries
    level = ts[(ts["entity"] == "market") & (ts["variable"] == "level_t")].set_index("day")["value"]
    orders = ts[(ts["entity"] == "market") & (ts["variable"] == "ordered_t")].set_index("day")["value"]
    shipped = ts[(ts["entity"] == "lane") & (ts["variable"] == "shipped_t")].set_index("day")["value"]
    for week in range(10):
        d = 7 * week
        assert orders[d] == pytest.approx(70)
        assert shipped[d] == pytest.approx(70)
        assert all(level[d + k] == pytest.approx(230) for k in range(0, 4))
        assert all(level[d + k] == pytest.approx(300) for k in range(5, 7))
    assert r.kpis["fill_rate"] == 1.0


def test_longer_lead_time_delays_arrival_by_the_difference():
    short = run_dict(two_stage(lead=5))
    long = run_dict(two_stage(lead=12, cover=40, initial=400))
    def first_rise(r):
        ts = r.timeseries
        level = ts[(ts["entity"] == "market") & (ts["variable"] == "level_t")]["value"].to_numpy()
        return next(i for i in range(1, len(level)) if level[i] > level[i - 1])
    assert first_rise(long) - first_rise(short) == 7


def test_a_bullwhip_is_possible():
    """Noisy demand, order-up-to with a smoothed forecast and a lead time: orders swing more than demand."""
    r = run_dict(two_stage(lead=14, cover=35, noise=0.2, horizon=3 * 365, initial=350, smoothing=0.5))
    ts = r.timeseries
    weekly = lambda var, ent: ts[(ts["entity"] == ent) & (ts["variable"] == var)].groupby(ts["day"] // 7)["value"].sum()  # noqa: E731
    demand = weekly("requested_t", "buyers")
    orders = weekly("ordered_t", "market")
    assert orders.iloc[4:].var() > 1.5 * demand.iloc[4:].var()


def test_a_starved_plant_runs_at_most_one_campaign_a_day_and_loses_nothing():
    """Feed arriving every few hours at a plant with spare capacity: the day's arrivals are run
    together (at most one campaign a day), and over the run the plant makes what it was fed."""
    w = base_world(200)
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "mine", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10}, "cycle_days": 0.25},
        "plant": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"a": 1}, "outputs": {"b": 1}},
                  "capacity": {"t_per_day": 40, "basis": "input"}, "yield": 1, "cycle_days": 7},
    }
    w["links"] = {"ore": {"from": "mine", "to": "plant", "materials": ["a"], "mode": "push", "dispatch_every_days": 0.25,
                          "lead_time_days": 1}}
    world = World(scenario_from_dict(w).scenario)
    out = world.run()
    assert world.facilities["mine"].campaigns > 700  # four a day
    assert world.facilities["plant"].campaigns <= 200 + 1  # not one per arrival
    made = sum(out.daily[i].sum() for i, k in enumerate(out.keys) if k.entity == "plant" and k.variable == "output_t")
    fed = sum(out.daily[i].sum() for i, k in enumerate(out.keys) if k.entity == "ore" and k.variable == "shipped_t")
    assert fed - 20 <= made <= fed + 1e-9  # all but the last day at sea and the last day's batch
