"""Random outages: long-run availability is MTBF / (MTBF + MTTR); ramp-up after commissioning."""

import pytest

from conftest import base_world, run_dict, totals


def lone_plant(mtbf=50.0, mttr=5.0, horizon=36_500, seed=7):
    w = base_world(horizon, seed)
    w["facilities"] = {
        "kiln": {"kind": "calcining_kiln", "site": "plant", "recipe": {"outputs": {"a": 1}},
                 "capacity": {"t_per_day": 10}, "cycle_days": 7,
                 "outages": {"mtbf_days": mtbf, "mttr_days": mttr}},
    }
    return w


def test_availability_matches_mtbf_over_mtbf_plus_mttr():
    # ~660 failures: the estimate's standard error is ~0.5%, so 2% is a real test (DESIGN.md)
    r = run_dict(lone_plant())
    horizon = r.run["horizon_days"]
    made = totals(r)[("kiln", "", "output_t")]
    expected = 50 / (50 + 5)
    assert made / (10 * horizon) == pytest.approx(expected, rel=0.02)
    down = r.entities.set_index("entity").loc["kiln", "down_days"]
    assert 1 - down / horizon == pytest.approx(expected, rel=0.02)


def test_constant_outages_are_exact():
    w = lone_plant(mtbf=45, mttr=5, horizon=5000)
    w["facilities"]["kiln"]["outages"].update(failure_dist="constant", repair_dist="constant")
    r = run_dict(w)
    assert totals(r)[("kiln", "", "output_t")] == pytest.approx(10 * 5000 * 0.9, rel=1e-9)


def test_ramp_up_after_commissioning():
    w = base_world(400)
    w["facilities"] = {
        "plant": {"kind": "metal_plant", "site": "plant", "recipe": {"outputs": {"a": 1}}, "yield": 1,
                  "capacity": {"t_per_day": 10}, "cycle_days": 1,
                  "commissioning": {"date": "2025-03-02", "ramp_up_days": 100, "start_fraction": 0.2}},
    }
    r = run_dict(w)
    ts = r.timeseries
    out = ts[(ts["entity"] == "plant") & (ts["variable"] == "output_t")].set_index("day")["value"]
    start = 60  # 2 March 2025 is day 60
    assert out[:start].sum() == 0
    assert out[start] == pytest.approx(2.0)  # 20% on the first day
    assert out[start + 50] == pytest.approx(10 * (0.2 + 0.8 * 0.5))
    assert out[start + 150:].mean() == pytest.approx(10)
    # a linear ramp from 20% over 100 days loses 40 days of output
    assert out.sum() == pytest.approx(10 * (400 - start) - 10 * 100 * 0.4, rel=0.01)
