"""Runs that say when their world is out of balance (issue 20, item 6), and results over a window
(item 7): each on a small chain against what the series show by hand."""

import datetime as dt

import pytest

from conftest import base_world, run_dict, series
from sim.cli import main
from sim.results.imbalance import findings
from sim.results.window import Window, WindowError, cut


def stranded_chain(horizon=365):
    """A mine of 20 t/day pushes half its output to the plant (10 t/day against 100 of capacity)
    and half to a depot where no one buys or ships it; the plant's buyers want 30 t/day."""
    w = base_world(horizon)
    w["meta"]["warmup_days"] = 30  # the pipes fill before the start date
    w["sites"]["depot"] = {"region": "usa"}
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "mine", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 20}, "cycle_days": 1},
        "plant": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"a": 1}, "outputs": {"b": 1}},
                  "capacity": {"t_per_day": 100}, "yield": 1, "cycle_days": 1},
    }
    w["links"] = {
        "to_plant": {"from": "mine", "to": "plant", "materials": ["a"], "mode": "push", "share": 0.5, "lead_time_days": 1, "dispatch_every_days": 1},
        "to_depot": {"from": "mine", "to": "depot", "materials": ["a"], "mode": "push", "share": 0.5, "lead_time_days": 1, "dispatch_every_days": 1},
    }
    w["demand"] = {"buyers": {"site": "plant", "material": "b", "end_use": "x", "t_per_day": 30, "period_days": 1}}
    w["markets"] = {"b": {"material": "b", "price_usd_per_kg": 10, "target_cover_days": 10, "max_multiple": 5}}
    return w


def kinds(found):
    return {(f.kind, f.where, f.material) for f in found}


def test_a_stranded_stock_a_starved_plant_a_shortage_with_no_policy_and_a_capped_price_are_named():
    r = run_dict(stranded_chain())
    found = findings(r)
    got = kinds(found)
    assert ("piling_up", "depot", "a") in got  # 10 t/day for 13 months, and nothing leaves
    assert ("starved", "plant", "a") in got  # 10 of 100 t/day while a piles up at the depot
    assert ("short_before_policy", "china", "b") in got  # 30 wanted, 10 made, and no policy at all
    assert ("at_cap", "b", "b") in got  # nothing in stock: the price sits at 5 x 10
    pile = next(f for f in found if f.kind == "piling_up")
    held = series(r, "depot", "level_t").iloc[-1]
    assert held == pytest.approx(10 * (30 + 364), rel=0.01)  # warm-up and run, less the first day in transit
    assert f"{held:,.0f} t" in pile.text


def test_a_plant_idle_beside_a_full_input_stock_is_not_starved():
    """The same pile at the depot, but the plant's buyers want 5 t/day of its 10 t/day of feed:
    its input piles up at its own door, so its buyers, not its input, hold it back."""
    w = stranded_chain()
    w["demand"]["buyers"]["t_per_day"] = 5
    w["stocks"] = {"plant": {"b": {"max_t": 20}}}  # it makes no more than it can store
    r = run_dict(w)
    got = kinds(findings(r))
    assert ("piling_up", "depot", "a") in got
    assert ("piling_up", "plant", "a") in got  # 5 of the 10 t/day a day stay at its door
    assert not [k for k in got if k[0] == "starved"]


def test_a_shortage_that_starts_after_the_first_disruption_is_not_the_worlds_own():
    w = stranded_chain()
    w["links"]["to_plant"]["share"] = 1.0
    del w["links"]["to_depot"]
    w["demand"]["buyers"]["t_per_day"] = 15  # 20 made a day: enough, until the mine stops
    w["policies"] = {"strike": {"kind": "outage", "facility": "mine", "start": "2025-06-01", "duration_days": 60}}
    found = findings(run_dict(w))
    assert not [f for f in found if f.kind == "short_before_policy"]
    assert not [f for f in found if f.kind == "piling_up"]


def test_a_balanced_world_has_no_finding():
    w = stranded_chain()
    w["links"]["to_plant"]["share"] = 1.0
    del w["links"]["to_depot"]
    w["demand"]["buyers"]["t_per_day"] = 20
    w["facilities"]["plant"]["capacity"] = {"t_per_day": 25}
    w["markets"] = {}
    assert findings(run_dict(w)) == []


