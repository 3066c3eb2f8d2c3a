"""One random stream per entity: a change to one entity leaves every other entity's draws alone
(common random numbers), so scenario differences show the change, not reshuffled noise."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS, base_world, run_dict
from sim.engine import simulate
from sim.engine.streams import RandomStreams, entity_key
from sim.results import Result
from sim.results.compare import compare_kpis
from sim.scenario import load_scenario


def _run(overrides: list[str]) -> Result:
    loaded = load_scenario(SCENARIOS / "baseline.yaml", ["meta.horizon_days=365", *overrides])
    return Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())


def test_outages_added_to_one_plant_leave_every_other_plant_alone():
    base = _run([])
    plant = "noveon_magnets"  # a plant without outages in the baseline
    changed = _run([f"facilities.{plant}.outages={{mtbf_days: 30, mttr_days: 5}}"])
    def down(r: Result):
        fac = r.entities[r.entities["type"] == "facility"]
        return fac.set_index("entity")["down_days"]

    a, b = down(base), down(changed)
    assert a[plant] == 0 < b[plant]
    others = [f for f in a.index if f != plant]
    assert len(others) > 40
    assert (a[others] == b[others]).all()
    assert (a[others] > 0).sum() >= 8  # the baseline has outages to keep


def test_compare_a_scenario_with_itself_gives_no_differences():
    a, b = _run([]), _run([])
    table = compare_kpis(a.kpis, b.kpis)
    assert len(table) > 100
    assert (table["b_minus_a"] == 0).all()


def test_streams_depend_on_identity_not_on_order():
    s = RandomStreams(7)
    first = s.stream("facility", "kiln", "failures").random(3)
    s.stream("facility", "other", "failures").random(100)
    again = RandomStreams(7).stream("facility", "kiln", "failures").random(3)
    assert (first == again).all()
    assert entity_key("facility", "kiln", "failures") != entity_key("facility", "kiln", "repairs")
    assert (RandomStreams(8).stream("facility", "kiln", "failures").random(3) != first).all()


@st.composite
def worlds_with_a_dormant_policy(draw):
    """A random two-stage chain with noise, lead times and outages, and a policy that never starts."""
    w = base_world(draw(st.integers(60, 300)), draw(st.integers(0, 2**31)))
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "mine", "recipe": {"outputs": {"a": 1}},
                 "capacity": {"t_per_day": draw(st.floats(5, 50))}, "cycle_days": draw(st.floats(1, 10)),
                 "outages": {"mtbf_days": draw(st.floats(10, 100)), "mttr_days": draw(st.floats(1, 10))}},
        "plant": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"a": 1}, "outputs": {"b": 0.9}},
                  "capacity": {"t_per_day": draw(st.floats(5, 50)), "basis": "input"},
                  "outages": {"mtbf_days": draw(st.floats(10, 100)), "mttr_days": draw(st.floats(1, 10))}},
    }
    w["links"] = {
        "ore": {"from": "mine", "to": "plant", "materials": ["a"], "mode": "push",
                "lead_time_days": {"dist": "uniform", "low": 1, "high": draw(st.floats(2, 20))}},
        "out": {"from": "plant", "to": "market", "materials": ["b"], "mode": "pull",
                "lead_time_days": {"dist": "triangular", "low": 5, "mode": 10, "high": 30}},
    }
    w["stocks"] = {"market": {"b": {"initial_t": draw(st.floats(0, 500)), "target_cover_days": 30,
                                    "replenishment": {"review_days": 7}}}}
    w["demand"] = {"buyers": {"site": "market", "material": "b", "end_use": "x", "t_per_day": draw(st.floats(1, 30)),
                              "noise_cv": draw(st.floats(0, 0.5))}}
    kind = draw(st.sampled_from(["ban", "licence", "tariff", "shock", "outage", "quota", "stockpile", "floor", "addition"]))
    never = {"when": {"quantity": "stock_t", "site": "market", "material": "b", "below": -1}}
    policy = {
        "ban": {"kind": "export_control", "from": "china", "materials": ["b"], "mode": "ban", **never},
        "licence": {"kind": "export_control", "from": "china", "materials": ["b"], "mode": "licence", **never,
                    "licence": {"processing_working_days": {"dist": "uniform", "low": 10, "high": 40},
                                "approval": [{"from": "2025-01-01", "probability": 0.5}]}},
        "tariff": {"kind": "tariff", "rate_pct": 50, "to": "usa", **never},
        "shock": {"kind": "demand_shock", "multiplier": 0.0, **never},
        "outage": {"kind": "outage", "facility": "mine", **never},
        "quota": {"kind": "production_quota", "facilities": ["plant"], "t_per_year": 10, **never},
        "stockpile": {"kind": "stockpile", "site": "market", "material": "b", "size_t": 100,
                      "release_when": {"quantity": "stock_t", "site": "market", "material": "b", "below": -1}},
        "floor": {"kind": "price_floor", "facilities": ["plant"], "material": "b", "floor_usd_per_kg": 10, **never},
        "addition": {"kind": "capacity_addition", "expands": "mine", "capacity": {"t_per_day": 10},
                     "announced": "2040-01-01", "build_time_days": {"dist": "uniform", "low": 100, "high": 400}},
    }[kind]
    return w, kind, policy


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds_with_a_dormant_policy())
def test_a_policy_that_never_switches_on_changes_nothing(case):
    world, _kind, policy = case
    with_policy = copy.deepcopy(world)
    with_policy["policies"] = {"dormant": policy}
    a, b = run_dict(world), run_dict(with_policy)
    keep = ~b.timeseries["entity"].isin(["dormant"])  # a stockpile's own (empty) reserve series
    tb = b.timeseries[keep].reset_index(drop=True)
    ta = a.timeseries
    merged = ta.merge(tb, on=["day", "entity", "material", "variable"], how="outer", suffixes=("_a", "_b"))
    assert merged["value_a"].notna().all() and merged["value_b"].notna().all()
    assert (merged["value_a"] == merged["value_b"]).all()
    fac = lambda r: r.entities[r.entities["type"] == "facility"].set_index("entity")["down_days"]  # noqa: E731
    da, db = fac(a), fac(b)
    assert (da == db.drop("dormant", errors="ignore")).all()  # an addition not yet built is its own entity
