"""A sweep's discovery rule as its runs are read: which runs have the KPI above (or below) a
value, and how the rule reads in words. The sweep's summary and its page share it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


def plain(value: Any) -> str:
    """A value as a label: numbers in plain positional notation, never 1e-05."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return np.format_float_positional(float(value), precision=4, unique=False, fractional=False, trim="-")


@dataclass(frozen=True)
class Rule:
    """The discovery rule: runs where ``kpi`` is above (or below) ``value``."""

    kpi: str
    above: bool
    value: float

    def __str__(self) -> str:
        return f"{self.kpi} {'>' if self.above else '<'} {plain(self.value)}"

    def hits(self, runs: pd.DataFrame) -> pd.Series:
        """Whether each run (a row of the runs table, KPIs as ``k.<name>``) meets the rule."""
        column = runs[f"k.{self.kpi}"]
        return column > self.value if self.above else column < self.value


def rule_of(discovery: dict[str, Any] | None) -> Rule | None:
    """The rule of a sweep's ``discovery:`` (kpi, and above or below), or None without one."""
    if not discovery:
        return None
    above = discovery.get("above") is not None
    return Rule(str(discovery["kpi"]), above, float(discovery["above"] if above else discovery["below"]))
