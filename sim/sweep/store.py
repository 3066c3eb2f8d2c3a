"""The resumable result store of a sweep: a folder holding the resolved spec and a Parquet dataset
of KPI rows, one row a run, appended in parts.

Each part is written to a temporary name, flushed to disk and renamed (``sim.atomic``, with
fsync), so a sweep killed at any moment leaves only whole parts; running it again skips the runs
already in them.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from ..atomic import atomic_path, write_bytes
from ..scenario.errors import InputError, Issue, Mark

SPEC_FILE = "spec.yaml"


class RunStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.runs = self.folder / "runs"
        self.series = self.folder / "series"

    def open(self, resolved_spec: dict[str, Any], digest: str) -> None:
        """Create the folder, or check that it holds this very sweep."""
        spec_file = self.folder / SPEC_FILE
        if spec_file.exists():
            stored = yaml.safe_load(spec_file.read_text(encoding="utf-8")) or {}
            if stored.get("digest") != digest:
                raise InputError([Issue(Mark(str(self.folder)), "--out",
                                        "this folder holds another sweep (its spec differs); choose another --out")])
            return
        if self.folder.exists() and any(self.folder.iterdir()):
            raise InputError([Issue(Mark(str(self.folder)), "--out", "folder exists and is not a sweep folder; choose another --out")])
        self.runs.mkdir(parents=True, exist_ok=True)
        write_bytes(spec_file, yaml.safe_dump({"digest": digest, "sweep": resolved_spec}, sort_keys=False).encode(), fsync=True)

    def spec(self) -> dict[str, Any]:
        return yaml.safe_load((self.folder / SPEC_FILE).read_text(encoding="utf-8"))["sweep"]

    def done_ids(self) -> set[int]:
        done: set[int] = set()
        for part in sorted(self.runs.glob("part-*.parquet")):
            done.update(pq.read_table(part, columns=["run_id"]).column("run_id").to_pylist())
        return done

    def append(self, rows: list[dict[str, Any]], series: list[pd.DataFrame]) -> None:
        if not rows:
            return
        name = f"part-{uuid.uuid4().hex}.parquet"
        if series:
            self.series.mkdir(exist_ok=True)
            _write_part(self.series / name, pd.concat(series, ignore_index=True))
        _write_part(self.runs / name, pd.DataFrame(rows))

    def load(self) -> pd.DataFrame:
        parts = [pd.read_parquet(p) for p in sorted(self.runs.glob("part-*.parquet"))]
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True)
        return frame.drop_duplicates("run_id").sort_values("run_id").reset_index(drop=True)

    def load_series(self) -> pd.DataFrame:
        parts = [pd.read_parquet(p) for p in sorted(self.series.glob("part-*.parquet"))] if self.series.exists() else []
        if not parts:
            return pd.DataFrame()
        # a part of series can outlive a kill before its runs were written; the rerun writes it again
        return pd.concat(parts, ignore_index=True).drop_duplicates(["run_id", "day", "entity", "material", "variable"])


def _write_part(path: Path, frame: pd.DataFrame) -> None:
    # on disk before the rename: a part that exists is whole, even after a power cut
    with atomic_path(path, fsync=True) as tmp:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
