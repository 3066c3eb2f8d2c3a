"""The baseline holds for a decade over three seeds (issue 20, items 1 and 8), measured as
benchmarks/decade.py measures it (which takes five for docs/validation.md). The targets the model
meets are tests; those it does not yet meet are strict expected failures, so that meeting one turns
the suite red until its test is made a plain test (as in test_validation.py)."""

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import decade  # noqa: E402  (benchmarks/decade.py)

SEEDS = decade.seeds(3)  # the third is the calm world's hardest of the five


# one seed after another in this process: the suite already keeps every core busy, and a pool
# would import reesim again in each of its workers
@pytest.fixture(scope="module")
def years() -> list:
    return [y for seed in SEEDS for y in decade.decade(seed)]


def test_ten_years_on_three_seeds(years):
    assert sorted({y.seed for y in years}) == SEEDS
    assert sorted({y.year for y in years}) == list(range(2025, 2035))


def test_every_material_in_every_region_is_met_every_year(years):
    """No grade of any material in any region below 97% of its demand in any year (issue 20)."""
    short = [(y.seed, y.year, y.worst_where, round(y.worst_fill, 3)) for y in years if y.worst_fill < 0.97]
    assert not short


def test_no_market_sits_at_its_cap(years):
    capped = [(y.seed, y.year, y.at_cap) for y in years if y.at_cap]
    assert not capped


def test_every_yearly_mean_price_stays_within_half_and_twice_its_reference(years):
    out = [(y.seed, y.year, y.price_low, y.price_high) for y in years if y.price_low[0] < 0.5 or y.price_high[0] > 2.0]
    assert not out


@pytest.mark.xfail(strict=True, reason="China's Dy oxide averages 0.85x in the third year on the third seed, at the "
                   "edge of 15% (docs/validation.md)")
def test_the_calm_world_holds_on_three_seeds():
    out = {seed: decade.calm(seed)[1] for seed in SEEDS}
    assert not any(out.values()), out
