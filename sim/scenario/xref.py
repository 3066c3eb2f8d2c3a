"""Cross-reference checks on raw scenario data: ids that must exist, feeds that must be separable,
demands that must be reachable. Written defensively so they run even when the schema check fails,
and every problem is reported in one go."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from .catalog import facility_kinds
from .errors import Issue, Mark, did_you_mean, format_path, mark_for
from .markets import BACKORDER_SHARE_BY_END_USE, SUBSTITUTION_REACH
from .xref_policies import check_policies
from .yamlio import Positions


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    """A list to walk; anything else (wrongly typed) is the schema's to report."""
    return list(value) if isinstance(value, list | tuple) else []


def check_references(data: dict, positions: Positions) -> list[Issue]:
    issues: list[Issue] = []

    def bad(loc: tuple, message: str) -> None:
        issues.append(Issue(mark_for(loc, positions, Mark("")), format_path(loc), message))

    regions = _d(data.get("regions"))
    sites = _d(data.get("sites"))
    materials = _d(data.get("materials"))
    ore_bodies = _d(data.get("ore_bodies"))

    def need(loc: tuple, value: Any, known: dict, what: str) -> bool:
        if not isinstance(value, str):
            return False
        if value not in known:
            bad(loc, f"unknown {what} '{value}'" + did_you_mean(value, known))
            return False
        return True

    focus = _d(data.get("meta")).get("focus_region")
    if focus is not None:
        need(("meta", "focus_region"), focus, regions, "region")
    for sid, site in sites.items():
        need(("sites", sid, "region"), _d(site).get("region"), regions, "region")
    for mid, mat in materials.items():
        ob = _d(mat).get("ore_body")
        if ob is not None:
            need(("materials", mid, "ore_body"), ob, ore_bodies, "ore body")

    # plants in facilities, and those a capacity-addition policy adds: checked alike
    plants = [(("facilities", fid), fac) for fid, fac in _d(data.get("facilities")).items()]
    plants += [(("policies", pid, "facility"), _d(pol).get("facility"))
               for pid, pol in _d(data.get("policies")).items() if isinstance(_d(pol).get("facility"), dict)]
    for at, fac in plants:
        fac = _d(fac)
        need(at + ("site",), fac.get("site"), sites, "site")
        recipe = _d(fac.get("recipe"))
        for part in ("inputs", "outputs"):
            for mid in _d(recipe.get(part)):
                need(at + ("recipe", part, mid), mid, materials, "material")
        products = _l(recipe.get("products"))
        if isinstance(products, list) and products:
            for i, mid in enumerate(products):
                need(at + ("recipe", "products", i), mid, materials, "material")
            _check_separation(at, recipe, materials, ore_bodies, bad)

    for lid, link in _d(data.get("links")).items():
        link = _d(link)
        ok_from = need(("links", lid, "from"), link.get("from"), sites, "site")
        ok_to = need(("links", lid, "to"), link.get("to"), sites, "site")
        if ok_from and ok_to and link.get("from") == link.get("to"):
            bad(("links", lid, "to"), "a link joins two different sites")
        for i, mid in enumerate(_l(link.get("materials"))):
            need(("links", lid, "materials", i), mid, materials, "material")

    push_total: dict[tuple[str, str], float] = {}
    for lid, link in _d(data.get("links")).items():
        link = _d(link)
        if link.get("mode") != "push":
            continue
        share = link.get("share", 1.0)
        for mid in _l(link.get("materials")):
            part = share.get(mid, 1.0) if isinstance(share, dict) and isinstance(mid, str) else share
            if isinstance(part, int | float) and _words(link.get("from"), mid):
                key = (link.get("from"), mid)
                push_total[key] = push_total.get(key, 0.0) + part
                if push_total[key] > 1 + 1e-9:
                    bad(("links", lid, "share"), f"push shares of '{mid}' leaving site '{key[0]}' add up to {push_total[key]:.3g}, more than 1")
        if isinstance(share, dict):
            for mid in share:
                if mid not in _l(link.get("materials")):
                    bad(("links", lid, "share", mid), f"'{mid}' is not among this link's materials")

    pulled = {
        (_d(lk).get("to"), m)
        for lk in _d(data.get("links")).values()
        if _d(lk).get("mode", "pull") == "pull"
        for m in _l(_d(lk).get("materials"))
        if _words(_d(lk).get("to"), m)
    }
    for sid, per_site in _d(data.get("stocks")).items():
        if need(("stocks", sid), sid, sites, "site"):
            for mid, stock in _d(per_site).items():
                if need(("stocks", sid, mid), mid, materials, "material") and _d(stock).get("replenishment") is not None and (sid, mid) not in pulled:
                    bad(("stocks", sid, mid, "replenishment"), f"no pull link brings '{mid}' to site '{sid}', so orders have nowhere to go")

    demand = _d(data.get("demand"))
    for did, dem in demand.items():
        dem = _d(dem)
        need(("demand", did, "site"), dem.get("site"), sites, "site")
        need(("demand", did, "material"), dem.get("material"), materials, "material")

    claimed: dict[tuple[str, str], str] = {}
    markets = _d(data.get("markets"))
    priced = {mat for m in markets.values() if isinstance(mat := _d(m).get("material"), str)}
    for mid, market in markets.items():
        market = _d(market)
        need(("markets", mid, "material"), market.get("material"), materials, "material")
        for i, region in enumerate(_l(market.get("regions"))):
            if need(("markets", mid, "regions", i), region, regions, "region") and _words(market.get("material")):
                key = (market.get("material"), region)
                if key in claimed:
                    bad(("markets", mid, "regions", i), f"region '{region}' is already in market '{claimed[key]}' for '{key[0]}'")
                claimed[key] = mid
        inputs = market.get("made_from")
        for m in (inputs if isinstance(inputs, dict) else {}):
            if need(("markets", mid, "made_from", m), m, materials, "material") and m not in priced:
                bad(("markets", mid, "made_from", m), f"no market prices '{m}': add one, or leave it out of made_from")
        counted = market.get("also_counts")
        for m in (counted if isinstance(counted, dict) else {}):
            need(("markets", mid, "also_counts", m), m, materials, "material")
        if market.get("pricing") == "cost_plus" and not inputs:
            bad(("markets", mid, "pricing"), "cost_plus pricing needs made_from (the inputs whose cost it passes on)")

    for sid, subst in _d(data.get("substitutions")).items():
        subst = _d(subst)
        need(("substitutions", sid, "from"), subst.get("from"), materials, "material")
        if subst.get("to") is not None:
            need(("substitutions", sid, "to"), subst.get("to"), materials, "material")

    investment = _d(data.get("investment"))
    facilities = _d(data.get("facilities"))
    for rid, rule in _d(investment.get("rules")).items():
        rule = _d(rule)
        for i, region in enumerate(_l(rule.get("regions"))):
            need(("investment", "rules", rid, "regions", i), region, regions, "region")
        if _l(rule.get("kinds")):
            kinds = facility_kinds()
            for i, kind in enumerate(_l(rule.get("kinds"))):
                need(("investment", "rules", rid, "kinds", i), kind, kinds, "facility kind")
        if rule.get("signal_market") is not None:
            need(("investment", "rules", rid, "signal_market"), rule.get("signal_market"), markets, "market")
    for i, fid in enumerate(_l(investment.get("exclude"))):
        need(("investment", "exclude", i), fid, facilities, "facility")
    for cid, ceiling in _d(investment.get("ceilings")).items():
        need(("investment", "ceilings", cid, "region"), _d(ceiling).get("region"), regions, "region")

    _check_end_uses(data, bad)
    check_policies(data, need, bad)

    if not issues:
        reachable = _reachable(data)
        for did, dem in demand.items():
            key = (_d(dem).get("site"), _d(dem).get("material"))
            if _words(*key) and key not in reachable:
                bad(
                    ("demand", did),
                    f"unreachable demand: nothing makes or stocks '{key[1]}' at site '{key[0]}' "
                    "and no link brings it there",
                )
    return issues


