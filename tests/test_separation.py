"""Co-product separation: products come out in the ratios of the ore body of the feed."""

import pytest

from conftest import base_world, run_dict, totals
from sim.scenario.catalog import ore_bodies

PRODUCTS = {"la": ["La"], "ce": ["Ce"], "ndpr": ["Nd", "Pr"], "rest": ["Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y", "Sc"]}


def separation_world(ore_body: str, feed_t_per_day: float = 100.0):
    w = base_world(365)
    w["materials"] = {"conc": {"ore_body": ore_body}, **{p: {"elements": e} for p, e in PRODUCTS.items()}}
    w["facilities"] = {
        "mine": {"kind": "mine", "site": "plant", "recipe": {"outputs": {"conc": 1}}, "capacity": {"t_per_day": feed_t_per_day}},
        "sx": {"kind": "separation_plant", "site": "plant", "yield": 0.95, "cycle_days": 1,
               "recipe": {"inputs": {"conc": 1}, "products": list(PRODUCTS)}, "capacity": {"t_per_day": 1000, "basis": "input"}},
    }
    return w


@pytest.mark.parametrize("ore_body", ["bayan_obo", "mountain_pass", "mt_weld", "ionic_clay", "monazite"])
def test_products_follow_the_ore_body(ore_body):
    r = run_dict(separation_world(ore_body))
    t = totals(r)
    fed = t[("sx", "conc", "consumed_t")]
    shares = ore_bodies()[ore_body]["shares_pct"]
    total = sum(shares.values())
    for product, elements in PRODUCTS.items():
        expected = fed * 0.95 * sum(shares.get(e, 0) for e in elements) / total
        assert t.get(("sx", product, "produced_t"), 0.0) == pytest.approx(expected, rel=1e-9)
    # the 5% yield loss is counted, not vanished
    bal = r.balance.loc["conc"]
    assert bal["lost"] == pytest.approx(0.05 * (bal["consumed"] + bal["lost"]))


def test_more_ndpr_means_more_la_and_ce():
    small, big = run_dict(separation_world("bayan_obo", 50)), run_dict(separation_world("bayan_obo", 100))
    ts, tb = totals(small), totals(big)
    for p in ("ndpr", "la", "ce"):
        assert tb[("sx", p, "produced_t")] == pytest.approx(2 * ts[("sx", p, "produced_t")], rel=0.01)
    # Bayan Obo: about three tonnes of La + Ce for each tonne of NdPr
    ratio = (tb[("sx", "la", "produced_t")] + tb[("sx", "ce", "produced_t")]) / tb[("sx", "ndpr", "produced_t")]
    assert 3.0 < ratio < 3.8


def test_ore_bodies_differ():
    ndpr = {ob: sum(ore_bodies()[ob]["shares_pct"].get(e, 0) for e in ("Nd", "Pr")) for ob in ore_bodies()}
    assert ndpr["ionic_clay"] < 10 < ndpr["mountain_pass"] < ndpr["bayan_obo"] < ndpr["mt_weld"]
    assert ore_bodies()["ionic_clay"]["shares_pct"]["Dy"] > 10 * ore_bodies()["bayan_obo"]["shares_pct"]["Dy"]
