"""Markets: one price per material and set of regions, formed from scarcity.

Every ``update_days`` a market reads the stock held in its regions net of the backorders buyers
wait for, and how fast it is wanted (demand as it arises, orders received, plants' draws;
exponentially smoothed), turns that into days of cover, and sets
price = reference x (cover / target) ^ (-1 / elasticity), clipped to [min, max] multiples.
So a shortage shows in the price even when nothing is taken because there is nothing to take.

Only stocks in reach of a buyer count: one with buyers, a plant drawing on it or a lane out of
it; with ``also_counts``, stocks of the same element in another form count too. From the start
date, a stock with no end-use buyer beside it counts only up to ``stranded_after_days`` of what
its plants and lanes take: the rest is stranded (a pile no lane or buyer takes), sets no price, and is
recorded as ``stranded_t``; a pile where buyers are is a glut, and counts. A co-product nobody takes or ships (Dy oxide at a separator with no Dy offtake) sets no
price. A market with nothing in reach keeps its price.
"""

from __future__ import annotations

from ..scenario.markets import Market as MarketSpec
from .core import Core
from .stock import Stock


class Market:
    """A material's price in some regions. Without a stated target cover, the reference price
    stands for the median cover of the second half of the warm-up."""

    def __init__(self, core: Core, mid: str, spec: MarketSpec, regions: set[str], stocks: list[Stock],
                 weights: list[float] | None = None):
        env, recorder = core.env, core.recorder
        settle_at = float(core.warmup)
        self.env = env
        self.id = mid
        self.spec = spec
        self.material = spec.material
        self.regions = regions
        self.stocks = stocks
        self.weights = weights or [1.0] * len(stocks)  # t of this material per t held (also_counts)
        self.reference = spec.price_usd_per_kg
        self.price = spec.price_usd_per_kg
        self.target = spec.target_cover_days  # None: taken from the market itself at ``settle_at``
        self.settle_at = settle_at
        self._seen: list[float] = []  # covers seen while settling
        self.cover_days = spec.target_cover_days or 0.0
        self.rate: float | None = None
        self._held: float | None = None
        self.peak = self.price
        self._wanted = self._wanted_total()
        self._totals = [st.wanted.total for st in stocks]
        self._paces: list[float] | None = None  # what is wanted of each stock, t/day (stranded stock)
        # stock with end-use buyers beside it is sold at home: a pile there is a glut, not stranded
        self._home = [st.sells_at_home() for st in stocks]
        self._last = env.now
        self._expect: list[float] | None = None  # traders' cover multiple per stock (anticipation)
        self.inputs: list[tuple[Market, float]] = []  # input markets and t per t, for the cost floor
        self.conversion = 0.0
        self._sid_price = recorder.series(mid, spec.material, "price_usd_per_kg", level=True, initial=self.price)
        self._sid_cover = recorder.series(mid, spec.material, "cover_days", level=True, initial=0.0)
        self._sid_stranded = recorder.series(mid, spec.material, "stranded_t", level=True, initial=0.0) \
            if spec.stranded_after_days is not None and spec.pricing == "scarcity" else -1
        self.recorder = recorder

    def start(self) -> None:
        """Set a price every ``update_days`` from the first; called once the world is wired."""
        self.env.begin(lambda _ev: self.env.call_later(self.spec.update_days, self._tick))

    def link_inputs(self, inputs: list[tuple[Market, float]]) -> None:
        """The markets of the inputs this product is made from; the conversion cost is stated, or
        the reference price less the inputs at their reference prices."""
        self.inputs = inputs
        content = sum(m.reference * coef for m, coef in inputs)
        stated = self.spec.conversion_usd_per_kg
        self.conversion = stated if stated is not None else max(self.reference - content, 0.0)

    def cost_floor(self) -> float | None:
        """The inputs' current cost plus conversion, USD/kg (None without inputs)."""
        if not self.inputs:
            return None
        return sum(m.price * coef for m, coef in self.inputs) + self.conversion

    def held(self) -> float:
        """Tonnes on hand for buyers: stock less the backorders waiting for it; from the start date,
        each stock up to ``stranded_after_days`` of what is wanted of it (beyond that it is
        stranded: no lane or buyer takes it, and it sets no price). In the warm-up every tonne
        counts, so the reference cover is what it was."""
        days = self.spec.stranded_after_days
        if days is None or self._paces is None or self.env.now < self.settle_at:
            return sum(w * (st.level - st.backordered) for st, w in zip(self.stocks, self.weights, strict=True))
        return sum(w * ((st.level if home else min(st.level, days * pace)) - st.backordered)
                   for st, w, pace, home in zip(self.stocks, self.weights, self._paces, self._home, strict=True))

    def stranded(self) -> float:
        """Tonnes held in this market's stocks beyond ``stranded_after_days`` of what is wanted of
        them, where no end-use buyer stands by the stock (a glut where buyers are is a glut)."""
        days = self.spec.stranded_after_days
        if days is None or self._paces is None:
            return 0.0
        return sum(w * max(st.level - days * pace, 0.0)
                   for st, w, pace, home in zip(self.stocks, self.weights, self._paces, self._home, strict=True) if not home)

    def expect(self, multiples: list[float]) -> None:
        """The cover multiple traders hold for each stock's buyers while a control is known."""
        self._expect = multiples if any(m != 1.0 for m in multiples) else None

    def expectation(self) -> float:
        """The traders' cover multiple: each stock's, weighted by how fast it is wanted."""
        if self._expect is None:
            return 1.0
        paces = [w * st.wanted.rate for st, w in zip(self.stocks, self.weights, strict=True)]
        total = sum(paces)
        if total <= 0:
            return max(self._expect)
        return sum(p * m for p, m in zip(paces, self._expect, strict=True)) / total

    def _stock_paces(self, dt: float) -> None:
        """What is wanted of each stock, t/day, smoothed as the market's own pace is (the market keeps
        its own: reading the stocks' paces would move them for their other users)."""
        totals = [st.wanted.total for st in self.stocks]
        seen = [(now - before) / dt for now, before in zip(totals, self._totals, strict=True)]
        a = self.spec.smoothing
        self._paces = seen if self._paces is None else [a * x + (1 - a) * p for x, p in zip(seen, self._paces, strict=True)]
        self._totals = totals

    def _wanted_total(self) -> float:
        return sum(w * st.wanted.total for st, w in zip(self.stocks, self.weights, strict=True))

    def _tick(self, _ev: object) -> None:
        self.update()
        self.env.call_later(self.spec.update_days, self._tick)

    def update(self) -> None:
        spec, now = self.spec, self.env.now
        floor = self.cost_floor()
        if spec.pricing == "cost_plus" and floor is not None:
            self.price = floor
            self.peak = max(self.peak, self.price)
            self._record(now)
            return
        if not self.stocks:
            self._record(now)
            return  # nothing in reach: no signal, the price holds
        wanted = self._wanted_total()
        if self.spec.stranded_after_days is not None:
            self._stock_paces(max(now - self._last, 1e-9))
        observed = (wanted - self._wanted) / max(now - self._last, 1e-9)
        self._wanted, self._last = wanted, now
        a = spec.smoothing
        self.rate = observed if self.rate is None else a * observed + (1 - a) * self.rate
        # held stock is smoothed too: campaigns and shipments make it jump by whole batches
        self._held = self.held() if self._held is None else a * self.held() + (1 - a) * self._held
        held = self._held
        self.cover_days = max(held, 0.0) / self.rate if self.rate > 1e-12 else float("inf")
        if self.target is None:
            if 0 < self.cover_days < float("inf") and now >= self.settle_at / 2:
                self._seen.append(self.cover_days)
            if now + 1e-9 < self.settle_at or not self._seen:
                # still warming up: the reference price holds, unless its inputs already cost more
                self.price = self.reference if floor is None else max(self.reference, floor)
                self._record(now)
                return
            # the reference price means the cover typical of the second half of the warm-up
            self.target = float(sorted(self._seen)[len(self._seen) // 2])
        if self.cover_days == float("inf"):
            multiple = spec.min_multiple
        elif self.cover_days <= 0:
            multiple = spec.max_multiple
        else:
            multiple = (self.cover_days / (self.target * self.expectation())) ** (-1.0 / spec.elasticity)
            multiple = min(max(multiple, spec.min_multiple), spec.max_multiple)
        self.price = self.reference * multiple
        if floor is not None and floor > self.price:  # no one sells below what the inputs cost
            self.price = floor
        self.peak = max(self.peak, self.price)
        self._record(now)

    def _record(self, now: float) -> None:
        self.recorder.level(self._sid_price, now, self.price)
        self.recorder.level(self._sid_cover, now, min(self.cover_days, 1e6))
        if self._sid_stranded >= 0:
            self.recorder.level(self._sid_stranded, now, self.stranded())
