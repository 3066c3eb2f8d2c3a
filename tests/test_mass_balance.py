"""Every run closes its books: initial + produced = consumed + delivered + lost + in stock + in transit."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import base_world, run_dict
from sim.engine import MassBalanceError
from sim.engine.ledger import Ledger


@st.composite
def random_chains(draw):
    """A random chain of 2-5 stages across three sites, with outages, yields, lots, orders and demand."""
    n = draw(st.integers(2, 5))
    w = base_world(draw(st.integers(30, 400)), draw(st.integers(0, 2**31)))
    w["meta"]["warmup_days"] = draw(st.integers(0, 30))
    mats = [f"m{i}" for i in range(n)]
    w["materials"] = {m: {} for m in mats} | {"side": {}}
    sites = ["mine", "plant", "market"]
    site_of = [draw(st.sampled_from(sites)) for _ in range(n)]
    pos = st.floats(0.5, 200, allow_nan=False)
    for i in range(n):
        recipe = {"outputs": {mats[i]: draw(st.floats(0.2, 3))}}
        if i:
            recipe["inputs"] = {mats[i - 1]: draw(st.floats(0.2, 3))}
            if draw(st.booleans()):
                recipe["outputs"]["side"] = draw(st.floats(0.01, 1))
        fac = {"kind": "metal_plant", "site": site_of[i], "recipe": recipe, "yield": draw(st.floats(0.3, 1)),
               "capacity": {"t_per_day": draw(pos), "basis": draw(st.sampled_from(["input", "output"])) if i else "output"},
               "cycle_days": draw(st.floats(0.5, 20))}
        if draw(st.booleans()):
            fac["outages"] = {"mtbf_days": draw(st.floats(5, 200)), "mttr_days": draw(st.floats(0.5, 20))}
        if draw(st.booleans()):
            fac["commissioning"] = {"date": f"2025-0{draw(st.integers(1, 9))}-01", "ramp_up_days": draw(st.floats(0, 100))}
        w["facilities"][f"f{i}"] = fac
        if i and site_of[i - 1] != site_of[i]:
            mode = draw(st.sampled_from(["push", "pull"]))
            link = {"from": site_of[i - 1], "to": site_of[i], "materials": [mats[i - 1]], "mode": mode,
                    "lead_time_days": {"dist": "triangular", "low": 0, "mode": draw(st.floats(0, 10)), "high": 20},
                    "dispatch_every_days": draw(st.floats(0.5, 14))}
            if draw(st.booleans()):
                link["shipment_t"] = draw(st.floats(1, 50))
            if draw(st.booleans()):
                link["capacity_t_per_day"] = draw(pos)
            w["links"][f"l{i}"] = link
            if mode == "pull":
                w["stocks"].setdefault(site_of[i], {})[mats[i - 1]] = {
                    "initial_t": draw(st.floats(0, 500)), "target_cover_days": draw(st.floats(1, 60)),
                    "replenishment": {"kind": draw(st.sampled_from(["order_up_to", "s_S"])), "reorder_point_days": 5,
                                      "review_days": draw(st.floats(1, 14)), "forecast_t_per_day": draw(st.floats(0, 50))}}
    w["demand"]["end"] = {"site": site_of[-1], "material": mats[-1], "end_use": "x", "t_per_day": draw(pos),
                          "noise_cv": draw(st.floats(0, 0.5)), "growth_pct_per_year": draw(st.floats(-20, 20)),
                          "period_days": draw(st.floats(0.5, 14))}
    w["buyers"] = {"backorder_share": {}, "other_backorder_share": draw(st.floats(0, 1)),
                   "patience_days": draw(st.floats(1, 400)), "home_and_export": draw(st.sampled_from(["pro_rata", "home_first"]))}
    last = w["stocks"].setdefault(site_of[-1], {}).setdefault(mats[-1], {})
    rule = draw(st.sampled_from([None, "max_cover_days", "surplus_above_cover_days"]))
    if rule is not None:  # producers make to stock, or a surplus is set aside
        last[rule] = draw(st.floats(1, 60))
    return w


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_chains())
def test_random_scenarios_balance(world):
    r = run_dict(world)  # raises MassBalanceError if the books do not close
    bal = r.balance
    lhs = bal["initial"] + bal["produced"]
    rhs = bal["consumed"] + bal["delivered"] + bal["lost"] + bal["in_stock"] + bal["in_transit"]
    assert ((lhs - rhs).abs() <= 1e-9 * lhs.abs().clip(lower=1)).all()
    assert (bal[["produced", "consumed", "delivered", "lost", "in_stock", "in_transit"]] >= -1e-6).all().all()
    # and the buyers' books: demand is delivered, lost, or still waiting (without a warm-up, whose
    # backorders the reported days would deliver)
    if world["meta"]["warmup_days"]:
        return
    k, ts = r.kpis, r.timeseries
    waiting = ts[(ts["variable"] == "backorder_t") & (ts["day"] == ts["day"].max())]["value"].sum()
    assert k["requested_t"] == pytest.approx(k["delivered_t"] + k["unmet_demand_t"] + waiting, rel=1e-9, abs=1e-6)


def test_baseline_balances_every_material(baseline):
    assert set(baseline.balance.index) >= {"conc_bayan_obo", "ndpr_oxide", "ndfeb_alloy", "ndfeb_magnet", "ce_oxide"}
    assert baseline.balance.loc["ndpr_oxide", "lost"] > 0  # yield losses are counted


def test_a_gap_fails_loudly():
    ledger = Ledger()
    ledger.initial["x"] = 10.0
    ledger.delivered["x"] = 9.0
    with pytest.raises(MassBalanceError, match="x: in 10 t, out 9 t"):
        ledger.check({"x": 0.0})


LEAKY_PLANT = """
from sim.engine import facility, native, simulate, MassBalanceError
from sim.scenario import scenario_from_dict
import json, sys
assert native.ENGINE == "python"  # a compiled class cannot be tampered with
original = facility.Facility._finish
def leaky(self, activity, share=1.0):
    original(self, activity, share)
    for f in self.outputs:
        f.stock.free *= 0.999
