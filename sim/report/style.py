"""Colours shared by every figure and page: one fixed, colour-blind-safe colour per region
(Okabe-Ito palette), so that a region looks the same wherever it is drawn."""

from __future__ import annotations

from collections.abc import Iterable

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#999999")
REGION_COLOURS = {"china": "#D55E00", "usa": "#0072B2", "eu": "#009E73", "japan": "#CC79A7", "australia": "#E69F00",
                  "malaysia": "#56B4E9", "myanmar": "#999999", "korea": "#F0E442", "vietnam": "#000000"}
SPARE_COLOURS = tuple(c for c in OKABE_ITO if c not in REGION_COLOURS.values()) + ("#777777", "#BBBBBB", "#444444")
UNKNOWN = "#999999"
"""A region no figure was told about (drawn grey rather than failing)."""
DARK_REGIONS = frozenset({"china", "usa", "vietnam"})
"""Regions whose colour is dark enough to carry white text."""
EVENT_COLOUR = "#555555"
"""Dashed lines and labels of policy events."""
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
