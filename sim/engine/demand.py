"""End-use demand: each period takes what it needs from a stock; what is missing is lost, and recorded."""

from __future__ import annotations

import numpy as np
import simpy

from .ledger import Ledger
from .recorder import Recorder
from .stock import Stock


class DemandSink:
    """Demand of ``t_per_day`` growing at ``growth`` per year, with multiplicative noise."""

    def __init__(self, env: simpy.Environment, did: str, stock: Stock, t_per_day: float,
                 growth_pct_per_year: float, noise_cv: float, period_days: float, horizon: int,
                 rng: np.random.Generator, ledger: Ledger, recorder: Recorder, warmup: int = 0):
        self.env = env
        self.id = did
        self.stock = stock
        self.base = t_per_day
        self.growth = 1 + growth_pct_per_year / 100
        self.period = period_days
        self.horizon = horizon
        self.warmup = warmup
        self.ledger = ledger
        self.recorder = recorder
        n = int(np.ceil(horizon / period_days)) + 1
        # drawn up front so a run's numbers do not depend on event order
        noise = np.maximum(1 + noise_cv * rng.standard_normal(n), 0.0) if noise_cv > 0 else np.ones(n)
        self._noise = noise.tolist()
        self.requested = 0.0
        self.delivered = 0.0
        m = stock.material
        self._sid_req = recorder.series(did, m, "requested_t")
        self._sid_del = recorder.series(did, m, "delivered_t")
        self._sid_unmet = recorder.series(did, m, "unmet_t")
        self.process = env.process(self._run())

    def rate(self, t: float) -> float:
        return self.base * self.growth ** ((t - self.warmup) / 365.0)

    def _run(self):
        env, k = self.env, 0
        while True:
            now = env.now
            span = min(self.period, self.horizon - now)  # the last period ends with the run
            if span <= 0:
                return
            want = self.rate(now + span / 2) * span * self._noise[k]
            got = self.stock.take(min(want, self.stock.local_free()))
            self.ledger.delivered[self.stock.material] += got
            self.requested += want
            self.delivered += got
            end = now + span
            self.recorder.flow(self._sid_req, now, end, want)
            self.recorder.flow(self._sid_del, now, end, got)
            self.recorder.flow(self._sid_unmet, now, end, want - got)
            k += 1
            yield env.timeout(self.period)
