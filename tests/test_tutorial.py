"""Every command in docs/tutorial.md runs as written and prints what the tutorial says it does."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

TUTORIAL = (ROOT / "docs" / "tutorial.md").read_text()
BLOCKS = re.findall(r"```bash\n(.*?)```", TUTORIAL, flags=re.S)
COMMANDS = []
for block in BLOCKS:
    lines = block.strip().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("reesim "):
            expects = []
            for follow in lines[i + 1:]:
                if follow.startswith("# expect:"):
                    expects.append(follow.removeprefix("# expect:").strip())
                else:
                    break
            COMMANDS.append((line, expects))


PYTHON = re.findall(r"```python\n(.*?)```", TUTORIAL, flags=re.S)


@pytest.mark.parametrize("code", PYTHON, ids=[f"python-{i}" for i in range(len(PYTHON))])
def test_tutorial_python_runs(code, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(code, "docs/tutorial.md", "exec"), {})


def test_the_tutorial_has_commands():
    assert len(COMMANDS) >= 12


@pytest.mark.parametrize("command, expects", COMMANDS, ids=[c for c, _ in COMMANDS])
def test_tutorial_command(command, expects, tmp_path):
    exe = Path(sys.executable).parent / "reesim"
    argv = [str(exe)] + shlex.split(command)[1:]
    env = dict(os.environ, REESIM_RESULTS_DIR=str(tmp_path))
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for expected in expects:
        assert expected in proc.stdout, (command, expected, proc.stdout[-2000:])
