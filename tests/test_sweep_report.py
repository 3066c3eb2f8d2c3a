"""The sweep's page asks its question (issue 12, item 5): the discovery KPI first, KPIs against the
parameters' values, plain numbers on every axis, long tables folded, discovery over categorical
parameters too, and fan charts grouped by a chosen parameter."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from conftest import TEST_SCENARIOS
from sim.cli import main
from sim.report.figures import png_base64
from sim.report.sweep_figures import HIT, SweepFigure
from sim.report.sweep_report import sweep_figures
from sim.sweep import RunStore
from sim.sweep.prim import decode_limits, encode_inputs, prim
from sim.sweep.spec import SweepSpec
from sim.sweep.summary import summarise

CHAIN = TEST_SCENARIOS / "chain.yaml"
BAN = "{kind: export_control, from: china, materials: [magnet], mode: ban, start: 2025-03-01, end: 2025-06-01}"
GRID = """sweep:
  name: grid
  base: {chain}
  replications: 2
  set: {{meta.horizon_days: 120}}
  parameters:
    cells: {{path: facilities.cells.capacity.t_per_day, values: [10, 30]}}
    demand: {{path: demand.usa_ev.t_per_day, values: [30, 50]}}
  kpis: [fill_rate, "production_t.*"]
  timeseries: {{variables: [level_t], entities: [market]}}
  discovery: {{kpi: unmet_demand_t, above: 1500}}
  report: {{group_by: {group}}}
"""
CATEGORICAL = """sweep:
  name: blocks
  base: v.yaml
  replications: 2
  set: {meta.horizon_days: 150}
  parameters:
    demand: {path: demand.usa_ev.t_per_day, values: [30, 50]}
    cells: {overrides: [no_ban, small_cells, [no_ban, small_cells]]}
  kpis: [unmet_demand_t, fill_rate]
  timeseries: {variables: [level_t], entities: [market]}
  discovery: {kpi: fill_rate, below: 0.5}
"""
CATEGORIES = ["no_ban", "small_cells", "no_ban+small_cells"]


def _sweep(folder, text: str, out_name: str = "out"):
    spec = folder / f"{out_name}.yaml"
    spec.write_text(text)
    out = folder / out_name
    assert main(["sweep", str(spec), "--executor", "serial", "--no-progress", "--out", str(out)]) == 0
    return spec, out


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    return _sweep(folder, GRID.format(chain=CHAIN, group="demand"))


@pytest.fixture(scope="module")
def blocks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blocks")
    (folder / "v.yaml").write_text(f"""extends: {CHAIN}
policies:
  ban: {BAN}
overrides:
  no_ban: {{policies.ban: null}}
  small_cells: {{facilities.cells.capacity.t_per_day: 10}}
