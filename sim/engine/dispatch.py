"""How a lane decides what to ship, as strategies chosen by the link's ``mode``:

- ``push``: a share of every arrival at the origin, reserved there for the lane; a lane that is
  not open (its destination full, a border rule stopping it, its capacity behind) gives its share
  to the origin's open push lanes;
- ``pull``: what the destination ordered (orders wait for material; when the origin is short they
  share it with home users, pro rata or after them, as ``buyers.home_and_export`` says);
- ``surplus``: whatever the origin holds above ``keep_t``.

Each strategy says how much is wanted, takes it from the origin, and what happens when a
licence is refused (the goods come back) or the shipment arrives.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from .stock import Stock

if TYPE_CHECKING:
    from .link import Link


class Dispatch:
    """The base strategy: ship what the origin holds freely (subclasses narrow it)."""

    def attach(self, link: Link, origin: Stock) -> None:
        """Register the lane with its origin stock, to be woken when material arrives."""
        origin.listen(link)

    def wanted(self, link: Link, material: str, origin: Stock) -> float:
        raise NotImplementedError

    def take(self, link: Link, material: str, origin: Stock, amount: float) -> float:
        """Take up to ``amount`` from the origin for a shipment; returns what was taken (and counts
        it as wanted there)."""
        got = origin.take(amount)
        origin.want(got)
        return got

    def refused(self, link: Link, material: str, origin: Stock, amount: float) -> None:
        """A licence was refused: the goods go back to the exporter."""
        origin.give_back(amount)

    def arrived(self, link: Link, material: str, dest: Stock, amount: float) -> None:
        """A shipment reached the destination (already put there)."""


class Push(Dispatch):
    def attach(self, link: Link, origin: Stock) -> None:
        gate = partial(link.open_for, origin.material) if link.full_days is not None else None
        origin.reserve_share(link, link.share[origin.material], gate)

    def wanted(self, link: Link, material: str, origin: Stock) -> float:
        return origin.reserved_for(link)

    def take(self, link: Link, material: str, origin: Stock, amount: float) -> float:
        amount = min(amount, origin.reserved_for(link))
        origin.ship_reserved(link, amount)
        return amount

    def refused(self, link: Link, material: str, origin: Stock, amount: float) -> None:
        origin.return_reserved(link, amount)


class Pull(Dispatch):
    def attach(self, link: Link, origin: Stock) -> None:
        origin.listen(link)
        origin.ship_for(partial(link.need, origin.material))

    def wanted(self, link: Link, material: str, origin: Stock) -> float:
        return origin.export_free(link.backlog[material], link.abroad)

    def take(self, link: Link, material: str, origin: Stock, amount: float) -> float:
        got = origin.take(amount)  # wanted there since the order came in
        link.add_backlog(material, -got)
        return got

    def refused(self, link: Link, material: str, origin: Stock, amount: float) -> None:
        origin.give_back(amount)
        link.add_backlog(material, amount)  # the order waits to be applied for again

    def arrived(self, link: Link, material: str, dest: Stock, amount: float) -> None:
        dest.on_order -= amount


class Surplus(Dispatch):
    def wanted(self, link: Link, material: str, origin: Stock) -> float:
        return max(origin.unclaimed() - link.keep_t, 0.0)


DISPATCH: dict[str, type[Dispatch]] = {"push": Push, "pull": Pull, "surplus": Surplus}
"""Dispatch strategies by the link's ``mode``."""
