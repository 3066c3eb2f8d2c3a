"""The ranges numbers in a scenario may take, as named types.

Every number is finite (the models refuse NaN and infinities) and within a range that keeps a
run meaningful and bounded in time and memory: nothing lasts longer than a century, nothing
repeats more often than a quarter of an hour, no flow exceeds a billion tonnes a day. Errors
state the range; ``docs/reference.md`` lists it for every key.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_DAYS = 36_500
"""A century: the longest span (horizon, warm-up, build time, cover) a scenario may state."""
MIN_STEP_DAYS = 0.01
"""About a quarter of an hour: the shortest step that repeats (a campaign, a review, a sailing);
shorter ones would only multiply events."""
MAX_T_PER_DAY = 1e9
"""A billion tonnes a day: far above any rare-earth flow, still finite in every sum."""
MAX_T = 1e12
"""A trillion tonnes: the largest stock or yearly quantity."""
MAX_USD_PER_KG = 1e7
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2200, 12, 31)
"""Dates a scenario may use (calendars and figures beyond these are not supported)."""

Days = Annotated[float, Field(ge=0, le=MAX_DAYS)]
PositiveDays = Annotated[float, Field(gt=0, le=MAX_DAYS)]
Step = Annotated[float, Field(ge=MIN_STEP_DAYS, le=MAX_DAYS)]
Rate = Annotated[float, Field(ge=0, le=MAX_T_PER_DAY)]
PositiveRate = Annotated[float, Field(gt=0, le=MAX_T_PER_DAY)]
Tonnes = Annotated[float, Field(ge=0, le=MAX_T)]
PositiveTonnes = Annotated[float, Field(gt=0, le=MAX_T)]
Price = Annotated[float, Field(gt=0, le=MAX_USD_PER_KG)]
MAX_RATIO = 1e6
Ratio = Annotated[float, Field(gt=0, le=MAX_RATIO)]
"""Tonnes per unit of activity in a recipe: a million to one at most, so flows stay finite."""
Percent = Annotated[float, Field(ge=0, le=100)]
Fraction = Annotated[float, Field(ge=0, le=1)]
"""A share of a whole, 0 to 1."""
Threshold = Annotated[float, Field(ge=-MAX_T, le=MAX_T)]
"""A condition's bound (a price, a cover, a stock, a share): finite."""
Cost = Annotated[float, Field(ge=0, le=MAX_USD_PER_KG * 1000)]
"""USD per tonne."""


def _in_span(d: dt.date) -> dt.date:
    if not FIRST_DATE <= d <= LAST_DATE:
        raise ValueError(f"expected a date from {FIRST_DATE} to {LAST_DATE}")
    return d


Date = Annotated[dt.date, AfterValidator(_in_span)]
