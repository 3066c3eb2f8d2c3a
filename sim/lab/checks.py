"""Checks of a ``lab:`` section that need the KPI registry (which sits above the scenario layer)."""

from __future__ import annotations

from pathlib import Path

from ..results.kpi_registry import check_pattern, scenario_ids
from ..scenario.errors import InputError, Issue, Mark
from ..scenario.loader import LoadedScenario, read_scenario_data, validate_scenario
from ..scenario.yamlio import Positions


def lab_kpi_issues(loaded: LoadedScenario, positions: dict) -> list[Issue]:
    """Each of the lab's KPI names (and its challenge's) that the scenario would not report, located."""
    lab = loaded.scenario.lab
    if lab is None:
        return []
    ids, policies, focus = scenario_ids([loaded.scenario])
    file = str(loaded.path)
    named = [(("lab", "kpis", i), f"lab.kpis[{i}]", k) for i, k in enumerate(lab.kpis)]
    if lab.challenge is not None:
        named.append((("lab", "challenge", "kpi"), "lab.challenge.kpi", lab.challenge.kpi))
    issues = []
    for loc, where, name in named:
        problem = check_pattern(name, focus, ids, policies)
        if problem is None and "*" in name:
            problem = "expected one KPI, not a pattern"
        if problem:
            issues.append(Issue(positions.get(loc, Mark(file)), where, problem))
    return issues


def read_lab_scenario(path: str | Path) -> tuple[LoadedScenario, dict, Positions]:
    """A scenario file validated with its lab section's KPI names (`sim.scenario.InputError` if
    not), and the data and positions it was read into, to validate again with other values."""
    data, positions = read_scenario_data(path)
    loaded = validate_scenario(data, positions, Path(path))
    issues = lab_kpi_issues(loaded, positions)
    if issues:
        raise InputError(issues)
    return loaded, data, positions


def load_lab_scenario(path: str | Path) -> LoadedScenario:
    """A scenario file validated with its lab section's KPI names (`sim.scenario.InputError` if not)."""
    return read_lab_scenario(path)[0]
