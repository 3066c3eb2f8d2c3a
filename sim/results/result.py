"""The Result of a run, and its folder on disk.

A folder is written whole or not at all: everything goes to a hidden temporary
folder beside the target, which is renamed into place at the end.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .. import __version__
from ..atomic import AtomicFolder
from ..engine import RunOutput, native
from ..scenario.yamlio import SAFE_LOADER
from .elements import element_balance
from .kpis import LongSeries, compute_kpis

POLICY_EVENT_COLUMNS = ["day", "date", "policy", "kind", "event"]
FILES = ("scenario.yaml", "timeseries.parquet", "kpis.json", "summary.csv", "run.json", "entities.csv", "balance.csv", "policy_events.csv", "notes.txt")


REFERENCE = "reference.json"
"""What a run was read against (``--against``), when it was: its name, source and KPIs."""


@dataclass
class Result:
    """Everything a report needs, with no reference to the engine."""

    timeseries: pd.DataFrame
    entities: pd.DataFrame
    kpis: dict[str, Any]
    run: dict[str, Any]
    balance: pd.DataFrame
    scenario_yaml: str
    policy_events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=POLICY_EVENT_COLUMNS))
    notes: str = ""  # the scenario file's header comments: its question, assumptions and sources
    figures: dict[str, Path] = field(default_factory=dict)
    reference: dict[str, Any] | None = None  # what the run is read against: {"name", "source", "kpis"}
    _long: LongSeries | None = field(default=None, repr=False, compare=False)

    @property
    def long(self) -> LongSeries:
        """The timeseries split by variable for sums (`LongSeries`), made once: the KPIs, the
        summary and the figures all read it."""
        if self._long is None or self._long.source is not self.timeseries:
            self._long = LongSeries(self.timeseries)
        return self._long

    @cached_property
    def scenario_data(self) -> dict[str, Any]:
        """The run's resolved scenario as plain data (its meta, policies, markets, sources), read
        once however many parts of a report ask."""
        return yaml.load(self.scenario_yaml, Loader=SAFE_LOADER) or {}

    @classmethod
    def from_output(cls, output: RunOutput, scenario_yaml: str, digest: str, source: str = "", notes: str = "",
                    scenario_data: dict[str, Any] | None = None) -> Result:
        """The measured run of ``output``; ``scenario_data``, if given, is ``scenario_yaml`` already
        read (the scenario's plain data it was written from), so it is not parsed again."""
        ts = output.timeseries()
        events = pd.DataFrame(output.policy_events, columns=POLICY_EVENT_COLUMNS)
        balance = pd.DataFrame.from_dict(output.balance, orient="index")
        balance.index.name = "material"
        long = LongSeries(ts)
        kpis = compute_kpis(ts, output.entities, events, output.scenario.meta.focus_region, output.policy_kpis,
                            element_balance(output.scenario, balance), long=long)
        meta = output.scenario.meta
        run = {
            "reesim_version": __version__,
            "python": platform.python_version(),
            "engine": native.ENGINE,  # compiled by mypyc or Python: the same numbers, at different speeds
            "scenario": meta.name,
            "scenario_file": source,
            "scenario_sha256": digest,
            "seed": meta.seed,
            "start_date": meta.start_date.isoformat(),
            "horizon_days": meta.horizon_days,
            "wall_seconds": round(output.wall_seconds, 4),
            "events": output.events,
            **{k: round(float(v), 3) for k, v in output.counters.items()},
        }
        result = cls(ts, output.entities, kpis, run, balance, scenario_yaml, events, notes, _long=long)
        if scenario_data is not None:
            result.__dict__["scenario_data"] = scenario_data  # the cached property, already known
        return result

    def rows(self, *variables: str, after_day: int | None = None) -> pd.DataFrame:
        """The time-series rows of ``variables`` (after ``after_day``, if given), in their order
        (found once per variable by `long`, not by comparing each of the millions of rows again)."""
        at = [self.long.of(v) for v in variables]
        where = at[0] if len(at) == 1 else np.sort(np.concatenate(at))
        if after_day is not None:
            where = where[self.long.day[where] > after_day]
        return self.timeseries.iloc[where]

    def summary(self) -> pd.DataFrame:
        """One row per facility and demand: totals an analyst reads first (a copy of the table
        worked out once: the run folder's CSV and the page's facilities both read it)."""
        return self._summary.copy()

    @cached_property
    def _summary(self) -> pd.DataFrame:
        long = self.long
        rows = self.entities[self.entities["type"].isin(["facility", "demand"])].copy()
        ids = rows["entity"].astype(str).tolist()
        in_run = long.in_run(ids)
        for col in ("output_t", "throughput_t", "requested_t", "delivered_t", "unmet_t"):
            # an entity with no rows in the run has no totals; one with rows has 0 for what it lacks
            rows[col] = np.where(in_run, long.totals(col, ids)[0], np.nan) if col in long.rows else 0.0
        fac = (rows["type"] == "facility").to_numpy()
        capacity = long.capacity([i for i, f in zip(ids, fac, strict=True) if f],
                                 rows.loc[fac, "capacity_t_per_day"].to_numpy(dtype=float))  # grown where plants expand
        rows.loc[fac, "utilisation"] = rows.loc[fac, "throughput_t"] / capacity
        dem = rows["type"] == "demand"
        rows.loc[dem, "fill_rate"] = rows.loc[dem, "delivered_t"] / rows.loc[dem, "requested_t"].where(rows.loc[dem, "requested_t"] > 0)
        keep = ["entity", "type", "kind", "stage", "site", "region", "material", "end_use", "capacity_t_per_day",
                "output_t", "throughput_t", "utilisation", "requested_t", "delivered_t", "unmet_t", "fill_rate"]
        return rows[[c for c in keep if c in rows]].reset_index(drop=True)


def _finite(value: Any, path: str, bad: list[str]) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        bad.append(path)
        return None
    if isinstance(value, dict):
        return {k: _finite(v, f"{path}.{k}" if path else str(k), bad) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v, f"{path}[{i}]", bad) for i, v in enumerate(value)]
    return value


