"""reesim: a discrete-event simulator of the global rare-earth supply chain.

From Python, one call runs a scenario file::

    import sim
    result = sim.run("scenarios/teaching/2_bottleneck.yaml", set={"facilities.cells.capacity.t_per_day": 35})
    result.kpis["fill_rate"], result.timeseries
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import RunOutput
    from .results import Result
    from .scenario.loader import LoadedScenario, ScenarioRecord

__version__ = "0.1.0"


def run(scenario: str | Path, set: Mapping[str, Any] | None = None, *, scenarios: Sequence[str] = (),  # noqa: A002
        seed: int | None = None, progress: Callable[[float], None] | None = None) -> Result:
    """Load, run and measure a scenario file: ``set`` maps dotted paths to values (as ``--set``,
    with Python values: a mapping merges, ``None`` removes), ``scenarios`` names the file's override
    blocks to apply (as ``--scenario``), ``seed`` replaces ``meta.seed``. ``progress`` hears the
    share of the horizon simulated now and then; raising from it stops the run. Bad input raises
    `sim.scenario.InputError`, whose ``issues`` say where and what."""
    from .scenario.loader import read_scenario_data, scenario_notes, validate_scenario

    path = Path(scenario)
    data, positions = read_scenario_data(path)
    values = [*(set or {}).items(), *([("meta.seed", seed)] if seed is not None else [])]
    loaded = validate_scenario(data, positions, path, (), values, scenarios)
    return run_loaded(loaded, progress, str(path), scenario_notes(path))


def run_loaded(loaded: LoadedScenario, progress: Callable[[float], None] | None = None, source: str = "",
               notes: str = "", output: RunOutput | None = None, record: ScenarioRecord | None = None) -> Result:
    """Run and measure a scenario already validated (see `run`): ``source`` and ``notes`` say
    where it came from, for the run folder; ``output``, its simulation if already run; ``record``,
    ``loaded.record()`` if already worked out."""
    from .engine import simulate
    from .results import Result

    output = simulate(loaded.scenario, progress) if output is None else output
    record = loaded.record() if record is None else record
    return Result.from_output(output, record.yaml, record.digest, source, notes, scenario_data=record.data)


__all__ = ["__version__", "run", "run_loaded"]
