"""Results over a window: KPIs, sentences and comparisons for a period of the run only.

A window is ``FROM:TO`` (calendar dates, ``YYYY-MM-DD``, either end may be left out: the run's
first or last day), or ``policy:ID``: from the day the policy first acts (its first event: a
start, going ahead, coming online) to its last event (an end), or to the run's end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a window is parsed where no result is read (a sweep file checked): pandas loads with one
    import pandas as pd

    from .result import Result


class WindowError(ValueError):
    """A window that cannot be read, or lies outside the run (the message says which)."""


@dataclass(frozen=True)
class Window:
    """A period of a run: dates, or a policy's span."""

    first: dt.date | None = None
    last: dt.date | None = None
    policy: str | None = None

    @classmethod
    def parse(cls, text: str) -> Window:
        text = text.strip()
        if text.startswith("policy:"):
            pid = text.removeprefix("policy:").strip()
            if not pid:
                raise WindowError("expected policy:ID, the id of one of the scenario's policies")
            return cls(policy=pid)
        if ":" not in text:
            raise WindowError(f"expected FROM:TO (dates, YYYY-MM-DD) or policy:ID, got '{text}'")
        a, b = (part.strip() for part in text.split(":", 1))
        try:
            first = dt.date.fromisoformat(a) if a else None
            last = dt.date.fromisoformat(b) if b else None
        except ValueError as exc:
            raise WindowError(f"expected dates as YYYY-MM-DD in FROM:TO: {exc}") from None
        if first and last and last < first:
            raise WindowError(f"the window ends ({last}) before it starts ({first})")
        return cls(first, last)

    def days(self, start: dt.date, horizon_days: int, events: pd.DataFrame) -> tuple[int, int]:
        """The window's first and last day (from the run's start), inside the run."""
        end = horizon_days - 1
        if self.policy is not None:
            mine = events[events["policy"] == self.policy] if len(events) else events
            if not len(mine):
                known = sorted(set(events["policy"])) if len(events) else []
                hint = f" (policies with events: {', '.join(known)})" if known else " (this run has no policy events)"
                raise WindowError(f"policy '{self.policy}' has no event in this run{hint}")
            first = max(int(mine["day"].min()), 0)
            ends = mine[mine["event"].astype(str).str.startswith("end")]
            last = min(int(ends["day"].max()) - 1, end) if len(ends) else end
            return first, max(last, first)
        first = (self.first - start).days if self.first else 0
        last = (self.last - start).days if self.last else end
        if first > end or last < 0:
            raise WindowError(f"the window lies outside the run ({start} to {start + dt.timedelta(days=end)})")
        return max(first, 0), min(last, end)

    def label(self, start: dt.date, first: int, last: int) -> str:
        span = f"{start + dt.timedelta(days=first)} to {start + dt.timedelta(days=last)}"
        return f"policy {self.policy}: {span}" if self.policy else span


def dates(result: Result, window: Window) -> tuple[dt.date, dt.date, str]:
    """The window's first and last dates in a run, and how to say it."""
    start = dt.date.fromisoformat(str(result.run["start_date"]))
    first, last = window.days(start, int(result.run["horizon_days"]), result.policy_events)
    return start + dt.timedelta(days=first), start + dt.timedelta(days=last), window.label(start, first, last)


def cut(result: Result, window: Window) -> Result:
    """The result over a window only: its series, events and KPIs (a policy's own KPIs, totals of
    the whole run, are left out); ``run["window"]`` says which."""
    from .kpis import compute_kpis

    start = dt.date.fromisoformat(str(result.run["start_date"]))
    lo, hi = window.days(start, int(result.run["horizon_days"]), result.policy_events)
    ts = within(result.timeseries, lo, hi)
    events = result.policy_events
    kpis = compute_kpis(ts, result.entities, events, result.kpis.get("focus_region", "china"))
    if len(events):
        events = events[(events["day"] >= lo) & (events["day"] <= hi)].reset_index(drop=True)
    run = {**result.run, "window": {"first_day": lo, "last_day": hi, "label": window.label(start, lo, hi)}}
    return replace(result, timeseries=ts, policy_events=events, kpis=kpis, run=run)


def within(ts: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """A run's series from day ``lo`` to day ``hi`` (``Window.days``)."""
    return ts[(ts["day"] >= lo) & (ts["day"] <= hi)].reset_index(drop=True)


__all__ = ["Window", "WindowError", "cut", "dates", "within"]
