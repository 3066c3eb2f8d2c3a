"""The scenario library answers its questions in the right direction, against the baseline."""

from functools import cache

import pandas as pd
import pytest

from conftest import SCENARIOS, series
from sim.engine import simulate
from sim.results import Result
from sim.scenario import load_scenario


@cache
def run(name: str, *overrides: str) -> Result:
    """A library scenario, ``file+block+block`` naming its override blocks."""
    file, *blocks = name.split("+")
    loaded = load_scenario(SCENARIOS / f"{file}.yaml", list(overrides), blocks)
    return Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())


def outside_china_unmet(r: Result) -> float:
    return sum(v for k, v in r.kpis["unmet_demand_t_by_region"].items() if k != "china")


def test_every_library_file_states_its_question():
    for path in (p for p in SCENARIOS.rglob("*.yaml") if "sweeps" not in p.parts):
        head = path.read_text().splitlines()[:3]
        assert head[0].startswith("# "), path
        sc = load_scenario(path).scenario
        assert sc.meta.question, path


def test_licensing_hurts_buyers_outside_china_and_splits_the_dy_price():
    base, lic = run("baseline"), run("export_licensing_2025")
    assert outside_china_unmet(base) < 100
    # more than a tenth of what buyers outside China want of the controlled grade from 4 April
    # (day 93 of 365) goes unmet; the rest of the harm depends on licence draws
    sc = load_scenario(SCENARIOS / "export_licensing_2025.yaml").scenario
    wanted = sum(d.t_per_day for d in sc.demand.values()
                 if d.material == "ndfeb_magnet" and sc.sites[d.site].region != "china") * (365 - 93)
    assert outside_china_unmet(lic) > 0.1 * wanted
    p_base, p_lic = base.kpis["price_usd_per_kg"], lic.kpis["price_usd_per_kg"]
    assert p_lic["dy_metal_world"]["mean"] > 1.3 * p_base["dy_metal_world"]["mean"]
    assert p_lic["dy_metal_world"]["end"] > 2 * p_base["dy_metal_world"]["end"]
    assert p_lic["ndfeb_magnet_world"]["peak"] > 1.5 * p_base["ndfeb_magnet_world"]["peak"]
    # an element control covers only the grade that contains the element
    hre, free = (lic.kpis["fill_rate_by_region_material"]["usa"][m] for m in ("ndfeb_magnet", "ndfeb_magnet_hre_free"))
    assert hre < 0.9 and free > 0.99
    assert p_lic["ndfeb_magnet_hre_free_world"]["peak"] < 1.2 * p_base["ndfeb_magnet_hre_free_world"]["peak"]
    # inside China the same material does not get dearer: the split market
    assert p_lic["dy_metal_china"]["mean"] < 1.1 * p_base["dy_metal_china"]["mean"]
    assert lic.kpis["fill_rate_by_region"]["china"] >= base.kpis["fill_rate_by_region"]["china"] - 0.01
    # licensing starts 4 April (day 93): buyers abroad hold out for weeks on their stocks, not for ever
    assert 20 < lic.kpis["time_to_survive_days"]["usa"] < 150


def test_after_licensing_orders_come_back_and_exports_recover():
    """Buyers order what they want, not what they got: once licences flow again (60% approved from
    late June), China's exports of Dy/Tb-bearing magnets come back to their pre-April level."""
    ts = run("export_licensing_2025").timeseries
    sel = ts[(ts["variable"] == "shipped_t") & ts["entity"].astype(str).str.startswith("china_to")
             & (ts["material"] == "ndfeb_magnet")]
    monthly = sel.groupby(sel["date"].dt.month)["value"].sum()
    assert monthly[9:12].mean() >= monthly[1:3].mean()
    orders = ts[(ts["entity"] == "eu") & (ts["variable"] == "ordered_t") & (ts["material"] == "ndfeb_magnet")]
    per_month = orders.groupby(orders["date"].dt.month)["value"].sum()
    assert per_month[9:12].mean() > 0.4 * per_month[1:3].mean()  # they do not stop ordering