""")
    return _sweep(folder, CATEGORICAL)


def _figures(out) -> tuple[list[SweepFigure], str, dict]:
    store = RunStore(out)
    runs, spec = store.load(), store.spec()
    summaries = summarise(SweepSpec.model_validate({k: v for k, v in spec.items() if k != "base_overrides"}), runs)
    figures, note = sweep_figures(spec, runs, summaries.sensitivity, summaries.box, store.load_series())
    return figures, note, {"box": summaries.box, "runs": runs}


def _ticks(ax, axis: str = "x") -> list[str]:
    return [t.get_text() for t in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels())]


def test_the_discovery_kpi_comes_first_then_the_files_order(grid):
    figures, note, _ = _figures(grid[1])
    kpis = [f.kpi for f in figures if f.caption.startswith(f"{f.kpi} against")]
    assert kpis[0] == "unmet_demand_t"  # the rule's KPI, though the file does not list it
    assert kpis[1] == "fill_rate"  # then the file's order: fill_rate, then production_t.* sorted
    assert kpis[2:] == sorted(kpis[2:]) and all(k.startswith("production_t.") for k in kpis[2:])
    assert "production_t.mining (the same in every run)" in note  # left out, and said so
    page = (grid[1] / "sweep_report.html").read_text()
    assert re.search(r'<figure><img alt="([^"]*)"', page).group(1).startswith("unmet_demand_t against each parameter")


def test_each_panel_shows_a_parameter_and_its_values(grid, blocks):
    figures, _, _ = _figures(grid[1])
    first = {ax.get_xlabel(): ax for ax in figures[0].figure.axes}
    assert {name: _ticks(ax) for name, ax in first.items()} == {"cells": ["10", "30"], "demand": ["30", "50"]}
    legend = [t.get_text() for t in first["cells"].get_legend().get_texts()]
    assert legend[:2] == ["demand=30", "demand=50"]  # one series per value of the other parameter
    assert any(t.startswith("rule: unmet_demand_t > 1,500") for t in legend)
    categorical, _, _ = _figures(blocks[1])
    assert [ax.get_xlabel() for ax in categorical[0].figure.axes] == ["cells", "demand"]  # the box's parameter first
    assert _ticks(categorical[0].figure.axes[0]) == CATEGORIES


def _offsets(figure) -> list[str]:
    """Tick labels and offset texts in offset or scientific notation, once the figure is drawn."""
    png_base64(figure)
    found = []
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [axis.get_offset_text().get_text()] + [t.get_text() for t in axis.get_ticklabels()]
            found += [t for t in labels if t and (re.search(r"\d[eE][+-]?\d|×|\$", t) or axis.get_offset_text().get_text() == t)]
    return found


def test_no_axis_uses_offset_notation(grid):
    rng = np.random.default_rng(0)
    n = 24
    runs = pd.DataFrame({"run_id": range(n), "point_id": np.arange(n) // 3, "status": "ok",
                         "p.tiny": np.repeat([1e-6, 2e-6, 3e-6, 4e-6], 6), "p.kind": np.tile(["a", "b"], 12),
                         "k.fill_rate": 0.99999 + rng.uniform(0, 1e-5, n), "k.tonnes": 1.2e7 + rng.uniform(0, 50, n)})
    spec = {"parameters": {"tiny": {}, "kind": {}}, "kpis": ["fill_rate", "tonnes"], "discovery": {"kpi": "fill_rate", "below": 0.999995}}
    series = pd.DataFrame({"run_id": np.repeat(range(n), 3), "date": np.tile(pd.date_range("2025-01-01", periods=3), n),
                           "entity": "market", "material": "magnet", "variable": "level_t", "value": 5e6 + rng.uniform(0, 1, 3 * n)})
    sens = pd.DataFrame({"kpi": "fill_rate", "parameter": ["tiny", "kind"], "method": "sobol", "index": "ST",
                         "value": [2e-7, 3e-7], "conf": 0.0})
    figures, _ = sweep_figures(spec, runs, sens, pd.DataFrame(), series)
    assert len(figures) == 5  # two KPIs, discovery, fans, sensitivity
    real, _, _ = _figures(grid[1])
    for f in figures + real:
        assert _offsets(f.figure) == [], f.caption


def test_a_table_over_the_fold_limit_is_folded(grid):
    page = (grid[1] / "sweep_report.html").read_text()
    summary = re.search(r'<details><summary>([^<]*)</summary><table id="points">', page)
    assert summary is not None
    assert re.fullmatch(r"\d+ rows \(4 design points x \d+ KPIs\) - show", summary.group(1))
    assert re.search(r'<h2>Parameters</h2>\s*<table id="parameters">', page)  # two rows: shown as they are


def test_prim_keeps_or_drops_each_level_of_a_categorical_input():
    rng = np.random.default_rng(1)
    inputs = pd.DataFrame({"cells": rng.choice(["a", "b", "a+b"], 400), "d": rng.uniform(0, 1, 400)})
    y = ((inputs["cells"] == "b") & (inputs["d"] > 0.5)).to_numpy()
    x, levels = encode_inputs(inputs)
    limits = decode_limits(prim(x, y).limits, levels).set_index("parameter")
    assert json.loads(limits.loc["cells", "levels"]) == ["b"]
    assert limits.loc["d", "low"] == pytest.approx(0.5, abs=0.05)


def test_a_categorical_override_parameter_gets_a_discovery_figure(blocks):
    figures, _, found = _figures(blocks[1])
    box = found["box"].set_index("parameter")
    kept = json.loads(box.loc["cells", "levels"])
    assert kept and set(kept) < set(CATEGORIES)
    discovery = next(f for f in figures if f.caption.startswith("Scenario discovery"))
    ax = discovery.figure.axes[0]
    assert ax.get_xlabel().startswith("cells") and _ticks(ax) == CATEGORIES
    colours = [to_hex(bar.get_facecolor()) for bar in ax.patches]
    assert [c == HIT.lower() for c in colours] == [c in kept for c in CATEGORIES]
    page = (blocks[1] / "sweep_report.html").read_text()
    assert discovery.caption.replace("<", "&lt;") in page


def _fan_legend(figures) -> list[str]:
    fans = next(f for f in figures if f.caption.startswith("Kept series"))
    return [t.get_text() for t in fans.figure.axes[0].get_legend().get_texts()]


def test_fans_are_grouped_by_the_chosen_parameter(grid, blocks):
    figures, _, _ = _figures(grid[1])
    assert _fan_legend(figures) == ["demand=30 (4 runs)", "demand=50 (4 runs)"]
    fans = next(f for f in figures if f.caption.startswith("Kept series")).figure
    assert len({line.get_color() for line in fans.axes[0].get_lines()}) == 2
    categorical, _, _ = _figures(blocks[1])  # no group_by: the first categorical parameter
    assert _fan_legend(categorical) == [f"cells={c} (4 runs)" for c in CATEGORIES]
    spec, out = grid
    spec.write_text(GRID.format(chain=CHAIN, group="cells"))  # page options are no new sweep: the runs stay
    assert main(["sweep", str(spec), "--executor", "serial", "--no-progress", "--out", str(out)]) == 0
    assert 'one envelope per value of cells' in (out / "sweep_report.html").read_text()
    assert main(["sweep-summary", str(out)]) == 0  # and summarising the folder later keeps it
    assert _fan_legend(_figures(out)[0])[0] == "cells=10 (4 runs)"


def test_a_misspelt_group_by_is_an_error_with_a_suggestion(tmp_path, capsys):
    spec = tmp_path / "s.yaml"
    spec.write_text(GRID.format(chain=CHAIN, group="demnd"))
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:12:" in err
    assert "sweep.report.group_by: unknown parameter 'demnd', did you mean 'demand'?" in err
