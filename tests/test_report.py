"""Figures and report.html: every figure draws, the report carries kpis.json, and a report rebuilt
from a copied run folder is the same page."""

import re
import shutil

import pytest

from conftest import SCENARIOS, TEST_SCENARIOS
from sim.cli import main
from sim.report.figures import FIGURES
from sim.report.html import kpi_rows
from sim.results import read_run_folder


@pytest.fixture(scope="module")
def chain_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "chain"
    assert main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """A run with something for every figure: markets, policies, a stockpile."""
    out = tmp_path_factory.mktemp("run") / "full"
    assert main(["run", str(SCENARIOS / "stockpile_release.yaml"), "--out", str(out), "--set", "meta.horizon_days=240"]) == 0
    return out


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_figure_draws_a_png(full_run, tmp_path, name):
    path = FIGURES[name](read_run_folder(full_run), tmp_path / name)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000


def test_a_figure_with_nothing_to_show_is_left_out(chain_run, full_run):
    assert not (chain_run / "prices.png").exists() and not (chain_run / "stockpile.png").exists()  # no markets, no reserve
    assert {p.name for p in full_run.glob("*.png")} == set(FIGURES)


def test_report_kpi_table_equals_kpis_json(chain_run):
    page = (chain_run / "report.html").read_text()
    shown = dict(re.findall(r'data-kpi="([^"]+)"><td>[^<]*</td><td class="num" data-value="([^"]+)"', page))
    expected = {k: repr(v) for k, v in kpi_rows(read_run_folder(chain_run).kpis)}
    assert shown == expected and len(shown) > 20


def test_report_is_self_contained_and_complete(chain_run):
    page = (chain_run / "report.html").read_text()
    assert page.count("<img ") == len(list(chain_run.glob("*.png"))) == len(FIGURES) - 2
    assert 'src="http' not in page and "src='http" not in page  # no outside resources
    for section in ("Assumptions and sources", "Key figures", "Policy timeline", "Facilities", "Sources", "All KPIs"):
        assert section in page
    assert "A five-stage chain used by the tests" in page  # the scenario file's header


