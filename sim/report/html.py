"""report.html: one self-contained page per run (figures embedded), built from the run folder alone."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..atomic import write_text
from ..results.imbalance import Finding, findings
from ..results.kpis import flatten
from ..results.result import Result
from .answer import answer, region_name
from .figures import FIGURES, RUN_FIGURES
from .frames import RunFrames, prepare
from .pages import Embedded, number, render, table

CARD_STAGES = ("mining", "separation", "magnet")
"""The stages whose focus-region share gets a card of its own."""


def kpi_rows(kpis: dict[str, Any]) -> list[tuple[str, float]]:
    """Every numeric KPI as (dotted name, value): the report's KPI table, as in kpis.json."""
    return list(flatten(kpis).items())


def _points(value: float, ref: float | None) -> str:
    return "" if ref is None else f"{100 * (value - ref):+.1f} points"


def _cards(k: dict[str, Any], ref: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """Key figures (title, value, change against the reference): demand met overall and for each
    short region and material, then the focus region's shares of the stages it produces."""
    r = ref or {}
    cards = [("demand met, all materials", f"{100 * k['fill_rate']:.1f}%", _points(k["fill_rate"], r.get("fill_rate"))),
             ("unmet demand", f"{k['unmet_demand_t']:,.0f} t",
              "" if ref is None else f"{k['unmet_demand_t'] - r.get('unmet_demand_t', 0.0):+,.0f} t")]
    fill = k.get("fill_rate_by_region_material", {})
    ref_fill = r.get("fill_rate_by_region_material", {})
    short = sorted(((rate, region, m) for region, ms in fill.items() for m, rate in ms.items()
                    if rate < 0.999 or (ref is not None and abs(rate - ref_fill.get(region, {}).get(m, rate)) >= 0.001)))
    for rate, region, m in short[:4]:
        cards.append((f"{region_name(region)} {m} met", f"{100 * rate:.1f}%", _points(rate, ref_fill.get(region, {}).get(m))))
    focus = k.get("focus_region", "china")
    share = k.get(f"share_{focus}", {})
    ref_share = r.get(f"share_{focus}", {})
    for stage in CARD_STAGES:
        if k.get("production_t", {}).get(stage, 0.0) > 0:
            cards.append((f"{region_name(focus)}'s share of {stage}", f"{100 * share[stage]:.1f}%", _points(share[stage], ref_share.get(stage))))
    return cards


def _regions(k: dict[str, Any], ref: dict[str, Any] | None = None) -> pd.DataFrame:
    """Demand met by region and material: a region's rate over all materials would let plentiful
    La and Ce hide a short magnet grade. Each region's own row (all its materials) carries its time
    to survive and to recover, which are the region's, not a material's."""
    rows = []
    fill = k.get("fill_rate_by_region_material", {})
    ref_fill = (ref or {}).get("fill_rate_by_region_material", {})
    disrupted = k.get("disruption_day") is not None
    for region in sorted(fill):
        survive = k.get("time_to_survive_days", {}).get(region)
        recover = k.get("time_to_recover_days", {}).get(region)
        rows.append({"region": region, "material": "all, tonnes together",
                     "demand met %": 100 * k.get("fill_rate_by_region", {}).get(region, float("nan")),
                     **({"vs reference, points": ""} if ref is not None else {}),
                     "unmet t": k.get("unmet_demand_t_by_region", {}).get(region, 0.0),
                     "days short": k.get("days_short_by_region", {}).get(region, 0),
                     "time to survive (days)": survive if survive is not None else ("never short" if disrupted else "-"),
                     "time to recover (days)": recover if recover is not None else ("did not recover" if disrupted else "-")})
        for material, rate in sorted(fill[region].items()):
            row = {"region": "", "material": material, "demand met %": 100 * rate}
            if ref is not None:
                before = ref_fill.get(region, {}).get(material)
                row["vs reference, points"] = "-" if before is None else round(100 * (rate - before), 2)
            row.update({"unmet t": k.get("unmet_demand_t_by_region_material", {}).get(region, {}).get(material, 0.0),
                        "days short": k.get("days_short_by_region_material", {}).get(region, {}).get(material, 0),
                        "time to survive (days)": "", "time to recover (days)": ""})
            rows.append(row)
    return pd.DataFrame(rows)


def _stages(k: dict[str, Any]) -> pd.DataFrame:
    focus = k.get("focus_region", "china")
    share = k.get(f"share_{focus}", {})
    return pd.DataFrame([{"stage": s, "production t": t, f"{region_name(focus)} share %": 100 * share.get(s, 0.0), "HHI": k.get("hhi", {}).get(s, float("nan"))}
                         for s, t in k["production_t"].items()])


def _prices(k: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{"market": m, **{f"{c} USD/kg": p[c] for c in ("start", "mean", "peak", "end")}}
                         for m, p in k.get("price_usd_per_kg", {}).items()])


