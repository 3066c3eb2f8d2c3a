"""Shared fixtures: small scenario builders and one cached baseline run."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest

from sim.engine import simulate
from sim.results import Result
from sim.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TEST_SCENARIOS = Path(__file__).parent / "scenarios"


SLOWEST_FILES_FIRST = (
    "test_library.py", "test_sweep.py", "test_decade.py", "test_lab_app.py", "test_report.py",
    "test_damaged_folders.py", "test_tutorial.py", "test_run_page.py", "test_outputs_safe.py",
    "test_sweep_report.py", "test_calm.py", "test_browser.py", "test_mass_balance.py",
)
"""Test files by their time on 7 December 2026 (82 s down to 16 s on this 2-core machine). `make
test` gives each file to one worker (``--dist loadfile``) in collection order
(``--no-loadscope-reorder``): longest first, so no long file starts last and leaves the other
core idle at the end. xdist's own order is by the number of tests a file has, which put the
decade's two tests (54 s) near the end."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOWEST_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


def assert_same_frame(a, b) -> None:
    """pandas' exact frame check, with categorical columns compared as their text: pandas compares
    categoricals row by row in Python (14 s for a 10-year baseline's timeseries, 0.9 s as text)."""
    import pandas as pd

    def as_text(df: pd.DataFrame) -> pd.DataFrame:
        return df.astype({c: str for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)})

    pd.testing.assert_frame_equal(as_text(a), as_text(b), check_exact=True)


LOST_SALES = {"backorder_share": {}, "other_backorder_share": 0.0}
"""Buyers who wait for nothing: what is short when due is lost (tests of other mechanisms)."""


def base_world(horizon: int = 365, seed: int = 1) -> dict:
    """A minimal world: two regions, three sites, one unit material chain A -> B -> C, whose
    buyers lose what is short (tests of backorders say otherwise)."""
    return {
        "meta": {"name": "t", "start_date": "2025-01-01", "horizon_days": horizon, "seed": seed},
        "regions": {"china": {}, "usa": {}},
        "sites": {"mine": {"region": "china"}, "plant": {"region": "china"}, "market": {"region": "usa"}},
        "materials": {"a": {}, "b": {}, "c": {}, "d": {}},
        "facilities": {},
        "links": {},
        "stocks": {},
        "demand": {},
        "buyers": dict(LOST_SALES),
    }


def two_supplier_world(horizon: int, region: str, site: str) -> dict:
    """A US buyer (10 t/day, 30 days of cover, reviewed weekly) ordering from China's plant
    (lane ``from_china``) and from a second supplier at ``site`` in ``region`` (lane
    ``from_<site>``), each holding plenty, with equal written shares and 5-day lead times."""
    w = base_world(horizon)
    w["regions"][region] = {}
    w["sites"][site] = {"region": region}
    w["stocks"] = {"plant": {"a": {"initial_t": 1e6}}, site: {"a": {"initial_t": 1e6}},
                   "market": {"a": {"initial_t": 300, "target_cover_days": 30, "replenishment": {"review_days": 7}}}}
    w["links"] = {"from_china": {"from": "plant", "to": "market", "materials": ["a"], "lead_time_days": 5},
                  f"from_{site}": {"from": site, "to": "market", "materials": ["a"], "lead_time_days": 5}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10}}
    return w


def series(result, entity, variable, material=None):
    """One daily series of a run (summed over materials unless one is named), indexed by day."""
    ts = result.timeseries
    sel = ts[(ts["entity"] == entity) & (ts["variable"] == variable)]
    if material is not None:
        sel = sel[sel["material"] == material]
    return sel.groupby("day")["value"].sum()


def run_dict(data: dict, overrides=()) -> Result:
    loaded = scenario_from_dict(copy.deepcopy(data), overrides)
    out = simulate(loaded.scenario)
    return Result.from_output(out, loaded.resolved_yaml(), loaded.digest())


@cache
def _baseline(overrides: tuple[str, ...]) -> Result:
    loaded = load_scenario(SCENARIOS / "baseline.yaml", overrides)
    out = simulate(loaded.scenario)
    return Result.from_output(out, loaded.resolved_yaml(), loaded.digest(), "scenarios/baseline.yaml")


@pytest.fixture(scope="session")
def baseline() -> Result:
    """The baseline scenario, one year (as shipped)."""
    return _baseline(())


def totals(result: Result):
    """Sum of each series over the run: (entity, material, variable) -> t."""
    return result.timeseries.groupby(["entity", "material", "variable"], observed=True)["value"].sum()
