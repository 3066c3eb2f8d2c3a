"""Colours shared by every figure and page: one fixed colour per region, so that a region looks the
same wherever it is drawn, and every two regions of the library look apart (a test holds each pair
at least 30 apart in CIELAB; China's red and Australia's yellow no longer share an orange)."""

from __future__ import annotations

from collections.abc import Iterable

REGION_COLOURS = {"china": "#CC3311", "usa": "#0077BB", "eu": "#009944", "japan": "#AA3377", "australia": "#EEBB33",
                  "malaysia": "#33CCEE", "myanmar": "#8C5A2B", "korea": "#F4A6C0", "vietnam": "#222255", "row": "#999999"}
SPARE_COLOURS = ("#FF7F0E", "#BBBB00", "#666666", "#17BECF", "#9467BD", "#000000")
UNKNOWN = "#BBBBBB"
"""A region no figure was told about (drawn light grey rather than failing)."""
DARK_REGIONS = frozenset({"china", "usa", "eu", "japan", "myanmar", "vietnam"})
"""Regions whose colour is dark enough to carry white text."""
EVENT_COLOUR = "#555555"
"""Dashed lines and labels of policy events."""
RESERVE = {"held": "#AAAAAA", "released": "#000000", "bought": "#FFFFFF"}
"""A reserve's tonnes held (filled), released and bought (bars; bought hatched): greys, never a region's colour."""
OTHER_MARKET = "#000000"
"""A market that borders do not split (neither ``_china`` nor ``_world``)."""


def region_colours(regions: Iterable[str]) -> dict[str, str]:
    """The same colour for a region in every figure; unknown regions take the spare colours in
    alphabetical order."""
    out, k = {}, 0
    for region in sorted(regions):
        if region in REGION_COLOURS:
            out[region] = REGION_COLOURS[region]
        else:
            out[region] = SPARE_COLOURS[k % len(SPARE_COLOURS)]
            k += 1
    return out


def market_colour(market: str) -> str:
    """A market's line: the Chinese market in China's colour, the outside market in the USA's."""
    if market.endswith("_china"):
        return REGION_COLOURS["china"]
    if market.endswith("_world"):
        return REGION_COLOURS["usa"]
    return OTHER_MARKET
