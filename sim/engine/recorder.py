"""Records flows and levels as events happen, and turns them into daily series at the end.

During the run a record is one list append; the daily grid (one row a day per
series) is built once, vectorised, so recording costs per event, not per day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SeriesKey:
    entity: str
    material: str
    variable: str


class Recorder:
    """Collects flow records (amount over [t0, t1)) and level records (value from t on)."""

    def __init__(self, horizon_days: int):
        self.horizon = horizon_days
        self.keys: list[SeriesKey] = []
        self._index: dict[SeriesKey, int] = {}
        self._is_level: list[bool] = []
        self._flows: list[tuple[int, float, float, float]] = []
        self._levels: list[tuple[int, float, float]] = []
        self._initial: dict[int, float] = {}

    def series(self, entity: str, material: str, variable: str, level: bool = False, initial: float = 0.0) -> int:
        """Register a series and return its id (registering twice returns the same id)."""
        key = SeriesKey(entity, material, variable)
        if key in self._index:
            return self._index[key]
        sid = len(self.keys)
        self.keys.append(key)
        self._index[key] = sid
        self._is_level.append(level)
        if level:
            self._initial[sid] = initial
        return sid

    def flow(self, sid: int, t0: float, t1: float, amount: float) -> None:
        """Amount spread evenly over [t0, t1); a point in time if t1 == t0."""
        self._flows.append((sid, t0, t1, amount))

    def level(self, sid: int, t: float, value: float) -> None:
        self._levels.append((sid, t, value))

    def daily(self) -> np.ndarray:
        """Array (series, day): flows summed per day; levels at the end of each day."""
        n, horizon = len(self.keys), self.horizon
        out = np.zeros((n, horizon))
        if self._flows:
            rec = np.array(self._flows, dtype=float)
            self._spread_flows(out, rec)
        self._fill_levels(out)
        return out

    def _spread_flows(self, out: np.ndarray, rec: np.ndarray) -> None:
        horizon = self.horizon
        sid = rec[:, 0].astype(np.int64)
        t0 = np.clip(rec[:, 1], 0, horizon)
        t1 = np.clip(rec[:, 2], 0, horizon)
        amt = rec[:, 3]
        point = (rec[:, 2] - rec[:, 1]) <= 1e-12
        # point masses fall on their day
        if point.any():
            day = np.minimum(np.floor(t0[point]).astype(np.int64), horizon - 1)
            np.add.at(out, (sid[point], day), amt[point])
        span = ~point
        if not span.any():
            return
        sid, t0, t1, amt = sid[span], t0[span], t1[span], amt[span]
        rate = amt / (rec[span, 2] - rec[span, 1])
        d0 = np.floor(t0).astype(np.int64)
        d1 = np.floor(t1).astype(np.int64)
        same = d0 == d1
        # a span inside one day
        keep = same & (d0 < horizon)
        np.add.at(out, (sid[keep], d0[keep]), rate[keep] * (t1[keep] - t0[keep]))
        multi = ~same
        if multi.any():
            s, a0, a1, r = sid[multi], d0[multi], d1[multi], rate[multi]
            np.add.at(out, (s, a0), r * (a0 + 1 - t0[multi]))
            tail = a1 < horizon
            np.add.at(out, (s[tail], a1[tail]), r[tail] * (t1[multi][tail] - a1[tail]))
            # whole days in between, via a difference array
            diff = np.zeros((out.shape[0], horizon + 1))
            np.add.at(diff, (s, a0 + 1), r)
            np.add.at(diff, (s, np.minimum(a1, horizon)), -r)
            out += np.cumsum(diff, axis=1)[:, :horizon]

    def _fill_levels(self, out: np.ndarray) -> None:
        level_ids = [i for i, is_level in enumerate(self._is_level) if is_level]
        if not level_ids:
            return
        rec = np.array(self._levels, dtype=float).reshape(-1, 3)
        order = np.lexsort((np.arange(len(rec)), rec[:, 1], rec[:, 0]))
        rec = rec[order]
        ends = np.arange(1, self.horizon + 1, dtype=float)
        sids = rec[:, 0].astype(np.int64)
        starts = np.searchsorted(sids, level_ids, side="left")
        stops = np.searchsorted(sids, level_ids, side="right")
        for sid, a, b in zip(level_ids, starts, stops, strict=True):
            if a == b:  # never changed
                out[sid] = self._initial[sid]
                continue
            times, values = rec[a:b, 1], rec[a:b, 2]
            # value at the end of day d = last record with t < d + 1
            idx = np.searchsorted(times, ends, side="left") - 1
            series = np.where(idx >= 0, values[np.maximum(idx, 0)], self._initial[sid])
            out[sid] = series
