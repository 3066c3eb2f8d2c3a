"""What each material holds of each rare-earth element, in tonnes of the element a tonne (issue 21).

A material states it (``content``), or it is worked out from the scenario, first rule that applies:

- a concentrate of an ore body (``ore_body``) no plant makes from inputs: its ore body's shares
  of the total rare-earth oxide, each element as its usual oxide;
- a separation product: its elements as their oxides, in the proportions its separators make
  them (each separator weighted by its capacity and its feed's ore body);
- a single element's oxide no separator makes: the oxide's formula;
- anything plants make by a recipe: the element tonnes of the inputs over the tonnes of the
  outputs that hold that element, mixed over the plants that make it by the tonnes a day each
  makes at capacity; so an alloy of 0.28 t NdPr metal, 0.022 t Dy and 0.0046 t Tb holds 0.022 t
  Dy a tonne, its magnets hold what their alloy holds, an SEG split gives its Gd to the Gd oxide
  alone, and swarf from both NdFeB grades holds the mix of the two.

An element a material lists without any of these is held in an unknown amount (``None``): a
control naming it covers the material only when the control sets no threshold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema import Scenario

# Standard atomic weights (IUPAC 2021, abridged) and each element's usual oxide: t of the element
# a tonne of the oxide, the basis of "t REO" throughout.
_ATOMIC = {"La": 138.905, "Ce": 140.116, "Pr": 140.908, "Nd": 144.242, "Sm": 150.36, "Eu": 151.964, "Gd": 157.25,
           "Tb": 158.925, "Dy": 162.500, "Ho": 164.930, "Er": 167.259, "Tm": 168.934, "Yb": 173.045, "Lu": 174.967,
           "Y": 88.906, "Sc": 44.956, "Pm": 145.0}  # Pm: its longest-lived isotope
_OXIDE = {"Ce": (1, 2), "Pr": (6, 11), "Tb": (4, 7)}  # (metal atoms, oxygen atoms); the rest are M2O3
_O = 15.999


def element_in_oxide(element: str) -> float:
    """Tonnes of the element in a tonne of its usual oxide (Dy2O3: 0.871)."""
    m, o = _OXIDE.get(element, (2, 3))
    metal = m * _ATOMIC[element]
    return metal / (metal + o * _O)


Content = dict[str, "float | None"]


def material_content(sc: Scenario) -> dict[str, Content]:
    """Each material's content, element -> t a tonne (``None``: held, amount unknown)."""
    mats = sc.materials
    out: dict[str, Content] = {}
    for mid, mat in mats.items():
        if mat.content:
            out[mid] = dict(mat.content)
    made_by_recipe = _recipe_outputs(sc)
    for mid, mat in mats.items():
        if mid in out or mat.ore_body is None or mid in made_by_recipe or mat.ore_body not in sc.ore_bodies:
            continue
        shares = sc.ore_bodies[mat.ore_body].shares_pct
        total = sum(shares.values())
        out[mid] = {el: pct / total * element_in_oxide(el) for el, pct in shares.items() if pct > 0}
    for mid, weights in _separation_mix(sc).items():
        if mid in out:
            continue
        total = sum(weights.values())
        out[mid] = {el: w / total * element_in_oxide(el) for el, w in weights.items()} if total > 0 else {}
    for mid, mat in mats.items():
        if mid not in out and len(mat.elements) == 1 and mat.stage == "separation":
            out[mid] = {mat.elements[0]: element_in_oxide(mat.elements[0])}
    _through_recipes(sc, out)
    for mid, mat in mats.items():
        got = out.setdefault(mid, {})
        for el in mat.elements:
            got.setdefault(el, None)
    return out


def covers(content: Content, elements: set[str], min_share: float) -> bool:
    """Whether a material holds any of ``elements`` at ``min_share`` (t a tonne) or more; an
    unknown amount counts only when there is no threshold."""
    for el in elements & set(content):
        held = content[el]
        if held is None:
            if min_share <= 0:
                return True
        elif held > 0 and held >= min_share:
            return True
    return False


def _recipe_outputs(sc: Scenario) -> set[str]:
    """Materials some plant makes from inputs (a mine's output is its ore body's, not a recipe's)."""
    return {m for f in sc.facilities.values() if f.recipe.inputs and not f.recipe.products for m in f.recipe.outputs}


