"""The baseline reproduces the public figures and every modelled figure from the source articles."""

import csv

import pytest

from sim.results.calibration import article_checks, public_checks
from sim.scenario.catalog import SEEDS_DIR


def test_public_targets(baseline):
    checks = public_checks(baseline)
    assert {c.id for c in checks} == {
        "world_mine_production", "china_share_mining", "china_share_separation", "china_share_magnet", "china_smco_output",
    }
    failures = [f"{c.id}: model {c.modelled:.4g} vs target {c.target:.4g} (+-{c.tolerance})" for c in checks if not c.ok]
    assert not failures, failures


def test_every_article_figure(baseline):
    checks = {c.id: c for c in article_checks(baseline)}
    with (SEEDS_DIR / "article_figures.csv").open() as fh:
        modelled = [r["id"] for r in csv.DictReader(fh) if r["check"] not in ("none", "calibration")]
    assert sorted(checks) == sorted(modelled), "every modelled article figure is measured in the baseline"
    failures = [f"{c.id}: model {c.modelled:.4g} vs article {c.target:.4g} {c.unit}" for c in checks.values() if not c.ok]
    assert not failures, failures


@pytest.mark.parametrize("stage", ["mining", "separation", "metal", "alloy", "magnet", "recycling"])
def test_kpis_name_every_stage(baseline, stage):
    k = baseline.kpis
    assert k["production_t"][stage] > 0
    assert 0 < k["share_china"][stage] <= 1


def test_baseline_meets_demand(baseline):
    # the world of 2024-25 had no general shortage of magnets
    assert baseline.kpis["fill_rate_by_end_use"]["ev_traction"] > 0.97
    assert baseline.kpis["fill_rate"] > 0.97


def test_la_ce_pile_up_in_the_baseline(baseline):
    """The balance problem: more Ce is separated than is sold, so Ce piles up over the year, on
    the shelf or in the stockpiles of what nobody takes."""
    ts = baseline.timeseries
    ce = ts[(ts["material"] == "ce_oxide") & ts["variable"].isin(["level_t", "set_aside_t"])]
    by_day = ce.groupby("day")["value"].sum()
    assert by_day.iloc[-1] > by_day.iloc[0] + 10_000
