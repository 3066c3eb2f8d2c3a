"""Periodic-review replenishment: a stock forecasts its outflow and orders upstream.

Order-up-to: every review, order S - (on hand + on order), with S = forecast x target cover.
(s, S): order only when on hand + on order has fallen to s = forecast x reorder-point days.
The forecast is exponential smoothing of observed outflow; delays plus this
reaction are what make a bullwhip.
"""

from __future__ import annotations

import math

import simpy

from .link import Link
from .recorder import Recorder
from .stock import Stock


class Replenisher:
    def __init__(self, env: simpy.Environment, stock: Stock, links: list[tuple[Link, float]],
                 kind: str, review_days: float, target_cover_days: float,
                 reorder_point_days: float | None, smoothing: float, forecast: float,
                 recorder: Recorder):
        self.env = env
        self.stock = stock
        total = sum(w for _, w in links)
        self.links = [(link, w / total) for link, w in links]
        self.kind = kind
        self.review = review_days
        self.cover = target_cover_days
        self.reorder_point = reorder_point_days
        self.alpha = smoothing
        self.forecast = forecast
        self.recorder = recorder
        self._sid = recorder.series(stock.site, stock.material, "ordered_t")
        self._fsid = recorder.series(stock.site, stock.material, "forecast_t_per_day", level=True, initial=forecast)
        self.process = env.process(self._run())

    def _run(self):
        env, stock = self.env, self.stock
        first = True
        while True:
            if not first:
                observed = stock.outflow / self.review
                self.forecast = self.alpha * observed + (1 - self.alpha) * self.forecast
                self.recorder.level(self._fsid, env.now, self.forecast)
            first = False
            self._review()
            stock.outflow = 0.0  # the window for the next forecast starts after this review
            yield env.timeout(self.review)

    def _review(self) -> None:
        stock = self.stock
        position = stock.level + stock.on_order
        if self.kind == "s_S" and position > self.forecast * (self.reorder_point or 0.0):
            return
        qty = self.forecast * self.cover - position
        if qty <= 1e-9:
            return
        now = self.env.now
        for link, weight in self.links:
            part = qty * weight
            if link.lot is not None:
                part = math.ceil(part / link.lot - 1e-9) * link.lot
            if part <= 0:
                continue
            stock.on_order += part
            self.recorder.flow(self._sid, now, now, part)
            link.order(stock.material, part)
