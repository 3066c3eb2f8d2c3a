"""Values the schema used to let through and the engine choked on: each is now one line naming
the --set argument (or file:line:column), the key and the range expected (issue 11)."""

import pytest

from conftest import SCENARIOS, TEST_SCENARIOS, run_dict
from sim.cli import main
from sim.scenario import load_scenario
from sim.scenario.yamlio import parse_yaml

CHAIN = str(TEST_SCENARIOS / "chain.yaml")
ADD = "policies={p: {kind: capacity_addition, announced: 2025-01-01, build_time_days: 10, facility: FAC}}"

CASES = {
    "a day that does not exist": ("meta.start_date=2025-02-30", "meta.start_date: not a real date: 2025-02-30"),
    "a month that does not exist": ("meta.start_date=2025-13-01", "meta.start_date: not a real date: 2025-13-01"),
    "year 0": ("meta.start_date=0000-01-01", "meta.start_date: not a real date"),
    "year 1": ("meta.start_date=0001-01-01", "meta.start_date: expected a date from 1900-01-01 to 2200-12-31"),
    "year 9999": ("meta.start_date=9999-12-01", "meta.start_date: expected a date from 1900-01-01 to 2200-12-31"),
    "an infinite campaign": ("facilities.sep1.cycle_days=.inf", "facilities.sep1.cycle_days: expected a finite number"),
    "a campaign every nanosecond": ("facilities.sep1.cycle_days=1e-9", "facilities.sep1.cycle_days: expected at least 0.01"),
    "demand reviewed every nanosecond": ("demand.usa_ev.period_days=1e-9", "demand.usa_ev.period_days: expected at least 0.1"),
    "orders reviewed every nanosecond": ("stocks.market.magnet.replenishment.review_days=1e-9", "review_days: expected at least 0.01"),
    "a horizon of 10^30 days": ("meta.horizon_days=1000000000000000000000000000000", "meta.horizon_days: expected at most 36,500"),
    "demand falling 100% a year": ("demand.usa_ev.growth_pct_per_year=-100", "growth_pct_per_year: expected at least -99"),
    "demand falling 250% a year": ("demand.usa_ev.growth_pct_per_year=-250", "growth_pct_per_year: expected at least -99"),
    "noise of 1e308": ("demand.usa_ev.noise_cv=1e308", "demand.usa_ev.noise_cv: expected at most 10"),
    "demand of NaN": ("demand.usa_ev.t_per_day=.nan", "demand.usa_ev.t_per_day: expected a finite number"),
    "demand of infinity": ("demand.usa_ev.t_per_day=.inf", "demand.usa_ev.t_per_day: expected a finite number"),
    "a near-zero elasticity": ("markets={m: {material: magnet, price_usd_per_kg: 10, elasticity: 1e-9}}", "markets.m.elasticity: expected at least 0.05"),
    "a list for a site": ("facilities.cells.site=[plant]", "facilities.cells.site: expected text"),
    "a mapping for a site": ("facilities.cells.site={a: 1}", "facilities.cells.site: expected text"),
    "a list for a material": ("demand.usa_ev.material=[magnet]", "demand.usa_ev.material: expected text"),
    "an added plant at an unknown site": (ADD.replace("FAC", "{kind: mine, site: nowhere, recipe: {outputs: {conc: 1}}, capacity: {t_per_day: 1}}"),
                                          "policies.p.facility.site: unknown site 'nowhere'"),
    "an added plant making an unknown material": (ADD.replace("FAC", "{kind: mine, site: mine, recipe: {outputs: {unobtainium: 1}}, capacity: {t_per_day: 1}}"),
                                                  "policies.p.facility.recipe.outputs.unobtainium: unknown material 'unobtainium'"),
    "an added separator with an unknown product": (ADD.replace("FAC", "{kind: separation_plant, site: mine, recipe: {inputs: {conc: 1}, products: [nothing]}, capacity: {t_per_day: 1}}"),
                                                   "policies.p.facility.recipe.products[0]: unknown material 'nothing'"),
    "a recipe making 1e308 t a tonne": ("facilities.cells.recipe.outputs.ndpr_metal=1e308",
                                        "facilities.cells.recipe.outputs.ndpr_metal: expected at most 1,000,000"),
    "an ore body 150% lanthanum": ("ore_bodies.simple.shares_pct.La=150", "ore_bodies.simple.shares_pct.La: expected at most 100"),
    "lots of infinite tonnes": ("links.plant_to_market.shipment_t=.inf", "links.plant_to_market.shipment_t: expected a finite number"),
    "a condition on an infinite price": ("policies={p: {kind: export_control, from: china, materials: [magnet], mode: ban, when: {quantity: fill_rate, region: usa, below: .inf}}}",
                                         "policies.p.when.below: expected a finite number"),
    "a misspelt end use": ("demand.usa_ev.end_use=ev_tracton", "demand.usa_ev.end_use: unknown end use 'ev_tracton', did you mean 'ev_traction'?"),
    "a backorder share for a misspelt end use": ("buyers.backorder_share={ev_tracton: 0.5}",
                                                 "buyers.backorder_share.ev_tracton: no demand has end use 'ev_tracton', did you mean 'ev_traction'?"),
    "priority to an end use no demand has": ("allocation={rule: priority, priority: [defense]}",
                                             "allocation.priority[0]: no demand has end use 'defense' (end uses: ev_traction)"),
    "a demand shock for a misspelt end use": ("policies={p: {kind: demand_shock, start: 2025-02-01, multiplier: 2, end_use: ev-traction}}",
                                              "policies.p.end_use: no demand has end use 'ev-traction', did you mean 'ev_traction'?"),
    "a demand shock of 1e308": ("policies={p: {kind: demand_shock, start: 2025-02-01, multiplier: 1e308}}", "policies.p.multiplier: expected at most 1,000"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_value_is_one_line_naming_the_set_argument(capsys, case):
    override, message = CASES[case]
    assert main(["validate", CHAIN, "--set", override]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"error: --set {override}: "), err[0]
    assert message in err[0], err[0]


def test_a_bad_value_in_a_file_is_located(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text((TEST_SCENARIOS / "chain.yaml").read_text().replace("start_date: 2025-01-01", "start_date: 2025-02-30"))
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.strip() == (f"error: {path}:2:33: meta.start_date: not a real date: 2025-02-30 "
                                               "(day is out of range for month)")


def test_exponent_numbers_are_numbers_as_in_yaml_1_2():
    data, _ = parse_yaml("a: 1e9\nb: -2.5e-3\nc: 1.0e9\nd: 10\ne: 1e9x\n", "x")
    assert data == {"a": 1e9, "b": -2.5e-3, "c": 1e9, "d": 10, "e": "1e9x"}
    loaded = load_scenario(CHAIN, ["stocks.market.magnet.initial_t=1e9"])
    assert loaded.scenario.stocks["market"]["magnet"].initial_t == 1e9


def test_a_huge_bottleneck_capacity_behaves_like_a_large_one():
    """Lesson 2's cells at the largest capacity allowed: the chain meets what the next
    bottleneck allows, as with any capacity above it, not nothing."""
    lesson = SCENARIOS / "teaching" / "2_bottleneck.yaml"
    met, delivered = {}, {}
    for cap in ("100", "1e9"):
        loaded = load_scenario(lesson, [f"facilities.cells.capacity.t_per_day={cap}"])
        kpis = run_dict(loaded.resolved()).kpis
        met[cap], delivered[cap] = kpis["fill_rate"], kpis["delivered_t"]
    plain = run_dict(load_scenario(lesson).resolved()).kpis["fill_rate"]
    # the tonnes the next bottleneck lets through (the fill rates differ a little more: the warm-up
    # leaves buyers a different backlog to carry in)
    assert delivered["1e9"] == pytest.approx(delivered["100"], rel=0.01)
    assert met["1e9"] == pytest.approx(met["100"], abs=0.03)
    assert met["1e9"] > plain + 0.2
