"""What buyers and traders expect: the cover multiple they hold while a control they know of is
announced or in force (``buyers.anticipation``).

A control covers some materials in some regions. Buyers there who order to a cover raise their
target by the multiple (and so order forward at their next review); a market's traders raise the
cover at which its price is the reference by the multiple, weighted by the share of the market's
pace that is in covered regions. Several controls over one buyer do not compound: the largest
multiple holds.
"""

from __future__ import annotations

from .market import Market
from .replenishment import Replenisher


class Expectations:
    """The controls buyers and traders know of, and the cover multiples they hold because of them."""

    def __init__(self, replenishers: list[tuple[Replenisher, str]], markets: list[tuple[Market, list[str]]]):
        self._replenishers = replenishers  # with the region of each stock
        self._markets = markets  # with the region of each stock the market counts
        self._known: dict[str, tuple[set[str], set[str], float]] = {}

    def announce(self, key: str, regions: set[str], materials: set[str], multiple: float) -> None:
        """A control ``key`` over ``materials`` bought in ``regions`` is known from now."""
        self._known[key] = (regions, materials, multiple)
        self._apply(materials)

    def withdraw(self, key: str) -> None:
        """The control has ended: buyers go back to their own cover."""
        known = self._known.pop(key, None)
        if known is not None:
            self._apply(known[1])

    def multiple(self, region: str, material: str) -> float:
        """The largest multiple any known control gives buyers of ``material`` in ``region``."""
        return max((m for regions, materials, m in self._known.values() if region in regions and material in materials),
                   default=1.0)

    def _apply(self, materials: set[str]) -> None:
        for rep, region in self._replenishers:
            if rep.stock.material in materials:
                rep.expect(self.multiple(region, rep.stock.material))
        for market, regions in self._markets:
            counted = {st.material for st in market.stocks}
            if counted & materials:
                market.expect([self.multiple(r, st.material) for st, r in zip(market.stocks, regions, strict=True)])
