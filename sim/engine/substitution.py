"""Substitution: buyers of a dear material move to another, at a bounded rate and within a reach.

Each review, for every buyer site and end use that buys both materials, the dearer material's
premium is its price against its reference over the other's price against its reference. Above
the stated premium, demand moves from the first to the second: at most ``rate_pct_per_year`` of
the pair's demand a year, and at most ``reach`` of what the end use bought of the first material
at the start. Redesigns stick: nothing moves back when the premium falls. Without a second
material (thrifting) the premium is the price against its reference, and the demand that moves
is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import simpy

from ..scenario.markets import Substitution as SubstitutionSpec
from .core import Core
from .demand import DemandSink

Price = Callable[[str, str], "tuple[float, float] | None"]
"""(material, region) -> (price, reference price) in that region, or None without a market."""


@dataclass
class Pair:
    """One site's and end use's demand for the two materials."""

    region: str
    dear: DemandSink
    other: DemandSink | None  # None: thrifting
    limit: float  # t/day of base demand that may move at most
    moved: float = 0.0  # t/day of base demand moved so far


class Substitution:
    """Moves demand between paired buyers while one material stays dear."""

    def __init__(self, core: Core, sid: str, spec: SubstitutionSpec, pairs: list[Pair], price: Price):
        self.env = core.env
        self.id = sid
        self.spec = spec
        self.pairs = pairs
        self.price = price
        self.recorder = core.recorder
        self._sid = {id(p): core.recorder.series(p.dear.id, spec.from_, "substituted_t_per_day", level=True, initial=0.0)
                     for p in pairs}
        self.process: simpy.Process | None = None

    def start(self) -> None:
        """Start the reviews; called once the world is wired."""
        if self.pairs:
            self.process = self.env.process(self._run())

    def premium(self, region: str) -> float | None:
        """How much dearer ``from`` is than ``to`` in a region, each against its reference (0.5 = 50%)."""
        a = self.price(self.spec.from_, region)
        if a is None:
            return None
        if self.spec.to is None:
            return a[0] / a[1] - 1.0
        b = self.price(self.spec.to, region)
        if b is None:
            return None
        return (a[0] / a[1]) / (b[0] / b[1]) - 1.0

    def _run(self):
        env, spec = self.env, self.spec
        step_share = spec.rate_pct_per_year / 100 * spec.review_days / 365.0
        while True:
            yield env.timeout(spec.review_days)
            for pair in self.pairs:
                premium = self.premium(pair.region)
                if premium is None or premium * 100 <= spec.premium_pct:
                    continue
                both = pair.dear.base + pair.moved + (pair.other.base - pair.moved if pair.other is not None else 0.0)
                step = min(step_share * both, pair.limit - pair.moved)
                if step <= 1e-12:
                    continue
                pair.dear.base -= step
                if pair.other is not None:
                    pair.other.base += step
                pair.moved += step
                self.recorder.level(self._sid[id(pair)], env.now, pair.moved)

    def moved(self) -> dict[str, float]:
        """t/day of base demand moved so far, by buyer of the dear material."""
        return {p.dear.id: p.moved for p in self.pairs}


def pair_buyers(spec: SubstitutionSpec, sinks: dict[str, DemandSink], site_of: dict[str, str],
                region_of: dict[str, str]) -> list[Pair]:
    """Pair each buyer of ``from`` with the buyer of ``to`` at the same site for the same end use
    (without ``to``, every buyer of ``from`` thrifts on its own)."""
    others = {(site_of[did], s.end_use): s for did, s in sinks.items() if s.stock.material == spec.to}
    pairs = []
    for did, sink in sinks.items():
        if sink.stock.material != spec.from_:
            continue
        other = others.get((site_of[did], sink.end_use))
        if other is not None or spec.to is None:
            pairs.append(Pair(region_of[site_of[did]], sink, other, limit=sink.base * spec.reach_for(sink.end_use)))
    return pairs
