"""Each policy kind moves the world in the right direction and by the amount a hand calculation gives."""

import datetime as dt

import pytest

from conftest import base_world, run_dict, series, totals, two_supplier_world


def export_world(horizon=365, every=7.0, lead=5.0):
    """Plenty in China; a push lane to the US; US buyers want 20 t/day."""
    w = base_world(horizon)
    w["materials"]["dy"] = {"elements": ["Dy"]}
    w["stocks"] = {"plant": {"dy": {"initial_t": 1e6}}}
    w["links"] = {"cn_us": {"from": "plant", "to": "market", "materials": ["dy"], "mode": "push", "share": 1.0,
                            "capacity_t_per_day": 10, "dispatch_every_days": every, "lead_time_days": lead}}
    w["demand"] = {"us": {"site": "market", "material": "dy", "end_use": "magnets", "t_per_day": 20}}
    return w


def test_quota_caps_exports_at_exactly_the_quota():
    w = export_world()
    w["policies"] = {"q": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "quota",
                           "quota_t_per_year": 1000, "start": "2025-01-01"}}
    shipped = series(run_dict(w), "cn_us", "shipped_t").sum()
    assert shipped == pytest.approx(1000)  # 2 x 500 t batches (1 Jan, 1 Jul), far below the lane's 3,650 t



def test_one_quota_caps_every_material_a_lane_carries_together():
    """Dy and Tb share one pool: the lane must not plan each against the whole of it."""
    w = export_world()
    w["materials"]["tb"] = {"elements": ["Tb"]}
    w["stocks"]["plant"]["tb"] = {"initial_t": 1e6}
    w["links"]["cn_us"]["materials"] = ["dy", "tb"]
    w["links"]["cn_us"].pop("capacity_t_per_day")
    w["demand"]["us_tb"] = {"site": "market", "material": "tb", "end_use": "magnets", "t_per_day": 20}
    w["policies"] = {"q": {"kind": "export_control", "from": "china", "elements": ["Dy", "Tb"], "mode": "quota",
                           "quota_t_per_year": 1000, "start": "2025-01-01"}}
    shipped = series(run_dict(w), "cn_us", "shipped_t").sum()
    assert shipped == pytest.approx(1000)

def test_a_leaking_quota_lets_smuggled_tonnes_past_at_their_rate():
    """A 1,000 t quota leaking 730 t a year (2 t/day, banked at most 30 days) on a lane carrying
    70 t a weekly sailing. Each half's 500 t fill the sailings until day 49 (231 in July), which
    also takes the 60 t banked; then 14 t a sailing leak until the next batch: 18 sailings from
    day 56 to 175 and 19 from day 238 to 364. Smuggled: 2 x 60 + 37 x 14 = 638 t."""
    w = export_world()
    w["policies"] = {"q": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "quota",
                           "quota_t_per_year": 1000, "leakage_t_per_year": 730, "start": "2025-01-01"}}
    r = run_dict(w)
    shipped, smuggled = series(r, "cn_us", "shipped_t"), series(r, "cn_us", "smuggled_t")
    assert shipped.sum() - smuggled.sum() == pytest.approx(1000)  # the quota, to the tonne
    assert smuggled.sum() == pytest.approx(638)
    assert r.kpis["policies"]["q"]["smuggled_t"] == pytest.approx(smuggled.sum())


