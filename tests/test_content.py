"""Materials by their content, and controls that cover what holds a named element at a threshold
(issue 21, item 2)."""

import subprocess
import sys

import pytest

from conftest import ROOT, SCENARIOS, base_world
from sim.policies.export_control import ExportControl, controlled_materials
from sim.scenario import load_scenario
from sim.scenario.content import element_in_oxide, material_content
from sim.scenario.loader import scenario_from_dict


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(SCENARIOS / "baseline.yaml").scenario


def test_an_oxide_holds_its_element_by_formula():
    """Dy2O3: 2 x 162.500 / (2 x 162.500 + 3 x 15.999) = 0.8713; Tb4O7 4 x 158.925 / (4 x 158.925
    + 7 x 15.999) = 0.8502; CeO2 140.116 / (140.116 + 2 x 15.999) = 0.8141."""
    assert element_in_oxide("Dy") == pytest.approx(325.0 / (325.0 + 47.997), rel=1e-6)
    assert element_in_oxide("Tb") == pytest.approx(635.7 / (635.7 + 111.993), rel=1e-6)
    assert element_in_oxide("Ce") == pytest.approx(140.116 / 172.114, rel=1e-6)


def test_alloys_and_magnets_hold_what_their_recipes_put_in(baseline):
    """The bulk Dy/Tb-bearing alloy: 0.28 t NdPr metal, 0.0255 t Dy and 0.0047 t Tb a tonne; its magnets
    (1 t of alloy to 0.8 t magnet and 0.2 t swarf) hold the same; the HRE-free grade holds no Dy,
    so the swarf of both grades holds less Dy than the Dy-bearing grade."""
    held = material_content(baseline)
    assert held["ndfeb_alloy"]["Dy"] == pytest.approx(0.0255, rel=1e-3)
    assert held["ndfeb_alloy"]["Tb"] == pytest.approx(0.0047, rel=1e-3)
    assert held["ndfeb_alloy"]["Nd"] + held["ndfeb_alloy"]["Pr"] == pytest.approx(0.28, rel=1e-3)
    assert held["ndfeb_magnet"] == pytest.approx(held["ndfeb_alloy"], rel=1e-3)  # Noveon's magnets from swarf: a trace
    assert 0 < held["magnet_scrap"]["Dy"] < held["ndfeb_alloy"]["Dy"]  # swarf of both grades
    assert "Dy" not in held["ndfeb_magnet_hre_free"]
    # grain-boundary diffusion: 0.004 t Tb on a tonne of HRE-free alloy, shared by magnet and swarf
    assert held["ndfeb_magnet_gbd"]["Tb"] == pytest.approx(0.004, rel=1e-3)
    assert "Dy" not in held["ndfeb_magnet_gbd"]
    # Gd-bearing: 0.03 t Gd metal a tonne of alloy, the metal as Gd with the SEG's little Eu
    assert sum(held["gd_metal"].values()) == pytest.approx(1.0, abs=2e-3)
    assert held["ndfeb_magnet_gd"]["Gd"] == pytest.approx(0.03 * held["gd_metal"]["Gd"], rel=1e-3)
    assert sum(held["dy_metal"].values()) == pytest.approx(1.0, abs=1e-9)  # 1.148 t of oxide a tonne, rounded


def test_a_lump_holds_its_elements_in_the_mix_its_separators_make():
    """Two separators of 10 and 30 t/day split ores with Sm:Gd of 1:1 and 3:1 into one SEG oxide:
    Sm weighs 10 x 1 + 30 x 3 = 100 against Gd 10 x 1 + 30 x 1 = 40, so the oxide holds
    Sm2O3 100/140 and Gd2O3 40/140, each as its element."""
    w = base_world(10)
    w["ore_bodies"] = {"one": {"shares_pct": {"Sm": 1, "Gd": 1, "La": 98}}, "two": {"shares_pct": {"Sm": 3, "Gd": 1, "La": 96}}}
    w["materials"] = {"c1": {"ore_body": "one"}, "c2": {"ore_body": "two"}, "la": {"stage": "separation", "elements": ["La"]},
                      "seg": {"stage": "separation", "elements": ["Sm", "Gd"]}}
    w["facilities"] = {
        f"sep{i}": {"kind": "separation_plant", "site": "plant", "capacity": {"t_per_day": cap},
                    "recipe": {"inputs": {feed: 1}, "products": ["la", "seg"]}}
        for i, (feed, cap) in enumerate((("c1", 10), ("c2", 30)))}
    held = material_content(scenario_from_dict(w).scenario)
    assert held["seg"]["Sm"] == pytest.approx(100 / 140 * element_in_oxide("Sm"))
    assert held["seg"]["Gd"] == pytest.approx(40 / 140 * element_in_oxide("Gd"))
    assert held["c2"]["Sm"] == pytest.approx(0.03 * element_in_oxide("Sm"))  # a concentrate: its ore body


def test_what_several_plants_make_holds_their_mix_by_tonnes_a_day():
    """Two magnet plants take 30 and 10 t/day of alloys with 2% and no Dy, each making 0.8 t of
    magnet and 0.2 t of swarf a tonne: the swarf holds (30 x 0.2 x 0.02 + 10 x 0.2 x 0) /
    (30 x 0.2 + 10 x 0.2) = 1.5% Dy."""
    w = base_world(10)
    w["materials"] = {"dy_alloy": {"elements": ["Dy"], "content": {"Dy": 0.02}}, "free_alloy": {"elements": ["Nd"], "content": {"Nd": 0.3}},
                      "mag": {"elements": ["Dy"]}, "mag_free": {"elements": ["Nd"]}, "swarf": {}}
    w["facilities"] = {
        "p1": {"kind": "magnet_plant", "site": "plant", "capacity": {"t_per_day": 30, "basis": "input"},
               "recipe": {"inputs": {"dy_alloy": 1}, "outputs": {"mag": 0.8, "swarf": 0.2}}},
        "p2": {"kind": "magnet_plant", "site": "plant", "capacity": {"t_per_day": 10, "basis": "input"},
               "recipe": {"inputs": {"free_alloy": 1}, "outputs": {"mag_free": 0.8, "swarf": 0.2}}}}
    held = material_content(scenario_from_dict(w).scenario)
    assert held["swarf"]["Dy"] == pytest.approx(0.015)
    assert held["swarf"]["Nd"] == pytest.approx(10 * 0.2 * 0.3 / 8)
    assert held["mag"] == pytest.approx({"Dy": 0.02})


