"""The 2010-2015 export-quota episode against the public record (benchmarks/validation.py).

The targets the model meets are tests; those it does not yet meet are strict expected failures,
so that meeting one turns the suite red until its test is made a plain test (issue 10)."""

import datetime as dt
import importlib.util
import sys

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("validation", ROOT / "benchmarks" / "validation.py")
validation = importlib.util.module_from_spec(spec)
sys.modules["validation"] = validation  # its dataclasses look their module up
spec.loader.exec_module(validation)


@pytest.fixture(scope="module")
def episode():
    return validation.run("export_quota_2010")


@pytest.fixture(scope="module")
def checks(episode):
    return {c.what: c for c in validation.episode_2010(episode)}


def test_the_public_record_is_read_from_the_seeds():
    pub = validation.public_points()
    assert pub["dy_oxide_fob"].max() / pub["dy_oxide_fob"].iloc[0] == pytest.approx(2300 / 118.49)
    assert pub["china_exports_t"].iloc[0] == 16900


def test_seven_measures(checks):
    assert len(checks) == 7


@pytest.mark.parametrize("what", ["heavy RE price outside China, 2011 peak / 2009-10 level",
                                  "light RE price outside China, 2011 peak / 2009-10 level",
                                  "heavy RE price outside China, month it first reaches its peak",
                                  "heavy RE price outside China, fall from its peak by end-2014",
                                  "light RE price outside China, fall from its peak by end-2014",
                                  "buyers outside China back above 95% of demand for good (years from 2011)"])
def test_met(checks, what):
    assert checks[what].ok, (checks[what].shown, checks[what].target)


@pytest.mark.xfail(strict=True, reason="buyers outside China want ~40 kt a year from China against a 30 kt quota; "
                   "the published responses (thrifting <= 10%/yr, destocking) close a third of that gap in 2011 "
                   "(docs/validation.md)")
@pytest.mark.parametrize("what", ["China's 2011 exports / quota"])
def test_not_yet_met(checks, what):
    assert checks[what].ok


def test_the_quotas_bring_mountain_pass_forward(episode):
    """Molycorp goes ahead on the price: under the quotas Phoenix starts up in 2012 (public: Q4
    2012, data/09); without them the light price stays low for years and the restart waits."""
    start = dt.date(2010, 1, 1)
    under = episode.kpis["policies"]["mountain_pass_phoenix"]
    online = start + dt.timedelta(days=under["online_day"])
    assert dt.date(2012, 7, 1) <= online <= dt.date(2013, 6, 30), online
    free = validation.run("world_2009").kpis["policies"]["mountain_pass_phoenix"]
    assert free.get("go_ahead_day") is None or free["go_ahead_day"] >= under["go_ahead_day"] + 3 * 365


def test_the_world_of_2009_is_in_balance_so_the_crisis_is_the_quotas_doing():
    """Without the quotas (issue 20, item 5), world_2009 meets every region's demand of both groups
    in full every year, and the prices outside China stay within 1.0-1.3x their 2009-10 level, where
    under the quotas the heavy price reaches 20x (test_met)."""
    free = validation.run("world_2009")
    ts, entities = free.timeseries, free.entities
    region = entities[entities["type"] == "demand"].set_index("entity")["region"]
    demand = ts[ts["variable"].isin(["requested_t", "delivered_t"]) & ts["entity"].isin(region.index)]
    by = [demand["date"].dt.year, demand["entity"].map(region).astype(str), demand["material"].astype(str), demand["variable"]]
    totals = demand.groupby(by, observed=True)["value"].sum().unstack()
    met = totals["delivered_t"] / totals["requested_t"]
    assert met.min() >= 0.995, met[met < 0.995]
    for market in ("heavy_world", "light_world"):
        price = validation.series(free, market, "price_usd_per_kg")
        yearly = price.groupby(price.index.year).mean() / price.iloc[0]
        assert yearly.between(0.9, 1.3).all(), (market, yearly.round(2).to_dict())
