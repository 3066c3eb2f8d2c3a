"""Scarcity prices and how buyers share a short stock."""

import pytest

from conftest import base_world, run_dict, series, totals, two_supplier_world


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


def producer_and_buyers(stock: dict, horizon: int = 200):
    """A plant making 20 t/day at the buyers' own stock; they want 10 t/day."""
    w = base_world(horizon)
    w["facilities"] = {"plant": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}},
                                 "capacity": {"t_per_day": 20}, "cycle_days": 1}}
    w["stocks"] = {"market": {"a": {"initial_t": 0, **stock}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    return w


def test_make_to_stock_producers_stop_at_their_cover():
    r = run_dict(producer_and_buyers({"max_cover_days": 30}))
    level, made = series(r, "market", "level_t", "a"), series(r, "plant", "output_t")
    assert level.max() <= 30 * 10 + 20 + 1e-6  # the cap, and at most a day's campaign on top
    assert level.iloc[-1] > 0.8 * 30 * 10
    assert made[100:].mean() == pytest.approx(10, rel=0.02)  # once full, it makes what is wanted
    assert r.kpis["fill_rate"] > 0.99  # all but the first day, before the first campaign ends


def test_a_co_product_surplus_goes_to_a_stockpile_that_sets_no_price():
    w = producer_and_buyers({"surplus_above_cover_days": 20})
    w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 10, "target_cover_days": 20}}
    r = run_dict(w)
    level, aside = series(r, "market", "level_t", "a"), series(r, "market", "set_aside_t", "a")
    made = series(r, "plant", "output_t")
    assert made.mean() == pytest.approx(20, rel=0.01)  # the plant does not stop for it
    assert level.max() <= 20 * 10 + 20 + 1e-6
    # what was made and not sold nor on the shelf went to the stockpile (within the day's campaign
    # the horizon cuts short)
    assert aside.iloc[-1] == pytest.approx(made.sum() - r.kpis["delivered_t"] - level.iloc[-1], abs=20.0)
    assert aside.iloc[-1] > 0.4 * made.sum()
    price = series(r, "a", "price_usd_per_kg")
    assert price.iloc[-1] > 0.5 * 10  # held near its normal cover, not sinking with the pile


def test_a_stockpiled_surplus_comes_back_when_demand_grows_into_it():
    """20 t/day made, 10 t/day wanted, 20 days kept: for 100 days about 10 t/day go to the
    stockpile. From day 100 the buyers want 30 t/day: the plant's 20 and 10 from the stockpile
    meet it in full while the stockpile lasts (the shelf keeps 20 days of the new pace, 600 t, drawn
    from it at once), and the stockpile falls by what was drawn."""
    w = producer_and_buyers({"surplus_above_cover_days": 20}, horizon=160)
    w["policies"] = {"more": {"kind": "demand_shock", "multiplier": 3, "start": "2025-04-11"}}  # day 100
    r = run_dict(w)
    level, aside = series(r, "market", "level_t", "a"), series(r, "market", "set_aside_t", "a")
    made, got = series(r, "plant", "output_t"), series(r, "buyers", "delivered_t")
    wanted = series(r, "buyers", "requested_t")
    assert aside[99] > 700  # about 10 t/day for 80 days, once the shelf held its 20 days
    assert got[101:].sum() == pytest.approx(wanted[101:].sum(), rel=1e-9)  # met in full from the pile
    assert aside[159] < aside[99] - 30 * 10  # drawn: the shelf's top-up and 10 t/day
    # nothing lost: what was made is sold, on the shelf or in the stockpile
    assert made.sum() == pytest.approx(got.sum() + level.iloc[-1] + aside.iloc[-1], abs=20.0)