def test_report_rebuilt_from_a_copied_folder_is_the_same(chain_run, tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(chain_run, copy)
    (copy / "report.html").unlink()
    for png in copy.glob("*.png"):
        png.unlink()
    assert main(["report", str(copy)]) == 0
    assert (copy / "report.html").read_text() == (chain_run / "report.html").read_text()


def test_a_report_with_many_policies_renders(full_run):
    page = (full_run / "report.html").read_text()
    assert "licensing_2025" in page and "us_magnet_reserve" in page
    assert page.count("<img ") == len(FIGURES)


def test_report_on_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_material_flow_over_a_chosen_period(chain_run, capsys):
    from sim.report.figures import material_flows

    result = read_run_folder(chain_run)
    full, _ = material_flows(result)
    part, flows = material_flows(result, 100, 199)
    assert part["mining"]["china"] == pytest.approx(full["mining"]["china"] * 100 / 365, rel=0.02)
    # magnets shipped from China to the US market within the period, as the lane recorded them
    ts = result.timeseries
    lane = ts[(ts["entity"] == "plant_to_market") & (ts["variable"] == "shipped_t") & ts["day"].between(100, 199)]["value"].sum()
    assert flows[("magnet", "end use")][("china", "usa")] == pytest.approx(lane)
    assert main(["report", str(chain_run), "--flow-from", "2025-04-11", "--flow-to", "2025-07-19"]) == 0
    assert main(["report", str(chain_run), "--flow-from", "2024-01-01"]) == 2


def test_explain_prints_the_network_and_draws_it(tmp_path, capsys):
    out = tmp_path / "net.png"
    assert main(["explain", str(TEST_SCENARIOS / "chain.yaml"), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "sep1" in text and "80.0 t/day (input)" in text and "plant_to_market" in text and "25 days" in text
    assert out.read_bytes()[:4] == b"\x89PNG" and out.stat().st_size > 10_000


def test_network_edges_follow_materials_across_lanes():
    from sim.report.network import edges
    from sim.scenario import load_scenario

    e = edges(load_scenario(TEST_SCENARIOS / "chain.yaml").scenario)
    assert ("mine1", "sep1", "conc") in e  # one lane away
    assert ("magnets", "demand:ev_traction@usa", "magnet") in e
    assert ("sep1", "cells", "ndpr_oxide") in e and not any(a == "sep1" and b == "alloy1" for a, b, _ in e)


def test_a_prepared_run_draws_the_same_figures(chain_run, tmp_path):
    """write_figures cuts the run once for every figure; each figure drawn on its own is the same PNG."""
    from sim.report.figures import write_figures

    result = read_run_folder(chain_run)
    together = write_figures(result, tmp_path)
    assert len(together) == len(FIGURES) - 2
    for name, fn in ((n, FIGURES[n]) for n in together):
        alone = fn(result, tmp_path / f"alone-{name}")
        assert alone.read_bytes() == together[name].read_bytes(), name
    assert not list(tmp_path.glob(".*.tmp"))  # every PNG renamed into place


HOSTILE = "<script>alert('x')</script> & \"quotes\""


def test_pages_escape_what_they_show(chain_run):
    """Names and notes come from user files: every page shows them as text, never as markup."""
    import pandas as pd
    import yaml

    from sim.report.compare_report import build_comparison
    from sim.report.html import build_report
    from sim.report.sweep_report import build_sweep_report
    from sim.results.compare import compare_kpis

    result = read_run_folder(chain_run)
    scenario = yaml.safe_load(result.scenario_yaml)
    scenario["meta"].update(name=HOSTILE, description=HOSTILE, question=HOSTILE)
    result.scenario_yaml = yaml.safe_dump(scenario)
    result.notes = HOSTILE
    run_page = build_report(result, {})
    cmp_page = build_comparison(result, result, compare_kpis(result.kpis, result.kpis), (HOSTILE, "b"))
    runs = pd.DataFrame(columns=["run_id", "point_id", "seed", "status", "error"])
    sweep_page = build_sweep_report({"name": HOSTILE, "description": HOSTILE, "base": "chain.yaml", "parameters": {}},
                                    runs, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), HOSTILE, HOSTILE)
    for page in (run_page, cmp_page, sweep_page):
        assert page.count("<script>") == 1  # the page's own image check, and nothing else
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;quotes&#34;" in page
        assert "<script>alert" not in page


def test_the_answer_leads_with_the_regions_the_policies_name():
    """A mine of 10 t/day in China; China's buyers want 20 t/day, the US's 5 over a lane the ban
    closes: China loses the more, but the ban makes the question the US's, so the US's shortfall
    is told first."""
    from conftest import base_world, run_dict
    from sim.report.answer import answer
    from sim.report.frames import prepare
    from sim.results.asked import asked_regions

    w = base_world(60)
    w["sites"]["market"] = {"region": "usa"}
    w["facilities"] = {"mine": {"kind": "mine", "site": "mine", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 10}, "cycle_days": 1}}
    w["links"] = {"to_us": {"from": "mine", "to": "market", "materials": ["a"], "lead_time_days": 5}}
    w["demand"] = {"cn": {"site": "mine", "material": "a", "end_use": "x", "t_per_day": 20, "period_days": 1},
                   "us": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 5, "period_days": 1}}
    w["policies"] = {"ban": {"kind": "export_control", "from": "china", "to": ["usa"], "materials": ["a"], "mode": "ban"}}
    r = run_dict(w)
    assert asked_regions(r.scenario_data) == ["usa"]
    short = [s for s in answer(prepare(r)) if s.startswith("In ")]
    assert short[0].startswith("In USA") and short[1].startswith("In China"), short
    del w["policies"]  # no policy: the focus region (China) and then the largest loss
    short = [s for s in answer(prepare(run_dict(w))) if s.startswith("In ")]
    assert short[0].startswith("In China"), short


