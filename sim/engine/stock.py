"""A stock of one material at one site.

State is plain attributes, not SimPy Containers (whose get/put events cost
more than the model itself); processes that must wait for material or room
ask for a one-off event that fires on the next put or take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from .ledger import Ledger
from .recorder import Recorder

if TYPE_CHECKING:
    from .link import Link


class Stock:
    """Tonnes of a material at a site. Push links reserve their share of every arrival."""

    __slots__ = (
        "env", "site", "material", "free", "max_t", "ledger", "recorder", "sid",
        "push_links", "pull_links_out", "surplus_links", "_put_waiters", "_take_waiters", "outflow", "on_order",
        "target_cover_days", "initial", "reserved", "taken_total",
    )  # fmt: skip

    def __init__(self, env: simpy.Environment, site: str, material: str, ledger: Ledger, recorder: Recorder,
                 initial: float = 0.0, max_t: float | None = None, target_cover_days: float | None = None):
        self.env = env
        self.site = site
        self.material = material
        self.free = initial
        self.reserved = 0.0  # held here for push links, not yet shipped
        self.initial = initial
        self.max_t = max_t
        self.target_cover_days = target_cover_days
        self.ledger = ledger
        self.recorder = recorder
        self.sid = recorder.series(site, material, "level_t", level=True, initial=initial)
        self.push_links: list[Link] = []
        self.pull_links_out: list[Link] = []
        self.surplus_links: list[Link] = []
        self._put_waiters: list[simpy.Event] = []
        self._take_waiters: list[simpy.Event] = []
        self.outflow = 0.0  # taken since the last forecast update
        self.taken_total = 0.0  # taken since the start (markets read its rate of change)
        self.on_order = 0.0  # ordered on pull links, not yet arrived
        ledger.initial[material] += initial

    @property
    def level(self) -> float:
        """Everything held here, including what push links have reserved but not yet shipped."""
        return self.free + self.reserved

    def local_free(self) -> float:
        """Free material not promised to orders already received from other sites (orders go first)."""
        promised = 0.0
        for link in self.pull_links_out:
            promised += link.backlog[self.material]
        return max(self.free - promised, 0.0)

    def room(self) -> float:
        return float("inf") if self.max_t is None else max(self.max_t - self.level, 0.0)

    def put(self, amount: float) -> None:
        """Add material; push links take their shares, the rest is free to use here."""
        if amount <= 0:
            return
        self._split(amount)
        self.recorder.level(self.sid, self.env.now, self.level)
        for link in self.push_links:
            link.poke()
        for link in self.pull_links_out:
            link.poke()
        for link in self.surplus_links:
            link.poke()
        if self._put_waiters:
            waiters, self._put_waiters = self._put_waiters, []
            for ev in waiters:
                ev.succeed()

    def split_initial(self) -> None:
        """Route the opening stock through the push split, as if it had just arrived."""
        if not self.push_links or self.free <= 0:
            return
        amount, self.free = self.free, 0.0
        self._split(amount)
        for link in self.push_links:
            link.poke()

    def _split(self, amount: float) -> None:
        """Push links reserve their shares of an arrival; the rest is free to use here."""
        pushed = 0.0
        for link in self.push_links:
            part = amount * link.share[self.material]
            link.reserved[self.material] += part
            pushed += part
        self.reserved += pushed
        self.free += amount - pushed

    def give_back(self, amount: float) -> None:
        """Return unused input (after a cut-short campaign) without re-splitting it to push links."""
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

    def return_reserved(self, link: Link, amount: float) -> None:
        """Goods a push link could not deliver (a refused licence) come back to its reservation."""
        link.reserved[self.material] += amount
        self.reserved += amount
        self.recorder.level(self.sid, self.env.now, self.level)

    def ship_reserved(self, link: Link, amount: float) -> None:
        """A push link ships (part of) what it reserved here."""
        link.reserved[self.material] -= amount
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
