"""Run a sweep: plan every run, skip those already in the store, execute the rest, and append
results in parts as they come in."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..results.kpi_registry import check_pattern, scenario_ids
from ..results.window import Window
from ..scenario.errors import InputError, Issue, Mark, did_you_mean
from ..scenario.loader import validate_scenario
from .design import DesignPoints, build_design, count_points
from .executors import RUNNERS
from .spec import DEFAULT_MAX_RUNS, LoadedSweep, check_size
from .store import RunStore
from .tasks import Job, RunTask, run_seed

# rows are appended to the store every FLUSH_ROWS runs or FLUSH_SECONDS, whichever comes first
FLUSH_ROWS = int(os.environ.get("REESIM_SWEEP_FLUSH_ROWS", "50"))
FLUSH_SECONDS = float(os.environ.get("REESIM_SWEEP_FLUSH_SECONDS", "10"))
MAX_CHUNK = 25  # runs in a chunk at most, so that progress moves and a chunk's results stay small
GUIDED_SHARE = 4  # a chunk takes 1 / (GUIDED_SHARE x workers) of the runs not yet handed out


def plan(loaded: LoadedSweep, design: DesignPoints) -> list[RunTask]:
    spec = loaded.spec
    tasks = []
    for point_id, point in enumerate(design.points):
        settings: list[tuple[str, Any]] = list(spec.set.items())
        labels = []
        for name in design.names:
            value = point[name]
            param = spec.parameters[name]
            if param.overrides is not None:
                blocks = (value,) if isinstance(value, str) else tuple(value)
                for block in blocks:
                    settings += list(loaded.blocks[block].items())
                labels.append((name, "+".join(blocks)))
            else:
                settings.append((param.path, value))  # type: ignore[arg-type]
                labels.append((name, value))
        for rep in range(spec.replications):
            run_id = point_id * spec.replications + rep
            tasks.append(RunTask(run_id, point_id, rep, run_seed(spec.seed, run_id), tuple(settings), tuple(labels)))
    return tasks


def _check_settings(loaded: LoadedSweep, job: Job, design: DesignPoints) -> list[Any]:
    """Each parameter's path (at its first value), the sweep's ``set:``, and ``set:`` with each
    block it uses (what the runs get) must give valid scenarios; returns them, for the KPI check."""
    base, issues, scenarios = Path(job.base_path), [], []

    def check(where: tuple, settings: list[tuple[str, Any]], path: str) -> None:
        try:
            scenarios.append(validate_scenario(job.base_data, {}, base, (), settings).scenario)
        except InputError as exc:
            mark = loaded.positions.get(where, Mark(str(loaded.path)))
            issues.extend(Issue(mark, path, f"in {base.name}: {i.path}: {i.message}") for i in exc.issues)

    for name, param in loaded.spec.parameters.items():
        if param.path is not None:
            check(("parameters", name, "path"), [(param.path, design.points[0][name])], f"sweep.parameters.{name}.path")
    common = list(loaded.spec.set.items())
    check(("set",), common, "sweep.set")
    if not issues:  # else each block would repeat what is wrong with set:
        for block, values in loaded.used_blocks.items():
            check(("overrides", block), common + list(values.items()), f"sweep.overrides.{block}")
    if issues:
        raise InputError(issues)
    return scenarios


def _check_kpis(loaded: LoadedSweep, scenarios: list[Any]) -> None:
    """A KPI pattern that matches nothing would leave a column out without a word: check each
    against the registry and the ids of the scenarios the runs get."""
    ids, policies, focus = scenario_ids(scenarios)
    file = str(loaded.path)
    issues = []
    for i, pattern in enumerate(loaded.spec.kpis):
        problem = check_pattern(pattern, focus, ids, policies)
        if problem:
            issues.append(Issue(loaded.positions.get(("kpis", i), Mark(file)), f"sweep.kpis[{i}]", problem))
    discovery = loaded.spec.discovery
    window = Window.parse(loaded.spec.window) if loaded.spec.window else None
    if window is not None and window.policy is not None and window.policy not in policies:
        issues.append(Issue(loaded.positions.get(("window",), Mark(file)), "sweep.window",
                            f"no policy '{window.policy}' in the base scenario" + did_you_mean(window.policy, sorted(policies))))
    if discovery is not None:
        problem = check_pattern(discovery.kpi, focus, ids, policies)
        if problem is None and "*" in discovery.kpi:
            problem = "discovery needs one KPI, not a pattern"
        if problem:
            issues.append(Issue(loaded.positions.get(("discovery", "kpi"), Mark(file)), "sweep.discovery.kpi", problem))
    if issues:
        raise InputError(issues)


def prepare(loaded: LoadedSweep, max_runs: int) -> tuple[DesignPoints, Job]:
    """Everything checked before a run: the sweep's size, its paths, settings and KPIs; returns
    its design and the job every run shares."""
    check_size(loaded, count_points(loaded.spec), max_runs)
    design = build_design(loaded.spec)
    job = make_job(loaded)
    _check_kpis(loaded, _check_settings(loaded, job, design))
    return design, job


class CheckedSweep:
    def __init__(self, loaded: LoadedSweep, design: DesignPoints):
        self.spec = loaded.spec
        self.base_path = loaded.base_path
        self.points = len(design.points)
        self.runs = self.points * loaded.spec.replications


def check_sweep(path: str | Path, max_runs: int = DEFAULT_MAX_RUNS) -> CheckedSweep:
    """Validate a sweep file, its size and its paths into the base scenario, without running it."""
    from .spec import load_sweep

    loaded = load_sweep(path)
    design, _ = prepare(loaded, max_runs)
    return CheckedSweep(loaded, design)


def make_job(loaded: LoadedSweep) -> Job:
    # the base's lab section says what the lab offers; it was checked with the file, and runs need none
    data = {k: v for k, v in loaded.base_data.items() if k != "lab"}
    ts = loaded.spec.timeseries
    discovery = loaded.spec.discovery
    # the rule's KPI is kept even when kpis: leaves it out, or discovery would have nothing to read
    kpis = loaded.spec.kpis + ((discovery.kpi,) if discovery and discovery.kpi not in loaded.spec.kpis else ())
    return Job(data, str(loaded.base_path), kpis,
               ts.variables if ts else (), ts.entities if ts else (), ts.every_days if ts else 7, loaded.spec.window)


def run_sweep(loaded: LoadedSweep, out: Path, executor: str = "processes", workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, max_runs: int = DEFAULT_MAX_RUNS) -> RunStore:
    """Run (or resume) a sweep into ``out``; returns its store.

    ``processes`` with one worker, or with a single run left to do, runs in this process: a pool
    of one cannot be faster, and would add its start-up. Otherwise the pool has at most as many
    workers as chunks (see ``make_chunks``).
    """
    workers = workers or os.cpu_count() or 1
    design, job = prepare(loaded, max_runs)
    tasks = plan(loaded, design)
    store = RunStore(out)
    store.open(loaded.resolved(), loaded.digest())
    done = store.done_ids()
    pending = [t for t in tasks if t.run_id not in done]
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(pending), unit="run", disable=not progress,
               file=sys.stderr, desc=loaded.spec.name, smoothing=0.1)
    if executor == "processes" and min(workers, len(pending)) <= 1:
        executor = "serial"
    if pending:
        # in this process a chunk costs nothing, and one run a chunk moves the progress bar each run
        chunks = [[t] for t in pending] if executor == "serial" else make_chunks(pending, workers)
        rows, series, last = [], [], time.monotonic()
        for results in RUNNERS[executor](job, chunks, workers, scheduler):
            for row, kept in results:
                rows.append(row)
                if kept is not None:
                    series.append(kept)
            bar.update(len(results))
            if len(rows) >= FLUSH_ROWS or time.monotonic() - last > FLUSH_SECONDS:
                store.append(rows, series)
                rows, series, last = [], [], time.monotonic()
        store.append(rows, series)
    bar.close()
    return store


def make_chunks(tasks: list[RunTask], workers: int) -> list[list[RunTask]]:
    """Guided self-scheduling: each chunk takes 1 / (GUIDED_SHARE x workers) of the runs not yet
    handed out, at least 1 and at most MAX_CHUNK. Early chunks are large, so that the cost of a
    chunk (a round trip to a worker) stays small next to its runs; the last are single runs,
    taken by whichever worker is free, so that every worker stays busy to the end.

    40 runs on 2 workers: 5 4 3 3 3 2 2 2 2 and then 14 single runs.
    """
    chunks, start = [], 0
    while start < len(tasks):
        size = max(1, min(MAX_CHUNK, (len(tasks) - start) // (GUIDED_SHARE * workers)))
        chunks.append(tasks[start: start + size])
        start += size
    return chunks
