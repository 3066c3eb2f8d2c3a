"""Each lesson shows what its header says."""

from functools import cache

import numpy as np
import pytest

from conftest import SCENARIOS
from sim.engine import simulate
from sim.results import Result
from sim.scenario import load_scenario

TEACHING = SCENARIOS / "teaching"


@cache
def lesson(name: str, *overrides: str) -> Result:
    loaded = load_scenario(TEACHING / f"{name}.yaml", list(overrides))
    return Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())


def per_day(r: Result, entity: str, variable: str) -> float:
    ts = r.timeseries
    return ts[(ts["entity"] == entity) & (ts["variable"] == variable)]["value"].sum() / r.run["horizon_days"]


def test_every_lesson_says_what_it_shows_what_to_change_and_what_you_should_see():
    files = sorted(TEACHING.glob("*.yaml"))
    assert len(files) == 7
    for path in files:
        head = path.read_text()
        for part in ("# Lesson", "What it shows:", "What to change:", "What you should see:"):
            assert part in head, (path.name, part)
        assert load_scenario(path).scenario.meta.question


def test_lesson1_kiln():
    full = lesson("1_one_kiln")
    assert per_day(full, "gansu_kiln", "throughput_t") == pytest.approx(40, rel=0.01)
    assert per_day(full, "gansu_kiln", "output_t") == pytest.approx(18, rel=0.01)
    short = lesson("1_one_kiln", "facilities.carbonate_supply.capacity.t_per_day=30")
    assert per_day(short, "gansu_kiln", "output_t") == pytest.approx(13.5, rel=0.02)


def test_lesson2_the_bottleneck_sets_the_pace():
    base = per_day(lesson("2_bottleneck"), "magnets", "output_t")
    assert base == pytest.approx(12, rel=0.01)
    assert per_day(lesson("2_bottleneck", "facilities.magnets.capacity.t_per_day=80"), "magnets", "output_t") == pytest.approx(base, rel=0.001)
    assert per_day(lesson("2_bottleneck", "facilities.cells.capacity.t_per_day=35"), "magnets", "output_t") == pytest.approx(30, rel=0.01)


def test_lesson3_more_buffer_fewer_shortfalls():
    rates = [lesson("3_buffers_and_lead_times", f"stocks.usa.magnet.target_cover_days={d}").kpis["fill_rate"] for d in (35, 45, 60)]
    assert rates[0] < 0.85 < rates[1] < 0.99 < rates[2]


def test_lesson4_orders_swing_more_upstream():
    r = lesson("4_bullwhip")
    ts = r.timeseries
    weekly = lambda ent, var: ts[(ts["entity"] == ent) & (ts["variable"] == var)].groupby(ts["day"] // 7)["value"].sum().iloc[4:]  # noqa: E731
    demand = weekly("buyers", "requested_t").var()
    market = weekly("market", "ordered_t").var()
    distributor = weekly("distributor", "ordered_t").var()
    assert demand < market < distributor
    assert distributor / demand > 3


def test_lesson5_time_to_survive_grows_with_the_stockpile():
    tts = [lesson("5_shock_and_stockpile", f"policies.us_reserve.initial_t={t}", f"policies.us_reserve.size_t={max(t, 1)}")
           .kpis["time_to_survive_days"]["usa"] for t in (0, 1000, 2000)]
    assert tts[0] < tts[1] < tts[2]
    assert tts[1] - tts[0] == pytest.approx(25, abs=4)  # 1,000 t at 40 t/day


def test_lesson6_new_capacity_takes_years_and_slips_cost_more():
    on_time, late = lesson("6_western_answer"), lesson("6_western_answer", "policies.new_plant.slip_probability=1")
    out = on_time.timeseries
    plant = out[(out["entity"] == "new_plant") & (out["variable"] == "output_t")].set_index("day")["value"]
    assert plant[:1095].sum() == 0 and plant[1100:1200].sum() > 0  # three years to build
    assert late.kpis["fill_rate_by_region"]["usa"] < on_time.kpis["fill_rate_by_region"]["usa"] < 0.8


def test_lesson7_prices_and_output_cycle():
    r = lesson("7_price_feedback")
    ts = r.timeseries
    price = ts[(ts["entity"] == "ndpr") & (ts["variable"] == "price_usd_per_kg")]["value"].to_numpy()
    multiple = ts[(ts["variable"] == "supply_multiple")]["value"].to_numpy()
    assert price.max() > 35 and price.min() < 25  # it leaves the band both ways
    assert multiple.max() > 1.05 and multiple.min() < 0.95  # the producer both raises and cuts
    crossings = np.sum(np.diff(np.sign(price - 30)) != 0)
    assert crossings >= 2  # a cycle, not a drift