def test_a_surplus_kept_for_a_make_to_stock_plant_is_what_it_wants_not_its_idle_need():
    """A mine makes 20 t/day of a; a plant turns a into b for buyers of 10 t/day of b and stops
    while b holds 10 days (make to stock). a keeps 30 days of what is wanted of it, 30 x 10 = 300 t,
    whether the plant runs or idles (before: nil while it idled, so a's cover came and went with
    the plant's campaigns)."""
    w = base_world(300)
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 20}, "cycle_days": 1},
        "plant": {"kind": "mine", "site": "market", "recipe": {"inputs": {"a": 1}, "outputs": {"b": 1}},
                  "capacity": {"t_per_day": 40}, "cycle_days": 1}}
    w["stocks"] = {"market": {"a": {"initial_t": 0, "surplus_above_cover_days": 30}, "b": {"initial_t": 0, "max_cover_days": 10}}}
    w["demand"] = {"buyers": {"site": "market", "material": "b", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    r = run_dict(w)
    level = series(r, "market", "level_t", "a")
    assert level[150:].min() >= 0.9 * 300
    assert level[150:].max() <= 300 + 20 + 1e-6  # and a day's output on top at most


def test_what_a_push_lane_cannot_carry_away_is_set_aside_too():
    """20 t/day made, 60% pushed down a lane that carries 6 t/day, buyers at the gate want 6 of the
    other 8: without the rule 6 + 2 t/day would pile up. Each keeps 20 days of its own pace: the
    lane 20 x 6 = 120 t, the gate 20 x 6 = 120 t; the other 8 t/day go to the stockpile, and
    both still get all they want."""
    w = producer_and_buyers({"surplus_above_cover_days": 20}, horizon=300)
    w["demand"]["buyers"]["t_per_day"] = 6
    w["links"] = {"out": {"from": "market", "to": "plant", "materials": ["a"], "mode": "push", "share": 0.6,
                          "capacity_t_per_day": 6, "dispatch_every_days": 1}}
    r = run_dict(w)
    level, aside = series(r, "market", "level_t", "a"), series(r, "market", "set_aside_t", "a")
    assert level[200:].mean() == pytest.approx(240, rel=0.05)
    assert series(r, "out", "shipped_t")[100:].mean() == pytest.approx(6, rel=0.02)  # the lane still runs full
    assert aside.diff()[200:].mean() == pytest.approx(20 - 6 - 6, rel=0.05)
    assert r.kpis["fill_rate"] > 0.995  # all but the first day, before the first campaign ends


def test_an_element_held_as_metal_counts_towards_its_oxides_cover():
    """100 t of oxide that nobody draws, beside 300 t of metal (1.1 t of oxide each) that buyers
    take at 10 t/day. Day 7: a week's demand taken, so 100 + 1.1 x 230 = 353 t of oxide over
    1.1 x 70 / 7 t/day wanted = 32.1 days of cover against a 30-day target. Not counted, the
    oxide alone is never wanted: the floor."""
    def price(counts: bool):
        w = base_world(14)
        w["stocks"] = {"market": {"a": {"initial_t": 100}, "b": {"initial_t": 300}}}
        w["demand"] = {"oxide": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 1e-9, "period_days": 1},
                       "metal": {"site": "market", "material": "b", "end_use": "x", "t_per_day": 10, "period_days": 1}}
        w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 100, "target_cover_days": 30, "smoothing": 1.0,
                              **({"also_counts": {"b": 1.1}} if counts else {})}}
        return series(run_dict(w), "a", "price_usd_per_kg")
    cover = (100 + 1.1 * 230) / (1.1 * 70 / 7)
    assert price(True)[7] == pytest.approx(100 * 30 / cover, rel=1e-3)
    assert price(False)[7] == pytest.approx(100 * 0.25, rel=1e-3)


