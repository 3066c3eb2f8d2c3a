"""Chinese content followed abroad (issue 21, item 3; No. 61): origin shares carried through
lanes, stocks and recipes, and a control that gates goods made abroad by their Chinese content."""

import pytest

from conftest import base_world, run_dict, series
from sim.engine.world import World
from sim.scenario.loader import scenario_from_dict


def japan_world(share: float | None, horizon: int = 120) -> dict:
    """Japan makes magnets (0.02 t of Dy a tonne) from Dy that arrives 10 t/day from China and 10
    t/day from Australia, and sells them to the US. At reference prices (Dy 200 USD/kg, magnets 50)
    Dy is 0.02 x 200 / 50 = 8% of a magnet's value, so a magnet half of Chinese Dy holds Chinese
    Dy worth 4% of its value."""
    w = base_world(horizon)
    w["regions"] |= {"australia": {}, "japan": {}}
    w["sites"] |= {"au": {"region": "australia"}, "jp": {"region": "japan"}}
    w["materials"] = {"dy": {"elements": ["Dy"], "content": {"Dy": 1.0}}, "mag": {"elements": ["Dy"]}}
    w["stocks"] = {"plant": {"dy": {"initial_t": 1e5}}, "au": {"dy": {"initial_t": 1e5}}}
    w["links"] = {
        "cn_jp": {"from": "plant", "to": "jp", "materials": ["dy"], "mode": "push", "capacity_t_per_day": 10, "dispatch_every_days": 1},
        "au_jp": {"from": "au", "to": "jp", "materials": ["dy"], "mode": "push", "capacity_t_per_day": 10, "dispatch_every_days": 1},
        "jp_us": {"from": "jp", "to": "market", "materials": ["mag"], "mode": "push", "dispatch_every_days": 1},
    }
    w["facilities"] = {"magnets": {"kind": "magnet_plant", "site": "jp", "recipe": {"inputs": {"dy": 0.02}, "outputs": {"mag": 1}},
                                   "capacity": {"t_per_day": 100}, "cycle_days": 1}}
    w["demand"] = {"us": {"site": "market", "material": "mag", "end_use": "ev_traction", "t_per_day": 100, "period_days": 1}}
    w["markets"] = {"dy": {"material": "dy", "price_usd_per_kg": 200, "target_cover_days": 30},
                    "mag": {"material": "mag", "price_usd_per_kg": 50, "target_cover_days": 30}}
    if share is not None:
        w["policies"] = {"no_61": {"kind": "export_control", "from": "japan", "elements": ["Dy"], "mode": "ban",
                                   "min_china_content_value_share": share}}
    return w


def test_a_magnet_half_of_chinese_dy_carries_half_chinese_dy():
    """The Dy stock in Japan mixes equal arrivals from China (all Chinese) and Australia (none):
    half Chinese; the magnets made from it, and the US stock they go to, carry the same half."""
    world = World(scenario_from_dict(japan_world(0.5)).scenario)  # a rule that never bites, to trace
    world.run()
    assert world.stocks[("jp", "dy")].origin["Dy"] == pytest.approx(0.5, abs=0.01)
    assert world.stocks[("jp", "mag")].origin["Dy"] == pytest.approx(0.5, abs=0.01)
    assert world.stocks[("market", "mag")].origin["Dy"] == pytest.approx(0.5, abs=0.02)
    assert world.stocks[("plant", "dy")].origin["Dy"] == 1.0 and world.stocks[("au", "dy")].origin["Dy"] == 0.0


def test_goods_made_abroad_are_gated_above_the_threshold_and_not_below():
    """At 3% of value the Japanese magnets (4% Chinese Dy by value) are held at the border from the
    first day their Chinese Dy passes it; at 5% they pass; the KPI counts what left under the rule."""
    free = series(run_dict(japan_world(None)), "jp_us", "shipped_t").sum()
    above = run_dict(japan_world(0.03))
    below = run_dict(japan_world(0.05))
    assert series(below, "jp_us", "shipped_t").sum() == pytest.approx(free)
    assert below.kpis["policies"]["no_61"]["china_content_gated_t"] == 0
    late = series(above, "jp_us", "shipped_t")[30:]
    assert late.sum() == 0  # a ban: once the share passes 3%, nothing leaves Japan for the US
    assert free > 0


def test_without_a_content_rule_nothing_is_traced():
    world = World(scenario_from_dict(japan_world(None)).scenario)
    assert all(st.origin is None for st in world.stocks.values())
    assert all(f.origin_of is None for f in world.facilities.values())


def test_a_licence_on_chinese_content_delays_goods_made_abroad_and_counts_them():
    """The same rule as a licence of 10 working days (14 calendar days), always approved: the
    magnets reach the US 14 days later than without it, and every tonne that left went under it."""
    w = japan_world(0.03)
    w["policies"]["no_61"] |= {"mode": "licence", "licence": {"processing_working_days": 10,
                                                             "approval": [{"from": "2024-01-01", "probability": 1.0}]}}
    free, licensed = run_dict(japan_world(None)), run_dict(w)
    first = lambda r: next(d for d, v in series(r, "market", "level_t", "mag").items() if v > 0)  # noqa: E731
    assert first(licensed) - first(free) == 14
    shipped = series(licensed, "jp_us", "shipped_t").sum()
    assert licensed.kpis["policies"]["no_61"]["china_content_gated_t"] == pytest.approx(shipped)
    # by element and origin: each tonne of magnet holds 0.02 t of Dy, half of it Chinese once the
    # Dy stock has mixed (the first magnets were made of Dy that was all Chinese or all Australian)
    dy = licensed.kpis["policies"]["no_61"]["china_content_gated_element_t"]["Dy"]
    assert dy["china"] + dy["other"] == pytest.approx(0.02 * shipped)
    assert dy["china"] == pytest.approx(dy["other"], rel=0.1)
