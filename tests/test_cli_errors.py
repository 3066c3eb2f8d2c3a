"""Bad input gets one clear line per problem (file:line:column, key path, what was expected) and exit 2."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, TEST_SCENARIOS
from sim.cli import main

CHAIN = (TEST_SCENARIOS / "chain.yaml").read_text()


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def errors_of(capsys, argv) -> tuple[int, list[str]]:
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


CASES = {
    "unknown key": (("capacity: {t_per_day: 80, basis: input}", "capcity: {t_per_day: 80, basis: input}"),
                    r":23:5: facilities\.sep1\.capcity: unknown key 'capcity', did you mean 'capacity'\?$"),
    "unknown facility kind": (("kind: separation_plant", "kind: separation_plnt"),
                              r":20:5: facilities\.sep1\.kind: unknown facility kind 'separation_plnt', did you mean 'separation_plant'\?"),
    "unknown site": (("site: plant, recipe: {inputs: {ndpr_oxide", "site: plnt, recipe: {inputs: {ndpr_oxide"),
                     r":24:30: facilities\.cells\.site: unknown site 'plnt', did you mean 'plant'\?$"),
    "negative capacity": (("capacity: {t_per_day: 30}", "capacity: {t_per_day: -30}"),
                          r":24:\d+: facilities\.cells\.capacity\.t_per_day: expected more than 0 \(got -30\)$"),
    "zero capacity": (("capacity: {t_per_day: 30}", "capacity: {t_per_day: 0}"),
                      r"facilities\.cells\.capacity\.t_per_day: expected more than 0 \(got 0\)$"),
    "link to an unknown site": (("to: plant, materials: [conc]", "to: plantt, materials: [conc]"),
                                r":28:\d+: links\.mine_to_plant\.to: unknown site 'plantt', did you mean 'plant'\?$"),
    "unreachable demand": (("usa_ev: {site: market", "usa_ev: {site: mine"),
                           r":38:3: demand\.usa_ev: unreachable demand: nothing makes or stocks 'magnet' at site 'mine'"),
    "horizon of 0": (("horizon_days: 365", "horizon_days: 0"),
                     r":2:\d+: meta\.horizon_days: expected more than 0 \(got 0\)$"),
    "unknown distribution": (("dist: triangular", "dist: triangle"),
                             r"links\.plant_to_market\.lead_time_days: unknown distribution 'triangle', did you mean 'triangular'\?"),
    "bad distribution order": (("low: 20, mode: 25, high: 30", "low: 20, mode: 35, high: 30"),
                               r"links\.plant_to_market\.lead_time_days: expected low <= mode <= high"),
    "YAML syntax error": (("regions: {china: {name: China}, usa: {name: USA}}", "regions: {china: {name: China}, usa: {name: USA}"),
                          r":\d+:\d+: YAML syntax error: "),
    "object-building tag": (("meta: {name: chain,", "meta: !!python/object:os.system {name: chain,"),
                            r":2:7: meta: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_scenario(tmp_path, capsys, case):
    (old, new), pattern = CASES[case]
    assert old in CHAIN
    path = write(tmp_path, CHAIN.replace(old, new, 1))
    for command in ("validate", "run"):
        code, err = errors_of(capsys, [command, str(path), "--out", str(tmp_path / "out")][: 2 if command == "validate" else 4])
        assert code == 2
        assert len(err) == 1, err
        assert err[0].startswith(f"error: {path}:"), err
        assert re.search(pattern, err[0]), err[0]
        assert "Traceback" not in err[0]
    assert not (tmp_path / "out").exists()


def test_all_errors_in_a_file_are_reported_at_once(tmp_path, capsys):
    text = CHAIN.replace("horizon_days: 365", "horizon_days: 0").replace("to: plant, materials: [conc]", "to: plantt, materials: [conc]")
    text = text.replace("capacity: {t_per_day: 30}", "capacity: {t_per_day: -1}")
    code, err = errors_of(capsys, ["validate", str(write(tmp_path, text))])
    assert code == 2
    assert len(err) == 3
    assert [e.split(": ")[2] for e in err] == ["meta.horizon_days", "facilities.cells.capacity.t_per_day", "links.mine_to_plant.to"]


def test_missing_file(tmp_path, capsys):
    code, err = errors_of(capsys, ["run", str(tmp_path / "nope.yaml")])
    assert code == 2 and err == [f"error: {tmp_path / 'nope.yaml'}: file not found"]


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    code, err = errors_of(capsys, ["run", str(TEST_SCENARIOS / "chain.yaml"), "--out", str(blocker / "run")])
    assert code == 2
    assert err == [f"error: {blocker / 'run'}: --out: cannot write a run folder here: '{blocker}' is a file, not a folder"]


def test_existing_output_folder_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("earlier run")
    code, err = errors_of(capsys, ["run", str(TEST_SCENARIOS / "chain.yaml"), "--out", str(out)])
    assert code == 2 and "already exists" in err[0]
    assert (out / "keep.txt").read_text() == "earlier run"


def test_bad_set_override(capsys):
    code, err = errors_of(capsys, ["validate", str(TEST_SCENARIOS / "chain.yaml"), "--set", "facilities.cells.capacity.t_per_day=-3"])
    assert code == 2
    assert err == ["error: --set facilities.cells.capacity.t_per_day=-3: facilities.cells.capacity.t_per_day: expected more than 0 (got -3)"]


def test_debug_shows_the_traceback(tmp_path, capsys):
    path = write(tmp_path, CHAIN.replace("horizon_days: 365", "horizon_days: 0"))
    assert main(["validate", str(path), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_console_script_exit_code(tmp_path):
    """The installed `reesim` command itself, as a user runs it."""
    path = write(tmp_path, CHAIN.replace("capacity: {t_per_day: 30}", "capacity: {t_per_day: 0}"))
    exe = Path(sys.executable).parent / "reesim"
    proc = subprocess.run([str(exe), "validate", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


POLICY_CASES = {
    "unknown element": ("lic: {kind: export_control, from: china, elements: [Dyy], mode: ban}",
                        r":43:55: policies\.lic\.elements\[0\]: unknown value 'Dyy', did you mean 'Dy'\?"),
    "trigger on an unknown quantity": ("t: {kind: demand_shock, multiplier: 2, when: {quantity: prices, market: m, above: 1}}",
                                       r"policies\.t\.when\.quantity: unknown value 'prices'"),
    "quota below zero": ("q: {kind: export_control, from: china, elements: [Dy], mode: quota, quota_t_per_year: -5}",
                         r"policies\.q\.quota_t_per_year: expected at least 0 \(got -5\)"),
    "unknown policy kind": ("k: {kind: export_contrl, from: china}",
                            r"policies\.k: unknown kind 'export_contrl', did you mean 'export_control'\?"),
    "trigger on an unknown market": ("s: {kind: demand_shock, multiplier: 2, when: {quantity: price_usd_per_kg, market: dy, above: 1}}",
                                     r"policies\.s\.when\.market: unknown market 'dy'"),
    "misspelt policy key": ("s: {kind: closure, facility: sep1, strat: 2025-05-01}",
                            r"policies\.s\.strat: unknown key 'strat', did you mean 'start'\?"),
    "announced after it came into force": (
        "b: {kind: export_control, from: china, elements: [Dy], mode: ban, start: 2025-04-04, announced: 2025-05-01}",
        r"policies\.b: announced must come on or before start"),
}


@pytest.mark.parametrize("case", sorted(POLICY_CASES))
def test_bad_policy(tmp_path, capsys, case):
    line, pattern = POLICY_CASES[case]
    text = CHAIN.replace("materials:\n", "materials:\n  dy_oxide: {elements: [Dy]}\n", 1)
    text += "markets:\n  m: {material: magnet, price_usd_per_kg: 50}\npolicies:\n  " + line + "\n"
    path = write(tmp_path, text)
    code, err = errors_of(capsys, ["validate", str(path)])
    assert code == 2
    assert len(err) == 1, err
    assert re.search(pattern, err[0]), err[0]


def test_hints_name_the_flag_and_value_that_would_work(tmp_path, capsys):
    chain = str(TEST_SCENARIOS / "chain.yaml")
    # a negative seed is the --seed flag's, not a --set the user never typed
    with pytest.raises(SystemExit):
        main(["run", chain, "--seed", "-1", "--out", str(tmp_path / "a")])
    err = capsys.readouterr().err
    assert "argument --seed: expected a whole number from 0" in err and "meta.seed" not in err
    # an unknown section made by --set is the override's, not a line of the file
    code, err = errors_of(capsys, ["run", chain, "--set", "facilitiez.x=1", "--out", str(tmp_path / "b")])
    assert code == 2 and err == ["error: --set facilitiez.x=1: facilitiez: unknown key 'facilitiez', did you mean 'facilities'?"]
    # the short side is told what to set, with the value that matches the other
    code, err = errors_of(capsys, ["compare", chain, chain, "--set-a", "meta.horizon_days=100", "--out", str(tmp_path / "c.csv")])
    assert code == 2 and "make B cover A's days with --set-b meta.horizon_days=100" in err[0]
    assert main(["run", chain, "--set", "meta.horizon_days=100", "--out", str(tmp_path / "short")]) == 0
    capsys.readouterr()
    code, err = errors_of(capsys, ["compare", chain, str(tmp_path / "short"), "--out", str(tmp_path / "d.csv")])
    assert code == 2 and "make A cover B's days with --set-a meta.horizon_days=100" in err[0]  # B is a finished run
    assert not list(tmp_path.glob("*.csv"))


def test_a_reference_file_is_run_over_the_runs_own_days(tmp_path, capsys):
    chain = str(TEST_SCENARIOS / "chain.yaml")
    out = tmp_path / "run"
    assert main(["run", chain, "--set", "meta.horizon_days=100", "--against", chain, "--out", str(out)]) == 0
    assert "Against chain" in (out / "report.html").read_text()
    code, err = errors_of(capsys, ["run", chain, "--set", "meta.horizon_days=50", "--against", str(out), "--out", str(tmp_path / "x")])
    assert code == 2 and "give its scenario file instead" in err[0] and "--set meta.horizon_days=50" in err[0]