def test_a_leaking_ban_lets_only_the_leak_past():
    w = export_world(every=7)
    w["policies"] = {"ban": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "ban",
                             "leakage_t_per_year": 365, "start": "2025-01-01"}}
    r = run_dict(w)
    shipped, smuggled = series(r, "cn_us", "shipped_t"), series(r, "cn_us", "smuggled_t")
    assert shipped.sum() == pytest.approx(smuggled.sum())
    assert shipped[7:].groupby(shipped[7:].index // 7).sum().max() <= 7 + 1e-6  # a week's leak a sailing
    assert smuggled.sum() == pytest.approx(364, abs=7.5)


def test_quota_batches_are_released_on_their_dates():
    w = export_world()
    w["policies"] = {"q": {"kind": "export_control", "from": "china", "materials": ["dy"], "mode": "quota",
                           "quota_batches": [{"date": "2025-01-01", "t": 300}, {"date": "2025-09-01", "t": 200}]}}
    shipped = series(run_dict(w), "cn_us", "shipped_t")
    assert shipped[:243].sum() == pytest.approx(300)
    assert shipped[243:].sum() == pytest.approx(200)


def test_ban_stops_flows_from_the_next_shipment_and_lifts():
    w = export_world(every=7)
    w["policies"] = {"ban": {"kind": "export_control", "from": "china", "to": ["usa"], "elements": ["Dy"],
                             "mode": "ban", "start": "2025-02-20", "end": "2025-05-01"}}
    shipped = series(run_dict(w), "cn_us", "shipped_t")
    days = shipped[shipped > 0].index
    assert max(d for d in days if d < 50) == 49  # weekly sailings on days 0, 7, ..., 49
    assert not any(50 <= d < 120 for d in days)  # 20 Feb (day 50) to 1 May (day 120)
    assert min(d for d in days if d >= 120) == 120


def test_a_suspended_ban_lets_goods_through_during_its_suspension_only():
    """A ban from 1 January with a suspension from 20 February (day 50) to 1 May (day 120): the
    lane, idle under the ban, sails the day the suspension begins and weekly from then (days 50,
    57, ..., 113), and not again once the ban applies again; the log says when."""
    w = export_world(every=7)
    w["policies"] = {"ban": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "ban",
                             "start": "2025-01-01", "suspended": [{"from": "2025-02-20", "to": "2025-05-01"}]}}
    r = run_dict(w)
    shipped = series(r, "cn_us", "shipped_t")
    days = list(shipped[shipped > 0].index)
    assert days == list(range(50, 120, 7))
    events = r.policy_events
    assert list(events[events["policy"] == "ban"]["event"]) == ["start", "suspended", "resumed"]


def test_a_suspension_outside_the_span_or_out_of_order_is_refused():
    from sim.scenario.loader import scenario_from_dict

    for windows, said in (([{"from": "2024-12-01", "to": "2025-02-01"}], "on or after start"),
                          ([{"from": "2025-03-01", "to": "2025-04-01"}, {"from": "2025-02-01", "to": "2025-03-15"}], "date order"),
                          ([{"from": "2025-03-01", "to": "2025-03-01"}], "to must come after from")):
        w = export_world()
        w["policies"] = {"ban": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "ban",
                                 "start": "2025-01-01", "suspended": windows}}
        with pytest.raises(Exception, match=said):
            scenario_from_dict(w)


def test_exempt_destinations_and_materials_are_not_controlled():
    free = series(run_dict(export_world()), "cn_us", "shipped_t").sum()
    assert free == pytest.approx(53 * 70)  # 10 t/day, sailing weekly on days 0..364
    for exempt in ({"exempt_regions": ["usa"]}, {"exempt_materials": ["dy"]}):
        w = export_world()
        w["policies"] = {"ban": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "ban", **exempt}}
        assert series(run_dict(w), "cn_us", "shipped_t").sum() == pytest.approx(free)


def licence_world(delay_working_days: float, probability: float, horizon=365):
    w = export_world(horizon, every=7, lead=5)
    w["policies"] = {"lic": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "licence",
                             "licence": {"processing_working_days": delay_working_days,
                                         "approval": [{"from": "2024-01-01", "probability": probability}]}}}
    return w


def first_arrival(result):
    level = series(result, "market", "level_t", "dy")
    return next(d for d in level.index if level[d] > 0)


def test_licence_delay_shifts_arrivals_by_the_delay():
    free = run_dict(export_world())
    licensed = run_dict(licence_world(10, 1.0))
    # 10 working days = 14 calendar days
    assert first_arrival(licensed) - first_arrival(free) == 14
    assert licensed.run["licence_denied_t"] == 0