def _facilities(result: Result) -> pd.DataFrame:
    s = result.summary()
    s = s[s["type"] == "facility"]
    cols = ["entity", "kind", "stage", "site", "region", "capacity_t_per_day", "output_t", "utilisation"]
    s = s[[c for c in cols if c in s]].copy()
    s["utilisation"] = 100 * s["utilisation"]
    return s.rename(columns={"utilisation": "utilisation %", "capacity_t_per_day": "capacity t/day"})


def _sources(scenario: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for section in ("facilities", "links", "demand", "markets", "ore_bodies"):
        for ident, item in (scenario.get(section) or {}).items():
            if isinstance(item, dict) and item.get("source"):
                rows.append({"section": section, "id": ident, "source": item["source"]})
    return pd.DataFrame(rows, columns=["section", "id", "source"])


def build_report(result: Result | RunFrames, figures: dict[str, Path], imbalance: list[Finding] | None = None,
                 parts: dict[str, Any] | None = None) -> str:
    """The report page for a run (or a run already prepared for its figures), with its figures
    embedded; ``imbalance``, the run's balance findings if already worked out; ``parts``, the rest
    of the page if already worked out (`page_parts`)."""
    parts = page_parts(result, imbalance) if parts is None else parts
    names = [n for n in RUN_FIGURES if n in figures] + [n for n in figures if n not in RUN_FIGURES]
    return render(
        "run.html",
        **parts,
        figures=[Embedded(name, base64.b64encode(Path(figures[name]).read_bytes()).decode(), RUN_FIGURES[name].caption if name in RUN_FIGURES else name) for name in names],
    )


def page_parts(result: Result | RunFrames, imbalance: list[Finding] | None = None) -> dict[str, Any]:
    """Everything on a run's page but its figures (worked out while they are drawn)."""
    frames = prepare(result)
    result = frames.result
    scenario = result.scenario_data
    meta = scenario.get("meta", {})
    k, run = result.kpis, result.run
    events = frames.events
    src = _sources(scenario)
    reference = result.reference
    ref_kpis = reference["kpis"] if reference else None
    return dict(
        name=meta.get("name", "run"),
        description=meta.get("description", ""),
        question=meta.get("question", ""),
        notes=result.notes if result.notes.strip() else "",
        run={"start_date": str(run.get("start_date")), "horizon_days": str(run.get("horizon_days")), "seed": str(run.get("seed")),
             "events": number(run.get("events")), "wall_seconds": number(run.get("wall_seconds")),
             "version": str(run.get("reesim_version", __version__)), "sha256": str(run.get("scenario_sha256", ""))[:16]},
        answer=answer(frames, reference),
        window=(run.get("window") or {}).get("label", ""),
        imbalance=findings(result) if imbalance is None else imbalance,
        reference=reference,
        cards=_cards(k, ref_kpis),
        regions=table(_regions(k, ref_kpis), "regions"),
        stages=table(_stages(k), "stages"),
        prices=table(_prices(k), "prices") if k.get("price_usd_per_kg") else None,
        timeline=table(events.assign(date=events["date"].dt.strftime("%Y-%m-%d")), "policy-timeline") if len(events) else None,
        facilities=table(_facilities(result), "facilities-table"),
        sources=table(src, "sources-table") if len(src) else None,
        kpis=[{"name": name, "value": repr(v), "text": number(v)} for name, v in kpi_rows(k)],
    )


def write_report(result: Result, folder: Path,
                 figures: dict[str, Path] | Callable[[RunFrames], dict[str, Path]] | None = None,
                 flow_days: tuple[int, int | None] = (0, None), imbalance: list[Finding] | None = None) -> Path:
    """Draw the figures (if not given) and write report.html into ``folder`` (with the run's
    balance findings, worked out here unless given). ``figures`` may be a function giving them
    from the prepared run, called once the rest of the page is worked out (figures drawn
    elsewhere meanwhile)."""
    from .figures import write_figures

    folder = Path(folder)
    run = prepare(result)  # cut once, for the figures and the page's sentences alike
    parts = page_parts(run, imbalance)
    if callable(figures):
        figures = figures(run)
    elif figures is None:
        figures = write_figures(run, folder, flow_days)
    return write_text(folder / "report.html", build_report(run, figures, parts=parts))


__all__ = ["FIGURES", "build_report", "kpi_rows", "page_parts", "write_report"]
