"""The engine's hot modules compiled to C by mypyc, where they have been built: the same code, run
about twice as fast, with the same numbers bit for bit.

``python -m sim.engine.native`` (run by ``make setup``; mypyc comes with the ``native`` extra)
compiles ``NATIVE_MODULES`` from a copy of the sources into ``build/native/`` beside the package,
with the hash of every engine and scenario source it was built from. When the engine is imported,
the compiled modules are used only if each of those sources is unchanged since (an edited module
runs the whole engine as Python until it is built again) and ``REESIM_ENGINE`` is not ``python``.
A run records which engine ran it (``ENGINE``). The Python sources stay the reference: every
module runs as written without the build, and tests/test_native.py checks both give the same days.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NATIVE_MODULES = (
    "allocation", "anticipation", "conditions", "context", "core", "demand", "dispatch", "economics",
    "facility", "link", "market", "origin", "recorder", "replenishment", "stock", "substitution",
)
"""The modules compiled: those a run spends its time in. Not the clock (a subclass of SimPy's
environment), the ledger (a subclass of dict) or the world (built once a run)."""

PACKAGE = Path(__file__).resolve().parents[1]
BUILD = PACKAGE.parent / "build" / "native"
STAMP = "stamp.json"

ENGINE = "python"
"""Which engine this process runs: ``compiled`` or ``python``."""


def _sources() -> dict[str, str]:
    """The hash of every source the compiled modules were checked against (their imports' too)."""
    files = sorted((PACKAGE / "engine").glob("*.py")) + sorted((PACKAGE / "scenario").glob("*.py"))
    return {str(f.relative_to(PACKAGE)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def _stamp() -> dict:
    return {"python": sys.implementation.cache_tag, "sources": _sources()}


def use_native(path: list[str]) -> str:
    """Put the compiled modules first on the engine package's ``path`` when they are current;
    returns the engine that will run."""
    global ENGINE
    stamp = BUILD / STAMP
    if os.environ.get("REESIM_ENGINE") == "python" or not stamp.is_file():
        return ENGINE
    try:
        current = json.loads(stamp.read_text(encoding="utf-8")) == _stamp()
    except (OSError, ValueError):
        current = False
    if current and _runtime_loads():
        path.insert(0, str(BUILD / "sim" / "engine"))
        ENGINE = "compiled"
    return ENGINE


def _runtime_loads() -> bool:
    """Whether mypyc's shared runtime module (a top-level name) loads here: a build copied from
    another machine may not, and the engine then runs as Python rather than failing."""
    if str(BUILD) not in sys.path:
        sys.path.append(str(BUILD))
    try:
        for so in BUILD.glob("*__mypyc*.so"):
            importlib.import_module(so.name.split(".")[0])
    except ImportError:
        sys.path.remove(str(BUILD))
        return False
    return True


def build() -> int:
    """Compile ``NATIVE_MODULES`` into ``build/native``; 0 when built, 1 when mypyc is missing or fails
    (the engine then runs as Python)."""
    try:
        import mypyc  # noqa: F401
    except ImportError:
        print("reesim: mypyc is not installed (pip install -e '.[native]'): the engine runs as Python")
        return 1
    if (BUILD / STAMP).is_file() and json.loads((BUILD / STAMP).read_text(encoding="utf-8")) == _stamp():
        return 0  # current
    failed = BUILD.with_name(BUILD.name + ".failed.json")  # these sources failed to compile here before
    if failed.is_file() and json.loads(failed.read_text(encoding="utf-8")) == _stamp():
        print(f"reesim: the engine did not compile here last time (see {failed.with_suffix('.log')}); it runs as Python")
        return 1
    with tempfile.TemporaryDirectory(prefix="reesim-native-") as tmp:
        # a copy, built away from the sources: mypyc writes its .so files beside what it compiles
        shutil.copytree(PACKAGE, Path(tmp) / "sim", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        files = [f"sim/engine/{m}.py" for m in NATIVE_MODULES]
        done = subprocess.run([sys.executable, "-m", "mypyc", *files], cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            # remembered, so that make run does not spend a minute failing again until a source changes
            failed.parent.mkdir(parents=True, exist_ok=True)
            failed.with_suffix(".log").write_text(done.stdout + done.stderr, encoding="utf-8")
            failed.write_text(json.dumps(_stamp()), encoding="utf-8")
            print("reesim: the engine could not be compiled; it runs as Python. mypyc said:\n"
                  + (done.stdout + done.stderr)[-3000:])
            return 1
        out = BUILD.with_name(BUILD.name + ".new")
        shutil.rmtree(out, ignore_errors=True)
        (out / "sim" / "engine").mkdir(parents=True)
        for so in Path(tmp).glob("*.so"):  # the shared runtime
            shutil.copy2(so, out / so.name)
        for m in NATIVE_MODULES:
            (so,) = (Path(tmp) / "sim" / "engine").glob(f"{m}.*.so")
            shutil.copy2(so, out / "sim" / "engine" / so.name)
        (out / STAMP).write_text(json.dumps(_stamp(), indent=1), encoding="utf-8")
        shutil.rmtree(BUILD, ignore_errors=True)
        out.rename(BUILD)  # whole or not at all
    print(f"reesim: engine compiled ({len(NATIVE_MODULES)} modules) into {BUILD}")
    return 0


if __name__ == "__main__":
    sys.exit(build())
