"""Mass accounting per material, and the end-of-run balance check."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

TERMS = ("initial", "produced", "consumed", "delivered", "lost", "in_stock", "in_transit")


class MassBalanceError(RuntimeError):
    """A run whose books do not close: a model defect, never a user error."""


@dataclass
class Ledger:
    """Running totals in tonnes per material.

    Balance: initial + produced = consumed + delivered + lost + in_stock + in_transit,
    where ``consumed`` is input that became product and ``lost`` is yield loss.
    """

    initial: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    produced: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    consumed: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    delivered: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lost: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    in_transit: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def table(self, in_stock: dict[str, float]) -> dict[str, dict[str, float]]:
        materials = sorted(set(self.initial) | set(self.produced) | set(in_stock) | set(self.delivered))
        return {
            m: {
                "initial": self.initial.get(m, 0.0),
                "produced": self.produced.get(m, 0.0),
                "consumed": self.consumed.get(m, 0.0),
                "delivered": self.delivered.get(m, 0.0),
                "lost": self.lost.get(m, 0.0),
                "in_stock": in_stock.get(m, 0.0),
                "in_transit": self.in_transit.get(m, 0.0),
            }
            for m in materials
        }

    def check(self, in_stock: dict[str, float], rel_tol: float = 1e-9) -> dict[str, dict[str, float]]:
        """Return the balance table; raise MassBalanceError if any material does not close."""
        table = self.table(in_stock)
        bad = []
        for m, row in table.items():
            lhs = math.fsum((row["initial"], row["produced"]))
            rhs = math.fsum((row["consumed"], row["delivered"], row["lost"], row["in_stock"], row["in_transit"]))
            if not math.isfinite(lhs - rhs) or abs(lhs - rhs) > rel_tol * max(abs(lhs), abs(rhs), 1.0):
                bad.append(f"{m}: in {lhs:.12g} t, out {rhs:.12g} t (gap {lhs - rhs:.3g} t)")
        if bad:
            raise MassBalanceError("mass balance does not close: " + "; ".join(bad))
        return table
