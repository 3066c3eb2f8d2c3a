"""Facility kinds and their default parameters, read from ``seeds/facility_kinds.csv``.

Like PyPSA's component tables: a new kind is a new row, not new code.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
KINDS_FILE = SEEDS_DIR / "facility_kinds.csv"


@cache
def facility_kinds() -> dict[str, dict[str, str]]:
    """Rows of the kinds table keyed by kind."""
    with KINDS_FILE.open(newline="", encoding="utf-8") as fh:
        return {row["kind"]: row for row in csv.DictReader(fh)}


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def kind_defaults(kind: str) -> dict[str, Any]:
    """Default facility fields for a kind, as they would be written in a scenario file."""
    row = facility_kinds()[kind]
    out: dict[str, Any] = {"stage": row["stage"]}
    for key in ("yield", "cycle_days"):
        value = _num(row[key])
        if value is not None:
            out[key] = value
    capacity: dict[str, Any] = {"basis": row["capacity_basis"] or "output"}
    for key in ("t_per_day", "t_per_year", "t_per_unit_per_day"):
        value = _num(row[f"capacity_{key}"])
        if value is not None:
            capacity[key] = value
    out["capacity"] = capacity
    mtbf, mttr = _num(row["mtbf_days"]), _num(row["mttr_days"])
    if mtbf and mttr:
        out["outages"] = {"mtbf_days": mtbf, "mttr_days": mttr}
    return out


def apply_kind_defaults(facility: dict[str, Any]) -> None:
    """Fill a raw facility mapping's missing fields from its kind (in place)."""
    defaults = kind_defaults(facility["kind"])
    for key, value in defaults.items():
        if key == "capacity":
            continue
        facility.setdefault(key, value)
    given = facility.get("capacity")
    kind_cap = defaults["capacity"]
    if given is None:
        if any(k != "basis" for k in kind_cap):
            facility["capacity"] = dict(kind_cap)
        return
    if isinstance(given, dict):
        given.setdefault("basis", kind_cap["basis"])
        if "units" in given and "t_per_unit_per_day" not in given and "t_per_unit_per_day" in kind_cap:
            given["t_per_unit_per_day"] = kind_cap["t_per_unit_per_day"]


ORE_BODIES_FILE = SEEDS_DIR / "ore_bodies.csv"


@cache
def ore_bodies() -> dict[str, dict[str, Any]]:
    """Element shares (% of TREO) per ore body from ``seeds/ore_bodies.csv``, in scenario form."""
    out: dict[str, dict[str, Any]] = {}
    with ORE_BODIES_FILE.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            entry = out.setdefault(row["ore_body"], {"shares_pct": {}, "source": "seeds/ore_bodies.csv"})
            entry["shares_pct"][row["element"]] = float(row["pct_of_treo"])
    return out


def apply_ore_body_defaults(data: dict[str, Any]) -> None:
    """Add the seeds' ore bodies that materials name but the scenario does not define (in place)."""
    materials = data.get("materials")
    if not isinstance(materials, dict):
        return
    known = ore_bodies()
    defined = data.get("ore_bodies")
    if defined is None:
        defined = data["ore_bodies"] = {}
    if not isinstance(defined, dict):
        return
    for mat in materials.values():
        name = mat.get("ore_body") if isinstance(mat, dict) else None
        if isinstance(name, str) and name not in defined and name in known:
            defined[name] = {"shares_pct": dict(known[name]["shares_pct"]), "source": known[name]["source"]}
