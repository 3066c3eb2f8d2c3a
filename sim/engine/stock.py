"""A stock of one material at one site.

State is plain attributes, not SimPy Containers (whose get/put events cost
more than the model itself); processes that must wait for material or room
ask for a one-off event that fires on the next put or take.

The stock owns its bookings: the share of each arrival reserved for a push lane, and the
tonnes promised to orders received from other sites. It knows the lanes that draw on it only
as listeners to poke when material arrives.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Protocol

import simpy

if TYPE_CHECKING:
    from .core import Core


class Listener(Protocol):
    """Something to wake when material arrives (a lane's dispatcher)."""

    def poke(self) -> None: ...


class Stock:
    """Tonnes of a material at a site, split into free material and push lanes' reservations."""

    __slots__ = (
        "env", "site", "material", "free", "max_t", "ledger", "recorder", "sid", "_shares", "_reserved_for",
        "_first", "_listeners", "_put_waiters", "_take_waiters", "outflow", "on_order", "target_cover_days",
        "initial", "reserved", "promised", "taken_total",
    )  # fmt: skip

    def __init__(self, core: Core, site: str, material: str, initial: float = 0.0, max_t: float | None = None,
                 target_cover_days: float | None = None):
        self.env = core.env
        ledger, recorder = core.ledger, core.recorder
        self.site = site
        self.material = material
        self.free = initial
        self.reserved = 0.0  # held here for push lanes, not yet shipped
        self.promised = 0.0  # ordered by other sites, not yet shipped (orders go before local use)
        self.initial = initial
        self.max_t = max_t
        self.target_cover_days = target_cover_days
        self.ledger = ledger
        self.recorder = recorder
        self.sid = recorder.series(site, material, "level_t", level=True, initial=initial)
        self._shares: list[tuple[Hashable, float]] = []  # (push lane, share of each arrival)
        self._reserved_for: dict[Hashable, float] = {}
        self._first: list[Listener] = []  # push lanes: woken first, they hold their shares already
        self._listeners: list[Listener] = []
        self._put_waiters: list[simpy.Event] = []
        self._take_waiters: list[simpy.Event] = []
        self.outflow = 0.0  # taken since the last forecast update
        self.taken_total = 0.0  # taken since the start (markets read its rate of change)
        self.on_order = 0.0  # ordered on pull links, not yet arrived
        ledger.initial[material] += initial

    # -- who draws on this stock ------------------------------------------------------------------
    def reserve_share(self, lane: Listener, share: float) -> None:
        """A push lane takes ``share`` of every arrival; it is woken when material arrives."""
        self._shares.append((lane, share))
        self._reserved_for[lane] = 0.0
        self._first.append(lane)

    def listen(self, listener: Listener) -> None:
        """Wake ``listener`` whenever material arrives."""
        self._listeners.append(listener)

    def reserved_for(self, lane: Hashable) -> float:
        return self._reserved_for[lane]

    def promise(self, delta: float) -> None:
        """Orders received from other sites rose (or fell, when shipped) by ``delta`` tonnes."""
        self.promised += delta

    # -- levels --------------------------------------------------------------------------------
    @property
    def level(self) -> float:
        """Everything held here, including what push lanes have reserved but not yet shipped."""
        return self.free + self.reserved

    def local_free(self) -> float:
        """Free material not promised to orders already received from other sites (orders go first)."""
        return max(self.free - self.promised, 0.0)

    def room(self) -> float:
        return float("inf") if self.max_t is None else max(self.max_t - self.level, 0.0)

    # -- moving material -------------------------------------------------------------------------
    def put(self, amount: float) -> None:
        """Add material; push lanes take their shares, the rest is free to use here."""
        if amount <= 0:
            return
        self._split(amount)
        self.recorder.level(self.sid, self.env.now, self.level)
        self._wake()
        if self._put_waiters:
            waiters, self._put_waiters = self._put_waiters, []
            for ev in waiters:
                ev.succeed()

    def _wake(self) -> None:
        for lane in self._first:
            lane.poke()
        for listener in self._listeners:
            listener.poke()

    def split_initial(self) -> None:
        """Route the opening stock through the push split, as if it had just arrived."""
        if not self._shares or self.free <= 0:
            return
        amount, self.free = self.free, 0.0
        self._split(amount)
        for lane in self._first:
            lane.poke()

    def _split(self, amount: float) -> None:
        pushed = 0.0
        for lane, share in self._shares:
            part = amount * share
            self._reserved_for[lane] += part
            pushed += part
        self.reserved += pushed
        self.free += amount - pushed

    def give_back(self, amount: float) -> None:
        """Return unused input (after a cut-short campaign) without re-splitting it to push lanes."""
        self.free += amount
        self.recorder.level(self.sid, self.env.now, self.level)

    def take(self, amount: float) -> float:
        """Take up to ``amount`` of the free material; returns what was taken."""
        got = min(amount, self.free)
        if got <= 0:
            return 0.0
        self.free -= got  # never negative: got <= free
        self.outflow += got
        self.taken_total += got
        self._taken()
        return got

    def return_reserved(self, lane: Hashable, amount: float) -> None:
        """Goods a push lane could not deliver (a refused licence) come back to its reservation."""
        self._reserved_for[lane] += amount
        self.reserved += amount
        self.recorder.level(self.sid, self.env.now, self.level)

    def ship_reserved(self, lane: Hashable, amount: float) -> None:
        """A push lane ships (part of) what it reserved here."""
        self._reserved_for[lane] -= amount
        self.reserved -= amount
        self.outflow += amount
        self.taken_total += amount
        self._taken()

    def _taken(self) -> None:
        self.recorder.level(self.sid, self.env.now, self.level)
        if self._take_waiters:
            waiters, self._take_waiters = self._take_waiters, []
            for ev in waiters:
                ev.succeed()

    def when_put(self) -> simpy.Event:
        ev = self.env.event()
        self._put_waiters.append(ev)
        return ev

    def when_taken(self) -> simpy.Event:
        ev = self.env.event()
        self._take_waiters.append(ev)
        return ev