def test_licence_refusals_follow_the_approval_rate():
    r = run_dict(licence_world(5, 0.25, horizon=2000))
    shipped = series(r, "cn_us", "shipped_t").sum()  # every application, refused ones re-apply
    denied = r.run["licence_denied_t"]
    assert denied / shipped == pytest.approx(0.75, abs=0.05)


def routed_licence_world(routes):
    """The licence world with a second lane, to a Japanese buyer, and a third, to a defence
    integrator's site in the US; the standard licence takes 10 working days (14 calendar days)."""
    w = licence_world(10, 1.0)
    w["regions"]["japan"] = {}
    w["sites"]["jp"] = {"region": "japan"}
    w["sites"]["us_defense"] = {"region": "usa"}
    w["links"]["cn_us"]["share"] = 1 / 3
    for lid, to in (("cn_jp", "jp"), ("cn_def", "us_defense")):
        w["links"][lid] = {**w["links"]["cn_us"], "to": to}
        w["demand"][lid] = {"site": to, "material": "dy", "end_use": "magnets", "t_per_day": 20}
    w["policies"]["lic"]["routes"] = routes
    return w


def first_at(result, site):
    level = series(result, site, "level_t", "dy")
    return next(d for d in level.index if level[d] > 0)


def test_a_general_licence_is_faster_and_military_end_users_are_denied():
    """Japan holds a general licence (5 working days = 7 calendar days, always approved); the
    defence integrator's site is denied. The standard licence still takes 14 days to the US."""
    free = run_dict(routed_licence_world([]) | {"policies": {}})
    r = run_dict(routed_licence_world([
        {"name": "general licence", "to": ["japan"], "processing_working_days": 5, "approval": [{"from": "2024-01-01", "probability": 1.0}]},
        {"name": "military end users", "sites": ["us_defense"], "processing_working_days": 10,
         "approval": [{"from": "2024-01-01", "probability": 0.0}]}]))
    assert first_at(r, "market") - first_at(free, "market") == 14
    assert first_at(r, "jp") - first_at(free, "jp") == 7
    assert series(r, "us_defense", "level_t", "dy").max() == 0
    applied = series(r, "cn_def", "shipped_t")  # each application (refused ones re-apply), decided 14 days on
    assert r.kpis["policies"]["lic"]["licence_denied_t"] == pytest.approx(applied[applied.index + 14 < 365].sum())


def test_routes_belong_to_licences_and_name_where_they_apply():
    from sim.scenario.loader import scenario_from_dict

    terms = {"processing_working_days": 5, "approval": [{"from": "2024-01-01", "probability": 1.0}]}
    w = routed_licence_world([terms])
    with pytest.raises(Exception, match="regions .to. or sites"):
        scenario_from_dict(w)
    w = export_world()
    w["policies"] = {"ban": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "ban",
                             "routes": [{**terms, "to": ["usa"]}]}}
    with pytest.raises(Exception, match="licence mode only"):
        scenario_from_dict(w)


