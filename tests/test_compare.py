"""`reesim compare` (issue 12, item 2): scenario files or run folders, overrides per side, the same
period or a clear refusal, replications on common random numbers with 95% intervals, and
changes in percent."""

import pandas as pd
import pytest

from conftest import TEST_SCENARIOS
from sim.cli import main
from sim.results.compare import compare_kpis

CHAIN = str(TEST_SCENARIOS / "chain.yaml")


def _compare(tmp_path, *args: str) -> pd.DataFrame:
    out = tmp_path / "cmp.csv"
    assert main(["compare", *args, "--out", str(out)]) == 0
    return pd.read_csv(out).set_index("kpi")


def test_different_periods_are_refused_with_the_periods_named(tmp_path, capsys):
    assert main(["compare", CHAIN, CHAIN, "--set-b", "meta.horizon_days=200", "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "A covers 2025-01-01 to 2025-12-31 (365 days), B covers 2025-01-01 to 2025-07-19 (200 days)" in err[0]
    assert "--align" in err[0] and not list(tmp_path.iterdir())


def test_aligned_runs_compare_the_days_both_cover(tmp_path):
    # the same seed and scenario: the first 200 days of a year-long run are the 200-day run
    table = _compare(tmp_path, CHAIN, CHAIN, "--set-b", "meta.horizon_days=200", "--align")
    assert table.loc["production_t.magnet", "a"] == pytest.approx(table.loc["production_t.magnet", "b"])
    assert table.loc["production_t.magnet", "a"] > 0
    assert (table["b_minus_a"].abs() < 1e-6).all()


def test_replications_give_intervals_that_exclude_zero_for_a_real_change_only(tmp_path, capsys):
    table = _compare(tmp_path, CHAIN, CHAIN, "--set-b", "facilities.cells.capacity.t_per_day=10", "--replications", "4")
    printed = capsys.readouterr().out
    assert "4 replications a side on common random numbers" in printed and "95% interval" in printed
    metal = table.loc["production_t.metal"]
    assert metal["replications"] == 4 and metal["b_minus_a"] < 0
    assert metal["ci_low"] <= metal["b_minus_a"] <= metal["ci_high"] < 0 and not metal["spans_zero"]
    assert metal["change_pct"] == pytest.approx(100 * metal["b_minus_a"] / metal["a"])
    same = _compare(tmp_path / "same", CHAIN, CHAIN, "--replications", "3")
    assert (same["b_minus_a"] == 0).all() and same["spans_zero"].all()


def test_the_interval_is_the_t_interval_of_the_paired_differences():
    a = [{"x": 10.0}, {"x": 12.0}, {"x": 14.0}]
    b = [{"x": 11.0}, {"x": 15.0}, {"x": 14.0}]  # differences 1, 3, 0: mean 4/3, sd 1.528
    row = compare_kpis(a, b).set_index("kpi").loc["x"]
    half = 4.302653 * 1.527525 / 3 ** 0.5
    assert row["b_minus_a"] == pytest.approx(4 / 3)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((4 / 3 - half, 4 / 3 + half), rel=1e-5)
    assert row["spans_zero"]


def test_a_run_folder_compares_with_its_own_scenario_file_as_equal(tmp_path, capsys):
    folder = tmp_path / "run"
    assert main(["run", CHAIN, "--no-figures", "--out", str(folder), "--seed", "5"]) == 0
    table = _compare(tmp_path, str(folder), CHAIN)  # the file runs on the folder's seed
    assert (table["b_minus_a"].fillna(0).abs() < 1e-9).all()
    capsys.readouterr()
    assert main(["compare", str(folder), CHAIN, "--set-a", "meta.seed=3", "--out", str(tmp_path / "x")]) == 2
    assert "a run folder is a finished run" in capsys.readouterr().err
    assert main(["compare", str(folder), CHAIN, "--replications", "3", "--out", str(tmp_path / "x")]) == 2
    assert "a run folder is one run" in capsys.readouterr().err


def test_the_page_shows_changes_in_percent_and_intervals(tmp_path):
    _compare(tmp_path, CHAIN, CHAIN, "--set-b", "facilities.cells.capacity.t_per_day=10", "--replications", "3")
    page = (tmp_path / "cmp.html").read_text()
    assert "95% interval of B - A" in page and "common random numbers" in page
    assert "%</td>" in page and "relative" not in page


def test_each_side_is_named_with_its_own_settings_on_the_page_and_in_the_table(tmp_path, capsys):
    out = tmp_path / "cmp.csv"
    assert main(["compare", CHAIN, CHAIN, "--set", "meta.horizon_days=100", "--set-a", "facilities.cells.capacity.t_per_day=10",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out)
    a, b = table["a_is"].iloc[0], table["b_is"].iloc[0]
    assert a.endswith("with facilities.cells.capacity.t_per_day=10") and "horizon" not in a  # shared settings are not a difference
    assert "with" not in b and a != b
    page = out.with_suffix(".html").read_text()
    assert "facilities.cells.capacity.t_per_day=10" in page
    assert main(["compare", CHAIN, CHAIN, "--set", "meta.horizon_days=100", "--out", str(tmp_path / "same.csv")]) == 0
    same = pd.read_csv(tmp_path / "same.csv")
    assert same["a_is"].iloc[0].startswith("A: ") and same["b_is"].iloc[0].startswith("B: ")  # nothing apart: A and B say which


def test_a_kpi_some_runs_lack_says_in_how_many_it_exists():
    """Time to recover exists only in the runs that recovered: 'recovered in 2 of 3, mean 150'."""
    from sim.results.compare import format_comparison

    a = [{"time_to_recover_days": {"usa": 100.0}}, {"time_to_recover_days": {"usa": 200.0}}, {"time_to_recover_days": {}}]
    b = [{"time_to_recover_days": {"usa": 50.0}}, {"time_to_recover_days": {"usa": 70.0}}, {"time_to_recover_days": {"usa": 90.0}}]
    table = compare_kpis(a, b)
    row = table.set_index("kpi").loc["time_to_recover_days.usa"]
    assert (row["runs_a"], row["runs_b"], row["of"]) == (2, 3, 3)
    text = format_comparison(table, "A", "B")
    assert "recovered in 2 of 3, mean 150" in text
    assert "B - A pairs only runs where both sides have it" in text
    none = compare_kpis([{"time_to_recover_days": {}}, {"time_to_recover_days": {}}],
                        [{"time_to_recover_days": {"usa": 5.0}}, {"time_to_recover_days": {}}])
    assert "did not recover" in format_comparison(none, "A", "B")
