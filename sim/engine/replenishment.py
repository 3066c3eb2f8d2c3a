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
                 recorder: Recorder, landed=None, sensitivity: float = 0.0, learn: bool = True):
        self.env = env
        self.stock = stock
        total = sum(w for _, w in links)
        self.links = [(link, w / total) for link, w in links]
        self.kind = kind
        self.review = review_days
        self.cover = target_cover_days
        self.reorder_point = reorder_point_days
        self.alpha = smoothing if learn else 0.0
        self.forecast = forecast
        self.recorder = recorder
        self.landed = landed  # (link, material) -> landed price or None
        self.sensitivity = sensitivity
        self._sid = recorder.series(stock.site, stock.material, "ordered_t")
        self._fsid = recorder.series(stock.site, stock.material, "forecast_t_per_day", level=True, initial=forecast)
        self.process: simpy.Process | None = None

    def start(self) -> None:
        """Start the process; called once the world is wired."""
        self.process = self.env.process(self._run())

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

    def _weights(self) -> list[tuple[Link, float]]:
        """Suppliers' shares, tilted towards the cheaper landed price (a tariff makes one dearer)."""
        if len(self.links) < 2 or self.landed is None or self.sensitivity == 0:
            return self.links
        prices = [self.landed(link, self.stock.material) for link, _ in self.links]
        if any(p is None or p <= 0 for p in prices):
            return self.links
        cheapest = min(prices)  # type: ignore[type-var]
        raw = [w * (p / cheapest) ** -self.sensitivity for (_, w), p in zip(self.links, prices, strict=True)]
        total = sum(raw)
        return [(link, r / total) for (link, _), r in zip(self.links, raw, strict=True)]

    def _review(self) -> None:
        stock = self.stock
        position = stock.level + stock.on_order
        if self.kind == "s_S" and position > self.forecast * (self.reorder_point or 0.0):
            return
        qty = self.forecast * self.cover - position
        if qty <= 1e-9:
            return
        now = self.env.now
        for link, weight in self._weights():
            part = qty * weight
            if link.lot is not None:
                part = math.ceil(part / link.lot - 1e-9) * link.lot
            if part <= 0:
                continue
            stock.on_order += part
            self.recorder.flow(self._sid, now, now, part)
            link.order(stock.material, part)