def draining_market(horizon=120):
    w = base_world(horizon)
    w["stocks"] = {"market": {"a": {"initial_t": 1000}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    return w


def test_a_trigger_fires_on_the_day_its_condition_first_holds():
    w = draining_market()
    w["policies"] = {"panic": {"kind": "demand_shock", "multiplier": 2.0,
                               "when": {"quantity": "stock_t", "site": "market", "material": "a", "below": 500}}}
    r = run_dict(w)
    level = series(r, "market", "level_t", "a")
    first = next(d for d in level.index if level[d] < 500)
    (event,) = [e for _, e in r.policy_events.iterrows() if e["policy"] == "panic"]
    assert event["day"] == first == 50
    req = series(r, "buyers", "requested_t")
    assert req[first + 1] == pytest.approx(2 * req[first - 1])


def test_release_condition_ends_a_policy():
    w = draining_market()
    w["policies"] = {"cut": {"kind": "demand_shock", "multiplier": 0.5, "start": "2025-01-11",
                             "release_when": {"quantity": "stock_t", "site": "market", "material": "a", "below": 800}}}
    r = run_dict(w)
    ev = {e["event"]: e["day"] for _, e in r.policy_events.iterrows() if e["policy"] == "cut"}
    assert ev["start"] == 10
    level = series(r, "market", "level_t", "a")
    assert ev["end"] == next(d for d in level.index if level[d] < 800)


def supply_cut(stockpile: bool):
    w = base_world(200)
    w["facilities"] = {"mine": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}},
                                "capacity": {"t_per_day": 12}, "cycle_days": 1}}
    w["stocks"] = {"market": {"a": {"initial_t": 100}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    w["policies"] = {"strike": {"kind": "outage", "facility": "mine", "start": "2025-03-01", "duration_days": 60}}
    if stockpile:
        w["policies"]["reserve"] = {"kind": "stockpile", "site": "market", "material": "a", "size_t": 400,
                                    "initial_t": 400, "release_t_per_day": 8,
                                    "release_when": {"quantity": "fill_rate", "region": "usa", "below": 0.99}}
    return w


def test_outage_stops_a_plant_for_its_duration():
    r = run_dict(supply_cut(False))
    out = series(r, "mine", "output_t")
    assert out[59:119].sum() == 0  # 1 March is day 59
    assert out[130:].mean() == pytest.approx(12)


def test_stockpile_release_lowers_the_peak_shortage():
    without, with_ = run_dict(supply_cut(False)), run_dict(supply_cut(True))
    peak = lambda r: series(r, "buyers", "unmet_t").rolling(7).sum().max()  # noqa: E731
    assert peak(with_) < 0.5 * peak(without)
    assert with_.kpis["unmet_demand_t"] < without.kpis["unmet_demand_t"] - 300
    assert with_.run["stockpile_released_t"] == pytest.approx(400)


def new_plant(slip_probability=0.0):
    w = base_world(900)
    w["policies"] = {"new_mine": {
        "kind": "capacity_addition", "announced": "2025-01-01", "build_time_days": 200,
        "slip_probability": slip_probability, "slip_days": 365, "ramp_up_days": 0, "capex_musd": 120,
        "facility": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 5}, "cycle_days": 1},
    }}
    return w


@pytest.mark.parametrize("slip, online", [(0.0, 200), (1.0, 565)])
def test_capacity_addition_comes_online_after_build_time_and_slip(slip, online):
    r = run_dict(new_plant(slip))
    out = series(r, "new_mine", "output_t")
    assert out[:online].sum() == 0 and out[online] == pytest.approx(5)
    assert r.entities.set_index("entity").loc["new_mine", "capex_musd"] == 120



def responding_plant(price_climbs: bool):
    """A market drains (its price climbs) or not; a mine project goes ahead once the price stands
    above 1.5 times its reference, and is built in 200 days."""
    w = base_world(600)
    w["stocks"] = {"market": {"a": {"initial_t": 1000 if price_climbs else 1e6}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10}}
    w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 50, "target_cover_days": 100, "update_days": 7}}
    w["policies"] = {"restart": {
        "kind": "capacity_addition", "announced": "2025-01-01", "build_time_days": 200, "ramp_up_days": 0,
        "when": {"quantity": "price_usd_per_kg", "market": "a", "above": 75},
        "facility": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 12}, "cycle_days": 1},
    }}
    return w


def test_supply_responds_to_a_high_price_after_its_build_time():
    r = run_dict(responding_plant(True))
    price, out = series(r, "a", "price_usd_per_kg"), series(r, "restart", "output_t")
    crossed = int((price > 75).idxmax())  # by hand: cover 1000 - 10 t a day falls below 100/1.5 days ...
    go = r.kpis["policies"]["restart"]["go_ahead_day"]
    assert crossed <= go <= crossed + 7  # ... and the weekly review sees it within a week
    assert r.kpis["policies"]["restart"]["online_day"] == go + 200
    assert out[: int(go) + 200].sum() == 0 and out[int(go) + 201:].mean() == pytest.approx(12)
    events = r.policy_events
    assert events[events["policy"] == "restart"]["event"].tolist() == ["goes ahead", "comes online"]


