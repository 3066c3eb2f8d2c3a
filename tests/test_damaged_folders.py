"""Folders are checked before use (issue 11, item 3): a report or sweep summary over a folder with
a missing, empty, truncated or foreign file names that file and exits 2; every --out is checked
before any work."""

import shutil

import pandas as pd
import pytest

from conftest import TEST_SCENARIOS
from sim.cli import main
from sim.results import write_run_folder

TINY_SWEEP = TEST_SCENARIOS.parent / "sweeps" / "tiny.yaml"
CHAIN = str(TEST_SCENARIOS / "chain.yaml")
DATA_FILES = ["timeseries.parquet", "kpis.json", "run.json", "entities.csv", "balance.csv", "policy_events.csv",
              "scenario.yaml"]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, baseline):
    return write_run_folder(baseline, tmp_path_factory.mktemp("whole") / "run")


def _damage(path, how):
    if how == "missing":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif path.suffix == ".parquet":  # foreign: a whole file of the right kind, not reesim's
        pd.DataFrame({"a": [1.0]}).to_parquet(path)
    elif path.suffix == ".json":
        path.write_text("[1, 2]")
    else:
        path.write_text("a,b\n1,2\n")


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.mark.parametrize("how", ["missing", "empty", "truncated", "foreign"])
@pytest.mark.parametrize("name", DATA_FILES)
def test_report_names_the_missing_or_damaged_file(tmp_path, run_folder, capsys, name, how):
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    _damage(folder / name, how)
    assert main(["report", str(folder)]) == 2
    line = _one_error(capsys)
    assert line.startswith(f"error: {folder / name}: ")
    assert ("missing" if how == "missing" else "damaged") in line
    assert not (folder / "report.html").exists()


def test_an_old_folder_without_file_stamps_still_has_its_files_checked(tmp_path, run_folder, capsys):
    import json

    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    run = json.loads((folder / "run.json").read_text())
    del run["files"]
    (folder / "run.json").write_text(json.dumps(run))
    assert main(["report", str(folder)]) == 0
    capsys.readouterr()
    _damage(folder / "timeseries.parquet", "truncated")
    assert main(["report", str(folder)]) == 2
    assert "timeseries.parquet: damaged: not a whole Parquet file" in _one_error(capsys)


def test_report_on_something_that_is_not_a_run_folder(tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x")
    for target in (tmp_path / "file.txt", tmp_path / "nothing", tmp_path):
        assert main(["report", str(target)]) == 2
        assert "not a run folder" in _one_error(capsys)


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "s"
    assert main(["sweep", str(TINY_SWEEP), "--out", str(out), "--executor", "serial", "--no-progress"]) == 0
    return out


@pytest.mark.parametrize("command", ["sweep-summary", "sweep"])
def test_a_damaged_part_is_named_with_the_way_to_recover(tmp_path, sweep_folder, capsys, command):
    folder = tmp_path / "s"
    shutil.copytree(sweep_folder, folder)
    capsys.readouterr()
    part = sorted((folder / "runs").glob("part-*.parquet"))[0]
    _damage(part, "truncated")
    args = ["sweep-summary", str(folder)] if command == "sweep-summary" else [
        "sweep", str(TINY_SWEEP), "--out", str(folder), "--executor", "serial", "--no-progress"]
    assert main(args) == 2
    line = _one_error(capsys)
    assert line.startswith(f"error: {part}: damaged") and "delete this file and run the sweep again" in line
    part.unlink()  # as the message says: its runs are redone, the others kept
    assert main(["sweep", str(TINY_SWEEP), "--out", str(folder), "--executor", "serial", "--no-progress"]) == 0
    redone = pd.concat([pd.read_parquet(p) for p in (folder / "runs").glob("part-*.parquet")])
    whole = pd.concat([pd.read_parquet(p) for p in (sweep_folder / "runs").glob("part-*.parquet")])
    assert sorted(redone["run_id"]) == sorted(whole["run_id"])


def test_a_damaged_sweep_spec_is_named(tmp_path, sweep_folder, capsys):
    folder = tmp_path / "s"
    shutil.copytree(sweep_folder, folder)
    capsys.readouterr()
    (folder / "spec.yaml").write_text("sweep: [")
    assert main(["sweep-summary", str(folder)]) == 2
    assert _one_error(capsys).startswith(f"error: {folder / 'spec.yaml'}: damaged")


def test_sweep_out_naming_a_file_is_refused_before_running(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    for out in (tmp_path / "afile", tmp_path / "afile" / "below"):
        assert main(["sweep", str(TINY_SWEEP), "--out", str(out), "--executor", "serial", "--no-progress"]) == 2
        assert "is a file" in _one_error(capsys)
    assert main(["sweep-summary", str(tmp_path / "afile")]) == 2
    assert "not a sweep folder" in _one_error(capsys)


def test_compare_writes_its_table_and_page_side_by_side_whatever_out_ends_with(tmp_path, capsys):
    out = tmp_path / "cmp.html"
    assert main(["compare", CHAIN, CHAIN, "--out", str(out), "--seed", "1"]) == 0
    assert "comparison: " + str(tmp_path / "cmp.csv") in capsys.readouterr().out
    assert pd.read_csv(tmp_path / "cmp.csv").columns[0] == "kpi"
    assert (tmp_path / "cmp.html").read_text().lstrip().lower().startswith("<!doctype html")
    assert main(["compare", CHAIN, CHAIN, "--out", str(tmp_path / "cmp.csv")]) == 2
    assert "already exists" in _one_error(capsys)
    assert main(["compare", CHAIN, CHAIN, "--out", str(tmp_path)]) == 2


def test_explain_writes_the_file_it_names(tmp_path, capsys):
    assert main(["explain", CHAIN, "--out", str(tmp_path / "net")]) == 0
    assert capsys.readouterr().out.strip().endswith(f"diagram: {tmp_path / 'net.png'}")
    assert [p.name for p in tmp_path.iterdir()] == ["net.png"]
    assert main(["explain", CHAIN, "--out", str(tmp_path / "net.svg")]) == 0
    assert (tmp_path / "net.svg").read_text().lstrip().startswith("<?xml")
    capsys.readouterr()
    assert main(["explain", CHAIN, "--out", str(tmp_path / "net.xyz")]) == 2
    line = _one_error(capsys)
    assert "cannot draw a '.xyz' file" in line and ".png" in line
    assert main(["explain", CHAIN, "--out", str(tmp_path)]) == 2
    assert "is a folder" in _one_error(capsys)


def test_schema_out_naming_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert main(["schema", "--out", str(tmp_path / "afile")]) == 2
    assert "is a file" in _one_error(capsys)
    assert main(["schema", "--out", str(tmp_path / "s"), "--reference", str(tmp_path)]) == 2
    assert "is a folder" in _one_error(capsys)
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())
