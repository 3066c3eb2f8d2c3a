"""Periodic-review replenishment: a stock forecasts what is wanted of it and orders upstream.

Three small strategies, each chosen by a key of the stock's ``replenishment``:

- the order rule (``kind``): order-up-to, every review order S - (on hand + on order - the
  buyers' backorders), with S = forecast x target cover; or (s, S), order only when that
  position has fallen to s = forecast x reorder-point days;
- the forecast (``forecast``): exponential smoothing of what was wanted (buyers' demand as it
  arose, orders received, plants' draws; not what was delivered, so a shortage does not teach
  buyers to order less), or fixed (a plant's feed ordered at its planned rate);
- the supplier choice (``suppliers``): the links' shares, tilted towards the cheaper landed price
  (a tariff makes one dearer), or the shares as written.

Delays plus this reaction are what make a bullwhip.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from ..scenario.markets import Precaution as PrecautionSpec
from .core import Core
from .link import Link
from .stock import Stock


class OrderRule:
    """How much to order given the stock position and the forecast. ``cover`` is the target
    cover times the buyers' precautionary multiple."""

    def __init__(self, cover_days: float, reorder_point_days: float | None):
        self.base_cover = self.cover = cover_days
        self.reorder_point = reorder_point_days or 0.0

    def quantity(self, position: float, forecast: float) -> float:
        raise NotImplementedError


class OrderUpTo(OrderRule):
    def quantity(self, position: float, forecast: float) -> float:
        return forecast * self.cover - position


class ReorderPoint(OrderRule):
    """(s, S): nothing until the position falls to s, then up to S."""

    def quantity(self, position: float, forecast: float) -> float:
        if position > forecast * self.reorder_point:
            return 0.0
        return forecast * self.cover - position


ORDER_RULES: dict[str, type[OrderRule]] = {"order_up_to": OrderUpTo, "s_S": ReorderPoint}


class Forecast:
    """A forecast of what is wanted, in t/day, updated from what was wanted over each review."""

    def __init__(self, initial: float, smoothing: float):
        self.value = initial
        self.alpha = smoothing

    def observe(self, per_day: float) -> float:
        return self.value


class Smoothed(Forecast):
    def observe(self, per_day: float) -> float:
        self.value = self.alpha * per_day + (1 - self.alpha) * self.value
        return self.value


class Fixed(Forecast):
    """Keeps the initial forecast (a plant's feed, ordered for its planned rate)."""


FORECASTS: dict[str, type[Forecast]] = {"smoothed": Smoothed, "fixed": Fixed}

LandedPrice = Callable[[Link, str], float | None]


class Precaution:
    """The buyers' cover multiple: up while the price of what they buy rises fast, down while it
    falls (``buyers.precaution``). Reads the price at each review and compares it with the price
    ``window_days`` earlier."""

    def __init__(self, spec: PrecautionSpec, price: Callable[[], float | None]):
        self.spec = spec
        self.price = price
        self.multiple = 1.0
        self._seen: deque[tuple[float, float]] = deque()

    @property
    def active(self) -> bool:
        return self.spec.cover_per_price_rise > 0 or self.spec.cover_per_price_fall > 0

    def update(self, now: float, elapsed: float) -> float:
        price = self.price()
        if price is None:
            return self.multiple
        seen, window = self._seen, self.spec.window_days
        seen.append((now, price))
        while len(seen) > 1 and seen[1][0] <= now - window:
            seen.popleft()
        then = seen[0][1]
        target = self.spec.target(price / then - 1.0) if then > 0 else 1.0
        self.multiple += (1.0 - math.exp(-elapsed / self.spec.adjust_days)) * (target - self.multiple)
        return self.multiple


class SupplierChoice:
    """Shares of an order among the pull links that bring a material."""

    def __init__(self, links: list[tuple[Link, float]], landed: LandedPrice | None, sensitivity: float):
        total = sum(w for _, w in links)
        self.links = [(link, w / total) for link, w in links]
        self.landed = landed
        self.sensitivity = sensitivity

    def weights(self, material: str) -> list[tuple[Link, float]]:
        return self.links


class FixedShares(SupplierChoice):
    """The links' shares as written."""