def test_no_response_while_the_price_stays_low():
    r = run_dict(responding_plant(False))
    assert series(r, "restart", "output_t").sum() == 0
    assert "online_day" not in r.kpis["policies"]["restart"]

def test_production_quota_caps_output():
    w = base_world(365)
    w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 100}}}
    w["policies"] = {"quota": {"kind": "production_quota", "facilities": ["mine"], "t_per_year": 20000}}
    assert totals(run_dict(w))[("mine", "", "output_t")] == pytest.approx(20000)


def test_closure_is_permanent():
    w = base_world(200)
    w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10}, "cycle_days": 1}}
    w["policies"] = {"shut": {"kind": "closure", "facility": "mine", "start": "2025-04-11"}}
    out = series(run_dict(w), "mine", "output_t")
    assert out[:100].sum() == pytest.approx(1000) and out[100:].sum() == 0


def tariff_world(rate):
    w = two_supplier_world(365, "eu", "eu")
    w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 10}}
    w["policies"] = {"duty": {"kind": "tariff", "link": "from_china", "rate_pct": rate}}
    return w


def test_tariff_shifts_orders_to_the_untaxed_supplier():
    t0, t1 = totals(run_dict(tariff_world(0))), totals(run_dict(tariff_world(25)))
    share = lambda t: t[("from_china", "a", "shipped_t")] / (t[("from_china", "a", "shipped_t")] + t[("from_eu", "a", "shipped_t")])  # noqa: E731
    assert share(t0) == pytest.approx(0.5, abs=0.01)
    # weight ~ landed price ^ -4: 1.25^-4 = 0.41, so China gets 0.41 / 1.41 = 29%
    assert share(t1) == pytest.approx(1.25**-4 / (1 + 1.25**-4), abs=0.02)


def squeeze_world(floor: bool):
    w = base_world(730)
    w["facilities"] = {"refiner": {"kind": "separation_plant", "site": "market", "recipe": {"outputs": {"a": 1}},
                                   "capacity": {"t_per_day": 10}, "cycle_days": 7, "unit_cost_usd_per_t": 50_000}}
    w["stocks"] = {"market": {"a": {"initial_t": 0}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10}}
    w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 40, "min_multiple": 1, "max_multiple": 1}}
    if floor:
        w["policies"] = {"floor": {"kind": "price_floor", "facilities": ["refiner"], "material": "a", "floor_usd_per_kg": 60}}
    return w


def test_squeeze_idles_then_closes_an_unsupported_refiner_and_a_floor_keeps_it_running():
    squeezed, held = run_dict(squeeze_world(False)), run_dict(squeeze_world(True))
    out_s, out_h = series(squeezed, "refiner", "output_t"), series(held, "refiner", "output_t")
    events = [(e["event"], e["day"]) for _, e in squeezed.policy_events.iterrows() if e["policy"] == "refiner"]
    assert events[0][0] == "idles" and 90 <= events[0][1] <= 100  # 40 < 50 USD/kg for 90 days
    assert ("closes", 364) in events or any(ev == "closes" for ev, _ in events)
    assert out_s[120:].sum() == 0
    assert out_h.sum() == pytest.approx(10 * 730, rel=0.02)
    assert held.run["floor_payments_usd"] == pytest.approx(10 * 730 * (60 - 40) * 1000, rel=0.03)


def test_supply_modulation_cuts_output_when_the_price_is_low():
    w = base_world(365)
    w["facilities"] = {"cn": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 100}, "cycle_days": 7}}
    w["demand"] = {"buyers": {"site": "plant", "material": "a", "end_use": "x", "t_per_day": 50}}
    w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 10, "target_cover_days": 30}}
    w["policies"] = {"stabilise": {"kind": "supply_modulation", "facilities": ["cn"], "market": "a",
                                   "band_low_usd_per_kg": 8, "band_high_usd_per_kg": 12, "step": 0.1}}
    out = series(run_dict(w), "cn", "output_t")
    assert out[:30].mean() == pytest.approx(100, rel=0.05)
    assert out[200:].mean() < 70  # a glut would sink the price: the producer holds back


