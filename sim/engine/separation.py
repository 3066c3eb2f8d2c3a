"""Co-product separation: a tonne of feed splits into element products in the ratios of its ore body.

Making more NdPr from Bayan Obo ore also makes about three tonnes of La and Ce
for each tonne of NdPr, which must find a buyer or pile up.
"""

from __future__ import annotations

from ..scenario.schema import Material, OreBody


def product_split(ore_body: OreBody, products: tuple[str, ...], materials: dict[str, Material]) -> dict[str, float]:
    """Tonnes of each product per tonne of REO fed (before yield); sums to 1."""
    total = sum(ore_body.shares_pct.values())
    split = {}
    for pid in products:
        elements = materials[pid].elements
        split[pid] = sum(ore_body.shares_pct.get(el, 0.0) for el in elements) / total
    return split
