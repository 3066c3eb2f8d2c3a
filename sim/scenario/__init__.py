"""Scenario files: schema, YAML loading with positions, inheritance and overrides. Knows nothing of SimPy."""

from .errors import InputError, Issue, Mark
from .loader import LoadedScenario, load_scenario, scenario_from_dict
from .schema import KPI_STAGES, Scenario

__all__ = ["InputError", "Issue", "KPI_STAGES", "LoadedScenario", "Mark", "Scenario", "load_scenario", "scenario_from_dict"]