def test_time_to_survive_and_recover():
    r = run_dict(supply_cut(False))
    k = r.kpis
    assert k["disruption_day"] == 59
    # 100 t + 2 t/day surplus for 59 days = 218 t at 10 t/day: the market holds out ~21 days
    assert k["time_to_survive_days"]["usa"] == pytest.approx(21, abs=1)
    # the plant restarts on day 119 and refills the shelf; the 30-day fill rate is back at 99% ~30 days later
    assert 60 <= k["time_to_recover_days"]["usa"] <= 95


def test_a_stockpile_released_on_low_stock_buys_time():
    base = run_dict(supply_cut(False)).kpis["time_to_survive_days"]["usa"]
    w = supply_cut(False)
    w["policies"]["reserve"] = {"kind": "stockpile", "site": "market", "material": "a", "size_t": 300, "initial_t": 300,
                                "release_t_per_day": 10, "release_when": {"quantity": "stock_t", "site": "market", "material": "a", "below": 15}}
    longer = run_dict(w).kpis["time_to_survive_days"]["usa"]
    assert longer >= base + 25  # 300 t at 10 t/day


def test_concentration_and_regional_shares():
    w = base_world(100)
    w["facilities"] = {
        "cn": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 30}, "cycle_days": 1},
        "us": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10}, "cycle_days": 1},
    }
    k = run_dict(w).kpis
    assert k["share_by_region"]["mining"] == pytest.approx({"china": 0.75, "usa": 0.25})
    assert k["hhi"]["mining"] == pytest.approx(75**2 + 25**2)


def test_a_policy_without_a_start_begins_after_the_warm_up():
    w = base_world(100)
    w["meta"]["warmup_days"] = 50
    w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10}, "cycle_days": 1}}
    w["policies"] = {"shut": {"kind": "outage", "facility": "mine", "duration_days": 30}}
    r = run_dict(w)
    out = series(r, "mine", "output_t")
    assert out[:30].sum() == 0 and out[30:].sum() == pytest.approx(700)
    assert r.policy_events.iloc[0]["day"] == 0


def warm_reserve(in_warmup: bool):
    """A reserve of 300 t whose release condition (the market's stock below 50 t) already holds
    in a 20-day warm-up: the buyers' 10 t/day are met by a mine of 5 t/day and what it releases."""
    w = base_world(60)
    w["meta"]["warmup_days"] = 20
    w["facilities"] = {"mine": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}},
                                "capacity": {"t_per_day": 5}, "cycle_days": 1}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    w["policies"] = {"reserve": {"kind": "stockpile", "site": "market", "material": "a", "size_t": 300, "initial_t": 300,
                                 "release_t_per_day": 10, "in_warmup": in_warmup,
                                 "release_when": {"quantity": "stock_t", "site": "market", "material": "a", "below": 50}}}
    return w


def test_a_reserve_does_nothing_in_the_warm_up_unless_it_says_so():
    r = run_dict(warm_reserve(False))
    held = series(r, "reserve", "level_t")
    starts = r.policy_events[r.policy_events["event"] == "release starts"]
    assert held.iloc[0] == pytest.approx(290)  # full at the start date; day 0's release is 10 t
    assert starts["day"].min() == 0
    assert r.kpis["policies"]["reserve"]["released_t"] == pytest.approx(300)  # 30 days of 10 t, then dry
    early = run_dict(warm_reserve(True))
    first = early.policy_events[early.policy_events["event"] == "release starts"]["day"].min()
    assert first < 0  # in the warm-up, as soon as the market's stock falls below 50 t
    assert series(early, "reserve", "level_t").iloc[0] <= 300 - 10 * 10  # 10 t a day while the stock is low