facility.Facility._finish = leaky
try:
    simulate(scenario_from_dict(json.loads(sys.argv[1])).scenario)
except MassBalanceError:
    print("caught")
"""


def test_lost_material_in_the_engine_is_caught():
    """Tamper with a facility so that it drops part of its output: the run must fail. (In a
    process of its own that runs the engine as Python: compiled methods cannot be replaced.)"""
    import json
    import os
    import subprocess
    import sys

    w = base_world(60)
    w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10}}}
    done = subprocess.run([sys.executable, "-c", LEAKY_PLANT, json.dumps(w)], env={**os.environ, "REESIM_ENGINE": "python"},
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "caught"


@st.composite
def policy_worlds(draw):
    """A separation chain across a border, with markets, a surplus lane, plant economics and a
    random set of policies: licences refused at random, quotas, a stockpile, a tariff, a floor,
    supply modulation, outages and shocks. Whatever happens, no tonne may appear or vanish."""
    w = base_world(draw(st.integers(60, 300)), draw(st.integers(0, 2**31)))
    w["meta"]["warmup_days"] = draw(st.integers(0, 40))
    w["regions"]["eu"] = {}
    w["sites"]["eu_hub"] = {"region": "eu"}
    w["materials"] = {"conc": {"stage": "mining", "ore_body": "mt_weld"}, "light": {"elements": ["La", "Ce"]},
                      "ndpr": {"elements": ["Pr", "Nd"], "stage": "separation"},
                      "heavy": {"elements": ["Sm", "Eu", "Gd", "Tb", "Dy", "Y"], "stage": "separation"},
                      "magnet": {"stage": "magnet"}}
    pos = st.floats(1, 100, allow_nan=False)
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "mine", "recipe": {"outputs": {"conc": 1}}, "capacity": {"t_per_day": draw(pos)},
                 "cycle_days": draw(st.floats(0.5, 10))},
        "sep": {"kind": "separation_plant", "site": "plant", "recipe": {"inputs": {"conc": 1}, "products": ["light", "ndpr", "heavy"]},
                "capacity": {"t_per_day": draw(pos), "basis": "input"}, "yield": draw(st.floats(0.5, 1)),
                "unit_cost_usd_per_t": draw(st.floats(0, 50_000)),
                "outages": {"mtbf_days": draw(st.floats(5, 100)), "mttr_days": draw(st.floats(0.5, 10))}},
        "magnets": {"kind": "magnet_plant", "site": "market", "recipe": {"inputs": {"ndpr": 0.3}, "outputs": {"magnet": 1}},
                    "capacity": {"t_per_day": draw(pos)}, "cycle_days": draw(st.floats(1, 14))},
    }
    w["links"] = {
        "ore": {"from": "mine", "to": "plant", "materials": ["conc"], "mode": "push", "lead_time_days": draw(st.floats(0, 10))},
        "ndpr_us": {"from": "plant", "to": "market", "materials": ["ndpr"], "mode": draw(st.sampled_from(["push", "pull"])),
                    "share": draw(st.floats(0.1, 1)), "shipment_t": draw(st.floats(1, 20)), "dispatch_every_days": draw(st.floats(1, 10)),
                    "lead_time_days": {"dist": "uniform", "low": 5, "high": 30}},
        "spare": {"from": "plant", "to": "eu_hub", "materials": ["light", "heavy"], "mode": "surplus", "keep_t": draw(st.floats(0, 50)),
                  "lead_time_days": 10},
    }
    w["stocks"] = {"market": {"ndpr": {"initial_t": draw(st.floats(0, 300)), "target_cover_days": 30}}}
    if w["links"]["ndpr_us"]["mode"] == "pull":
        w["stocks"]["market"]["ndpr"]["replenishment"] = {"review_days": 7, "kind": draw(st.sampled_from(["order_up_to", "s_S"])),
                                                          "reorder_point_days": 10}
    w["demand"] = {"buyers": {"site": "market", "material": "magnet", "end_use": "x", "t_per_day": draw(pos), "noise_cv": 0.2},
                   "eu": {"site": "eu_hub", "material": "light", "end_use": "y", "t_per_day": draw(pos)}}
    w["markets"] = {"ndpr": {"material": "ndpr", "price_usd_per_kg": 60}, "magnet": {"material": "magnet", "price_usd_per_kg": 50}}
    start = {"start": f"2025-0{draw(st.integers(1, 3))}-15"}
    menu = {
        "licence": {"kind": "export_control", "from": "china", "elements": ["Nd"], "mode": "licence", **start,
                    "duration_days": draw(st.floats(10, 200)),
                    "licence": {"processing_working_days": {"dist": "uniform", "low": 5, "high": 40},
                                "approval": [{"from": "2025-01-01", "probability": draw(st.floats(0, 1))}]}},
        "quota": {"kind": "export_control", "from": "china", "materials": ["light", "heavy"], "mode": "quota",
                  "quota_t_per_year": draw(st.floats(0, 5000))},
        "ban": {"kind": "export_control", "from": "china", "materials": ["ndpr"], "mode": "ban", **start, "duration_days": 30},
        "tariff": {"kind": "tariff", "to": "usa", "rate_pct": 25, **start},
        "cap": {"kind": "production_quota", "facilities": ["mine"], "t_per_year": draw(st.floats(0, 20_000)), **start},
        "reserve": {"kind": "stockpile", "site": "market", "material": "ndpr", "size_t": 500, "initial_t": draw(st.floats(0, 500)),
                    "buy_below_usd_per_kg": 80, "buy_t_per_day": 5, "release_t_per_day": 10,
                    "release_when": {"quantity": "price_usd_per_kg", "market": "ndpr", "above": 70}},
        "floor": {"kind": "price_floor", "facilities": ["sep"], "material": "ndpr", "floor_usd_per_kg": 90, **start, "duration_days": 60},
        "modulate": {"kind": "supply_modulation", "facilities": ["mine"], "market": "ndpr", "band_low_usd_per_kg": 55,
                     "band_high_usd_per_kg": 65, "max_multiple": 1.3},
        "strike": {"kind": "outage", "facility": "sep", **start, "duration_days": 20},
        "border": {"kind": "outage", "from": "china", "to": "eu", **start, "duration_days": 40},
        "shock": {"kind": "demand_shock", "multiplier": draw(st.floats(0, 3)), "region": "usa", **start, "duration_days": 50},
        "respond": {"kind": "capacity_addition", "expands": "sep", "capacity": {"t_per_day": 20}, "announced": "2025-01-01",
                    "build_time_days": {"dist": "uniform", "low": 10, "high": 100},
                    "when": {"quantity": "price_usd_per_kg", "market": "ndpr", "above": draw(st.floats(30, 120))}},
        "build": {"kind": "capacity_addition", "expands": "magnets", "capacity": {"t_per_day": 20}, "announced": "2025-01-01",
                  "build_time_days": {"dist": "uniform", "low": 10, "high": 100}},
    }
    chosen = draw(st.lists(st.sampled_from(sorted(menu)), min_size=1, max_size=6, unique=True))
    w["policies"] = {name: menu[name] for name in chosen}
    return w


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_worlds())
def test_policies_markets_separation_and_refusals_keep_the_books(world):
    r = run_dict(world)  # raises MassBalanceError if the books do not close
    bal = r.balance
    assert (bal[["produced", "consumed", "delivered", "lost", "in_stock", "in_transit"]] >= -1e-6).all().all()
    assert {"ndpr", "light", "heavy"} <= set(bal.index)


def test_element_books_count_what_recipes_give_up_and_what_they_make():
    """A plant turns 1 t of a 10%-Dy feed into 1 t of a product stated at 8% Dy (yield 1): 2% of
    the Dy it takes is given up in processing; stated at 12% instead, the recipe makes Dy out of
    nothing and the books show it as negative processing."""
    def books(dy_out: float) -> dict:
        w = base_world(60)
        w["meta"]["warmup_days"] = 0
        w["materials"] = {"feed": {"elements": ["Dy"], "content": {"Dy": 0.10}}, "prod": {"elements": ["Dy"], "content": {"Dy": dy_out}}}
        w["facilities"] = {"mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"feed": 1}}, "capacity": {"t_per_day": 10}},
                           "conv": {"kind": "metal_plant", "site": "plant", "recipe": {"inputs": {"feed": 1}, "outputs": {"prod": 1}},
                                    "yield": 1.0, "capacity": {"t_per_day": 10, "basis": "input"}, "cycle_days": 1}}
        w["demand"] = {"d": {"site": "plant", "material": "prod", "end_use": "x", "t_per_day": 5, "period_days": 1}}
        return run_dict(w).kpis["element_balance_t"]["Dy"]
    lower, higher = books(0.08), books(0.12)
    for b in (lower, higher):
        assert b["in"] == pytest.approx(b["delivered"] + b["lost"] + b["processing"] + b["held"])
    converted = lower["processing"] / 0.02  # tonnes of feed the plant took
    assert converted > 100
    assert higher["processing"] == pytest.approx(-0.02 * converted, rel=1e-6)
