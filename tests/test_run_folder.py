"""`reesim run` writes one whole run folder that traces back to its exact inputs."""

import json

import pandas as pd
import pytest

from conftest import TEST_SCENARIOS, assert_same_frame
from sim.cli import main
from sim.results import read_run_folder, write_run_folder
from sim.scenario import load_scenario

FILES = {"scenario.yaml", "timeseries.parquet", "kpis.json", "summary.csv", "run.json", "entities.csv", "balance.csv", "notes.txt", "report.html", "fill_rates.png", "utilisation.png", "material_flow.png",
         "stocks.png", "production.png", "unmet_demand.png", "orders.png", "policy_events.csv"}


def test_run_writes_every_file(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--seed", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "demand met" in printed and "China share" in printed
    assert {p.name for p in out.iterdir()} == FILES
    for png in out.glob("*.png"):
        assert png.stat().st_size > 5_000  # palette PNGs: a chart of few colours is small
    kpis = json.loads((out / "kpis.json").read_text())
    for key in ("unmet_demand_t", "fill_rate", "fill_rate_by_region", "production_t", "share_china"):
        assert key in kpis
    assert set(kpis["production_t"]) >= {"mining", "separation", "metal", "alloy", "magnet", "recycling"}
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 3 and run["events"] > 0 and run["wall_seconds"] > 0
    assert run["scenario_sha256"] == load_scenario(out / "scenario.yaml").digest()
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["day", "date", "entity", "material", "variable", "value"]
    assert ts["day"].max() == 364


def test_default_folder_is_new_each_time(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--no-figures"]) == 0
    assert len(list((tmp_path / "results").iterdir())) == 2


def test_a_failed_write_leaves_nothing(tmp_path, baseline):
    def broken_figures(result, folder):
        (folder / "half.png").write_bytes(b"x")
        raise RuntimeError("disk trouble")

    with pytest.raises(RuntimeError):
        write_run_folder(baseline, tmp_path / "run", broken_figures)
    assert list(tmp_path.iterdir()) == []


def test_read_back(tmp_path, baseline):
    write_run_folder(baseline, tmp_path / "run")
    back = read_run_folder(tmp_path / "run")
    assert back.kpis == json.loads(json.dumps(baseline.kpis))
    assert_same_frame(back.timeseries, baseline.timeseries)


def test_list_shows_scenarios_and_kinds(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "scenarios/baseline.yaml" in out
    for kind in ("calcining_kiln", "separation_plant", "electrolytic_cell_line", "recycling_plant"):
        assert kind in out


def test_compare_prints_and_writes_differences(tmp_path, capsys):
    b = tmp_path / "b.yaml"
    b.write_text(f"extends: {TEST_SCENARIOS / 'chain.yaml'}\nmeta: {{name: slower}}\nfacilities:\n  cells: {{capacity: {{t_per_day: 15}}}}\n")
    out = tmp_path / "cmp.csv"
    assert main(["compare", str(TEST_SCENARIOS / "chain.yaml"), str(b), "--seed", "4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "production_t.metal" in printed
    table = pd.read_csv(out).set_index("kpi")
    assert table.loc["production_t.metal", "b_minus_a"] < 0
    assert table.loc["production_t.metal", "b_minus_a"] == pytest.approx(table.loc["production_t.metal", "b"] - table.loc["production_t.metal", "a"])
    assert table.loc["production_t.mining", "b_minus_a"] == 0  # same seed, same mine
    page = out.with_suffix(".html").read_text()
    assert page.count("<img ") == 4 and "slower" in page and "What moved" in page


def test_the_answer_is_on_the_terminal_before_the_page_and_figures(tmp_path, capsys, monkeypatch):
    """Issue 23: figures do not hold up a run's answer. The KPIs and balance findings are printed
    before the page and its figures are written; the folder's name comes last, once it is whole."""
    import sim.cli as cli

    printed = {}
    real = cli._write_page

    def page(*args, **kwargs):
        printed["before the page"] = capsys.readouterr().out
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "_write_page", page)
    assert main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--out", str(tmp_path / "run")]) == 0
    early = printed["before the page"]
    assert "demand met, by region and material" in early and "world out of balance" in early
    assert "run folder:" not in early
    assert capsys.readouterr().out.strip() == f"run folder: {tmp_path / 'run'}"
    assert (tmp_path / "run" / "report.html").exists()


def test_a_run_leaves_the_garbage_collector_as_it_found_it(tmp_path, capsys):
    """`reesim run` freezes the modules it loads and its result out of the collector's sight while
    it writes; a process that goes on after it (a notebook, the lab, these tests) gets them back."""
    import gc

    before = gc.get_freeze_count()
    assert main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--set", "meta.horizon_days=60", "--out", str(tmp_path / "run")]) == 0
    assert gc.get_freeze_count() == before


def test_the_reesim_command_in_its_own_process_writes_the_folder_whole(tmp_path):
    """The command as a user starts it (`console`, which freezes what is left before the process
    ends): every file is written, and each matches the stamp run.json holds for it."""
    import subprocess
    import sys

    from conftest import ROOT

    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "sim.cli", "run", str(TEST_SCENARIOS / "chain.yaml"),
                           "--set", "meta.horizon_days=60", "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == FILES
    assert read_run_folder(out).kpis == json.loads((out / "kpis.json").read_text())  # read back, stamps checked
