"""How the lab writes numbers.

One formatter for every number the page prints (cards, changes, challenge messages, refusals,
status): significant figures, thousands separators, a unit, and floating-point noise shown as 0.
"""

from __future__ import annotations

import math

SIGNIFICANT = 3
"""Significant figures shown; values of 10^SIGNIFICANT and more are shown whole."""
NOISE = 1e-9
"""A value smaller than this share of its scale (the magnitude it was computed from) is shown as 0."""
PERCENT = "share"
"""The unit of a share (0 to 1), shown in percent."""


def format_value(value: float | None, unit: str = "", *, sign: bool = False, scale: float | None = None,
                 typed: bool = False, significant: int = SIGNIFICANT) -> str:
    """A number as the lab shows it: '4,380 t', '22.2 USD/kg', '98.3%', '0.251'; '-' for none.
    ``scale`` is the magnitude the value came from (a difference's operands): what is smaller
    than `NOISE` of it is 0. ``sign`` writes '+' before a positive value (a change); ``typed``
    drops trailing zeros, for a value a person set ('1 to 80', not '1.00 to 80.0'); ``significant``
    figures where 3 would not tell a value from the mark it is set against."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    percent = unit == PERCENT
    if percent:
        value, scale = 100 * value, None if scale is None else 100 * scale
    if abs(value) < NOISE * max(abs(scale or 0.0), 1.0):
        value = 0.0
    text = _digits(value, significant)
    if typed and "." in text:
        text = text.rstrip("0").rstrip(".")
    if sign and value > 0:
        text = "+" + text
    if percent:
        return text + "%"
    return f"{text} {unit}" if unit else text


def format_change(value: float | None, unit: str = "", *, scale: float | None = None) -> str:
    """A change as the lab shows it: signed, a share's in percentage points ('+36.0 points')."""
    if unit == PERCENT:
        return format_value(None if value is None else 100 * value, "points", sign=True,
                            scale=None if scale is None else 100 * scale)
    return format_value(value, unit, sign=True, scale=scale)


def _digits(value: float, significant: int = SIGNIFICANT) -> str:
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    whole = 10.0 ** (significant - 1)
    if abs(value) >= whole:
        return f"{value:,.0f}"
    rounded = float(f"{value:.{significant}g}")  # 99.96 -> 100, not 100.0
    if abs(rounded) >= whole:
        return f"{rounded:,.0f}"
    return f"{rounded:,.{significant - 1 - math.floor(math.log10(abs(rounded)))}f}"


def decimals(step: float) -> int:
    """Decimal places a value on a slider of this step needs."""
    for places in range(8):
        if abs(step * 10**places - round(step * 10**places)) < 1e-9:
            return places
    return 8


UNITS = (("_t_per_day", "t/day"), ("_t_per_year", "t/year"), ("_usd_per_kg", "USD/kg"), ("_days", "days"),
         ("_pct", "%"), ("_t", "t"), ("_musd", "MUSD"))
"""Units spelt at the end of a setting's or a series' name."""


def unit_of(name: str) -> str:
    """The unit a name ends in ('cover_days' -> 'days'), or ''."""
    return next((unit for ending, unit in UNITS if name.endswith(ending)), "")
