"""The books of each rare-earth element over a run: the material books (``balance.csv``) weighed
by what each material holds of the element (``sim.scenario.content``).

For every element: what was there at the start and mined (``in``) equals what was delivered to
buyers, lost (yields, tailings, spoilage), given up in processing and held at the end (in stock
or in transit). ``processing`` is the element the plants' recipes consumed less what they made:
positive where a recipe's outputs hold less of it than its inputs (Eu left out of Gd metal, Dy in
swarf no recycler recovers), negative where they hold more, which only lumps can cause: a lump's
content is the mix its makers would make at capacity, not the mix they made in the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..scenario.content import material_content

if TYPE_CHECKING:
    from ..scenario.schema import Scenario

FLOWS = ("in", "delivered", "lost", "processing", "held")


def element_balance(scenario: Scenario, balance: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Element -> {in, delivered, lost, processing, held} in tonnes of the element."""
    held = material_content(scenario)
    mined = {m for f in scenario.facilities.values() if not f.recipe.inputs for m in f.recipe.outputs}
    out: dict[str, dict[str, float]] = {}
    cols = balance.reindex(columns=["initial", "produced", "consumed", "delivered", "lost", "in_stock", "in_transit"], fill_value=0.0)
    for material, row in cols.iterrows():
        for el, c in held.get(str(material), {}).items():
            if not c:
                continue
            books = out.setdefault(el, dict.fromkeys(FLOWS, 0.0))
            made = row["produced"] * c
            books["in"] += row["initial"] * c + (made if material in mined else 0.0)
            books["processing"] += row["consumed"] * c - (0.0 if material in mined else made)
            books["delivered"] += row["delivered"] * c
            books["lost"] += row["lost"] * c
            books["held"] += (row["in_stock"] + row["in_transit"]) * c
    return {el: {k: float(v) for k, v in books.items()} for el, books in sorted(out.items())}