class PriceWeighted(SupplierChoice):
    """Shares tilted towards the cheaper landed price: share ~ written share x price ^ -sensitivity."""

    def weights(self, material: str) -> list[tuple[Link, float]]:
        if len(self.links) < 2 or self.landed is None or self.sensitivity == 0:
            return self.links
        prices = [self.landed(link, material) for link, _ in self.links]
        if any(p is None or p <= 0 for p in prices):
            return self.links
        cheapest = min(prices)  # type: ignore[type-var]
        raw = [w * (p / cheapest) ** -self.sensitivity for (_, w), p in zip(self.links, prices, strict=True)]  # type: ignore[operator]
        total = sum(raw)
        return [(link, r / total) for (link, _), r in zip(self.links, raw, strict=True)]


SUPPLIERS: dict[str, type[SupplierChoice]] = {"price_weighted": PriceWeighted, "fixed_shares": FixedShares}


class Replenisher:
    """Reviews a stock every ``review_days``: updates the forecast, then orders by its rule."""

    def __init__(self, core: Core, stock: Stock, rule: OrderRule, forecast: Forecast, suppliers: SupplierChoice,
                 review_days: float, precaution: Precaution | None = None, cancel_excess: bool = False):
        self.env = core.env
        self.recorder = recorder = core.recorder
        self.stock = stock
        self.rule = rule
        self.forecast = forecast
        self.suppliers = suppliers
        self.review = review_days
        self.precaution = precaution
        self.cancel_excess = cancel_excess
        self._expected = 1.0  # the cover multiple a known control makes buyers hold (anticipation)
        self._xsid = recorder.series(stock.site, stock.material, "cancelled_t") if cancel_excess else -1
        self._sid = recorder.series(stock.site, stock.material, "ordered_t")
        self._csid = recorder.series(stock.site, stock.material, "cover_multiple", level=True, initial=1.0) \
            if precaution is not None and precaution.active else -1
        self._fsid = recorder.series(stock.site, stock.material, "forecast_t_per_day", level=True, initial=forecast.value)

    def start(self) -> None:
        """Review now and every ``review`` days; called once the world is wired."""
        self.env.begin(self._review)

    def _review(self, ev: object) -> None:
        env, stock = self.env, self.stock
        if ev is not None:  # not the first review: there is a window to learn from
            self.forecast.observe(stock.wanted_window / self.review)
            self.recorder.level(self._fsid, env.now, self.forecast.value)
            if self._csid >= 0:
                multiple = self.precaution.update(env.now, self.review)  # type: ignore[union-attr]
                self._set_cover()
                self.recorder.level(self._csid, env.now, multiple)
        self._order()
        stock.wanted_window = 0.0  # the window for the next forecast starts after this review
        env.call_later(self.review, self._review)

    def expect(self, multiple: float) -> None:
        """Hold ``multiple`` times the target cover (a control is known); orders follow at the next review."""
        self._expected = multiple
        self._set_cover()

    def _set_cover(self) -> None:
        """The target cover times the buyers' precautionary and anticipation multiples."""
        precaution = self.precaution.multiple if self.precaution is not None else 1.0
        self.rule.cover = self.rule.base_cover * precaution * self._expected

    def _order(self) -> None:
        stock = self.stock
        # the position nets out the backorders owed to buyers here: after a shortage the stock
        # restocks for them as well as for its target cover
        qty = self.rule.quantity(stock.level + stock.on_order - stock.backordered, self.forecast.value)
        if qty < -1e-9 and self.cancel_excess:
            self._cancel(-qty)
            return
        if qty <= 1e-9:
            return
        now = self.env.now
        for link, weight in self.suppliers.weights(stock.material):
            part = qty * weight
            if link.lot is not None:
                part = math.ceil(part / link.lot - 1e-9) * link.lot
            if part <= 0:
                continue
            stock.on_order += part
            self.recorder.flow(self._sid, now, now, part)
            link.order(stock.material, part)

    def _cancel(self, excess: float) -> None:
        """Withdraw up to ``excess`` tonnes of orders not yet shipped, from each supplier in
        proportion to what it still owes."""
        stock, m = self.stock, self.stock.material
        owed = [(link, link.backlog[m]) for link, _ in self.suppliers.links if link.backlog.get(m, 0.0) > 0]
        total = sum(b for _, b in owed)
        if total <= 0:
            return
        share = min(excess / total, 1.0)
        now = self.env.now
        for link, backlog in owed:
            part = backlog * share
            link.add_backlog(m, -part)
            stock.on_order -= part
            self.recorder.flow(self._xsid, now, now, part)
