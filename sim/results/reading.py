"""Reading a run folder back, file by file, each checked before use: a report rebuilt from a
folder that is missing a file, or holds a truncated, empty or foreign one, names that file and
says how to get a whole folder again, instead of failing somewhere inside the drawing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from ..scenario.errors import InputError, Issue, Mark
from .result import POLICY_EVENT_COLUMNS, REFERENCE, Result, file_stamp

TIMESERIES_COLUMNS = ("day", "entity", "material", "variable", "value")
ENTITY_COLUMNS = ("entity", "type", "region")
KPI_KEYS = ("fill_rate", "fill_rate_by_region", "unmet_demand_t", "production_t")
RUN_KEYS = ("start_date", "horizon_days")


class Damaged(Exception):
    """A file of a folder that cannot be used, and why."""


def _columns(frame: pd.DataFrame, wanted: tuple[str, ...] | list[str]) -> pd.DataFrame:
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise Damaged(f"not a reesim file: no column {', '.join(repr(c) for c in missing)}")
    return frame


def _json_object(path: Path, keys: tuple[str, ...]) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise Damaged("empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Damaged(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); truncated?") from None
    if not isinstance(data, dict):
        raise Damaged("not a reesim file: expected a JSON object")
    missing = [k for k in keys if k not in data]
    if missing:
        raise Damaged(f"not a reesim file: no {', '.join(repr(k) for k in missing)}")
    return data


def _run_json(path: Path) -> dict[str, Any]:
    run = _json_object(path, RUN_KEYS)
    try:
        dt.date.fromisoformat(str(run["start_date"]))
    except ValueError:
        raise Damaged(f"start_date is not a date: {run['start_date']!r}") from None
    if not isinstance(run["horizon_days"], int) or run["horizon_days"] < 1:
        raise Damaged(f"horizon_days is not a whole number of days: {run['horizon_days']!r}")
    return run


def _timeseries(path: Path) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise Damaged("empty")
    try:
        table = pq.read_table(path)
    except Exception:  # pyarrow raises several kinds for a file that is not whole Parquet
        raise Damaged("not a whole Parquet file, truncated?") from None
    return _columns(table.to_pandas(), TIMESERIES_COLUMNS)


def _csv(columns: tuple[str, ...] | list[str], **options: Any) -> Callable[[Path], pd.DataFrame]:
    def read(path: Path) -> pd.DataFrame:
        try:
            frame = pd.read_csv(path, **options)
        except pd.errors.EmptyDataError:
            raise Damaged("empty") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise Damaged(f"not readable as CSV ({str(exc).splitlines()[0][:120]})") from None
        return _columns(frame, columns)
    return read


def _balance(path: Path) -> pd.DataFrame:
    frame = _csv(("material",))(path)
    return frame.set_index("material")


def _check_stamp(path: Path, stamp: Any) -> None:
    if not isinstance(stamp, dict):
        return  # a folder written before files were stamped
    if stamp.get("bytes") != path.stat().st_size:
        raise Damaged(f"{path.stat().st_size:,} bytes where the run wrote {stamp.get('bytes'):,}; truncated or replaced?")
    if stamp != file_stamp(path):
        raise Damaged("its contents differ from what the run wrote (run.json holds its SHA-256); changed since?")


def _read(folder: Path, name: str, reader: Callable[[Path], Any], stamps: dict[str, Any] | None = None) -> Any:
    path = folder / name
    advice = (f"run the scenario again to get a whole folder: reesim run {folder / 'scenario.yaml'}"
              if (folder / "scenario.yaml").is_file() and name != "scenario.yaml" else "run the scenario again to get a whole folder")
    if not path.exists():
        raise InputError([Issue(Mark(str(path)), "", f"missing from the run folder; {advice}")])
    if not path.is_file():
        raise InputError([Issue(Mark(str(path)), "", f"not a file; {advice}")])
    try:
        _check_stamp(path, (stamps or {}).get(name))
        return reader(path)
    except Damaged as exc:
        raise InputError([Issue(Mark(str(path)), "", f"damaged: {exc}; {advice}")]) from None
    except UnicodeDecodeError:
        raise InputError([Issue(Mark(str(path)), "", f"damaged: not UTF-8 text; {advice}")]) from None
    except OSError as exc:
        raise InputError([Issue(Mark(str(path)), "", f"cannot be read: {exc.strerror or exc}")]) from None


def read_run_folder(folder: Path) -> Result:
    """Load a run folder written by write_run_folder; a missing or damaged file is an InputError
    naming it."""
    folder = Path(folder)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is a file"
        raise InputError([Issue(Mark(str(folder)), "", f"not a run folder: it {what}")])
    if not (folder / "kpis.json").exists() and not (folder / "timeseries.parquet").exists():
        raise InputError([Issue(Mark(str(folder)), "", "not a run folder (expected kpis.json and timeseries.parquet)")])
    run = _read(folder, "run.json", _run_json)
    stamps = run.get("files") if isinstance(run.get("files"), dict) else {}
    kpis = _read(folder, "kpis.json", lambda p: _json_object(p, KPI_KEYS), stamps)
    ts = _read(folder, "timeseries.parquet", _timeseries, stamps)
    entities = _read(folder, "entities.csv", _csv(ENTITY_COLUMNS, keep_default_na=False, na_values=[""]), stamps)
    balance = _read(folder, "balance.csv", _balance, stamps)
    scenario_yaml = _read(folder, "scenario.yaml", lambda p: p.read_text(encoding="utf-8"), stamps)
    events = _read(folder, "policy_events.csv", _csv(POLICY_EVENT_COLUMNS), stamps)
    notes_file = folder / "notes.txt"
    notes = _read(folder, "notes.txt", lambda p: p.read_text(encoding="utf-8"), stamps) if notes_file.exists() else ""
    reference = _read(folder, REFERENCE, lambda p: _json_object(p, ("name", "kpis")), stamps) if (folder / REFERENCE).exists() else None
    return Result(ts, entities, kpis, run, balance, scenario_yaml, events, notes, reference=reference)
