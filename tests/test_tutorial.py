"""Every command in docs/tutorial.md runs as written and prints what the tutorial says it does."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from conftest import ROOT
from sim.cli import main

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
def test_tutorial_command(command, expects, tmp_path, monkeypatch, capsys):
    """The first command runs as the student types it, through the installed ``reesim`` script; the
    others call the same entry point in this process (the script only calls it), which spares a
    fresh interpreter and its imports for each."""
    argv = shlex.split(command)[1:]
    if (command, expects) == COMMANDS[0]:
        exe = Path(sys.executable).parent / "reesim"
        env = dict(os.environ, REESIM_RESULTS_DIR=str(tmp_path))
        proc = subprocess.run([str(exe), *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    else:
        monkeypatch.chdir(ROOT)
        monkeypatch.setenv("REESIM_RESULTS_DIR", str(tmp_path))
        code = main(argv)
        out, err = capsys.readouterr()
    assert code == 0, err
    for expected in expects:
        assert expected in out, (command, expected, out[-2000:])


def _per_day(result, entity: str, variable: str) -> float:
    ts = result.timeseries
    return ts[(ts["entity"] == entity) & (ts["variable"] == variable)]["value"].sum() / result.run["horizon_days"]


def _tts(initial_t: float):
    return ("5_shock_and_stockpile", {"policies.us_reserve.initial_t": initial_t}), lambda r: r.kpis["time_to_survive_days"]["usa"]


SMOOTH = {"stocks.distributor.magnet.replenishment.smoothing": 0.1, "stocks.market.magnet.replenishment.smoothing": 0.1}
QUOTED = [  # the words around a number in the tutorial's prose ({} where it stands), the run it comes from, and the number
    ("kiln runs at {}% of its capacity", ("1_one_kiln", {}), lambda r: 100 * r.kpis["utilisation_by_facility"]["gansu_kiln"]),
    ("Only {} t a day arrive", ("2_bottleneck", {}), lambda r: _per_day(r, "magnets", "output_t")),
    ("get {}% of what they are owed", ("2_bottleneck", {}), lambda r: 100 * r.kpis["fill_rate"]),
    ("separation, at {} t a day", ("2_bottleneck", {"facilities.cells.capacity.t_per_day": 35}), lambda r: _per_day(r, "magnets", "output_t")),
    ("t a day ({}%)", ("2_bottleneck", {"facilities.cells.capacity.t_per_day": 35}), lambda r: 100 * r.kpis["fill_rate"]),
    ("About {}% of demand is missed", ("3_buffers_and_lead_times", {}), lambda r: 100 * (1 - r.kpis["fill_rate"])),
    ("about {} at the market", ("4_bullwhip", {}), lambda r: r.kpis["bullwhip_ratio"]["market.magnet"]),
    ("about {} at the distributor", ("4_bullwhip", {}), lambda r: r.kpis["bullwhip_ratio"]["distributor.magnet"]),
    ("fall, to about {} and", ("4_bullwhip", SMOOTH), lambda r: r.kpis["bullwhip_ratio"]["market.magnet"]),
    ("fall, to about 2 and {}", ("4_bullwhip", SMOOTH), lambda r: r.kpis["bullwhip_ratio"]["distributor.magnet"]),
    ("buyers hold out {} days into the ban", *_tts(2000)),
    ("short after {} days", *_tts(0)),
    ("miss {}% of the year's demand", ("5_shock_and_stockpile", {"policies.us_reserve.initial_t": 0}), lambda r: 100 * (1 - r.kpis["fill_rate"])),
    ("they hold out {} days", *_tts(1000)),
    ("peak ~{}", ("7_price_feedback", {}), lambda r: r.kpis["price_usd_per_kg"]["ndpr"]["peak"]),
    ("low ~{}", ("7_price_feedback", {}), lambda r: r.kpis["price_usd_per_kg"]["ndpr"]["low"]),
    ("runs up to ~{} USD/kg", ("7_price_feedback", {"policies.stabiliser.step": 0.05}), lambda r: r.kpis["price_usd_per_kg"]["ndpr"]["peak"]),
]
"""Every number the lessons' prose quotes from a run (the commands' `# expect:` lines are checked above)."""
NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
LESSONS = TUTORIAL[:TUTORIAL.index("## The lab")]
PROSE = re.sub(r"```.*?```", "", LESSONS, flags=re.S)


def _pattern(words: str) -> str:
    return r"\s+".join(re.escape(part).replace(r"\{\}", NUMBER) for part in words.split())


@pytest.fixture(scope="module")
def runs():
    """Each lesson run the quotes come from, once (a lesson takes a tenth of a second)."""
    cache: dict = {}

    def run(lesson: str, settings: dict):
        key = (lesson, tuple(sorted(settings.items())))
        if key not in cache:
            cache[key] = sim.run(ROOT / "scenarios" / "teaching" / f"{lesson}.yaml", set=settings)
        return cache[key]
    return run


@pytest.mark.parametrize("words, source, measure", QUOTED, ids=[q[0] for q in QUOTED])
def test_every_number_the_tutorial_quotes_is_what_the_model_gives(words, source, measure, runs):
    found = re.findall(_pattern(words), PROSE)
    assert len(found) == 1, f"'{words}' should be in the tutorial's prose once, found {len(found)}"
    quoted = found[0]
    places = len(quoted.split(".")[1]) if "." in quoted else 0
    value = measure(runs(*source))
    # within the rounding the text uses: 174 stands for 173.5 to 174.5, 99.4 for 99.35 to 99.45
    assert abs(value - float(quoted.replace(",", ""))) <= 0.5 * 10**-places + 1e-9, (words, quoted, value)


def test_every_result_like_number_in_the_lessons_is_checked():
    """A number written as a result ('~174', 'about 8', '31%') must be one of the quotes checked above."""
    checked = {m.start(1) for words, _, _ in QUOTED for m in re.finditer(_pattern(words), PROSE)}
    result_like = [m for m in re.finditer(r"(?:~|about\s+)" + NUMBER + r"|" + NUMBER + r"%", PROSE, flags=re.I)]
    unchecked = [m.group(0) for m in result_like if (m.start(1) if m.group(1) else m.start(2)) not in checked]
    assert not unchecked, f"numbers in docs/tutorial.md not checked against a run: {unchecked}"