def test_a_stock_nobody_can_reach_sets_no_price():
    def price_with(stranded: bool):
        w = draining_market()
        if stranded:  # a separator's by-product nobody takes or ships, piling up in the same region
            w["sites"]["remote"] = {"region": "usa"}
            w["facilities"] = {"byproduct": {"kind": "mine", "site": "remote", "recipe": {"outputs": {"a": 1}},
                                             "capacity": {"t_per_day": 50}, "cycle_days": 1}}
        r = run_dict(w)
        return series(r, "a_usa", "price_usd_per_kg")
    assert price_with(True).tolist() == price_with(False).tolist()


def test_a_shortage_shows_in_the_price_though_nothing_is_taken():
    w = draining_market()
    w["stocks"]["market"]["a"]["initial_t"] = 1  # gone on the first day: buyers wait, and their backorders pile up
    w["buyers"] = {"backorder_share": {}, "other_backorder_share": 1.0}
    r = run_dict(w)
    assert r.kpis["delivered_t"] == pytest.approx(1)
    assert series(r, "a_usa", "price_usd_per_kg").iloc[-1] == pytest.approx(50 * 20)  # at its cap, not its floor


def oxide_and_metal(pricing: str = "scarcity"):
    """An oxide drawn down by its buyers, and a metal made from it (1.2 t oxide a t) in glut."""
    w = base_world(120)
    w["stocks"] = {"market": {"a": {"initial_t": 1000}, "b": {"initial_t": 50_000}}}
    w["demand"] = {"oxide_buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10},
                   "metal_buyers": {"site": "market", "material": "b", "end_use": "x", "t_per_day": 1}}
    w["markets"] = {"a": {"material": "a", "price_usd_per_kg": 50, "target_cover_days": 50, "update_days": 7},
                    "b": {"material": "b", "price_usd_per_kg": 100, "target_cover_days": 50, "update_days": 7,
                          "made_from": {"a": 1.2}, "pricing": pricing}}
    return w


def test_a_metal_price_never_stays_below_its_oxide_content_plus_conversion():
    r = run_dict(oxide_and_metal())
    oxide, metal = series(r, "a", "price_usd_per_kg"), series(r, "b", "price_usd_per_kg")
    conversion = 100 - 1.2 * 50  # the reference less the oxide at its reference price
    floor = 1.2 * oxide + conversion
    assert (metal >= floor - 1e-9).all()
    assert oxide.iloc[-1] > 1.5 * 50  # the oxide drains and its price climbs ...
    assert metal.iloc[-1] == pytest.approx(floor.iloc[-1])  # ... and the metal, in glut, follows it up


def test_cost_plus_passes_the_inputs_cost_on():
    r = run_dict(oxide_and_metal("cost_plus"))
    oxide, metal = series(r, "a", "price_usd_per_kg"), series(r, "b", "price_usd_per_kg")
    assert metal.tolist() == pytest.approx((1.2 * oxide + 40).tolist())


def announced_ban(announced: str | None):
    """A US buyer ordering to 30 days of cover from a Chinese plant; China bans the material from
    1 July 2025 (day 181), announced or not on 1 April (day 90)."""
    w = base_world(240)
    w["stocks"] = {"plant": {"a": {"initial_t": 1e6}},
                   "market": {"a": {"initial_t": 300, "target_cover_days": 30, "replenishment": {"review_days": 7}}}}
    w["links"] = {"from_china": {"from": "plant", "to": "market", "materials": ["a"], "lead_time_days": 5}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10}}
    w["markets"] = {"a_usa": {"material": "a", "regions": ["usa"], "price_usd_per_kg": 10, "target_cover_days": 30,
                              "smoothing": 1.0, "update_days": 7}}
    ban = {"kind": "export_control", "from": "china", "to": ["usa"], "materials": ["a"], "mode": "ban", "start": "2025-07-01"}
    if announced:
        ban["announced"] = announced
    w["policies"] = {"ban": ban}
    return w