def strict_json(data: Any, name: str) -> str:
    """Strict JSON (no NaN or Infinity, which other tools refuse): a number that is not finite is
    written as null, with one warning line naming it."""
    bad: list[str] = []
    clean = _finite(data, "", bad)
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        print(f"warning: {name}: not a finite number, written as null: {shown}", file=sys.stderr)
    return json.dumps(clean, indent=2, allow_nan=False) + "\n"


def file_stamp(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file as written, so that a reader can tell a truncated or replaced one."""
    data = path.read_bytes()
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_run_folder(result: Result, target: Path, figure_writer: Callable[[Result, Path], dict[str, Path]] | None = None,
                     unique: bool = False) -> Path:
    """Write the run folder atomically and return where it landed: refuse to write over an existing
    folder, or with ``unique`` take the first free name ``target-2``, ``target-3``..."""
    folder = AtomicFolder(target, unique)
    with folder as tmp:
        (tmp / "scenario.yaml").write_text(result.scenario_yaml, encoding="utf-8")
        table = pa.Table.from_pandas(result.timeseries, preserve_index=False)
        # a dictionary of the 4 million values would be dropped as too big only once built; the
        # names' min and max per page (statistics) cost a third of the writing and prune nothing
        named = {"entity", "material", "variable"}
        pq.write_table(table, tmp / "timeseries.parquet", compression="zstd", use_dictionary=[c for c in table.column_names if c != "value"],
                       write_statistics=[c for c in table.column_names if c not in named])
        (tmp / "kpis.json").write_text(strict_json(result.kpis, "kpis.json"), encoding="utf-8")  # in the order reports show
        result.summary().to_csv(tmp / "summary.csv", index=False)
        result.entities.to_csv(tmp / "entities.csv", index=False)
        result.balance.to_csv(tmp / "balance.csv")
        result.policy_events.to_csv(tmp / "policy_events.csv", index=False)
        (tmp / "notes.txt").write_text(result.notes, encoding="utf-8")
        if result.reference is not None:
            (tmp / REFERENCE).write_text(strict_json(result.reference, REFERENCE), encoding="utf-8")
        names = [name for name in (*FILES, REFERENCE) if name != "run.json" and (tmp / name).exists()]
        run = {**result.run, "files": {name: file_stamp(tmp / name) for name in names}}
        (tmp / "run.json").write_text(strict_json(run, "run.json"), encoding="utf-8")
        if figure_writer is not None:
            figure_writer(result, tmp)
    return folder.path


def write_reference(folder: Path, reference: dict[str, Any]) -> None:
    """Set what a finished run folder is read against: reference.json, and its stamp in run.json
    (each file replaced whole)."""
    from ..atomic import write_text

    folder = Path(folder)
    write_text(folder / REFERENCE, strict_json(reference, REFERENCE))
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    run.setdefault("files", {})[REFERENCE] = file_stamp(folder / REFERENCE)
    write_text(folder / "run.json", strict_json(run, "run.json"))
