"""What buyers and traders expect: the cover multiple they hold while a control they know of is
announced or in force (``buyers.anticipation``).

A control covers some materials in some regions. Buyers there who order to a cover raise their
target by the multiple (and so order forward at their next review); a market's traders raise the
cover at which its price is the reference by the multiple, weighted by the share of the market's
pace that is in covered regions. A control on goods leaving one region (No. 61 on Japan's
exports) reaches only the buyers who import the materials from there (``sources``). Several
controls over one buyer do not compound: the largest multiple holds.
"""

from __future__ import annotations

from .market import Market
from .replenishment import Replenisher


class Expectations:
    """The controls buyers and traders know of, and the cover multiples they hold because of them."""

    def __init__(self, replenishers: list[tuple[Replenisher, str, frozenset[str]]],
                 markets: list[tuple[Market, list[tuple[str, frozenset[str]]]]]):
        self._replenishers = replenishers  # with the region of each stock and the regions it orders from
        self._markets = markets  # with the region of each stock the market counts and the regions it orders from
        self._known: dict[str, tuple[set[str], set[str], float, set[str] | None]] = {}

    def announce(self, key: str, regions: set[str], materials: set[str], multiple: float,
                 sources: set[str] | None = None) -> None:
        """A control ``key`` over ``materials`` bought in ``regions`` (from ``sources``, when
        given) is known from now."""
        self._known[key] = (regions, materials, multiple, sources)
        self._apply(materials)

    def withdraw(self, key: str) -> None:
        """The control has ended: buyers go back to their own cover."""
        known = self._known.pop(key, None)
        if known is not None:
            self._apply(known[1])

    def multiple(self, region: str, material: str, origins: frozenset[str] = frozenset()) -> float:
        """The largest multiple any known control gives buyers of ``material`` in ``region`` who
        order from ``origins``."""
        return max((m for regions, materials, m, sources in self._known.values()
                    if region in regions and material in materials and (sources is None or origins & sources)),
                   default=1.0)

    def _apply(self, materials: set[str]) -> None:
        for rep, region, origins in self._replenishers:
            if rep.stock.material in materials:
                rep.expect(self.multiple(region, rep.stock.material, origins))
        for market, where in self._markets:
            counted = {st.material for st in market.stocks}
            if counted & materials:
                market.expect([self.multiple(r, st.material, o) for st, (r, o) in zip(market.stocks, where, strict=True)])