def test_the_answer_says_where_stock_piled_up():
    """A mine of 20 t/day for buyers of 5: 15 t/day pile up at the mine, said with the tonnes."""
    from conftest import base_world, run_dict
    from sim.report.answer import answer
    from sim.report.frames import prepare

    w = base_world(100)
    w["facilities"] = {"mine": {"kind": "mine", "site": "mine", "recipe": {"outputs": {"a": 1}}, "capacity": {"t_per_day": 20}, "cycle_days": 1}}
    w["stocks"] = {"mine": {"a": {"initial_t": 100}}}
    w["demand"] = {"buyers": {"site": "mine", "material": "a", "end_use": "x", "t_per_day": 5, "period_days": 1}}
    sentences = answer(prepare(run_dict(w)))
    piled = [s for s in sentences if "piled up" in s]
    # day 0 ends with 95 t (its 5 t taken before the first day's output), then 15 t more a day
    assert piled == ["a piled up from 95 t held at the start to 1.6 kt at the end (+1.5 kt at mine)."], sentences
    w["demand"]["buyers"]["t_per_day"] = 20  # in balance: nothing piles up
    assert not [s for s in answer(prepare(run_dict(w))) if "piled up" in s]


def test_a_regions_time_to_survive_and_recover_sit_on_its_own_row():
    """The region's row (all its materials) carries them, not its first material's; a region that
    had not recovered by the end says so."""
    from sim.report.html import _regions

    k = {"fill_rate_by_region_material": {"usa": {"a": 0.5, "b": 1.0}}, "fill_rate_by_region": {"usa": 0.6},
         "disruption_day": 10, "time_to_survive_days": {"usa": 12}, "time_to_recover_days": {}}
    rows = _regions(k).to_dict("records")
    assert [r["material"] for r in rows] == ["all, tonnes together", "a", "b"]
    assert rows[0]["demand met %"] == pytest.approx(60)
    assert (rows[0]["time to survive (days)"], rows[0]["time to recover (days)"]) == (12, "did not recover")
    assert all(r["time to survive (days)"] == "" and r["time to recover (days)"] == "" for r in rows[1:])
    calm = _regions({**k, "disruption_day": None, "time_to_survive_days": {}})
    assert calm.iloc[0]["time to recover (days)"] == "-"  # nothing to recover from


def test_figures_drawn_in_a_child_are_the_ones_drawn_here(chain_run, tmp_path):
    """A run's figures drawn beside the rest of the writing (a forked child, where there is one)
    are byte for byte those drawn in this process; a stopped drawing leaves nothing behind."""
    from sim.report.background import BackgroundFigures, can_fork

    result = read_run_folder(chain_run)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    serial = BackgroundFigures(result, parallel=False).into(here)
    child = BackgroundFigures(result, parallel=can_fork())
    drawn = child.into(there)
    assert list(drawn) == list(serial) and serial
    assert all((here / n).read_bytes() == (there / n).read_bytes() for n in serial)
    assert not child.scratch.exists()
    stopped = BackgroundFigures(result, parallel=can_fork())
    stopped.cancel()
    assert not stopped.scratch.exists() and stopped.pid is None


def test_the_figures_tables_add_up_to_the_kpis(full_run):
    """What the production and unmet-demand figures draw is what the KPIs count: each stage's
    date x region table sums to its production KPI, and the regions' daily unmet demand to the
    run's unmet tonnes (the tables are summed in numpy, the KPIs apart)."""
    from sim.report.frames import prepare

    run = prepare(read_run_folder(full_run))
    k = run.result.kpis
    assert set(run.production) == {s for s, t in k["production_t"].items() if t > 0}
    for stage, table in run.production.items():
        assert table.to_numpy().sum() == pytest.approx(k["production_t"][stage], rel=1e-9)
        assert list(table.columns) == sorted(table.columns) and table.index.is_monotonic_increasing
    assert run.demand["unmet_t"].to_numpy().sum() == pytest.approx(k["unmet_demand_t"], rel=1e-9)
    by = run.demand_by_material
    assert all(t.shape == by["requested_t"].shape for t in by.values())  # every variable on the same days and columns
