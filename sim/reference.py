"""JSON Schema of scenario and sweep files, and the key-by-key reference generated from it.

It reads both the scenario and the sweep schemas, so it sits above both (beside the CLI)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from .scenario.policy_kinds import ensure_loaded
from .scenario.ranges import FIRST_DATE, LAST_DATE
from .scenario.schema import Scenario
from .sweep.spec import SweepSpec

UNITS = (
    ("_usd_per_kg", "USD/kg"), ("_usd_per_t", "USD/t"), ("_t_per_day", "t/day"), ("_t_per_year", "t/year"),
    ("_t_per_unit_per_day", "t/unit/day"), ("_pct_per_year", "%/year"), ("_working_days", "working days"),
    ("_days", "days"), ("_musd", "million USD"), ("_pct", "%"), ("_t", "t"),
)  # fmt: skip


def unit_of(name: str) -> str:
    for suffix, unit in UNITS:
        if name.endswith(suffix) or name == suffix[1:]:
            return unit
    return ""


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas editors use to check and complete scenario and sweep files."""
    ensure_loaded()

    class SweepFile(BaseModel):
        sweep: SweepSpec = Field(description="the sweep: a base scenario, its uncertain parameters, a design and what to keep")

    scenario = Scenario.model_json_schema(by_alias=True)
    scenario["properties"]["extends"] = {"type": "string", "description": "a parent scenario file, deep-merged"}
    scenario["title"] = "reesim scenario"
    sweep = SweepFile.model_json_schema(by_alias=True)
    sweep["title"] = "reesim sweep"
    return {"scenario.schema.json": scenario, "sweep.schema.json": sweep}


def _type(node: dict, defs: dict) -> str:
    if "$ref" in node:
        return node["$ref"].split("/")[-1]
    if "anyOf" in node:
        return " or ".join(sorted({_type(n, defs) for n in node["anyOf"]}))
    if "oneOf" in node:
        return " or ".join(sorted({_type(n, defs) for n in node["oneOf"]}))
    if "enum" in node:
        return "one of " + ", ".join(map(str, node["enum"]))
    if "const" in node:
        return repr(node["const"])
    kind = node.get("type", "any")
    if kind == "array":
        return f"list of {_type(node.get('items', {}), defs)}"
    if kind == "object" and "additionalProperties" in node and isinstance(node["additionalProperties"], dict):
        return f"mapping of id to {_type(node['additionalProperties'], defs)}"
    return {"number": "number", "integer": "integer", "string": "text", "boolean": "true/false", "null": "none"}.get(kind, kind)


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 10_000 else f"{x:g}"


def _range(node: dict) -> str:
    """The values a number or date may take, as the schema states them ('' when unbounded)."""
    for alt in node.get("anyOf", []):
        if alt.get("type") != "null" and (found := _range(alt)):
            return found
    if node.get("format") == "date":
        return f"{FIRST_DATE} to {LAST_DATE}"
    lows = [("> ", node["exclusiveMinimum"])] if "exclusiveMinimum" in node else [("≥ ", node["minimum"])] if "minimum" in node else []
    highs = [("< ", node["exclusiveMaximum"])] if "exclusiveMaximum" in node else [("≤ ", node["maximum"])] if "maximum" in node else []
    if lows and highs and lows[0][0] == "≥ " and highs[0][0] == "≤ ":
        return f"{_num(lows[0][1])} to {_num(highs[0][1])}"
    return " and ".join(f"{sign}{_num(x)}" for sign, x in lows + highs)


def _rows(model: dict, defs: dict) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    required = set(model.get("required", []))
    for name, node in model.get("properties", {}).items():
        default = node.get("default", "(required)" if name in required else "")
        rows.append((name, _type(node, defs), unit_of(name), _range(node), json.dumps(default) if default not in ("", "(required)") else default,
                     (node.get("description") or "").replace("|", "/").replace("\n", " ")))
    return rows


def reference_markdown() -> str:
    """docs/reference.md: every key of scenario and sweep files, generated from the schema."""
    out = ["# Reference: scenario and sweep files", "",
           "Generated from the schema by `reesim schema --reference docs/reference.md`; a test fails when it is stale.",
           "Every number must be finite and within its range (a blank range: any finite number the type allows).",
           "Editors can check and complete files with the JSON Schemas that `reesim schema` writes.", ""]
    for file, schema in json_schemas().items():
        defs = schema.get("$defs", {})
        out += [f"## {schema['title']} ({file})", ""]
        sections = [("(top level)", schema)] + sorted(defs.items())
        for title, model in sections:
            if "properties" not in model:
                continue
            out += [f"### {title}", ""]
            if model.get("description"):
                out += [" ".join(model["description"].split()), ""]
            out += ["| key | type | unit | range | default | meaning |", "|---|---|---|---|---|---|"]
            out += [f"| `{n}` | {t} | {u} | {r} | {d} | {m} |" for n, t, u, r, d, m in _rows(model, defs)]
            out.append("")
    return "\n".join(out)


def kpis_markdown() -> str:
    """docs/kpis.md: the KPI registry, with each policy kind's own KPIs."""
    from .results.kpi_registry import markdown
    from .scenario.policy_kinds import kinds

    return markdown({name: dict(kind.schema.KPIS) for name, kind in kinds().items() if kind.schema.KPIS})