def test_a_control_dated_before_the_start_acts_from_it_and_keeps_its_end():
    """An outage from 10 days before the start date for 30 days: the mine is shut on days 0-19 of
    the run, not in the warm-up (by default), and its end stays 30 days after its start."""
    w = base_world(60)
    w["meta"]["warmup_days"] = 20
    w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10}, "cycle_days": 1}}
    w["policies"] = {"shut": {"kind": "outage", "facility": "mine", "start": "2024-12-22", "duration_days": 30}}
    r = run_dict(w)
    out = series(r, "mine", "output_t")
    assert out[:20].sum() == 0 and out[20:].sum() == pytest.approx(400)
    days = dict(zip(r.policy_events["event"], r.policy_events["day"], strict=True))
    assert days == {"start": 0, "end": 20}
    w["policies"]["shut"]["duration_days"] = 5  # over before the start date: it never acts
    r = run_dict(w)
    assert series(r, "mine", "output_t").sum() == pytest.approx(600)
    assert not len(r.policy_events)


def test_overlapping_demand_shocks_multiply_while_both_hold_and_end_one_by_one():
    """x0 on days 10-30 and x2 on days 20-60: 0 while the x0 holds, then 20 t/day, then 10."""
    w = base_world(90)
    w["stocks"] = {"market": {"a": {"initial_t": 1e6}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    w["policies"] = {"stop": {"kind": "demand_shock", "multiplier": 0.0, "start": "2025-01-11", "end": "2025-01-31"},
                     "boom": {"kind": "demand_shock", "multiplier": 2.0, "start": "2025-01-21", "end": "2025-03-02"}}
    req = series(run_dict(w), "buyers", "requested_t")
    assert req[5] == pytest.approx(10)
    assert req[15] == 0 and req[25] == 0
    assert req[35] == pytest.approx(20)
    assert req[70] == pytest.approx(10)


def test_a_tariff_that_ends_gives_the_orders_back():
    w = tariff_world(25)
    w["policies"]["duty"]["end"] = "2025-07-01"  # day 181
    r = run_dict(w)
    china, eu = series(r, "from_china", "shipped_t"), series(r, "from_eu", "shipped_t")
    share = lambda lo, hi: china[lo:hi].sum() / (china[lo:hi].sum() + eu[lo:hi].sum())  # noqa: E731
    assert share(30, 180) == pytest.approx(1.25**-4 / (1 + 1.25**-4), abs=0.04)
    assert share(220, 365) == pytest.approx(0.5, abs=0.04)


def test_a_floor_that_ends_stops_paying():
    w = squeeze_world(True)
    w["policies"]["floor"]["end"] = "2025-07-01"
    ended, held = run_dict(w), run_dict(squeeze_world(True))
    assert 0 < ended.run["floor_payments_usd"] < 0.3 * held.run["floor_payments_usd"]
    margin = series(ended, "refiner", "margin_usd_per_t")
    assert margin[150] > 0 > margin[200]  # under water once the floor is gone


def test_a_production_quota_that_ends_lets_the_plant_run_full():
    w = base_world(365)
    w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 100},
                                "cycle_days": 1}}
    w["policies"] = {"quota": {"kind": "production_quota", "facilities": ["mine"], "t_per_year": 3650, "end": "2025-07-01"}}
    out = series(run_dict(w), "mine", "output_t")
    assert out[:181].sum() == pytest.approx(1825)  # the first half-year's batch, then nothing until the end
    assert out[190:].mean() == pytest.approx(100)


def test_supply_modulation_that_ends_restores_full_output():
    w = base_world(365)
    w["facilities"] = {"cn": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 100}, "cycle_days": 7}}
    w["demand"] = {"buyers": {"site": "plant", "material": "a", "end_use": "x", "t_per_day": 50}}
    w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 10, "target_cover_days": 30}}
    w["policies"] = {"stabilise": {"kind": "supply_modulation", "facilities": ["cn"], "market": "a", "end": "2025-09-01",
                                   "band_low_usd_per_kg": 8, "band_high_usd_per_kg": 12, "step": 0.1}}
    r = run_dict(w)
    multiple = series(r, "a", "supply_multiple")
    assert multiple[200:243].min() < 0.8 and multiple[250:].min() == 1.0
    assert series(r, "cn", "output_t")[260:].mean() == pytest.approx(100, rel=0.02)


