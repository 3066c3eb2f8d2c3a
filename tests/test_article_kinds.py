"""Each facility kind built from an article figure reproduces that figure when fed without limit."""

import pytest

from conftest import base_world, run_dict, totals

# kind, recipe, capacity override, what to measure, article figure (seeds/article_figures.csv)
CASES = {
    "kiln: 40 t carbonate in a day": ("calcining_kiln", {"a": 1}, {"b": 0.45}, None, "throughput_t", 40.0),
    "kiln: 18 t oxide out a day": ("calcining_kiln", {"a": 1}, {"b": 0.45}, None, "output_t", 18.0),
    "separation line: 3,000 t concentrate a year": ("separation_line", {"a": 1}, {"b": 1}, None, "throughput_t", 3000 / 365),
    "Ruixin: 70 cells, 32 t a day": ("electrolytic_cell_line", {"a": 1.177}, {"b": 1}, {"units": 70}, "output_t", 32.0),
    "Huaxing: 36 furnaces, 864 pieces of 10 kg a day": ("electrolytic_furnace_line", {"a": 1.177}, {"b": 1}, {"units": 36}, "output_t", 8.64),
    "Magnetic Materials: 54 furnaces, 268 t alloy a day": ("strip_cast_furnace_line", {"a": 0.3}, {"b": 1}, {"units": 54}, "output_t", 268.0),
    "recycling: 2,000 t NdFeB a year": ("recycling_plant", {"a": 1}, {"b": 0.34}, None, "throughput_t", 2000 / 365),
    "Feida: 520 t wastewater a day": ("wastewater_treatment", {"a": 1}, {"b": 1}, None, "throughput_t", 520.0),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kind_reproduces_article_figure(case):
    kind, inputs, outputs, capacity, variable, per_day = CASES[case]
    w = base_world(365)
    w["stocks"] = {"plant": {"a": {"initial_t": 1e9}}}
    fac = {"kind": kind, "site": "plant", "recipe": {"inputs": inputs, "outputs": outputs}}
    if capacity:
        fac["capacity"] = capacity  # the rest of the capacity (t per unit per day, basis) comes from seeds
    w["facilities"] = {"f": fac}
    r = run_dict(w)
    assert totals(r)[("f", "", variable)] / 365 == pytest.approx(per_day, rel=0.02)


def test_agv_and_trade_desk_links_reproduce_their_figures():
    w = base_world(365)
    w["stocks"] = {"plant": {"a": {"initial_t": 1e9}, "b": {"initial_t": 1e9}}}
    w["links"] = {
        "agv": {"from": "plant", "to": "market", "materials": ["a"], "mode": "push", "capacity_t_per_day": 38,
                "shipment_t": 0.5, "dispatch_every_days": 1},
        "desk": {"from": "plant", "to": "mine", "materials": ["a", "b"], "mode": "push", "share": 0.5,
                 "capacity_t_per_day": 500, "shipment_t": 500 / 30, "dispatch_every_days": 1},
    }
    w["links"]["agv"]["share"] = 0.5
    r = run_dict(w)
    t = totals(r)
    agv = t[("agv", "a", "shipped_t")] / 365
    desk = (t[("desk", "a", "shipped_t")] + t[("desk", "b", "shipped_t")]) / 365
    assert agv == pytest.approx(38) and agv / 0.5 == pytest.approx(76)
    assert desk == pytest.approx(500) and desk / (500 / 30) == pytest.approx(30)