def control(**kw) -> ExportControl:
    return ExportControl.model_validate({"kind": "export_control", "from": "china", "mode": "ban", **kw})


def test_a_control_naming_sm_covers_smco_magnets_and_no_ndfeb(baseline):
    """SmCo magnets hold 27% Sm; Sm oxide is split from the SEG oxide (Sm2O3 holds 86.2% Sm), the
    Gd oxide takes the SEG's Gd and Eu and no Sm."""
    covered = controlled_materials(baseline, control(elements=["Sm"]))
    assert {"seg_oxide", "sm_oxide", "sm_metal", "smco_magnet"} <= covered
    assert not covered & {"ndfeb_magnet", "ndfeb_magnet_hre_free", "ndfeb_alloy", "ndpr_metal", "gd_oxide"}
    held = material_content(baseline)
    assert held["smco_magnet"] == pytest.approx({"Sm": 0.27})
    assert held["gd_oxide"]["Gd"] == pytest.approx(held["seg_oxide"]["Gd"] / 0.509)


def test_a_threshold_covers_what_holds_the_element_at_it_or_more(baseline):
    """The bulk Dy/Tb-bearing magnet holds 0.47% Tb and the grain-boundary-diffused one 0.40%: a
    Tb rule at 0.35% covers both, one at 0.45% only the bulk grade, one at 0.5% neither; the
    HRE-free grade holds none and is covered by none. A lump holding an element in an amount not
    known is covered at no threshold and not at any."""
    at = lambda pct, el="Tb": controlled_materials(baseline, control(elements=[el], min_content_pct=pct))  # noqa: E731
    assert {"ndfeb_magnet", "ndfeb_magnet_gbd"} <= at(0.35)
    assert "ndfeb_magnet" in at(0.45) and "ndfeb_magnet_gbd" not in at(0.45)
    assert not {"ndfeb_magnet", "ndfeb_magnet_gbd"} & at(0.5)
    assert "ndfeb_magnet_hre_free" not in at(0.0) | at(0.4)
    assert "tb_oxide" in at(50) and "tb_oxide" not in at(90)  # Tb4O7 is 85% Tb
    assert "sc_oxide" in at(60, "Sc") and "sc_oxide" not in at(70, "Sc")  # Sc2O3 is 65% Sc
    assert "hree_oxide" not in at(0.0, "Sc")  # Sc is recovered apart, not in the heavy lump
    w = base_world(10)
    w["materials"]["lump"] = {"stage": "separation", "elements": ["Ho", "Sc"]}
    sc = scenario_from_dict(w).scenario
    assert "lump" in controlled_materials(sc, control(elements=["Sc"]))
    assert "lump" not in controlled_materials(sc, control(elements=["Sc"], min_content_pct=0.01))


def test_a_stated_content_wins(baseline):
    w = base_world(10)
    w["materials"]["a"] = {"elements": ["Dy"], "content": {"Dy": 0.004}}
    sc = scenario_from_dict(w).scenario
    assert material_content(sc)["a"] == {"Dy": 0.004}
    assert "a" in controlled_materials(sc, control(elements=["Dy"], min_content_pct=0.4))
    assert "a" not in controlled_materials(sc, control(elements=["Dy"], min_content_pct=0.5))


def test_explain_lists_what_a_control_covers(tmp_path):
    out = subprocess.run([sys.executable, "-m", "sim.cli", "explain", str(SCENARIOS / "export_licensing_2025.yaml"),
                          "--out", str(tmp_path / "net.png")], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    lines = [line.split() for line in out.stdout.splitlines() if line.strip().startswith("covers ")]
    covered = {parts[1]: " ".join(parts[2:]) for parts in lines}
    assert covered["ndfeb_magnet"] == "Dy 2.55%, Tb 0.47%"
    assert covered["ndfeb_magnet_gbd"] == "Tb 0.40%"
    assert covered["ndfeb_magnet_gd"] == "Gd 2.70%"
    assert "ndfeb_magnet_hre_free" not in covered
    assert "ndfeb_magnet_hre_free" not in covered


def test_each_grade_is_covered_by_the_elements_it_holds(baseline):
    """A Dy rule covers the bulk grade and not the diffused one; a Gd rule the Gd-bearing grade
    (and Gd oxide and metal) and no other magnet; no rule on Dy, Tb, Gd or Sm covers the HRE-free grade."""
    dy = controlled_materials(baseline, control(elements=["Dy"]))
    gd = controlled_materials(baseline, control(elements=["Gd"]))
    assert "ndfeb_magnet" in dy and "ndfeb_magnet_gbd" not in dy and "ndfeb_magnet_gd" not in dy
    assert {"ndfeb_magnet_gd", "ndfeb_alloy_gd", "gd_metal", "gd_oxide"} <= gd
    assert not gd & {"ndfeb_magnet", "ndfeb_magnet_gbd", "smco_magnet"}
    assert "ndfeb_magnet_hre_free" not in controlled_materials(baseline, control(elements=["Dy", "Tb", "Gd", "Sm"]))
