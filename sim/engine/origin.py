"""Chinese content followed abroad (issue 21, item 3; China's announcement No. 61).

Only when a scenario has a rule that needs it (an export control with
``min_china_content_value_share``), each stock of a material holding a traced element carries the
share of that element's content that came from China:

- anything made in China, or held there at the start, is all Chinese;
- a plant elsewhere makes its outputs with its inputs' shares, weighted by the tonnes of the
  element each input brings (a Japanese magnet made half from Chinese and half from Australian
  Dy carries half Chinese Dy);
- a stock mixes what arrives by mass, and a lane carries the share its goods left with.

Opening stocks outside China hold no Chinese content (ASSUMPTION china_content_opening). Without
such a rule nothing is traced and nothing costs more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..scenario.content import material_content

if TYPE_CHECKING:
    from .facility import Facility
    from .world import World

Origin = dict[str, float]
"""Element -> share of its content from China (0 to 1)."""


def traced_elements(world: World) -> set[str]:
    """The elements some rule follows abroad."""
    out: set[str] = set()
    for pol in world.scenario.policies.values():
        if getattr(pol, "min_china_content_value_share", None) is not None and pol.enabled:
            out |= set(getattr(pol, "elements", ()))
    return out


def trace_origins(world: World) -> None:
    """Give every stock, plant and lane of a traced material its origin bookkeeping."""
    elements = traced_elements(world)
    if not elements:
        return
    content = material_content(world.scenario)
    held = {m: sorted(el for el, c in c_m.items() if el in elements and (c or 0.0) > 0) for m, c_m in content.items()}
    traced = {m for m, els in held.items() if els}
    for (site, material), stock in world.stocks.items():
        if material in traced:
            chinese = 1.0 if world.region_of[site] == "china" else 0.0
            stock.origin = dict.fromkeys(held[material], chinese)
    for fid, fac in world.facilities.items():
        outs = [f for f in fac.outputs if f.stock.material in traced]
        if not outs:
            continue
        if world.region_of[world.facility_specs[fid].site] == "china":
            fac.origin_of = _chinese(sorted({el for f in outs for el in held[f.stock.material]}))
        else:
            weights = [(f.stock, f.t_per_activity, {el: c or 0.0 for el, c in content.get(f.stock.material, {}).items()})
                       for f in fac.inputs]
            fac.origin_of = _mixed(weights, sorted({el for f in outs for el in held[f.stock.material]}))
    for link in world.links.values():
        link.traced = {m for m in link.origins if m in traced}


def _chinese(elements: list[str]):
    ones = dict.fromkeys(elements, 1.0)

    def origin(_fac: Facility) -> Origin:
        return ones

    return origin


def _mixed(inputs, elements: list[str]):
    """Outputs' shares from the inputs': each element weighted by the tonnes of it each input brings."""

    def origin(_fac: Facility) -> Origin:
        out: Origin = {}
        for el in elements:
            brought = chinese = 0.0
            for stock, t, content in inputs:
                amount = t * content.get(el, 0.0)
                if amount <= 0:
                    continue
                brought += amount
                if stock.origin is not None:
                    chinese += amount * stock.origin.get(el, 0.0)
            out[el] = chinese / brought if brought > 0 else 0.0
        return out

    return origin
