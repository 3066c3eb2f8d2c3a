"""The simulation clock: SimPy's environment, where callbacks due at the same moment share one event.

Most of a run's events only call a function when they fire: a shipment arriving, an order reaching
its supplier, buyers served each week, a market's weekly price. When several fall due at the same
moment one after another, one event calling them all in turn does the same work in the same order
with a fraction of the events (a lane's eight materials sailing together, fifty buyer groups
served on the same day).

The merge keeps the order exactly. SimPy runs events due at one moment by priority, then by when
they were scheduled; the clock remembers the latest ordinary event scheduled for each moment, and a
callback joins it only if it is one of the clock's own and nothing else has been scheduled for that
moment since. A joined callback then runs where its own event would have run. The functions
scheduled this way must be quiet: they may schedule ordinary events but nothing urgent (no process
started or interrupted), which would otherwise run between them.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush

import simpy
from simpy.core import NORMAL, EmptySchedule, StopSimulation
from simpy.events import Event, EventPriority

_PRUNE_AT = 4096
"""Moments remembered before the past ones are first forgotten (then twice those still to come)."""


class Call(simpy.Timeout):
    """An event of the clock's own: it only calls functions."""

    __slots__ = ()


class Clock(simpy.Environment):
    """A SimPy environment with ``call_later``; ``merge=False`` gives every call its own event
    (the same results, to check that merging changes nothing).

    ``now`` is a plain attribute here, not SimPy's property: a run reads it millions of times."""

    now: float = 0.0  # type: ignore[assignment]  # shadows SimPy's read-only property

    @property  # type: ignore[override]
    def _now(self) -> float:  # SimPy's own name for it (its __init__ sets it)
        return self.now

    @_now.setter
    def _now(self, t: float) -> None:
        self.now = t

    def __init__(self, merge: bool = True):
        super().__init__()
        self.merge = merge
        self._latest: dict[float, Event] = {}  # moment -> the latest ordinary event scheduled for it
        self._prune_at = _PRUNE_AT

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """SimPy's schedule, remembering the latest ordinary event scheduled for each moment."""
        t = self.now + delay
        if priority == NORMAL:
            latest = self._latest
            latest[t] = event
            if len(latest) > self._prune_at:
                self._forget_past()
        heappush(self._queue, (t, priority, next(self._eid), event))  # type: ignore[attr-defined]

    def step(self) -> None:
        """SimPy 4.1's step (MIT licence), setting ``now`` directly."""
        try:
            self.now, _, _, event = heappop(self._queue)  # type: ignore[attr-defined]
        except IndexError:
            raise EmptySchedule from None
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:  # type: ignore[union-attr]
                callback(event)
        except StopSimulation:
            event.callbacks = callbacks[callbacks.index(callback) + 1:]  # type: ignore[union-attr]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def _forget_past(self) -> None:
        now = self.now
        self._latest = {t: ev for t, ev in self._latest.items() if t >= now}
        self._prune_at = max(_PRUNE_AT, 2 * len(self._latest))

    def call_later(self, delay: float, call: Callable[[Event], object]) -> None:
        """Call ``call(event)`` after ``delay`` days, in the event of the call scheduled just
        before for the same moment if there is one and nothing came between."""
        if self.merge:
            last = self._latest.get(self.now + delay)
            if type(last) is Call and last.callbacks is not None:
                last.callbacks.append(call)
                return
        Call(self, delay).callbacks.append(call)  # type: ignore[union-attr]

    def begin(self, call: Callable[[Event | None], object]) -> None:
        """Call ``call(None)`` as a process started now would first run: after the other processes
        started before it, before anything else due now."""
        self.process(_once(call))


def _once(call: Callable[[Event | None], object]):
    call(None)
    return
    yield  # a generator, for SimPy to start as a process