def test_a_heavy_ban_then_recovery():
    ban = run("export_ban_heavy")
    k = ban.kpis
    fill = k["fill_rate_by_region_material"]
    for region in ("usa", "eu", "japan"):  # the Dy/Tb-bearing grade; the HRE-free grade still flows
        assert fill[region]["ndfeb_magnet"] < (0.99 if region == "japan" else 0.9)  # Japan makes most of its own, on Lynas' Dy
        assert fill[region]["ndfeb_magnet_hre_free"] > 0.99
    assert fill["korea"]["ndfeb_magnet"] > 0.99  # not targeted
    assert k["time_to_recover_days"]["usa"] is not None  # the ban ends after a year; supply comes back


def test_a_stockpile_softens_licensing_for_the_us():
    lic, pile = run("export_licensing_2025"), run("stockpile_release")
    assert pile.kpis["unmet_demand_t_by_region"]["usa"] < 0.5 * lic.kpis["unmet_demand_t_by_region"]["usa"]
    assert pile.run["stockpile_released_t"] > 1000


def idle_days(r: Result, facility: str) -> list[str]:
    ev = r.policy_events
    return list(ev[ev["policy"] == facility]["event"])


def test_squeeze_idles_an_unsupported_refiner_and_the_floor_keeps_mp_running():
    squeeze, floor = run("price_squeeze"), run("price_squeeze+floor")
    base = run("baseline", "meta.horizon_days=730")
    assert squeeze.kpis["price_usd_per_kg"]["ndpr_oxide"]["low"] < 30 < base.kpis["price_usd_per_kg"]["ndpr_oxide"]["low"]
    assert "idles" in idle_days(squeeze, "mp_separation")
    assert "idles" not in idle_days(floor, "mp_separation")
    assert "idles" in idle_days(floor, "lynas_malaysia")  # no floor for Lynas
    margin = lambda r: r.kpis["margin_usd_per_t_outside_china"]["mp_separation"]  # noqa: E731
    assert margin(floor) > margin(squeeze)
    assert floor.run["floor_payments_usd"] > 0


def test_myanmar_cut_is_met_from_chinas_heavy_stockpile():
    """Nine months without Kachin's feed (31 kt REO a year at 6.7% Dy2O3: about 1,340 t of Dy
    metal) cut China's metal output; the hub's stockpile of surplus Dy metal is drawn to nothing
    and ends some 800 t lower, and China's Dy price rises at its peak but not on average: as in the
    public record, where Dy oxide fell from 260 USD/kg (2024 mean) to 235 (March 2025, data/05)
    after the October 2024 seizure."""
    base = run("baseline", "meta.start_date=2024-10-01", "meta.horizon_days=730")
    cut = run("myanmar_disruption")
    dy = lambda r: r.kpis["production_t_by_region"]["metal"]["china"]  # noqa: E731
    assert dy(cut) < dy(base)
    pile = lambda r: series(r, "china_hub", "set_aside_t", "dy_metal")  # noqa: E731
    assert pile(cut).min() < 1.0 < pile(base).min()
    assert pile(cut).iloc[-1] < pile(base).iloc[-1] - 500
    price = lambda r, m, k: r.kpis["price_usd_per_kg"][m][k]  # noqa: E731
    assert price(cut, "dy_oxide_china", "peak") > 1.05 * price(base, "dy_oxide_china", "peak")
    assert price(cut, "dy_oxide_china", "mean") < 1.15 * price(base, "dy_oxide_china", "mean")


@pytest.mark.parametrize("region", ["usa"])
def test_recycling_adds_magnets_outside_china(region):
    base = run("baseline", "meta.horizon_days=2922")
    more = run("recycling_scaleup")
    made = lambda r: r.kpis["production_t_by_region"]["magnet"].get(region, 0.0)  # noqa: E731
    assert made(more) > made(base) + 3_000


