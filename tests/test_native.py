"""The engine compiled by mypyc (sim/engine/native.py) runs the same days as the Python sources,
and is used only while it was built from the sources as they are."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from sim.engine import native

ROOT = native.PACKAGE.parent
DAYS = """
import hashlib, sys
from sim.engine import native
from sim.engine.world import World
from sim.scenario import load_scenario
print(native.ENGINE)
for f in sys.argv[1:]:
    out = World(load_scenario(f, ["meta.seed=2"]).scenario).run()
    print(f, hashlib.sha256(out.daily.tobytes()).hexdigest(), out.events)
"""


def _days(engine: str, *files: str) -> list[str]:
    env = {**os.environ, "REESIM_ENGINE": engine}
    out = subprocess.run([sys.executable, "-c", DAYS, *files], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def test_where_mypyc_is_installed_the_engine_is_compiled_and_gives_the_same_days_as_python():
    if importlib.util.find_spec("mypyc") is None:
        pytest.skip("mypyc is not installed here (the native extra): the engine runs as Python")
    files = ["scenarios/export_licensing_2025.yaml", "scenarios/teaching/7_price_feedback.yaml", "benchmarks/peer_chain.yaml"]
    compiled, python = _days("compiled", *files), _days("python", *files)
    assert compiled[0] == "compiled" and python[0] == "python"  # make setup built it
    assert compiled[1:] == python[1:]


def test_the_compiled_modules_are_used_only_while_their_sources_are_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(native, "BUILD", tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(native, "ENGINE", "python")
    monkeypatch.delenv("REESIM_ENGINE", raising=False)
    path: list[str] = []
    assert native.use_native(path) == "python" and path == []  # nothing built
    stamp = native._stamp()
    stale = {**stamp, "sources": {**stamp["sources"], "engine/stock.py": "0" * 64}}
    (tmp_path / native.STAMP).write_text(json.dumps(stale))
    assert native.use_native(path) == "python" and path == []  # built from another stock.py
    (tmp_path / native.STAMP).write_text(json.dumps(stamp))
    monkeypatch.setenv("REESIM_ENGINE", "python")
    assert native.use_native(path) == "python" and path == []  # asked for Python
    monkeypatch.delenv("REESIM_ENGINE")
    assert native.use_native(path) == "compiled" and path == [str(tmp_path / "sim" / "engine")]


def test_a_build_that_does_not_load_here_leaves_the_engine_in_python(tmp_path, monkeypatch):
    monkeypatch.setattr(native, "BUILD", tmp_path)
    monkeypatch.setattr(native, "ENGINE", "python")
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("REESIM_ENGINE", raising=False)
    (tmp_path / native.STAMP).write_text(json.dumps(native._stamp()))
    (tmp_path / "0123abcd__mypyc.cpython-311-x86_64-linux-gnu.so").write_bytes(b"not a shared library")
    path: list[str] = []
    assert native.use_native(path) == "python" and path == [] and str(tmp_path) not in sys.path


def test_a_failed_compile_is_not_tried_again_until_a_source_changes(tmp_path, monkeypatch, capsys):
    if importlib.util.find_spec("mypyc") is None:
        pytest.skip("mypyc is not installed here (the native extra)")
    monkeypatch.setattr(native, "BUILD", tmp_path / "native")
    tries: list[list[str]] = []

    def no_compiler(cmd, **kwargs):
        tries.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "error: command 'gcc' failed: No such file or directory")

    monkeypatch.setattr(native.subprocess, "run", no_compiler)
    assert native.build() == 1 and len(tries) == 1
    assert "could not be compiled" in capsys.readouterr().out
    assert native.build() == 1 and len(tries) == 1  # remembered: make run does not spend a minute failing again
    assert "did not compile here last time" in capsys.readouterr().out
    assert "gcc" in (tmp_path / "native.failed.log").read_text()
    assert not (tmp_path / "native").exists()  # nothing half-built