def test_an_element_control_leaves_the_grade_without_the_element_untouched():
    """Two magnet grades cross the same lane; a ban on Dy stops only the grade that contains Dy."""
    w = base_world(200)
    w["materials"] |= {"magnet_dy": {"stage": "magnet", "elements": ["Nd", "Pr", "Dy", "Tb"]},
                       "magnet_free": {"stage": "magnet", "elements": ["Nd", "Pr"]}}
    w["facilities"] = {f"makes_{m}": {"kind": "magnet_plant", "site": "plant", "recipe": {"outputs": {m: 1}},
                                      "capacity": {"t_per_day": 1}, "cycle_days": 1} for m in ("magnet_dy", "magnet_free")}
    w["links"] = {"cn_us": {"from": "plant", "to": "market", "materials": ["magnet_dy", "magnet_free"], "mode": "push",
                            "lead_time_days": 5}}
    w["demand"] = {"dy_buyers": {"site": "market", "material": "magnet_dy", "end_use": "ev_traction", "t_per_day": 1},
                   "free_buyers": {"site": "market", "material": "magnet_free", "end_use": "electronics", "t_per_day": 1}}
    w["policies"] = {"ban": {"kind": "export_control", "from": "china", "elements": ["Dy"], "mode": "ban", "start": "2025-02-01"}}
    r = run_dict(w)
    shipped = {m: series(r, "cn_us", "shipped_t", m) for m in ("magnet_dy", "magnet_free")}
    assert shipped["magnet_dy"][40:].sum() == 0
    assert shipped["magnet_free"][40:].sum() == pytest.approx(160, rel=0.05)  # 1 t a day, as before the ban
    fill = r.kpis["fill_rate_by_material"]
    assert fill["magnet_free"] > 0.9 > 0.5 > fill["magnet_dy"]


def test_an_announced_tariff_makes_buyers_buy_ahead_of_it_until_it_bites():
    """A 25% duty on the Chinese lane from 1 July 2025 (day 181), announced on 1 April (day 90): the
    US buyer (30 days of 10 t/day) holds 1.5 times its cover from the announcement, so its first
    review after it (day 91) orders 150 t more than without the announcement; once the duty is in
    force it goes back to its own cover and orders 150 t less in all while it runs the extra down."""
    def ordered(announced: str | None):
        w = tariff_world(25)
        w["policies"]["duty"]["start"] = "2025-07-01"
        if announced:
            w["policies"]["duty"]["announced"] = announced
        return series(run_dict(w), "market", "ordered_t")

    told, surprised = ordered("2025-04-01"), ordered(None)
    extra = told.sub(surprised, fill_value=0.0)
    assert extra.loc[:89].abs().max() < 1e-9
    assert extra.loc[91] == pytest.approx(0.5 * 30 * 10, rel=0.01)
    assert extra.loc[92:181].abs().max() < 1e-9
    assert extra.loc[182:].sum() == pytest.approx(-0.5 * 30 * 10, rel=0.01)  # after the duty bites, the extra cover runs down


def test_the_answer_says_when_a_reserve_ran_dry():
    from sim.report.answer import answer
    from sim.report.frames import prepare

    r = run_dict(warm_reserve(False))
    held = series(r, "reserve", "level_t")
    dry = int(held.index[held <= 0.5][0])
    sentence = next(s for s in answer(prepare(r)) if s.startswith("The reserve reserve"))
    when = (dt.date(2025, 1, 1) + dt.timedelta(days=dry)).strftime("%d %b %Y").lstrip("0")
    assert f"ran dry on {when}" in sentence, sentence
    assert "left at the end" not in sentence
