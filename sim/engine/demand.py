"""End-use demand: buyers at a stock take what they need each period, and remember what they
did not get.

Of what is not met when due, a share (by end use) waits as a backorder and is served before new
demand; the rest is lost, and so is a backorder cancelled after the buyers' patience runs out
(on average ``patience_days``). Buyers sharing a stock are served together by an allocation rule
(pro rata by default, or end uses in priority order), so a shortage is shared as the scenario
says, not by who asked first; beside export orders waiting at the same stock they get what the
stock's home-and-export rule gives them.

Series per buyer: ``requested_t`` (demand as it arises, counted once), ``delivered_t`` (on time
or late), ``unmet_t`` (lost for good) and ``backorder_t`` (waiting, a level); so requested =
delivered + unmet + the backorders still waiting.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..scenario.components import Demand as DemandSpec
from .allocation import Allocation
from .core import Core
from .stock import Stock


class DemandSink:
    """Demand of ``t_per_day`` growing at ``growth`` per year, with multiplicative noise."""

    def __init__(self, core: Core, did: str, spec: DemandSpec, stock: Stock, backorder_share: float = 0.0):
        self.id = did
        self.stock = stock
        self.end_use = spec.end_use
        self.base = spec.t_per_day
        self.growth = 1 + spec.growth_pct_per_year / 100
        self.period = spec.period_days
        self.warmup = core.warmup
        self.multiplier = 1.0  # the product of the shocks in force
        self._shocks: dict[str, float] = {}
        n = int(np.ceil(core.end / spec.period_days)) + 1
        # drawn up front so a run's numbers do not depend on event order
        if spec.noise_cv > 0:
            rng = core.streams.stream("demand", did, "noise")
            noise = np.maximum(1 + spec.noise_cv * rng.standard_normal(n), 0.0)
        else:
            noise = np.ones(n)
        self.noise = noise.tolist()
        self.requested = 0.0
        self.delivered = 0.0
        self.backorder_share = backorder_share
        self.backlog = 0.0  # backorders waiting
        m, recorder = stock.material, core.recorder
        self.sid_req = recorder.series(did, m, "requested_t")
        self.sid_del = recorder.series(did, m, "delivered_t")
        self.sid_unmet = recorder.series(did, m, "unmet_t")
        self.sid_backlog = recorder.series(did, m, "backorder_t", level=True, initial=0.0)

    def shock(self, pid: str, multiplier: float | None) -> None:
        """A shock comes into force (a multiplier) or ends (None); overlapping shocks multiply."""
        if multiplier is None:
            self._shocks.pop(pid, None)
        else:
            self._shocks[pid] = multiplier
        self.multiplier = math.prod(self._shocks.values())

    def rate(self, t: float) -> float:
        return self.base * self.growth ** ((t - self.warmup) / 365.0) * self.multiplier

    def want(self, t: float, span: float, k: int) -> float:
        return self.rate(t + span / 2) * span * self.noise[k]


class BuyerGroup:
    """The demand sinks at one stock with one period, served together every period."""

    def __init__(self, core: Core, stock: Stock, sinks: list[DemandSink], period: float, sharing: Allocation,
                 tally: Callable[[float, float, float], None] | None = None, patience_days: float = float("inf")):
        self.env = core.env
        self.stock = stock
        self.sinks = sinks
        self.period = period
        self.horizon = core.end
        self.ledger = core.ledger
        self.recorder = core.recorder
        self.tally = tally  # called with (time, wanted, got) for region-level fill rates
        self.sharing = sharing
        self.end_uses = [s.end_use for s in sinks]
        self.patience = patience_days
        self._k = 0  # periods served

    def start(self) -> None:
        """Serve the buyers now and every period; called once the world is wired."""
        self.env.begin(self._serve)

    def _serve(self, _ev: object = None) -> None:
        env, k, stock = self.env, self._k, self.stock
        now = env.now
        span = min(self.period, self.horizon - now)  # the last period ends with the run
        if span <= 0:
            return
        news = [s.want(now, span, k) for s in self.sinks]
        new_total = sum(news)
        stock.want(new_total)
        stock.buyers_pace.add(new_total)
        wants = [n + s.backlog for n, s in zip(news, self.sinks, strict=True)]
        # beside plants drawing the same stock, the buyers claim their pace (the buyers' groups at
        # one stock together: in practice one group a stock)
        gets = self.sharing.allocate(wants, self.end_uses, stock.home_free(sum(wants), user=self, buyers=True))
        taken = stock.take(sum(gets), self)
        if taken < sum(gets):  # rounding at the last digit: scale down to what was there
            gets = [g * taken / sum(gets) for g in gets]
        self.ledger.delivered[stock.material] += taken
        if self.tally is not None:
            self.tally(now, new_total, taken)
        end = now + span
        cancel = min(span / self.patience, 1.0)
        for sink, new, got in zip(self.sinks, news, gets, strict=True):
            before = sink.backlog
            from_backlog = min(got, before)
            short = new - (got - from_backlog)  # of this period's demand
            waiting = sink.backlog - from_backlog
            cancelled = waiting * cancel
            kept = short * sink.backorder_share
            lost = short - kept + cancelled
            stock.backordered += kept - cancelled - from_backlog
            sink.backlog = waiting - cancelled + kept
            sink.requested += new
            sink.delivered += got
            self.recorder.flow(sink.sid_req, now, end, new)
            self.recorder.flow(sink.sid_del, now, end, got)
            self.recorder.flow(sink.sid_unmet, now, end, lost)
            if sink.backlog or before:
                self.recorder.level(sink.sid_backlog, now, sink.backlog)
        stock.backordered = max(stock.backordered, 0.0)
        self._k = k + 1
        env.call_later(self.period, self._serve)