def test_window_kpis_equal_the_series_summed_by_hand():
    w = stranded_chain(horizon=200)
    w["facilities"]["mine"]["capacity"] = {"t_per_day": 80}  # 40 a day to the plant: more than the buyers want
    w["policies"] = {"strike": {"kind": "outage", "facility": "mine", "start": "2025-03-01", "end": "2025-04-30"}}
    r = run_dict(w)
    window = Window.parse("policy:strike")
    start = dt.date(2025, 1, 1)
    first, last = window.days(start, 200, r.policy_events)
    assert (first, last) == ((dt.date(2025, 3, 1) - start).days, (dt.date(2025, 4, 30) - start).days - 1)
    inside = cut(r, window)
    req = series(r, "buyers", "requested_t").loc[first:last].sum()
    got = series(r, "buyers", "delivered_t").loc[first:last].sum()
    assert inside.kpis["fill_rate"] == pytest.approx(got / req)
    assert inside.kpis["fill_rate"] < r.kpis["fill_rate"]  # the strike's own months are worse than the run's
    dates = Window.parse("2025-02-01:2025-02-28")
    by_date = cut(r, dates)
    lo, hi = dates.days(start, 200, r.policy_events)
    assert (lo, hi) == (31, 58)
    assert by_date.kpis["requested_t"] == pytest.approx(series(r, "buyers", "requested_t").loc[lo:hi].sum())
    assert by_date.run["window"]["label"] == "2025-02-01 to 2025-02-28"


@pytest.mark.parametrize("text, message", [
    ("2025-02-30:2025-03-01", "YYYY-MM-DD"),
    ("2025-03-01:2025-02-01", "ends"),
    ("2025-03", "FROM:TO"),
    ("policy:", "policy:ID"),
])
def test_a_window_that_cannot_be_read_says_what_was_expected(text, message):
    with pytest.raises(WindowError, match=message):
        Window.parse(text)


def test_a_window_naming_an_unknown_policy_lists_those_that_acted():
    r = run_dict(stranded_chain(60))
    with pytest.raises(WindowError, match="no event"):
        cut(r, Window.parse("policy:strike"))


def test_run_with_a_window_prints_the_windows_kpis_and_the_balance(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    import yaml

    path.write_text(yaml.safe_dump(stranded_chain(120)))
    assert main(["run", str(path), "--no-figures", "--out", str(tmp_path / "run"), "--window", "2025-02-01:2025-03-31"]) == 0
    out = capsys.readouterr().out
    assert "window: 2025-02-01 to 2025-03-31" in out
    assert "world out of balance" in out and "piled up at depot" in out


def test_validate_balance_runs_the_file_with_its_policies_off(tmp_path, capsys):
    import yaml

    w = stranded_chain(120)
    w["policies"] = {"strike": {"kind": "outage", "facility": "mine", "start": "2025-03-01", "duration_days": 30}}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(w))
    assert main(["validate", str(path), "--balance"]) == 0
    out = capsys.readouterr().out
    assert "policies off" in out and "piled up at depot" in out
    assert "before the first policy" not in out  # with the policies off, there is none


def stranded_market(days):
    """b is made at the plant (20 t/day), half pushed to a depot whose only lane has no orders:
    the depot's pile is in reach but no one takes it. The plant's buyers want 10 t/day."""
    w = base_world(365)
    w["meta"]["warmup_days"] = 60
    w["sites"]["depot"] = {"region": "china"}
    w["facilities"] = {"plant": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"b": 1}}, "capacity": {"t_per_day": 20},
                                 "cycle_days": 1}}
    w["links"] = {
        "to_depot": {"from": "plant", "to": "depot", "materials": ["b"], "mode": "push", "share": 0.5, "lead_time_days": 1, "dispatch_every_days": 1},
        "depot_out": {"from": "depot", "to": "market", "materials": ["b"], "mode": "pull", "lead_time_days": 5},
    }
    w["demand"] = {"buyers": {"site": "plant", "material": "b", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    w["markets"] = {"b": {"material": "b", "regions": ["china"], "price_usd_per_kg": 10, "target_cover_days": 5,
                          "stranded_after_days": days}}
    return w


def test_stranded_stock_sets_no_price_and_is_recorded():
    held = run_dict(stranded_market(180))
    counted = run_dict(stranded_market(None))
    # counted, the depot's pile (10 t/day, nothing taken) drives the price to its floor, 0.25 x 10;
    # stranded, it sets no price and is recorded: the plant's balanced stock holds the price up
    assert series(counted, "b", "price_usd_per_kg").iloc[-1] == pytest.approx(2.5)
    assert series(held, "b", "price_usd_per_kg").iloc[-1] > 5.0
    depot = series(held, "depot", "level_t").iloc[-1]
    assert series(held, "b", "stranded_t").iloc[-1] == pytest.approx(depot, rel=0.02)
