"""The lab: section of scenario files: each lesson's validates; wrong paths, ranges and KPI names are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.lab.checks import load_lab_scenario
from sim.scenario import InputError

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "scenarios" / "teaching").glob("*.yaml"))
LESSON2 = ROOT / "scenarios" / "teaching" / "2_bottleneck.yaml"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_has_a_lab_that_validates(path: Path) -> None:
    lab = load_lab_scenario(path).scenario.lab
    assert lab is not None and lab.question and lab.controls and lab.kpis and lab.series


def _lesson2_with(tmp_path: Path, old: str, new: str) -> Path:
    text = LESSON2.read_text()
    assert old in text
    path = tmp_path / "lesson.yaml"
    path.write_text(text.replace(old, new))
    return path


def _one_issue(path: Path) -> str:
    with pytest.raises(InputError) as exc:
        load_lab_scenario(path)
    assert len(exc.value.issues) == 1, exc.value.issues
    line = str(exc.value.issues[0])
    assert line.startswith(f"{path}:"), line  # file:line:column
    return line


def test_a_control_path_that_does_not_exist(tmp_path: Path) -> None:
    path = _lesson2_with(tmp_path, "path: facilities.cells.capacity", "path: facilities.celss.capacity")
    line = _one_issue(path)
    assert "lab.controls.cells.path: no key 'facilities.celss'" in line and "did you mean 'cells'?" in line


def test_the_files_value_outside_the_range(tmp_path: Path) -> None:
    path = _lesson2_with(tmp_path, "label: Metal cells, min: 1, max: 80", "label: Metal cells, min: 1, max: 10")
    line = _one_issue(path)
    assert "lab.controls.cells.max: the file's value 12 at facilities.cells.capacity.t_per_day is outside" in line


def test_min_must_be_below_max(tmp_path: Path) -> None:
    path = _lesson2_with(tmp_path, "label: Metal cells, min: 1, max: 80", "label: Metal cells, min: 80, max: 1")
    assert "expected min below max" in _one_issue(path)


def test_an_unknown_kpi(tmp_path: Path) -> None:
    path = _lesson2_with(tmp_path, "kpis: [fill_rate,", "kpis: [fill_rat,")
    line = _one_issue(path)
    assert "lab.kpis[0]: unknown KPI 'fill_rat', did you mean 'fill_rate'?" in line


def test_an_unknown_series_entity(tmp_path: Path) -> None:
    path = _lesson2_with(tmp_path, "{entity: magnets, variable", "{entity: magnet, variable")
    assert "lab.series[0].entity: no entity 'magnet' in this scenario, did you mean 'magnets'?" in _one_issue(path)


def test_set_may_go_beyond_a_controls_range() -> None:
    """The range bounds the slider, not the model: --set and sweeps reach any valid value."""
    from sim.scenario.loader import load_scenario

    loaded = load_scenario(LESSON2, ["facilities.cells.capacity.t_per_day=500"])
    assert loaded.scenario.facilities["cells"].capacity.t_per_day == 500


def test_the_reference_lists_the_lab_section() -> None:
    text = (ROOT / "docs" / "reference.md").read_text()
    assert "| `lab` |" in text and "the dotted path of the value in the scenario" in text


def test_a_resolved_scenario_leaves_the_lab_out() -> None:
    """What ran is written without the lab section, so a run given values beyond a control's range
    loads again, and a lesson's digest does not change with what the lab offers."""
    from sim.scenario.loader import load_scenario, scenario_from_dict

    loaded = load_scenario(LESSON2, ["facilities.cells.capacity.t_per_day=100"])
    assert loaded.scenario.lab is not None and "lab" not in loaded.resolved()
    assert scenario_from_dict(loaded.resolved()).scenario.facilities["cells"].capacity.t_per_day == 100


def test_a_challenges_kpi_is_checked_too(tmp_path: Path) -> None:
    path = _lesson2_with(tmp_path, "challenge: {kpi: fill_rate,", "challenge: {kpi: fill_rate_by_region.chin,")
    assert "lab.challenge.kpi: no region 'chin' in this scenario, did you mean 'china'?" in _one_issue(path)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_slider_end_gives_a_valid_scenario(path: Path) -> None:
    """A student can drag a slider to either end without the run being refused."""
    from sim.scenario.loader import read_scenario_data, validate_scenario

    data, positions = read_scenario_data(path)
    lab = validate_scenario(data, positions, path).scenario.lab
    assert lab is not None
    for control in lab.controls.values():
        for value in (control.min, control.max):
            validate_scenario(data, positions, path, (), [(control.path, value)])


CHALLENGE = 'challenge: {kpi: fill_rate, above: 0.55, text:'


@pytest.mark.parametrize(("limits", "expected"), [
    ("{cels: {max: 30}}", "lab.challenge.limits.cels: no control 'cels' in this lab, did you mean 'cells'?"),
    ("{cells: {max: 300}}", "lab.challenge.limits.cells.max: 300 is outside control 'cells''s range 1 to 80"),
    ("{cells: {min: 30, max: 20}}", "expected min at most max (min 30, max 20)"),
    ("{cells: {}}", "expected min, max or both"),
])
def test_a_challenges_limits_name_a_slider_and_stay_in_its_range(tmp_path: Path, limits: str, expected: str) -> None:
    path = _lesson2_with(tmp_path, CHALLENGE, f"challenge: {{kpi: fill_rate, above: 0.55, limits: {limits}, text:")
    assert expected in _one_issue(path)


def test_a_control_cannot_name_an_item_of_a_list(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "teaching" / "5_shock_and_stockpile.yaml").read_text()
    assert "materials: [magnet]" in text
    path = tmp_path / "lesson.yaml"
    path.write_text(text.replace("  controls:\n", "  controls:\n    first: {path: policies.ban.materials.0, label: First, values: [magnet, alloy]}\n", 1))
    assert "lab.controls.first.path: policies.ban.materials is a list: a control changes a key of a mapping" in _one_issue(path)
