"""Which regions a run's question is about: the ones its policies name, so that answers lead with them.

An export control from China to the US is about the US; a reserve at a US site is about the US;
an outage at an Australian mine is about Australia. The exporting region of a control (``from``)
and regions a rule exempts are not what is asked about. A file whose policies name no region is
about its focus region (``meta.focus_region``).
"""

from __future__ import annotations

from typing import Any

NOT_ASKED = frozenset({"from", "exempt_regions", "note", "kind", "source"})
"""Keys of a policy whose regions are not the question's (the exporter, the exempt)."""


def asked_regions(scenario: dict[str, Any]) -> list[str]:
    """The regions the scenario's enabled policies name, in the order they first appear (a site
    or facility counts as its region); else its focus region."""
    regions = set(scenario.get("regions") or {})
    sites = {sid: str((s or {}).get("region", "")) for sid, s in (scenario.get("sites") or {}).items()}
    plants = {fid: sites.get(str((f or {}).get("site", "")), "") for fid, f in (scenario.get("facilities") or {}).items()}
    found: list[str] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in NOT_ASKED:
                    visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif isinstance(value, str):
            region = value if value in regions else sites.get(value) or plants.get(value)
            if region and region not in found:
                found.append(region)

    for policy in (scenario.get("policies") or {}).values():
        if isinstance(policy, dict) and policy.get("enabled", True):
            visit(policy)
    if not found:
        focus = str((scenario.get("meta") or {}).get("focus_region", ""))
        found = [focus] if focus in regions else []
    return found


def lead_first(keys: list[str], lead: list[str]) -> list[str]:
    """``keys`` with those in ``lead`` first, in its order; the rest keep theirs."""
    rank = {k: i for i, k in enumerate(lead)}
    return sorted(keys, key=lambda k: rank.get(k, len(rank)))