def test_the_build_out_narrows_the_gap_by_2030_and_slips_cost_some_of_it():
    horizon = "meta.horizon_days=2191"
    without = run("export_licensing_2025", horizon)
    planned, slipped = run("western_buildout_2030"), run("western_buildout_2030+slips")
    assert planned.run["horizon_days"] == slipped.run["horizon_days"] == 2191
    # with supply that grows the market builds part of what the build-out adds (issue 20), so its
    # own share of the gap is smaller than the 10,000 t it was against a world whose supply stood
    # still: at least 5% of what buyers outside China miss without it
    assert outside_china_unmet(planned) < 0.95 * outside_china_unmet(without)
    usa = lambda r: r.kpis["unmet_demand_t_by_region"]["usa"]  # noqa: E731
    assert usa(planned) < usa(slipped) < usa(without)
    made = lambda r: r.kpis["production_t_by_region"]["magnet"]["usa"]  # noqa: E731
    assert made(planned) > made(slipped) > made(without)
    ev = planned.policy_events
    online = ev[(ev["policy"] == "iluka_eneabba") & (ev["event"] == "comes online")]["date"].tolist()
    assert online == ["2025-07-01"]
    ev = slipped.policy_events
    assert ev[(ev["policy"] == "iluka_eneabba") & (ev["event"] == "comes online")]["date"].tolist() == ["2027-07-01"]


def china_exports_per_year(r: Result) -> pd.Series:
    ts = r.timeseries
    shipped = ts[(ts["variable"] == "shipped_t") & ts["entity"].astype(str).str.startswith("china_to")]
    return shipped.groupby(shipped["date"].dt.year)["value"].sum()


@pytest.mark.xfail(strict=True, reason="world_2009 is short overall until supply and substitution respond (issue 10, "
                   "item 7): lifting the quota then only reshares the shortage between home and export buyers")
def test_exports_rise_when_the_quotas_are_abolished():
    per_year = china_exports_per_year(run("export_quota_2010"))
    assert per_year[2015] > 1.3 * per_year[2014]


def test_the_2010_quotas_cap_chinas_exports_and_split_prices():
    free, quota = run("world_2009"), run("export_quota_2010")
    per_year = china_exports_per_year(quota)
    published = {2010: 30258, 2011: 30246, 2012: 30996, 2013: 31001, 2014: 30610}  # data/04a
    for year, cap in published.items():
        assert per_year[year] == pytest.approx(cap, rel=0.01)
    assert outside_china_unmet(quota) > 1.5 * outside_china_unmet(free)  # world_2009 is short too: home and export buyers share it
    p_free, p_quota = free.kpis["price_usd_per_kg"], quota.kpis["price_usd_per_kg"]
    assert p_quota["light_world"]["peak"] > 2 * p_free["light_world"]["peak"]
    assert p_quota["light_china"]["mean"] < p_free["light_china"]["mean"]  # more stays at home
    ent = free.entities.set_index("entity")
    mines = ent[(ent["type"] == "facility") & (ent["stage"] == "mining")]
    ts = free.timeseries
    out = ts[(ts["variable"] == "output_t") & ts["entity"].isin(mines.index) & (ts["day"] < 365)]
    by_region = out.groupby(out["entity"].astype(str).map(mines["region"]))["value"].sum()
    assert by_region["china"] / by_region.sum() == pytest.approx(0.968, abs=0.01)  # 2009-10: ~97% (data/09)


def test_the_october_rules_wait_for_their_suspension_to_lapse_then_gate_goods_made_abroad():
    """No. 61 (suspended by No. 70 until 10 November 2026) holds nothing before the lapse; after
    it, Japan's alloy for Vietnam and Vietnam's magnets for Japan, made from Chinese Dy and Tb,
    leave under licence."""
    october, after = run("controls_october_2025"), run("controls_after_suspension_2026")
    for pid in ("no_61_japan", "no_61_vietnam", "no_57"):
        assert october.kpis["policies"][pid].get("china_content_gated_t", 0) == 0
    assert after.kpis["policies"]["no_61_japan"]["china_content_gated_t"] > 500
    assert after.kpis["policies"]["no_61_vietnam"]["china_content_gated_t"] > 500
    ev = after.policy_events
    resumed = ev[(ev["policy"] == "no_61_japan") & (ev["event"] == "resumed")]
    assert list(resumed["date"]) == ["2026-11-10"]
    denied = series(after, "japan_alloy_to_vietnam", "licence_denied_t")
    assert denied.sum() > 0 and denied[denied > 0].index.min() >= 678  # no refusal before 10 November 2026 (day 678)


