"""Records flows and levels as events happen, and turns them into daily series at the end.

During the run a record is packed into a growing byte buffer of fixed-size records (a flow is
an int64 series id and three float64s, 32 bytes; a level an id and two float64s, 24 bytes),
which numpy reads back as a structured array without a copy. No Python object is kept per
record, so the cyclic garbage collector has nothing more to walk as records pile up, and a
record takes a quarter or less of what a tuple of boxed floats in a list did (100-150 bytes).
The daily grid (one row a day per series) is built once, vectorised, so recording costs per
event, not per day.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SeriesKey:
    entity: str
    material: str
    variable: str


# one record each, little-endian and unpadded on both sides
_FLOW = struct.Struct("<qddd")
_LEVEL = struct.Struct("<qdd")
_FLOW_DTYPE = np.dtype([("sid", "<i8"), ("t0", "<f8"), ("t1", "<f8"), ("amount", "<f8")])
_LEVEL_DTYPE = np.dtype([("sid", "<i8"), ("t", "<f8"), ("value", "<f8")])


class Recorder:
    """Collects flow records (amount over [t0, t1)) and level records (value from t on)."""

    def __init__(self, horizon_days: int):
        self.horizon = horizon_days
        self.keys: list[SeriesKey] = []
        self._index: dict[SeriesKey, int] = {}
        self._is_level: list[bool] = []
        self._initial: dict[int, float] = {}
        self._flows = bytearray()
        self._levels = bytearray()
        # bound once: flow() and level() run hundreds of thousands of times. One pack and one
        # extend a record cost about half of appending each field to its own array.array,
        # whose setitem parses a format string per value.
        self._pack_flow, self._add_flow = _FLOW.pack, self._flows.extend
        self._pack_level, self._add_level = _LEVEL.pack, self._levels.extend

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
        self._add_flow(self._pack_flow(sid, t0, t1, amount))

    def level(self, sid: int, t: float, value: float) -> None:
        """The series holds ``value`` from time t on (until the next record)."""
        self._add_level(self._pack_level(sid, t, value))

    def daily(self) -> np.ndarray:
        """Array (series, day): flows summed per day; levels at the end of each day."""
        out = np.zeros((len(self.keys), self.horizon))
        if self._flows:
            self._spread_flows(out)
        self._fill_levels(out)
        return out

    def _spread_flows(self, out: np.ndarray) -> None:
        horizon = self.horizon
        # a view on the buffer (no copy); it and the field views die on return, which frees
        # the buffer to grow again, so recording may go on after daily()
        rec = np.frombuffer(self._flows, dtype=_FLOW_DTYPE)
        sid, raw0, raw1, amt = rec["sid"], rec["t0"], rec["t1"], rec["amount"]
        t0 = np.clip(raw0, 0, horizon)
        t1 = np.clip(raw1, 0, horizon)
        length = raw1 - raw0
        point = length <= 1e-12
        # point masses fall on their day
        if point.any():
            day = np.minimum(np.floor(t0[point]).astype(np.int64), horizon - 1)
            np.add.at(out, (sid[point], day), amt[point])
        span = ~point
        if not span.any():
            return
        sid, t0, t1, amt = sid[span], t0[span], t1[span], amt[span]
        rate = amt / length[span]
        d0 = np.floor(t0).astype(np.int64)
        d1 = np.floor(t1).astype(np.int64)
        same = d0 == d1
        # a span inside one day
        keep = same & (d0 < horizon)
        np.add.at(out, (sid[keep], d0[keep]), rate[keep] * (t1[keep] - t0[keep]))
        multi = ~same
        if not multi.any():
            return
        s, a0, a1, r = sid[multi], d0[multi], d1[multi], rate[multi]
        np.add.at(out, (s, a0), r * (a0 + 1 - t0[multi]))
        tail = a1 < horizon
        np.add.at(out, (s[tail], a1[tail]), r[tail] * (t1[multi][tail] - a1[tail]))
        # whole days in between, via a difference array over only the series that have such
        # spans (a row of zeros would add exactly 0.0, so leaving the others out changes nothing)
        rows, row_of = np.unique(s, return_inverse=True)
        diff = np.zeros((len(rows), horizon + 1))
        np.add.at(diff, (row_of, a0 + 1), r)
        np.add.at(diff, (row_of, np.minimum(a1, horizon)), -r)
        np.cumsum(diff, axis=1, out=diff)
        out[rows] += diff[:, :horizon]

    def _fill_levels(self, out: np.ndarray) -> None:
        is_level = np.array(self._is_level, dtype=bool)
        level_ids = np.flatnonzero(is_level)
        if not len(level_ids):
            return
        horizon = self.horizon
        rec = np.frombuffer(self._levels, dtype=_LEVEL_DTYPE)
        sid, t, value = rec["sid"], rec["t"], rec["value"]
        mine = is_level[sid]
        if not mine.all():  # records on a flow series are not levels: ignored, as they always were
            sid, t, value = sid[mine], t[mine], value[mine]
        # by series, then time; lexsort is stable, so the later of two records at one time wins
        order = np.lexsort((t, sid))
        sid, t = sid[order], t[order]
        start = np.searchsorted(sid, level_ids, side="left")
        # each series' records, led by its initial value: entry k of a series is its value
        # once k of its records have happened
        initial = np.array([self._initial[i] for i in level_ids.tolist()])
        value = np.insert(value[order], start, initial)
        row = np.searchsorted(level_ids, sid)
        # the value at the end of day d comes from the last record with t < d + 1, which
        # for a whole number d + 1 is floor(t) <= d: count the records taking effect each
        # day, accumulate over the days, and pick that entry of the series
        first_day = np.floor(t)
        counted = first_day < horizon
        entry = np.zeros((len(level_ids), horizon), dtype=np.int64)
        np.add.at(entry, (row[counted], np.maximum(first_day[counted], 0).astype(np.int64)), 1)
        np.cumsum(entry, axis=1, out=entry)
        entry += (start + np.arange(len(level_ids)))[:, None]
        out[level_ids] = value[entry]
