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
        if self.folder.exists() and not self.folder.is_dir():
            raise InputError([Issue(Mark(str(self.folder)), "--out", "is a file, not a folder; choose another --out")])
        if spec_file.exists():
            stored = self._stored()
            if stored.get("digest") != digest:
                raise InputError([Issue(Mark(str(self.folder)), "--out",
                                        "this folder holds another sweep (its spec differs); choose another --out")])
            if stored["sweep"] != resolved_spec:  # the same runs, other page options (report:): keep the file's
                write_bytes(spec_file, yaml.safe_dump({"digest": digest, "sweep": resolved_spec}, sort_keys=False).encode(), fsync=True)
            return
        if self.folder.exists() and any(self.folder.iterdir()):
            raise InputError([Issue(Mark(str(self.folder)), "--out", "folder exists and is not a sweep folder; choose another --out")])
        self.runs.mkdir(parents=True, exist_ok=True)
        write_bytes(spec_file, yaml.safe_dump({"digest": digest, "sweep": resolved_spec}, sort_keys=False).encode(), fsync=True)

    def _stored(self) -> dict[str, Any]:
        path = self.folder / SPEC_FILE
        if not self.folder.is_dir():
            raise InputError([Issue(Mark(str(self.folder)), "", "not a sweep folder: it " + ("is a file" if self.folder.exists() else "does not exist"))])
        if not path.is_file():
            raise InputError([Issue(Mark(str(self.folder)), "", f"not a sweep folder (no {SPEC_FILE})")])
        try:
            stored = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            stored = exc
        if not isinstance(stored, dict) or not isinstance(stored.get("sweep"), dict) or "digest" not in stored:
            raise InputError([Issue(Mark(str(path)), "", "damaged: not the spec a sweep wrote; this folder cannot be "
                                    "resumed or summarised, run the sweep again with a new --out")])
        return stored

    def spec(self) -> dict[str, Any]:
        return self._stored()["sweep"]

    def done_ids(self) -> set[int]:
        done: set[int] = set()
        for part in sorted(self.runs.glob("part-*.parquet")):
            done.update(self._part(part, ["run_id"])["run_id"].tolist())
        return done

    def _part(self, path: Path, columns: list[str] | None = None) -> pd.DataFrame:
        """One part, or an InputError naming it and saying how to recover."""
        try:
            frame = pq.read_table(path, columns=columns).to_pandas()
        except Exception:  # pyarrow raises several kinds for a file that is not whole Parquet
            why = "not a whole Parquet file, truncated?"
        else:
            if "run_id" in frame.columns:
                return frame
            why = "no column 'run_id', not a part of a sweep"
        which = "this file" if path.parent == self.runs else f"this file and {self.runs / path.name}"
        raise InputError([Issue(Mark(str(path)), "", f"damaged ({why}); delete {which} and run the sweep "
                                f"again with --out {self.folder}: the runs it held are redone, the others kept")])

    def append(self, rows: list[dict[str, Any]], series: list[pd.DataFrame]) -> None:
        if not rows:
            return
        name = f"part-{uuid.uuid4().hex}.parquet"
        if series:
            self.series.mkdir(exist_ok=True)
            _write_part(self.series / name, pd.concat(series, ignore_index=True))
        _write_part(self.runs / name, pd.DataFrame(rows))

    def load(self) -> pd.DataFrame:
        parts = [self._part(p) for p in sorted(self.runs.glob("part-*.parquet"))]
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True)
        return frame.drop_duplicates("run_id").sort_values("run_id").reset_index(drop=True)

    def load_series(self) -> pd.DataFrame:
        parts = [self._part(p) for p in sorted(self.series.glob("part-*.parquet"))] if self.series.exists() else []
        if not parts:
            return pd.DataFrame()
        # a part of series can outlive a kill before its runs were written; the rerun writes it again
        return pd.concat(parts, ignore_index=True).drop_duplicates(["run_id", "day", "entity", "material", "variable"])


def _write_part(path: Path, frame: pd.DataFrame) -> None:
    # on disk before the rename: a part that exists is whole, even after a power cut
    with atomic_path(path, fsync=True) as tmp:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
