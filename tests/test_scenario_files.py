"""Scenario files: inheritance, overrides, defaults from seeds, immutability, safe YAML."""

import pydantic
import pytest
import yaml

from conftest import SCENARIOS, TEST_SCENARIOS
from sim.scenario import InputError, load_scenario
from sim.scenario.catalog import facility_kinds
from sim.scenario.yamlio import SAFE_LOADER


def test_extends_deep_merges_a_parent(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {TEST_SCENARIOS / 'chain.yaml'}\n"
        "meta: {name: child}\n"
        "facilities:\n  cells: {capacity: {t_per_day: 12}}\n"
    )
    sc = load_scenario(child).scenario
    assert sc.meta.name == "child"
    assert sc.meta.horizon_days == 365  # kept from the parent
    assert sc.facilities["cells"].capacity.t_per_day == 12
    assert sc.facilities["cells"].recipe.inputs == {"ndpr_oxide": 1.177}  # kept from the parent


def test_errors_in_a_child_point_at_the_child(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {TEST_SCENARIOS / 'chain.yaml'}\nfacilities:\n  cells: {{capacity: {{t_per_dy: 12}}}}\n")
    with pytest.raises(InputError) as exc:
        load_scenario(child)
    (issue,) = exc.value.issues
    assert (issue.mark.file, issue.mark.line) == (str(child.resolve()), 3)
    assert "unknown key 't_per_dy', did you mean 't_per_day'?" in issue.message


def test_extends_loop_is_an_error(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(InputError, match="loop"):
        load_scenario(tmp_path / "a.yaml")


def test_set_overrides_by_dotted_path():
    sc = load_scenario(TEST_SCENARIOS / "chain.yaml", ["links.plant_to_market.lead_time_days=45", "meta.seed=9"]).scenario
    assert sc.links["plant_to_market"].lead_time_days.mean() == 45
    assert sc.meta.seed == 9


def test_scenario_is_immutable():
    sc = load_scenario(TEST_SCENARIOS / "chain.yaml").scenario
    with pytest.raises(pydantic.ValidationError):
        sc.meta.horizon_days = 5


def test_kind_defaults_come_from_seeds():
    sc = load_scenario(SCENARIOS / "baseline.yaml").scenario
    kiln = sc.facilities["gansu_kiln"]
    row = facility_kinds()["calcining_kiln"]
    assert kiln.capacity.t_per_day == float(row["capacity_t_per_day"]) == 40
    assert sc.facilities["cnre_auto_separation_line"].capacity.t_per_year == 3000
    assert sc.facilities["ruixin_cells"].capacity.per_day() == pytest.approx(32)


def test_ore_bodies_come_from_seeds():
    sc = load_scenario(SCENARIOS / "baseline.yaml").scenario
    assert sc.ore_bodies["bayan_obo"].shares_pct["Ce"] == 50.0
    assert sc.ore_bodies["bayan_obo"].source == "seeds/ore_bodies.csv"


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text((TEST_SCENARIOS / "chain.yaml").read_text() + "meta: {name: again}\n")
    with pytest.raises(InputError, match="duplicate key"):
        load_scenario(path)


def test_resolved_scenario_reloads_to_the_same_digest(tmp_path):
    loaded = load_scenario(SCENARIOS / "baseline.yaml")
    path = tmp_path / "resolved.yaml"
    path.write_text(loaded.resolved_yaml())
    assert load_scenario(path).digest() == loaded.digest()


def test_every_shipped_scenario_validates_and_its_record_reads_back_as_its_data():
    """A run's Result takes its scenario's data from the record, not by reading the YAML it writes:
    the two must be the same for every scenario a user runs."""
    for path in SCENARIOS.rglob("*.yaml"):
        if "sweeps" not in path.parts:
            loaded = load_scenario(path)
            record = loaded.record()
            assert (record.yaml, record.digest) == (loaded.resolved_yaml(), loaded.digest()), path
            assert yaml.load(record.yaml, Loader=SAFE_LOADER) == record.data, path


def test_push_shares_over_one_are_refused(tmp_path):
    text = (TEST_SCENARIOS / "chain.yaml").read_text().replace(
        "mine_to_plant: {from: mine, to: plant, materials: [conc], mode: push, lead_time_days: 3}",
        "mine_to_plant: {from: mine, to: plant, materials: [conc], mode: push, share: 0.7, lead_time_days: 3}\n"
        "  mine_to_market: {from: mine, to: market, materials: [conc], mode: push, share: 0.7}",
    )
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(InputError, match="push shares of 'conc' leaving site 'mine' add up to 1.4, more than 1"):
        load_scenario(tmp_path / "s.yaml")


def test_replenishment_needs_a_pull_link(tmp_path):
    text = (TEST_SCENARIOS / "chain.yaml").read_text().replace("materials: [magnet]\n", "materials: [magnet]\n    mode: push\n")
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(InputError, match="no pull link brings 'magnet' to site 'market'"):
        load_scenario(tmp_path / "s.yaml")
