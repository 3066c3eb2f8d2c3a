"""One registry names every KPI (issue 12, items 1 and 4): a run reports exactly its KPIs, the
docs come from it, sweeps are checked against it, and shortages are stated per material."""

import pytest

from conftest import ROOT, TEST_SCENARIOS, base_world, run_dict
from sim.cli import main
from sim.reference import kpis_markdown
from sim.results.compare import flatten
from sim.results.kpi_registry import KPIS, TEXT_KPIS, check_pattern
from sim.results.kpi_registry import scenario_ids as _scenario_ids
from sim.scenario import load_scenario


def test_a_run_reports_exactly_the_registered_kpis_in_their_order(baseline):
    names = [k.named("china") for k in KPIS] + list(TEXT_KPIS)
    assert list(baseline.kpis) == names


def test_every_number_a_run_reports_is_named_by_the_registry_and_the_scenarios_ids(baseline):
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml").scenario
    ids, policies, focus = _scenario_ids([sc])
    leaves = flatten(baseline.kpis)
    assert len(leaves) > 500
    wrong = {name: problem for name in leaves if (problem := check_pattern(name, focus, ids, policies))}
    assert not wrong, list(wrong.items())[:5]


def test_docs_kpis_is_current():
    assert (ROOT / "docs" / "kpis.md").read_text() == kpis_markdown(), (
        "docs/kpis.md is stale: run `reesim schema --kpis docs/kpis.md`")


def _world_with_cheap_and_short_materials() -> dict:
    """US buyers of a plentiful material (a) and a short one (b), 50 t/day each."""
    w = base_world(horizon=200)
    w["facilities"] = {
        "a_maker": {"kind": "mine", "site": "market", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 100}, "yield": 1},
        "b_maker": {"kind": "mine", "site": "market", "recipe": {"outputs": {"b": 1}}, "capacity": {"t_per_day": 10}, "yield": 1},
    }
    w["demand"] = {
        "a_buyers": {"site": "market", "material": "a", "end_use": "other", "t_per_day": 50},
        "b_buyers": {"site": "market", "material": "b", "end_use": "defense", "t_per_day": 50},
    }
    w["stocks"] = {"market": {"a": {"initial_t": 400}}}  # a is there from day one (buyers take a week at a time)
    return w


def test_a_regional_fill_rate_hides_a_short_material_that_the_per_material_one_shows():
    k = run_dict(_world_with_cheap_and_short_materials()).kpis
    usa = k["fill_rate_by_region_material"]["usa"]
    assert usa["a"] == pytest.approx(1.0, abs=0.02)
    assert usa["b"] == pytest.approx(0.2, abs=0.03)  # 10 t/day made of 50 wanted
    assert k["fill_rate_by_region"]["usa"] == pytest.approx(0.6, abs=0.03)  # the average hides it
    lost = k["unmet_demand_t_by_region_material"]["usa"]
    assert lost["a"] == pytest.approx(0.0, abs=1.0) and lost["b"] > 5000
    assert sum(lost.values()) == pytest.approx(k["unmet_demand_t_by_region"]["usa"])
    days = k["days_short_by_region_material"]["usa"]
    assert days["b"] >= 190 and days["a"] <= 2
    assert k["days_short_by_region_end_use"]["usa"] == {"defense": days["b"], "other": days["a"]}


def _sweep(tmp_path, kpis: str, discovery: str = "") -> str:
    path = tmp_path / "s.yaml"
    path.write_text(f"sweep:\n  name: s\n  base: {TEST_SCENARIOS / 'chain.yaml'}\n  design: {{kind: grid}}\n"
                    f"  parameters:\n    c: {{path: facilities.cells.capacity.t_per_day, values: [10, 20]}}\n"
                    f"  kpis: {kpis}\n" + (f"  discovery: {discovery}\n" if discovery else ""))
    return str(path)


@pytest.mark.parametrize("kpis, message", [
    ("[fill_rate, fil_rate_by_region.usa]", "sweep.kpis[1]: unknown KPI 'fil_rate_by_region', did you mean 'fill_rate_by_region'?"),
    ("[fill_rate_by_region_material.usa]", "'fill_rate_by_region_material' is given as fill_rate_by_region_material.<region>.<material>"),
    ("[fill_rate_by_region.uss]", "no region 'uss' in this scenario, did you mean 'usa'?"),
    ("['fill_rate_by_region_material.*.magnit']", "no material 'magnit' in this scenario, did you mean 'magnet'?"),
    ("[price_usd_per_kg.x.top]", "no market 'x' in this scenario"),
    ("[production_t.magnets]", "no stage 'magnets' in this scenario, did you mean 'magnet'?"),
])
def test_a_sweep_kpi_that_matches_nothing_is_an_error_with_a_suggestion(tmp_path, capsys, kpis, message):
    path = _sweep(tmp_path, kpis)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {path}:") and message in err[0], err


def test_a_sweep_discovery_needs_one_real_kpi(tmp_path, capsys):
    path = _sweep(tmp_path, "[fill_rate]", "{kpi: 'fill_rate_by_region.*', below: 0.8}")
    assert main(["validate", path]) == 2
    assert "sweep.discovery.kpi: discovery needs one KPI, not a pattern" in capsys.readouterr().err
    path = _sweep(tmp_path, "['fill_rate_by_region_material.*.*', 'days_short_by_region_material.usa.*']",
                  "{kpi: fill_rate_by_region_material.usa.magnet, below: 0.8}")
    assert main(["validate", path]) == 0


def test_a_policy_total_points_to_the_policys_own_kpi():
    sc = load_scenario(ROOT / "scenarios" / "stockpile_release.yaml").scenario
    ids, policies, focus = _scenario_ids([sc])
    problem = check_pattern("stockpile_released_t", focus, ids, policies)
    assert problem.startswith("unknown KPI 'stockpile_released_t', did you mean 'policies.us_magnet_reserve.released_t'?")
    assert check_pattern("policies.us_magnet_reserve.released_t", focus, ids, policies) is None
    assert "no policy kpi 'relased_t'" in check_pattern("policies.us_magnet_reserve.relased_t", focus, ids, policies)
