"""Light imports (issue 23, item 2): commands load only what they use, checked in a fresh interpreter."""

import json
import subprocess
import sys

from conftest import ROOT, TEST_SCENARIOS

PLOTTING = ("matplotlib", "sim.report", "jinja2", "PIL")


def loaded_after(argv: list[str]) -> set[str]:
    """The modules a fresh interpreter holds after running ``reesim argv``."""
    code = (f"import json, sys; from sim.cli import main; code = main({argv!r}); "
            "print(json.dumps([code, sorted(sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    code, modules = json.loads(out.strip().splitlines()[-1])
    assert code == 0
    return set(modules)


def test_validate_loads_no_plotting_report_or_tables():
    modules = loaded_after(["validate", str(TEST_SCENARIOS / "chain.yaml")])
    assert not [m for m in modules if m.startswith((*PLOTTING, "pandas"))]
    assert "pandas" not in modules and "pyarrow" not in modules and "simpy" not in modules
    assert "numpy" not in modules  # loaded where draws are made, not to read a distribution


def test_a_run_without_figures_loads_no_plotting_or_report(tmp_path):
    modules = loaded_after(["run", str(TEST_SCENARIOS / "chain.yaml"), "--no-figures", "--out", str(tmp_path / "run")])
    # pandas (its plotting module with it, which loads no plotting library) holds the run's tables
    assert not [m for m in modules if m.startswith(PLOTTING)]
    assert (tmp_path / "run" / "kpis.json").exists() and json.loads((tmp_path / "run" / "kpis.json").read_text())


def test_the_engine_simulates_without_pandas():
    """Not to import it, nor to run: a run's simulation in a forked child (sim/beside.py) loads no
    pandas while the parent loads it beside."""
    code = (f"import sys; from sim.scenario import load_scenario; from sim.engine import simulate; "
            f"out = simulate(load_scenario({str(TEST_SCENARIOS / 'chain.yaml')!r}).scenario); print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
