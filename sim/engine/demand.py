"""End-use demand: buyers at a stock take what they need each period; what is missing is lost.

Buyers sharing a stock are served together by an allocation rule (pro rata by default, or end
uses in priority order), so a shortage is shared as the scenario says, not by who asked first.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from ..scenario.components import Demand as DemandSpec
from .allocation import Allocation
from .core import Core
from .stock import Stock


class DemandSink:
    """Demand of ``t_per_day`` growing at ``growth`` per year, with multiplicative noise."""

    def __init__(self, core: Core, did: str, spec: DemandSpec, stock: Stock):
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
        m, recorder = stock.material, core.recorder
        self.sid_req = recorder.series(did, m, "requested_t")
        self.sid_del = recorder.series(did, m, "delivered_t")
        self.sid_unmet = recorder.series(did, m, "unmet_t")

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
                 tally: Callable[[float, float, float], None] | None = None):
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
        self.process: simpy.Process | None = None

    def start(self) -> None:
        """Start the process; called once the world is wired."""
        self.process = self.env.process(self._run())

    def _run(self):
        env, k = self.env, 0
        while True:
            now = env.now
            span = min(self.period, self.horizon - now)  # the last period ends with the run
            if span <= 0:
                return
            wants = [s.want(now, span, k) for s in self.sinks]
            gets = self.sharing.allocate(wants, self.end_uses, self.stock.local_free())
            taken = self.stock.take(sum(gets))
            if taken < sum(gets):  # rounding at the last digit: scale down to what was there
                gets = [g * taken / sum(gets) for g in gets]
            self.ledger.delivered[self.stock.material] += taken
            if self.tally is not None:
                self.tally(now, sum(wants), taken)
            end = now + span
            for sink, want, got in zip(self.sinks, wants, gets, strict=True):
                sink.requested += want
                sink.delivered += got
                self.recorder.flow(sink.sid_req, now, end, want)
                self.recorder.flow(sink.sid_del, now, end, got)
                self.recorder.flow(sink.sid_unmet, now, end, want - got)
            k += 1
            yield env.timeout(self.period)
