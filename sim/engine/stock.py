"""A stock of one material at one site.

State is plain attributes, not SimPy Containers (whose get/put events cost
more than the model itself); processes that must wait for material or room
ask for a one-off event that fires on the next put or take.

The stock owns its bookings: the share of each arrival reserved for a push lane, and the
tonnes promised to orders received from other sites. It knows the lanes that draw on it only
as listeners to poke when material arrives.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Protocol

import simpy

if TYPE_CHECKING:
    from .core import Core


class Listener(Protocol):
    """Something to wake when material arrives (a lane's dispatcher)."""

    def poke(self) -> None: ...

    def __hash__(self) -> int: ...  # a lane is also the key of its share and reservation


class Pace:
    """A running total and its exponentially smoothed rate (t/day), brought up to date when read
    (at most once a day), without a process of its own: how fast a stock is wanted, how fast a
    plant draws."""

    __slots__ = ("total", "rate", "_seen", "_t", "_tau")

    def __init__(self, rate: float = 0.0, tau_days: float = 30.0, t: float = 0.0):
        self.total = 0.0
        self.rate = rate
        self._seen = 0.0
        self._t = t
        self._tau = tau_days

    def add(self, amount: float) -> None:
        self.total += amount

    def read(self, now: float) -> float:
        dt = now - self._t
        if dt >= 1.0:
            observed = (self.total - self._seen) / dt
            self.rate += (1.0 - math.exp(-dt / self._tau)) * (observed - self.rate)
            self._seen, self._t = self.total, now
        return self.rate


HOME_CLAIM_DAYS = 7.0
"""How far ahead an export lane leaves room for home users' needs when a stock is short: the
buyers' and lanes' weekly period."""


class Stock:
    """Tonnes of a material at a site, split into free material and push lanes' reservations.

    The stock also keeps what is wanted of it (``wanted``: buyers' demand as it arises, orders
    received, plants' and lanes' draws), the backorders its buyers wait for, and how home users
    and export orders share it when it is short (``home_first`` or pro rata)."""

    __slots__ = (
        "env", "site", "material", "free", "max_t", "ledger", "recorder", "sid", "_shares", "_reserved_for",
        "_first", "_listeners", "_put_waiters", "_take_waiters", "on_order", "target_cover_days",
        "initial", "reserved", "promised", "wanted", "wanted_window", "buyers_pace", "backordered",
        "home_first", "_plant_needs", "_export_needs", "max_cover_days", "surplus_cover_days", "set_aside",
        "_aside_sid", "_lane_pace", "_home_memo", "_demand_memo",
        "_round_base", "_round_taken", "_plant_base_needs", "_gates", "_gated", "origin",
    )  # fmt: skip

    def __init__(self, core: Core, site: str, material: str, initial: float = 0.0, max_t: float | None = None,
                 target_cover_days: float | None = None, max_cover_days: float | None = None,
                 surplus_cover_days: float | None = None, home_first: bool = False):
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
        self._gates: list[Callable[[], bool] | None] = []  # per push lane: whether it takes its share now
        self._gated = False  # any push lane with a gate (read at every arrival)
        self._reserved_for: dict[Hashable, float] = {}
        self._lane_pace: dict[Hashable, Pace] = {}  # what each push lane ships, t/day
        self._first: list[Listener] = []  # push lanes: woken first, they hold their shares already
        self._listeners: list[Listener] = []
        self._put_waiters: list[simpy.Event] = []
        self._take_waiters: list[simpy.Event] = []
        self.on_order = 0.0  # ordered on pull links, not yet arrived
        self.wanted = Pace()  # everything wanted of this stock (markets and producers read its pace)
        self.wanted_window = 0.0  # wanted since the last forecast update
        self.buyers_pace = Pace()  # what the buyers here want (new demand, as it arises)
        self._export_needs: list[Callable[[], float]] = []  # pull lanes from here: their destinations' needs, t/day
        self.max_cover_days = max_cover_days
        self.surplus_cover_days = surplus_cover_days
        self.set_aside = 0.0  # surplus moved to a stockpile that sets no price
        self._aside_sid = recorder.series(site, material, "set_aside_t", level=True, initial=0.0) if surplus_cover_days else -1
        self.backordered = 0.0  # buyers' backorders waiting here
        self.home_first = home_first  # a short stock serves home users before export orders
        self._plant_needs: list[Callable[[], float]] = []  # plants drawing here: their current need, t/day
        self._plant_base_needs: list[Callable[[], float]] = []  # the same, without their own refill
        # paces read many times at one moment (every plant's and lane's share asks): computed once a moment
        self._home_memo = (-1.0, 0.0)
        self._demand_memo = (-1.0, 0.0)
        # a short stock is shared by rounds: from each arrival, each home user may take its share
        # of what was free then, so who comes first within a round does not matter
        self._round_base = initial
        self._round_taken: dict[Hashable, float] = {}
        self.origin: dict[str, float] | None = None  # share of each traced element from China (sim/engine/origin.py)
        ledger.initial[material] += initial

    # -- who draws on this stock ------------------------------------------------------------------
    def reserve_share(self, lane: Listener, share: float, gate: Callable[[], bool] | None = None) -> None:
        """A push lane takes ``share`` of every arrival; it is woken when material arrives. With a
        ``gate``, it takes its share only while the gate is open; the shares of closed lanes go to
        the open ones, in proportion to theirs (with none open, the arrival stays free here)."""
        self._shares.append((lane, share))
        self._gates.append(gate)
        self._gated = self._gated or gate is not None
        self._reserved_for[lane] = 0.0
        self._lane_pace[lane] = Pace(t=self.env.now)
        self._first.append(lane)

    def expect_arrivals(self, rate: float) -> None:
        """Producers here plan to add ``rate`` t/day: each push lane is expected to carry its share
        of it until what it ships says otherwise."""
        for lane, share in self._shares:
            self._lane_pace[lane].rate = share * rate

    def listen(self, listener: Listener) -> None:
        """Wake ``listener`` whenever material arrives."""
        self._listeners.append(listener)

    def reserved_for(self, lane: Hashable) -> float:
        return self._reserved_for[lane]

    def draw_for(self, need: Callable[[], float], base_need: Callable[[], float] | None = None) -> None:
        """A plant draws its input here; ``need`` gives its current need in t/day (``base_need``
        the same without the push to refill its own output's stock, for the pull upstream)."""
        self._plant_needs.append(need)
        self._plant_base_needs.append(base_need or need)

    def want(self, amount: float) -> None:
        """Count ``amount`` as wanted of this stock (once: when demand arises or an order comes in)."""
        self.wanted.add(amount)
        self.wanted_window += amount

    def ship_for(self, need: Callable[[], float]) -> None:
        """A pull lane ships from here; ``need`` gives its destination's current need in t/day."""
        self._export_needs.append(need)

    def promise(self, delta: float) -> None:
        """Orders received from other sites rose (or fell, when shipped) by ``delta`` tonnes."""
        self.promised += delta

    # -- levels --------------------------------------------------------------------------------
    @property
    def level(self) -> float:
        """Everything held here, including what push lanes have reserved but not yet shipped."""
        return self.free + self.reserved

    def unclaimed(self) -> float:
        """Free material beyond the orders already received from other sites."""
        return max(self.free - self.promised, 0.0)

    def sells_at_home(self) -> bool:
        """Whether end-use buyers stand by this stock (else only plants and lanes take it away)."""
        return self.buyers_pace.rate > 0

    def home_pace(self) -> float:
        """What home users want, t/day: the buyers' pace and the plants' needs."""
        now = self.env.now
        t, pace = self._home_memo
        if t != now:
            self._home_memo = (now, 0.0)  # a plant's need that loops back here reads nothing more
            needs = 0.0  # summed as sum() would (left to right from 0.0), without its generator
            for need in self._plant_needs:
                needs += need()
            pace = self.buyers_pace.read(now) + needs
            self._home_memo = (now, pace)
        return pace

    def demand_pace(self) -> float:
        """What everyone drawing on this stock wants of it, t/day: home users and the destinations
        of the lanes that order from it (the pull a make-to-stock producer here answers; plants
        downstream count what is wanted of them, not their own refill, so pulls do not compound
        along the chain)."""
        now = self.env.now
        t, pace = self._demand_memo
        if t != now:
            self._demand_memo = (now, 0.0)
            plants = exports = 0.0
            for need in self._plant_base_needs:
                plants += need()
            for need in self._export_needs:
                exports += need()
            pace = self.buyers_pace.read(now) + plants + exports
            self._demand_memo = (now, pace)
        return pace

    def home_claim(self, days: float = HOME_CLAIM_DAYS) -> float:
        """What home users will want over the next ``days``, with the backorders they wait for."""
        return self.backordered + self.home_pace() * days

    def _export_share(self) -> float:
        """Orders' share of a shortage under pro rata: the ordering sites' needs beside home
        users' (rates, not backlogs: an importer restocking a month of cover does not outbid a
        home buyer needing a week, nor does one that has stopped ordering while it waits lose
        its share)."""
        x = 0.0
        for need in self._export_needs:
            x += need()
        h = self.home_pace()
        return x / (x + h) if x + h > 0 else 0.0

    def home_free(self, claim: float, rate: float | None = None, user: Hashable | None = None,
                  buyers: bool = False) -> float:
        """What a home user (a buyer group, a plant) wanting ``claim`` tonnes may take now: all of
        it when there is enough for everyone; else what the export orders' share leaves (none under
        home first), and of that, given the user's ``rate`` of need (t/day), its share among home
        users by their rates, so plants drawing one short input share it pro rata to their needs
        instead of first come (a user that states no rate takes what is left). A ``user`` that
        says who it is takes its share of what was free at the last arrival, less what it took
        since (see ``take``). The buyers here (``buyers``) claim their pace."""
        free = self.free
        if not self._plant_needs:
            rate = None  # the buyers are the only home users: nothing to share among them
        elif buyers:
            rate = self.buyers_pace.read(self.env.now)  # as home_pace counts it
        home = self.home_pace() if rate is not None else 0.0
        others = max(home - rate, 0.0) * HOME_CLAIM_DAYS if rate is not None else 0.0
        if free >= claim + self.promised + others:
            return min(claim, free)
        exports = 0.0 if self.home_first else min(self.promised, free * self._export_share())
        left = free - exports
        if rate is not None and home > rate > 0:
            share = rate / home
            if user is None:
                left *= share
            else:
                round_share = self._round_base * (left / free if free > 0 else 0.0) * share
                left = min(left, max(round_share - self._round_taken.get(user, 0.0), 0.0))
        return max(min(claim, left), 0.0)

    def export_free(self, backlog: float, abroad: bool = True) -> float:
        """What a lane with ``backlog`` tonnes ordered may ship now: all of it when there is enough
        for everyone; else the orders' pro rata share (split among lanes by their backlogs), or,
        home first and the lane crossing a border (``abroad``), only what home users leave."""
        free = self.free
        if free <= 0 or backlog <= 0:
            return 0.0
        home = self.home_claim()
        if free >= self.promised + home:
            return min(backlog, free)
        allowed = max(free - home, 0.0)
        if not (self.home_first and abroad):
            allowed = max(allowed, free * self._export_share())
        allowed = min(allowed, self.promised)
        return allowed * backlog / self.promised if self.promised > 0 else 0.0

    @property
    def limits_producers(self) -> bool:
        """Whether producers here may run out of room (a storage limit or make to stock)."""
        return self.max_t is not None or self.max_cover_days is not None

    def _producers_cap(self) -> float:
        """The level producers fill this stock to: the storage limit, and ``max_cover_days`` of
        what is wanted here (make to stock); infinite without either."""
        cap = float("inf") if self.max_t is None else self.max_t
        if self.max_cover_days is not None:
            cap = min(cap, self.max_cover_days * self.wanted.read(self.env.now))
        return cap

    def refill_factor(self) -> float:
        """How hard producers making to this stock are pulled, against what is wanted of it: 2 when
        it is empty, 1 half full, 0 at its limit (a proportional refill)."""
        cap = self._producers_cap()
        if cap == float("inf"):
            return 1.0
        return max(2.0 * (1.0 - self.level / cap), 0.0) if cap > 0 else 0.0

    def room(self) -> float:
        """Tonnes producers may still add before the stock reaches its producers' cap."""
        return max(self._producers_cap() - self.level, 0.0)

    # -- moving material -------------------------------------------------------------------------
    def put(self, amount: float, origin: dict[str, float] | None = None) -> None:
        """Add material; push lanes take their shares, the rest is free to use here. A traced
        stock mixes the ``origin`` shares of what arrives into its own, by mass."""
        if amount <= 0:
            return
        if self.origin is not None and origin is not None:
            self._mix(amount, origin)
        self._split(amount)
        if self.surplus_cover_days is not None:
            self._set_aside_surplus()
        self._round_base = self.free
        if self._round_taken:
            self._round_taken.clear()
        self.recorder.level(self.sid, self.env.now, self.level)
        self._wake()
        if self._put_waiters:
            waiters, self._put_waiters = self._put_waiters, []
            for ev in waiters:
                ev.succeed()

    def _mix(self, amount: float, origin: dict[str, float]) -> None:
        mine = self.origin
        assert mine is not None
        held = max(self.level, 0.0)
        total = held + amount
        for el, share in mine.items():
            mine[el] = (held * share + amount * origin.get(el, 0.0)) / total

    def _set_aside_surplus(self) -> None:
        """Move what this stock holds beyond its surplus cover to the stockpile. Each holder keeps
        ``surplus_cover_days`` of its own pace: a push lane what it ships, the free material what is
        wanted of it (buyers, plants, ordering lanes; plus what is promised). What a lane cannot carry
        away within the cover is on its way nowhere (Baotou's Ce behind the trade desk's alloy
        contracts). The stockpile comes back as the stock runs down (``_draw_stockpile``)."""
        now, days = self.env.now, self.surplus_cover_days
        assert days is not None
        lanes = {lane: pace.read(now) for lane, pace in self._lane_pace.items()}
        moved = max(self.free - self._surplus_keep(), 0.0)
        self.free -= moved
        for lane, rate in lanes.items():
            over = self._reserved_for[lane] - days * rate
            if over > 0:
                self._reserved_for[lane] -= over
                self.reserved -= over
                moved += over
        if moved > 1e-9:
            self.set_aside += moved
            self.recorder.level(self._aside_sid, now, self.set_aside)

    def _surplus_keep(self) -> float:
        """The free tonnes a co-product's holder keeps: its surplus cover of what is wanted of it
        (not a make-to-stock plant's need of the moment, nil while it idles), and the orders it holds."""
        assert self.surplus_cover_days is not None
        return self.surplus_cover_days * self.demand_pace() + self.promised

    def _draw_stockpile(self, amount: float) -> None:
        """Bring the stockpiled surplus back as the stock runs down: a taker finds its surplus cover
        on hand again (a co-product's glut comes back once the demand has grown into it)."""
        short = self._surplus_keep() + amount - self.free
        if short > 1e-9:
            back = min(short, self.set_aside)
            self.free += back
            self.set_aside -= back
            self.recorder.level(self._aside_sid, self.env.now, self.set_aside)

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

    def _open_shares(self) -> list[tuple[Hashable, float]]:
        """The push shares of this arrival: the written ones, with closed lanes' shares given to the
        open lanes pro rata (a share is what a lane carries when every destination wants)."""
        shares = self._shares
        opens = [gate is None or gate() for gate in self._gates]
        if all(opens):
            return shares
        open_total = sum(s for (_, s), o in zip(shares, opens, strict=True) if o)
        if open_total <= 0:
            return [(lane, 0.0) for lane, _ in shares]
        scale = sum(s for _, s in shares) / open_total
        return [(lane, s * scale if o else 0.0) for (lane, s), o in zip(shares, opens, strict=True)]

    def _split(self, amount: float) -> None:
        pushed = 0.0
        for lane, share in (self._open_shares() if self._gated else self._shares):
            part = amount * share
            self._reserved_for[lane] += part
            pushed += part
        self.reserved += pushed
        self.free += amount - pushed

    def give_back(self, amount: float) -> None:
        """Return unused input (after a cut-short campaign) without re-splitting it to push lanes."""
        self.free += amount
        self.recorder.level(self.sid, self.env.now, self.level)

    def take(self, amount: float, by: Hashable | None = None) -> float:
        """Take up to ``amount`` of the free material; returns what was taken (counted against
        ``by``'s share of this round, see ``home_free``)."""
        if self.set_aside > 0:
            self._draw_stockpile(amount)
        got = min(amount, self.free)
        if got <= 0:
            return 0.0
        self.free -= got  # never negative: got <= free
        if by is not None:
            self._round_taken[by] = self._round_taken.get(by, 0.0) + got
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
        self._lane_pace[lane].add(amount)
        self.want(amount)
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