def _check_end_uses(data: dict, bad: Callable[[tuple, str], None]) -> None:
    """End uses are names the scenario makes up, so a misspelt one would quietly get the defaults
    of an unknown end use: one named where demand is not, or a demand's one close to a known end
    use but not it, is refused."""
    demand = _d(data.get("demand"))
    used = {u for d in demand.values() if isinstance(u := _d(d).get("end_use"), str)}
    known = used | set(BACKORDER_SHARE_BY_END_USE) | set(SUBSTITUTION_REACH)
    listed = sorted(used) or ["(none)"]

    def named(loc: tuple, value: Any, allowed: set[str] = used) -> None:
        if isinstance(value, str) and value not in allowed:
            bad(loc, f"no demand has end use '{value}'" + did_you_mean(value, used) + f" (end uses: {', '.join(listed)})")

    for key in _d(_d(data.get("buyers")).get("backorder_share")):
        named(("buyers", "backorder_share", key), key, known)
    for i, value in enumerate(_l(_d(data.get("allocation")).get("priority"))):
        named(("allocation", "priority", i), value)
    for sid, subst in _d(data.get("substitutions")).items():
        for key in _d(_d(subst).get("reach")):
            named(("substitutions", sid, "reach", key), key, known)
    for pid, pol in _d(data.get("policies")).items():
        if _d(pol).get("end_use") is not None:
            named(("policies", pid, "end_use"), _d(pol).get("end_use"))
    for did, dem in demand.items():
        value = _d(dem).get("end_use")
        if not isinstance(value, str):
            continue  # the schema's to report
        close = difflib.get_close_matches(value, sorted(known - {value}), n=1, cutoff=0.85)
        if close and value not in BACKORDER_SHARE_BY_END_USE and sum(1 for d in demand.values() if _d(d).get("end_use") == value) == 1:
            bad(("demand", did, "end_use"), f"unknown end use '{value}', did you mean '{close[0]}'? (a new end use "
                "gets the defaults for end uses not listed, so a misspelt one is refused)")


