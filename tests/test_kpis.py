"""KPIs from a small timeseries written by hand, against sums worked out here: the KPIs are
summed in numpy by position, and these pin what each sum means."""

import numpy as np
import pandas as pd
import pytest

from sim.results.kpis import compute_kpis

DAYS = 21


def _rows(entity: str, material: str, variable: str, values) -> list[dict]:
    return [{"day": d, "entity": entity, "material": material, "variable": variable, "value": float(v)}
            for d, v in enumerate(values) if v is not None]


def _world(categorical: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Buyers in the US (magnets, two groups) and Japan (oxide); a mine and a magnet plant that
    grows; a price; the US stock's orders. The US magnet buyers lose 5 t on days 3-4 (group a)
    and 4-5 (group b), and group b waits for 2 t from day 19."""
    req_a, req_b, req_j = [10] * DAYS, [6] * DAYS, [4] * DAYS
    unmet_a = [5 if d in (3, 4) else 0 for d in range(DAYS)]
    unmet_b = [5 if d in (4, 5) else 0 for d in range(DAYS)]
    back_b = [2 if d >= 19 else 0 for d in range(DAYS)]
    dlv_a = [r - u for r, u in zip(req_a, unmet_a, strict=True)]
    dlv_b = [r - u for r, u in zip(req_b, unmet_b, strict=True)]
    dlv_b[19] = 4  # 2 t short on day 19 wait; on day 20 they are served and 2 t of that day's wait
    dlv_b[20] = 6
    rows = (
        _rows("us_a", "ndfeb_magnet", "requested_t", req_a) + _rows("us_a", "ndfeb_magnet", "delivered_t", dlv_a)
        + _rows("us_a", "ndfeb_magnet", "unmet_t", unmet_a)
        + _rows("us_b", "ndfeb_magnet", "requested_t", req_b) + _rows("us_b", "ndfeb_magnet", "delivered_t", dlv_b)
        + _rows("us_b", "ndfeb_magnet", "unmet_t", unmet_b) + _rows("us_b", "ndfeb_magnet", "backorder_t", back_b)
        + _rows("jp", "nd_oxide", "requested_t", req_j) + _rows("jp", "nd_oxide", "delivered_t", req_j)
        + _rows("mine", "conc", "output_t", [30] * DAYS) + _rows("mine", "conc", "throughput_t", [30] * DAYS)
        + _rows("plant", "ndfeb_magnet", "output_t", [8] * DAYS) + _rows("plant", "ndfeb_magnet", "throughput_t", [8] * DAYS)
        + _rows("plant", "ndfeb_magnet", "capacity_t_per_day", [10] * 10 + [20] * 11)
        + _rows("ndfeb_magnet_world", "ndfeb_magnet", "price_usd_per_kg", [100 + d for d in range(DAYS)])
        + _rows("us_stock", "ndfeb_magnet", "ordered_t", [0, 0, 0, 0, 0, 0, 0] + [35, 0, 0, 0, 0, 0, 0] + [0] * 6 + [70])
    )
    ts = pd.DataFrame(rows)
    if categorical:
        ts = ts.astype({c: "category" for c in ("entity", "material", "variable")})
    ent = pd.DataFrame([
        {"entity": "us_a", "type": "demand", "region": "usa", "material": "ndfeb_magnet", "end_use": "ev", "stage": ""},
        {"entity": "us_b", "type": "demand", "region": "usa", "material": "ndfeb_magnet", "end_use": "wind", "stage": ""},
        {"entity": "jp", "type": "demand", "region": "japan", "material": "nd_oxide", "end_use": "ev", "stage": ""},
        {"entity": "mine", "type": "facility", "region": "china", "material": "conc", "stage": "mining", "capacity_t_per_day": 40.0},
        {"entity": "plant", "type": "facility", "region": "usa", "material": "ndfeb_magnet", "stage": "magnet", "capacity_t_per_day": 10.0},
    ])
    events = pd.DataFrame([{"day": 2, "date": "2025-01-03", "policy": "ban", "kind": "export_control", "event": "start"}])
    return ts, ent, events


@pytest.fixture(scope="module")
def kpis():
    return compute_kpis(*_world(), focus_region="china")


def test_fill_rates_and_losses_by_region_material_and_end_use(kpis):
    owed_us = 16 * DAYS  # delivered + lost + still waiting at the end = requested
    delivered_us = owed_us - 20 - 2
    assert kpis["fill_rate_by_region"] == pytest.approx({"japan": 1.0, "usa": delivered_us / owed_us})
    assert kpis["unmet_demand_t_by_region"] == {"japan": 0.0, "usa": 20.0}
    assert kpis["unmet_demand_t_by_end_use"] == {"ev": 10.0, "wind": 10.0}
    assert kpis["fill_rate_by_end_use"]["wind"] == pytest.approx((6 * DAYS - 12) / (6 * DAYS))
    assert kpis["backorders_t_at_end_by_region"] == {"japan": 0.0, "usa": 2.0}
    assert kpis["requested_t"] == 20 * DAYS and kpis["unmet_demand_t"] == 20.0


def test_a_day_is_short_for_a_group_when_any_of_its_buyers_is_short(kpis):
    # group a short on days 3-4, group b on 4-5 and 19-20: the US was short on days 3, 4, 5, 19, 20
    assert kpis["days_short_by_region"] == {"japan": 0, "usa": 5}
    assert kpis["days_short_by_region_material"] == {"japan": {"nd_oxide": 0}, "usa": {"ndfeb_magnet": 5}}
    assert kpis["days_short_by_region_end_use"]["usa"] == {"ev": 2, "wind": 4}


def test_survival_and_recovery_count_from_the_disruption(kpis):
    assert kpis["disruption_day"] == 2
    assert kpis["time_to_survive_days"] == {"japan": None, "usa": 1}  # short from day 3
    # the 30-day fill rate never climbs back to 99% within three weeks
    assert kpis["time_to_recover_days"] == {"japan": 0, "usa": None}


def test_production_utilisation_and_prices(kpis):
    assert kpis["production_t"]["mining"] == 30 * DAYS and kpis["production_t"]["magnet"] == 8 * DAYS
    assert kpis["share_china"]["mining"] == 1.0 and kpis["share_china"]["magnet"] == 0.0
    assert kpis["hhi"]["mining"] == 10_000.0
    # the mine against its fixed capacity every day; the plant against the capacity it grew to
    assert kpis["utilisation_by_facility"] == pytest.approx({"mine": 30 / 40, "plant": 8 * DAYS / (10 * 10 + 20 * 11)})
    assert kpis["price_usd_per_kg"]["ndfeb_magnet_world"] == {"mean": 110.0, "peak": 120.0, "low": 100.0,
                                                              "start": 100.0, "end": 120.0}


def test_bullwhip_is_the_variance_of_weekly_orders_over_weekly_demand():
    ts, ent, events = _world()
    # two more weeks of Japan's demand (days 21-34), so that weekly demand varies: weeks 0-4, of
    # which the first and last are left out
    more = pd.DataFrame(_rows("jp", "nd_oxide", "requested_t", [None] * DAYS + [1] * 7 + [9] * 7))
    longer = pd.concat([ts.astype({c: str for c in ("entity", "material", "variable")}), more], ignore_index=True)
    k = compute_kpis(longer, ent, events)
    demand_weeks = np.array([20 * 7, 20 * 7, 7.0])  # weeks 1-3
    orders_weeks = np.array([35.0, 70.0, 0.0])
    assert k["bullwhip_ratio"] == pytest.approx({"us_stock.ndfeb_magnet": orders_weeks.var(ddof=1) / demand_weeks.var(ddof=1)})


def test_plain_text_columns_give_the_same_kpis_as_categories(kpis):
    ts, ent, events = _world(categorical=False)
    assert compute_kpis(ts, ent, events, focus_region="china") == kpis


def test_a_window_counts_only_its_days():
    ts, ent, events = _world()
    late = ts[ts["day"] >= 10].reset_index(drop=True)
    k = compute_kpis(late, ent, events)
    assert k["unmet_demand_t"] == 0.0 and k["days_short_by_region"]["usa"] == 2
    # the plant grew to 20 t/day on day 10: its capacity over the window is the grown one
    assert k["utilisation_by_facility"]["plant"] == pytest.approx(8 / 20)


def test_a_missing_value_adds_nothing_and_is_left_out_of_means_peaks_and_lows():
    ts, ent, events = _world()
    ts = ts.copy()
    price = (ts["variable"] == "price_usd_per_kg") & (ts["day"] == 20)  # the last day's price unknown
    ts.loc[price, "value"] = np.nan
    unmet = (ts["variable"] == "unmet_t") & (ts["entity"] == "us_a") & (ts["day"] == 3)
    ts.loc[unmet, "value"] = np.nan
    k = compute_kpis(ts, ent, events)
    assert k["price_usd_per_kg"]["ndfeb_magnet_world"]["peak"] == 119.0
    assert k["price_usd_per_kg"]["ndfeb_magnet_world"]["mean"] == pytest.approx(109.5)
    assert np.isnan(k["price_usd_per_kg"]["ndfeb_magnet_world"]["end"])  # the last value is the last value
    assert k["unmet_demand_t_by_region"]["usa"] == 15.0


def test_long_series_finds_each_variables_rows_in_any_order_and_counts_the_days():
    """LongSeries finds a variable's rows from where the codes change when a run's series come one
    after another, and by sorting otherwise: the same rows either way, in their order; days are
    counted from the first series only when it covers them all."""
    from sim.results.kpis import LongSeries

    days = 200  # long enough that series one after another take the way through the changes
    series_after_series = pd.DataFrame({"day": np.tile(np.arange(days, dtype=np.int32), 3),
                                        "entity": pd.Categorical(np.repeat(["a", "b", "a"], days)),
                                        "variable": pd.Categorical(np.repeat(["x", "y", "y"], days)),
                                        "value": np.arange(3.0 * days)})
    day_after_day = series_after_series.sort_values(["day", "entity"], kind="stable").reset_index(drop=True)
    for ts in (series_after_series, day_after_day):
        long = LongSeries(ts)
        for variable in ("x", "y"):
            expected = np.flatnonzero((ts["variable"] == variable).to_numpy())
            assert np.array_equal(long.of(variable), expected)
        assert long.n_days == days
        assert long.totals("y", ["a", "b"])[0].tolist() == [ts.loc[(ts["variable"] == "y") & (ts["entity"] == e), "value"].sum()
                                                           for e in ("a", "b")]
    gaps = series_after_series[series_after_series["day"] != 2].reset_index(drop=True)  # the first series lacks day 2
    assert LongSeries(gaps).n_days == days - 1
    late = series_after_series.assign(day=np.where(series_after_series.index < days, series_after_series["day"], series_after_series["day"] + 1))
    assert LongSeries(late).n_days == days + 1  # the first series covers days 0-199, the others 1-200