def test_an_announced_control_raises_the_covered_buyers_cover_from_its_announcement():
    told, surprised = run_dict(announced_ban("2025-04-01")), run_dict(announced_ban(None))
    ordered = {"told": series(told, "market", "ordered_t"), "surprised": series(surprised, "market", "ordered_t")}
    extra = ordered["told"] - ordered["surprised"]
    assert extra.loc[:89].abs().max() < 1e-9  # nothing moves before the announcement
    # at the first review after it (day 91) buyers order up to 1.5 x 30 days of 10 t/day: 150 t more
    assert extra.loc[91] == pytest.approx(0.5 * 30 * 10, rel=0.01)
    price = {"told": series(told, "a_usa", "price_usd_per_kg"), "surprised": series(surprised, "a_usa", "price_usd_per_kg")}
    assert price["told"][84] == pytest.approx(price["surprised"][84])
    # the traders' first look after it, before the forward order lands: the same cover against a
    # target 1.5 times higher, so (elasticity 1) a price 1.5 times higher, three months before the ban
    assert price["told"][91] == pytest.approx(1.5 * price["surprised"][91])


def two_push_lanes(ban: bool = False, full_days: float | None = 90.0):
    """A mine makes 20 t/day at a port that ships half to the US and half to the EU (push). The EU
    buyers want 2 t/day, the US buyers 16; each side starts with nothing."""
    w = base_world(365)
    w["regions"]["eu"] = {}
    w["sites"]["eu_market"] = {"region": "eu"}
    w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}},
                                "capacity": {"t_per_day": 20}, "cycle_days": 1}}
    lane = {"materials": ["a"], "mode": "push", "share": 0.5, "lead_time_days": 1, "dispatch_every_days": 1,
            "full_above_cover_days": full_days}
    w["links"] = {"to_us": {"from": "plant", "to": "market", **lane}, "to_eu": {"from": "plant", "to": "eu_market", **lane}}
    w["demand"] = {"us": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 16, "period_days": 1},
                   "eu": {"site": "eu_market", "material": "a", "end_use": "x", "t_per_day": 2, "period_days": 1}}
    if ban:
        w["policies"] = {"ban": {"kind": "export_control", "from": "china", "to": ["usa"], "materials": ["a"], "mode": "ban"}}
    return w


def test_a_push_lanes_share_goes_to_the_open_lane_once_its_destination_is_full():
    """Fixed halves send the EU 10 t/day for 2 t/day of use: 8 t/day pile up there while the US
    gets 10 of its 16. Once the EU holds 90 days of its 2 t/day (180 t, about 22 days in), its
    lane takes no share while it is full, so the US lane carries the rest: the US is short only
    of what the EU keeps taking (its 2 t/day, in the lots that keep it at 180 t), 18 of 20 t/day."""
    fixed = run_dict(two_push_lanes(full_days=None))
    open_ = run_dict(two_push_lanes())
    eu_fixed, eu_open = series(fixed, "eu_market", "level_t", "a"), series(open_, "eu_market", "level_t", "a")
    assert eu_fixed.iloc[-1] == pytest.approx(8 * 364, rel=0.02)  # the wall: it piles up
    # full at 90 days of 2 t/day, plus at most a day's share reserved and a day's in transit (1-day lead time)
    assert eu_open[60:].max() <= 180 + 2 * 10 + 1e-6
    assert eu_open[60:].mean() == pytest.approx(182, abs=5)
    us_rate = series(open_, "us", "delivered_t")[60:].sum() / series(open_, "us", "requested_t")[60:].sum()
    assert us_rate == pytest.approx(1.0, abs=0.005)  # once the EU is full, the US gets the EU's spare share
    assert totals(fixed)[("us", "a", "delivered_t")] / totals(fixed)[("us", "a", "requested_t")] == pytest.approx(10 / 16, abs=0.01)