def _separation_mix(sc: Scenario) -> dict[str, dict[str, float]]:
    """For each separation product: its elements' weights across the scenario's separators
    (capacity a day times the feed's ore-body share), so a lump holds them in the mix it is made in."""
    mix: dict[str, dict[str, float]] = {}
    for f in sc.facilities.values():
        recipe = f.recipe
        if not recipe.products:
            continue
        feed = next(iter(recipe.inputs))
        body = sc.materials[feed].ore_body if feed in sc.materials else None
        if body is None or body not in sc.ore_bodies:
            continue
        shares = sc.ore_bodies[body].shares_pct
        size = f.capacity.per_day()
        for p in recipe.products:
            for el in sc.materials[p].elements:
                if shares.get(el, 0.0) > 0:
                    mix.setdefault(p, {}).setdefault(el, 0.0)
                    mix[p][el] += size * shares[el]
    return mix


def _through_recipes(sc: Scenario, out: dict[str, Content]) -> None:
    """Materials made by plants' recipes, from their inputs' content, until nothing more is learnt.
    A material several plants make holds the mix of what they make, each weighted by the tonnes
    a day it makes at capacity (swarf from both NdFeB grades holds half the Dy of the Dy-bearing
    grade's), once every maker's inputs are known (or, in a loop, those that are)."""
    plants = [f for f in sc.facilities.values() if not f.recipe.products and f.recipe.inputs]
    makers: dict[str, list] = {}
    for f in plants:
        for m in f.recipe.outputs:
            makers.setdefault(m, []).append(f)
    known = lambda m: m in out and all(v is not None for v in out[m].values())  # noqa: E731
    strict = True
    while True:
        learnt = False
        for m, fs in makers.items():
            if m in out:
                continue
            ready = [f for f in fs if all(known(i) for i in f.recipe.inputs)]
            if not ready or (strict and len(ready) < len(fs)):
                continue
            mix: dict[str, float] = {}
            weight = 0.0
            for f in ready:
                made, w = _made_by(sc, f, m, out)
                weight += w
                for el, c in made.items():
                    mix[el] = mix.get(el, 0.0) + w * c
            out[m] = {el: c / weight for el, c in mix.items()} if weight > 0 else {}
            learnt = True
        if not learnt:
            if not strict:
                return
            strict = False  # a loop (magnets made from swarf): settle with the makers that are known


def _made_by(sc: Scenario, f, m: str, out: dict[str, Content]) -> tuple[dict[str, float], float]:
    """What one plant's output ``m`` holds, and the tonnes a day of it the plant makes at capacity."""
    recipe = f.recipe
    held: dict[str, float] = {}
    for i, t in recipe.inputs.items():
        for el, c in out[i].items():
            held[el] = held.get(el, 0.0) + t * (c or 0.0)
    # each element goes to the outputs that hold it (all of them when an output lists none), in
    # proportion to their tonnes: a magnet and its swarf share the alloy's; an SEG split gives its
    # Gd to the Gd oxide alone
    lists = {o: set(sc.materials[o].elements) if o in sc.materials else set() for o in recipe.outputs}
    takers = {el: sum(t for o, t in recipe.outputs.items() if not lists[o] or el in lists[o]) for el in held}
    own = lists[m]
    got = {el: c / takers[el] for el, c in held.items() if (not own or el in own) and takers[el] > 0}
    total = sum(got.values())
    # a recipe's rounded ratios (1.148 t Dy2O3 a t of Dy) must not make more than a tonne a tonne
    if total > 1:
        got = {el: c / total for el, c in got.items()}
    basis = recipe.inputs[next(iter(recipe.inputs))] if f.capacity.basis == "input" else recipe.outputs[next(iter(recipe.outputs))]
    per_day = f.capacity.per_day() / basis * recipe.outputs[m] if basis > 0 else 0.0
    return got, per_day


def value_weights(sc: Scenario, elements: set[str]) -> dict[str, dict[str, float]]:
    """For each material holding any of ``elements``: each one's share of the material's value per
    unit of Chinese share (content x the element's value / the material's value), at reference
    prices. An element's value is that of the first market of a material holding it alone (Dy
    oxide at 235 USD/kg holds 0.871 kg of Dy: 270 USD/kg of Dy); a material with no market of its
    own is valued by mass (the share is its content)."""
    held = material_content(sc)
    price: dict[str, float] = {}
    for market in sc.markets.values():
        price.setdefault(market.material, market.price_usd_per_kg)
    per_element: dict[str, float] = {}
    for m, p in price.items():
        known = {el: c for el, c in held.get(m, {}).items() if c}
        if len(known) == 1:
            (el, c), = known.items()
            per_element.setdefault(el, p / c)
    out: dict[str, dict[str, float]] = {}
    for m, content in held.items():
        weights = {}
        for el in elements & set(content):
            c = content[el] or 0.0
            if c <= 0:
                continue
            if m in price and el in per_element:
                weights[el] = c * per_element[el] / price[m]
            else:
                weights[el] = c
        if weights:
            out[m] = weights
    return out
