"""Cross-reference checks for ``policies:``: every region, material, facility, link, market and
site a policy names must exist, and a trigger must watch a quantity the model has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .components import ELEMENTS

Need = Callable[[tuple, Any, dict, str], bool]
Bad = Callable[[tuple, str], None]


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def check_policies(data: dict, need: Need, bad: Bad) -> None:
    known = {
        "region": _d(data.get("regions")),
        "site": _d(data.get("sites")),
        "material": _d(data.get("materials")),
        "facility": {**_d(data.get("facilities")), **{
            pid: pol for pid, pol in _d(data.get("policies")).items() if isinstance(_d(pol).get("facility"), dict)
        }},
        "link": _d(data.get("links")),
        "market": _d(data.get("markets")),
    }
    for pid, pol in _d(data.get("policies")).items():
        pol = _d(pol)
        at = ("policies", pid)

        def one(key: str, what: str, pol: dict = pol, at: tuple = at) -> None:
            if pol.get(key) is not None:
                need(at + (key,), pol[key], known[what], what)

        def many(key: str, what: str, pol: dict = pol, at: tuple = at) -> None:
            for i, value in enumerate(pol.get(key) if isinstance(pol.get(key), list) else []):
                need(at + (key, i), value, known[what], what)

        for key in ("from", "to"):
            value = pol.get(key)
            if isinstance(value, list):
                many(key, "region")
            else:
                one(key, "region")
        many("exempt_regions", "region")
        one("region", "region")
        for key in ("materials", "exempt_materials"):
            many(key, "material")
        one("material", "material")
        one("site", "site")
        one("market", "market")
        one("link", "link")
        many("facilities", "facility")
        for i, route in enumerate(pol.get("routes") if isinstance(pol.get("routes"), list) else []):
            for key, what in (("to", "region"), ("sites", "site")):
                for j, value in enumerate(_d(route).get(key) if isinstance(_d(route).get(key), list) else []):
                    need(at + ("routes", i, key, j), value, known[what], what)
        if pol.get("kind") in ("closure", "outage"):
            one("facility", "facility")
        one("expands", "facility")
        for key in ("when", "release_when"):
            cond = _d(pol.get(key))
            for ref, what in (("market", "market"), ("site", "site"), ("material", "material"), ("region", "region")):
                if cond.get(ref) is not None:
                    need(at + (key, ref), cond[ref], known[what], what)
        if pol.get("kind") == "export_control" and pol.get("elements"):
            controlled = {e for e in pol["elements"] if isinstance(e, str)} & set(ELEMENTS) if isinstance(pol["elements"], list) else set()
            if controlled and not any(controlled & _held(m) for m in known["material"].values()):
                bad(at + ("elements",), "no material contains these elements: give materials their elements, or list materials")


def _held(material: object) -> set[str]:
    """The elements a material lists or states a content of (as written in the file)."""
    m = _d(material)
    listed = m.get("elements") if isinstance(m.get("elements"), list) else []
    stated = list(m["content"]) if isinstance(m.get("content"), dict) else []
    return {e for e in [*listed, *stated] if isinstance(e, str)}