def _words(*values: Any) -> bool:
    """Whether every value is an id (a string): anything else is the schema's to report."""
    return all(isinstance(v, str) for v in values)


def _check_separation(at: tuple, recipe: dict, materials: dict, ore_bodies: dict, bad) -> None:
    inputs = list(_d(recipe.get("inputs")))
    products = _l(recipe.get("products"))
    if not all(isinstance(p, str) and p in materials for p in products):
        return  # an unknown product is reported already; it may be the one meant to take the rest
    if len(inputs) != 1 or inputs[0] not in materials:
        return
    feed = inputs[0]
    ob = _d(materials[feed]).get("ore_body")
    if ob is None:
        bad(at + ("recipe", "inputs", feed), f"separation feed '{feed}' has no ore_body, so its split is unknown")
        return
    if not isinstance(ob, str):
        return  # the schema says what is wrong with it
    shares = _d(_d(ore_bodies.get(ob)).get("shares_pct"))
    covered: dict[str, str] = {}
    for pid in products:
        for el in _l(_d(materials[pid]).get("elements")):
            if not isinstance(el, str):
                continue
            if el in covered:
                bad(at + ("recipe", "products"), f"element {el} is in both '{covered[el]}' and '{pid}'")
            covered[el] = pid
    missing = sorted(el for el, pct in shares.items() if isinstance(pct, int | float) and pct > 0 and el not in covered)
    if missing:
        bad(
            at + ("recipe", "products"),
            f"products do not take elements {', '.join(missing)} of ore body '{ob}': "
            "add a product material with those elements, so that no tonne vanishes",
        )


def _reachable(data: dict) -> set[tuple[str, str]]:
    """(site, material) pairs that can hold material: made there, stocked there, or shipped there."""
    have: set[tuple[str, str]] = set()
    for sid, per_site in _d(data.get("stocks")).items():
        for mid, stock in _d(per_site).items():
            initial = _d(stock).get("initial_t")
            if isinstance(initial, int | float) and initial > 0:
                have.add((sid, mid))
    facilities = [_d(f) for f in _d(data.get("facilities")).values()]
    links = [_d(lk) for lk in _d(data.get("links")).values()]
    changed = True
    while changed:
        changed = False
        for fac in facilities:
            recipe = _d(fac.get("recipe"))
            site = fac.get("site")
            if not isinstance(site, str):
                continue
            if all((site, m) in have for m in _d(recipe.get("inputs"))):
                for m in list(_d(recipe.get("outputs"))) + [p for p in _l(recipe.get("products")) if isinstance(p, str)]:
                    if (site, m) not in have:
                        have.add((site, m))
                        changed = True
        for link in links:
            for m in _l(link.get("materials")):
                if not _words(link.get("from"), link.get("to"), m):
                    continue
                if (link.get("from"), m) in have and (link.get("to"), m) not in have:
                    have.add((link.get("to"), m))
                    changed = True
    return have
