"""How buyers at one stock share it when it is short, as strategies chosen by ``allocation.rule``:
pro rata to what each wants, or end uses in priority order (pro rata within a rank)."""

from __future__ import annotations

from collections.abc import Sequence


class Allocation:
    """Splits what is available among wants; wants are met in full when there is enough."""

    def allocate(self, wants: Sequence[float], end_uses: Sequence[str], available: float) -> list[float]:
        if sum(wants) <= available:
            return list(wants)
        return self._share(wants, self.ranks(end_uses), available)

    def ranks(self, end_uses: Sequence[str]) -> list[int]:
        return [0] * len(end_uses)

    @staticmethod
    def _share(wants: Sequence[float], ranks: list[int], available: float) -> list[float]:
        gets = [0.0] * len(wants)
        left = available
        for rank in sorted(set(ranks)):
            idx = [i for i, r in enumerate(ranks) if r == rank]
            need = sum(wants[i] for i in idx)
            share = 1.0 if need <= left else (left / need if need > 0 else 0.0)
            for i in idx:
                gets[i] = wants[i] * share
            left -= need * share
            if left <= 0:
                break
        return gets


class ProRata(Allocation):
    """Everyone gets the same share of what they want."""


class Priority(Allocation):
    """End uses in the priority list first, in order; the rest after; pro rata within a rank."""

    def __init__(self, priority: Sequence[str] = ()):
        self.order = {use: i for i, use in enumerate(priority)}

    def ranks(self, end_uses: Sequence[str]) -> list[int]:
        return [self.order.get(use, len(self.order)) for use in end_uses]


ALLOCATIONS: dict[str, type[Allocation]] = {"pro_rata": ProRata, "priority": Priority}
"""Allocation strategies by ``allocation.rule``."""


def allocation(rule: str, priority: Sequence[str] = ()) -> Allocation:
    cls = ALLOCATIONS[rule]
    return cls(priority) if cls is Priority else cls()