def test_smco_defence_runs_short_under_licensing_and_shorter_if_military_users_are_denied():
    """No. 18 covers SmCo magnets (27% Sm). Under its licences US and EU defence buyers get some;
    refused as military end users, nothing reaches their sites once the licences decided before
    April are in, so their half year of cover runs down and is not refilled."""
    base, denied = run("smco_defence"), run("smco_defence+military_denial")
    met = lambda r, region: r.kpis["fill_rate_by_region_material"][region]["smco_magnet"]  # noqa: E731
    for region in ("usa", "eu"):
        assert met(denied, region) < met(base, region) < 1.0
    level = series(denied, "usa_defense", "level_t", "smco_magnet")
    assert (level[200:].diff().dropna() <= 1e-9).all()  # no arrival after the first licences are decided
    assert level.iloc[-1] < 1.0
    assert series(denied, "china_to_usa_defense", "licence_denied_t").sum() > 0


def test_yttrium_users_abroad_run_short_under_no_18_and_a_larger_stock_holds_longer():
    """No. 18 licenses Y oxide: the US, EU and Japan, whose Y comes from China, run short and pay
    more while China's Y price stays put; half a year of cover instead of three months meets
    more of what they want."""
    base, y, held = run("baseline"), run("yttrium_coatings"), run("yttrium_coatings+half_year_stock")
    met = lambda r: r.kpis["fill_rate_by_region_material"]["usa"]["y_oxide"]  # noqa: E731
    assert met(base) > 0.99
    assert met(y) < 0.9
    assert met(y) < met(held)
    p_base, p_y = base.kpis["price_usd_per_kg"], y.kpis["price_usd_per_kg"]
    assert p_y["y_oxide_world"]["mean"] > 3 * p_base["y_oxide_world"]["mean"]
    assert p_y["y_oxide_china"]["mean"] < 1.1 * p_base["y_oxide_china"]["mean"]


LIBRARY = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def test_every_element_balances_across_the_library():
    """Per element, in every library file: what was there and was mined equals what was
    delivered, lost, given up in processing and held at the end; and no plant makes an element
    the file separates on its own (processing never below -1% of what came in). An element held
    only in lumps (the 2009 world's light and heavy oxides) is held in the mix its separators
    would make at capacity, not the one they made, so its books close but may show it made."""
    for name in LIBRARY:
        sc = load_scenario(SCENARIOS / f"{name}.yaml").scenario
        alone = {m.elements[0] for m in sc.materials.values() if len(m.elements) == 1}
        books = run(name).kpis["element_balance_t"]
        assert {"Nd", "Dy", "Tb", "Y"} <= set(books), name
        for el, b in books.items():
            out = b["delivered"] + b["lost"] + b["processing"] + b["held"]
            assert out == pytest.approx(b["in"], rel=1e-9, abs=1e-6), (name, el)
            if el in alone:
                assert b["processing"] >= -0.01 * b["in"], (name, el, b)
        if name == "baseline":
            assert {"Dy", "Tb", "Sm", "Y", "La", "Ce"} <= alone


def test_no_18_leaves_sc_users_short_and_the_us_less_so_with_canadian_sc():
    """No. 18 licenses Sc oxide: the EU and Japan buy all theirs from China and run short; the
    US also gets Rio Tinto's 3 t a year from Canada, so it is short of less of its 7 t."""
    base, april = run("baseline"), run("controls_april_2025")
    met = lambda r, region: r.kpis["fill_rate_by_region_material"][region]["sc_oxide"]  # noqa: E731
    for region in ("usa", "eu", "japan"):
        assert met(base, region) > 0.99
        assert met(april, region) < 0.95
    assert met(april, "usa") > met(april, "eu")
    assert series(april, "sorel_tracy_to_usa", "shipped_t").sum() > 3.0  # Canada's Sc keeps coming over two years
