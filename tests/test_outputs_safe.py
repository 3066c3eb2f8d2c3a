"""Run folders stay inside the results folder, never collide, are whole or absent after a kill,
and hold strict JSON; a balance that does not close stops the run (issue 11, items 4 and 5)."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TEST_SCENARIOS
from sim.atomic import STALE_AFTER_SECONDS, AtomicFolder, stale_temporaries
from sim.cli import main, slug
from sim.results import read_run_folder
from sim.results.result import FILES, strict_json


@pytest.mark.parametrize("name, expected", [
    ("../../escaped", "escaped"), ("/tmp/x", "tmp-x"), ("baseline", "baseline"), ("a b/c", "a-b-c"),
    ("..", "run"), (".hidden", "hidden"), ("x" * 300, "x" * 100),
])
def test_a_name_becomes_a_folder_name_that_stays_put(name, expected):
    assert slug(name) == expected


def test_a_run_named_with_dots_and_slashes_stays_in_the_results_folder(tmp_path, monkeypatch, capsys):
    results = tmp_path / "results"
    monkeypatch.setenv("REESIM_RESULTS_DIR", str(results))
    code = main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--no-figures", "--set", "meta.name=../../escaped",
                 "--set", "meta.horizon_days=30"])
    assert code == 0, capsys.readouterr().err
    made = [p for p in tmp_path.rglob("kpis.json")]
    assert len(made) == 1 and made[0].parent.parent == results
    assert made[0].parent.name.startswith("escaped-seed")


def test_numbers_that_are_not_finite_are_written_as_null_with_a_warning(capsys):
    text = strict_json({"fill_rate": 0.5, "price": {"a": {"peak": math.inf, "mean": math.nan}}, "list": [1.0, -math.inf]}, "kpis.json")
    def refuse(constant):
        raise ValueError(constant)
    data = json.loads(text, parse_constant=refuse)  # strict: NaN or Infinity would raise
    assert data == {"fill_rate": 0.5, "price": {"a": {"peak": None, "mean": None}}, "list": [1.0, None]}
    err = capsys.readouterr().err.strip()
    assert err == "warning: kpis.json: not a finite number, written as null: price.a.peak, price.a.mean, list[1]"


def test_a_folder_taken_while_writing_moves_to_the_next_free_name(tmp_path):
    first, second = AtomicFolder(tmp_path / "run", unique=True), AtomicFolder(tmp_path / "run", unique=True)
    a, b = first.__enter__(), second.__enter__()  # both started before either finished, as two runs in one second
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    second.__exit__(None, None, None)
    first.__exit__(None, None, None)
    assert (second.path, first.path) == (tmp_path / "run", tmp_path / "run-2")
    assert (first.path / "x").read_text() == "a" and (second.path / "x").read_text() == "b"
    with pytest.raises(FileExistsError), AtomicFolder(tmp_path / "run") as c:  # a named --out is never renamed
        (c / "x").write_text("c")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run-2"]


def _reesim(*args: str, results: Path) -> subprocess.Popen:
    env = {**os.environ, "REESIM_RESULTS_DIR": str(results)}
    return subprocess.Popen([sys.executable, "-m", "sim.cli", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_two_runs_started_together_both_land(tmp_path):
    results = tmp_path / "results"
    args = ["run", str(TEST_SCENARIOS / "chain.yaml"), "--no-figures", "--set", "meta.horizon_days=30"]
    procs = [_reesim(*args, results=results) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    folders = sorted(p for p in results.iterdir())
    assert len(folders) == 2 and all((f / "kpis.json").exists() for f in folders)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_what_stopped_runs_left_is_cleaned_and_said(tmp_path, monkeypatch, capsys):
    results = tmp_path / "results"
    stale = results / f".baseline-seed1-20260101-000000.{_dead_pid()}.0a1b2c3d.tmp"
    (stale / "half").mkdir(parents=True)
    stale_file = results / f".report.html.{_dead_pid()}.9f8e7d6c.tmp"
    stale_file.write_text("<html")
    with subprocess.Popen(["sleep", "60"]) as alive:
        running = results / f".other-run.{alive.pid}.11111111.tmp"
        running.mkdir()
        old = results / f".old-run.{alive.pid}.22222222.tmp"
        old.mkdir()
        os.utime(old, (time.time() - STALE_AFTER_SECONDS - 60,) * 2)
        monkeypatch.setenv("REESIM_RESULTS_DIR", str(results))
        assert main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--no-figures", "--set", "meta.horizon_days=30"]) == 0
        alive.kill()
    err = capsys.readouterr().err
    assert "note: removed 3 unfinished output(s)" in err and stale.name in err
    assert not stale.exists() and not stale_file.exists() and not old.exists()
    assert running.exists()  # its writer is still at work


def test_a_balance_that_does_not_close_stops_with_exit_1_and_writes_nothing(tmp_path, monkeypatch, capsys):
    from sim.engine.ledger import Ledger

    check = Ledger.check
    monkeypatch.setattr(Ledger, "check", lambda self, in_stock, rel_tol=1e-9: check(
        self, {m: t + 1.0 for m, t in in_stock.items()}, rel_tol))
    code = main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--no-figures", "--out", str(tmp_path / "run"),
                 "--set", "meta.horizon_days=30"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert err[0].startswith("error: mass balance does not close:") and "defect in reesim" in err[0]
    assert list(tmp_path.iterdir()) == []


def test_a_balance_that_is_not_a_number_does_not_close():
    from sim.engine.ledger import Ledger, MassBalanceError

    ledger = Ledger()
    ledger.produced["magnet"] = math.inf
    with pytest.raises(MassBalanceError):
        ledger.check({"magnet": math.inf})


@pytest.fixture(scope="module")
def run_seconds(tmp_path_factory) -> float:
    """How long a whole run with figures takes here, so that kills fall across it on any machine."""
    start = time.perf_counter()
    proc = _reesim("run", str(TEST_SCENARIOS / "chain.yaml"), results=tmp_path_factory.mktemp("timing"))
    assert proc.wait(timeout=120) == 0
    return time.perf_counter() - start


@pytest.mark.parametrize("share", [0.15, 0.5, 0.7, 0.8, 0.88, 0.95])
def test_a_run_killed_at_any_moment_leaves_a_whole_folder_or_nothing_visible(tmp_path, run_seconds, share):
    results = tmp_path / "results"
    proc = _reesim("run", str(TEST_SCENARIOS / "chain.yaml"), results=results)  # with figures: the longest write
    try:
        proc.wait(timeout=share * run_seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    visible = [p for p in results.iterdir() if not p.name.startswith(".")] if results.exists() else []
    assert len(visible) <= 1
    for folder in visible:
        back = read_run_folder(folder)  # checks every file against the sizes and digests the run wrote
        assert set(FILES) <= {p.name for p in folder.iterdir()} and back.kpis["fill_rate"] > 0
    hidden = [p for p in results.iterdir() if p.name.startswith(".")] if results.exists() else []
    assert stale_temporaries(results) == hidden  # what is left is recognised, and the next run removes it


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    import errno

    import pyarrow.parquet as pq

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pq, "write_table", full)
    out = tmp_path / "run"
    assert main(["run", str(TEST_SCENARIOS / "chain.yaml"), "--no-figures", "--out", str(out),
                 "--set", "meta.horizon_days=30"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {out}: --out: cannot write the run folder: No space left on device"]
    assert list(tmp_path.iterdir()) == []