def test_a_push_lanes_share_never_goes_through_a_ban():
    """China bans the material to the US: its lane takes no share, so the EU lane carries all 20 t/day
    (until the EU is full) and nothing goes to the US."""
    r = run_dict(two_push_lanes(ban=True))
    t = totals(r)
    assert t.get(("to_us", "a", "shipped_t"), 0.0) == 0.0
    assert t[("to_eu", "a", "shipped_t")] > 0
    assert series(r, "plant", "level_t", "a").iloc[-1] > 0  # what neither takes stays at the port


def test_an_announced_rule_on_goods_made_abroad_reaches_only_their_importers():
    """The US buyer imports from China; a second US buyer imports from Japan. A rule on goods
    leaving Japan for their Chinese content (No. 61), announced on 1 April: the buyer who imports
    from Japan orders forward from the announcement, the one who imports from China does not."""
    w = announced_ban(None)
    w["regions"]["japan"] = {}
    w["sites"] |= {"jp": {"region": "japan"}, "market2": {"region": "usa"}}
    w["stocks"]["jp"] = {"a": {"initial_t": 1e6}}
    w["stocks"]["market2"] = {"a": {"initial_t": 300, "target_cover_days": 30, "replenishment": {"review_days": 7}}}
    w["links"]["from_japan"] = {"from": "jp", "to": "market2", "materials": ["a"], "lead_time_days": 5}
    w["demand"]["buyers2"] = {"site": "market2", "material": "a", "end_use": "x", "t_per_day": 10}
    w["materials"] = {"a": {"elements": ["Dy"], "content": {"Dy": 0.1}}}
    w["policies"] = {"no_61": {"kind": "export_control", "from": "japan", "to": ["usa"], "elements": ["Dy"], "mode": "ban",
                               "min_china_content_value_share": 0.001, "announced": "2025-04-01", "start": "2025-07-01"}}
    told = run_dict(w)
    w["policies"]["no_61"].pop("announced")
    surprised = run_dict(w)
    extra = {site: series(told, site, "ordered_t") - series(surprised, site, "ordered_t") for site in ("market", "market2")}
    assert extra["market2"].loc[91] == pytest.approx(0.5 * 30 * 10, rel=0.01)  # Japan's importer: 1.5 x 30 days
    assert extra["market"].abs().max() < 1e-9  # China's importer: the rule is not about its goods


def two_suppliers(controlled: bool):
    """A US buyer (10 t/day, 30 days of cover) orders from a Chinese and a Canadian stock with
    equal written shares. China's home price is 10 USD/kg, the price outside China 100; China may
    license its exports (a decision in 1 working day, always approved)."""
    w = two_supplier_world(200, "row", "canada")
    # prices that barely move with cover (elasticity 100), so the lanes' landed prices are the references
    w["markets"] = {"a_china": {"material": "a", "regions": ["china"], "price_usd_per_kg": 10, "elasticity": 100},
                    "a_world": {"material": "a", "price_usd_per_kg": 100, "elasticity": 100}}
    if controlled:
        w["policies"] = {"lic": {"kind": "export_control", "from": "china", "materials": ["a"], "mode": "licence",
                                 "licence": {"processing_working_days": 1, "approval": [{"from": "2024-01-01", "probability": 1.0}]}}}
    return w


def test_buyers_abroad_weigh_a_controlled_lane_at_their_own_price():
    """Without a control the Chinese lane lands at 10 against Canada's 100: with sensitivity 4 the
    buyer sends (10/100)^4 = 0.0001 of an order to Canada for each unit to China, nearly all to
    China. Under a licence, China's exporters sell abroad at the price there: both lanes land at
    the same price and take their written halves."""
    free, held = run_dict(two_suppliers(False)), run_dict(two_suppliers(True))
    canada = lambda r: series(r, "from_canada", "shipped_t").sum() / (  # noqa: E731
        series(r, "from_canada", "shipped_t").sum() + series(r, "from_china", "shipped_t").sum())
    assert canada(free) < 0.01
    assert canada(held) == pytest.approx(0.5, abs=0.1)
