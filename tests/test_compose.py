"""Scenarios compose (issue 12, item 3): named override blocks chosen with --scenario, null removes
an inherited item, every policy has enabled, and --set, a sweep's set: and blocks follow one rule."""

import pandas as pd
import pytest

from conftest import TEST_SCENARIOS
from sim.cli import main
from sim.scenario import InputError, load_scenario
from sim.scenario.loader import merge

CHAIN = TEST_SCENARIOS / "chain.yaml"
BAN = "{kind: export_control, from: china, materials: [magnet], mode: ban, start: 2025-03-01, end: 2025-06-01}"


def test_merge_lays_mappings_key_by_key_and_null_removes():
    base = {"a": {"b": 1, "c": 2}, "keep": [1, 2], "gone": {"x": 1}}
    assert merge(base, {"a": {"c": None, "d": 3}, "keep": [3], "gone": None}) == {"a": {"b": 1, "d": 3}, "keep": [3]}
    assert merge(base, {"new": {"x": None, "y": 1}}) == {**base, "new": {"y": 1}}


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_null_in_a_child_file_removes_an_inherited_policy(tmp_path):
    parent = _write(tmp_path, "parent.yaml", f"extends: {CHAIN}\npolicies:\n  ban: {BAN}\n")
    child = _write(tmp_path, "child.yaml", "extends: parent.yaml\npolicies:\n  ban: null\n")
    assert list(load_scenario(parent).scenario.policies) == ["ban"]
    assert load_scenario(child).scenario.policies == {}


def _variants(tmp_path):
    return _write(tmp_path, "v.yaml", f"""extends: {CHAIN}
policies:
  ban: {BAN}
overrides:
  no_ban: {{policies.ban: null}}
  small_cells: {{facilities.cells.capacity.t_per_day: 10}}
  tiny_cells:
    facilities.cells.capacity: {{t_per_day: 5}}
  bad:
    facilities.cells.capacity.t_per_day: -4
""")


def test_blocks_apply_in_order_and_name_the_run(tmp_path):
    path = _variants(tmp_path)
    sc = load_scenario(path, scenarios=["no_ban", "small_cells"]).scenario
    assert sc.policies == {} and sc.facilities["cells"].capacity.t_per_day == 10
    assert sc.meta.name == "chain+no_ban+small_cells"
    later = load_scenario(path, scenarios=["small_cells", "tiny_cells"]).scenario
    assert later.facilities["cells"].capacity.t_per_day == 5  # later wins; a mapping merges (basis kept)
    assert later.facilities["cells"].capacity.basis == load_scenario(path).scenario.facilities["cells"].capacity.basis
    assert "ban" in load_scenario(path).scenario.policies  # blocks only when asked for


def test_an_unknown_block_is_refused_with_a_suggestion(tmp_path, capsys):
    path = _variants(tmp_path)
    assert main(["run", str(path), "--scenario", "no_bna", "--no-figures", "--out", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err.strip() == ("error: --scenario: unknown override block 'no_bna', did you mean 'no_ban'? "
                                               "(blocks: bad, no_ban, small_cells, tiny_cells)")


def test_validate_checks_every_block_and_locates_the_bad_value(tmp_path, capsys):
    path = _variants(tmp_path)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: {path}:10:5:") and "facilities.cells.capacity.t_per_day" in err[0]
    assert err[0].endswith("(with --scenario bad)")


def test_a_disabled_policy_is_checked_but_not_applied(tmp_path):
    path = _variants(tmp_path)
    off = load_scenario(path, ["policies.ban.enabled=false"]).scenario
    assert off.policies == {}
    with pytest.raises(InputError, match="unknown region 'chna'"):
        load_scenario(path, ["policies.ban.enabled=false", "policies.ban.from=chna"])


def test_set_null_removes_as_a_block_does(tmp_path):
    path = _variants(tmp_path)
    assert load_scenario(path, ["policies.ban=null"]).scenario.policies == {}
    assert load_scenario(path, ["policies.ban.end=null"]).scenario.policies["ban"].end is None


def test_a_sweep_sets_null_and_chooses_the_base_files_blocks(tmp_path, capsys):
    base = _variants(tmp_path)
    spec = _write(tmp_path, "s.yaml", f"""sweep:
  name: s
  base: {base}
  design: {{kind: grid}}
  set: {{policies.ban.end: null}}
  parameters:
    cells: {{overrides: [no_ban, small_cells, [no_ban, small_cells]]}}
  kpis: [fill_rate, production_t.metal]
""")
    assert main(["sweep", str(spec), "--executor", "serial", "--no-progress", "--out", str(tmp_path / "sw")]) == 0
    runs = pd.concat(pd.read_parquet(p) for p in (tmp_path / "sw" / "runs").glob("*.parquet")).set_index("p.cells")
    assert set(runs["status"]) == {"ok"}
    metal = runs["k.production_t.metal"]
    assert metal["small_cells"] < metal["no_ban"]
    assert metal["no_ban+small_cells"] == pytest.approx(metal["small_cells"], rel=0.2)
    capsys.readouterr()
    bad = _write(tmp_path, "b.yaml", spec.read_text().replace("[no_ban, small_cells, [no_ban, small_cells]]", "[no_bna]"))
    assert main(["validate", str(bad)]) == 2
    assert "unknown override block 'no_bna', did you mean 'no_ban'?" in capsys.readouterr().err
