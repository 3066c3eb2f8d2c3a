"""report.html: one self-contained page per run (figures embedded), built from the run folder alone."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .. import __version__
from ..results.compare import flatten
from ..results.result import Result
from .figures import FIGURES, timeline

CAPTIONS = {
    "material_flow.png": "Where the tonnes went, from mine to end use, by region.",
    "production.png": "Output of each stage by region (30-day mean). Dashed lines: policy events.",
    "stocks.png": "Stocks held, by stage of material and region.",
    "unmet_demand.png": "Demand not met, cumulative, and the share met over the last 30 days, by region.",
    "fill_rates.png": "Share of demand met over the run, by region and end use.",
    "prices.png": "Prices per market (USD/kg): Chinese and outside markets where borders split them.",
    "utilisation.png": "Each facility's output against its capacity over the run.",
}
ORDER = ("material_flow.png", "unmet_demand.png", "fill_rates.png", "prices.png", "production.png", "stocks.png", "utilisation.png")

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:0 1.2em 3em;color:#222}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
.sub{color:#555;margin-top:0}table{border-collapse:collapse;font-size:.88em;margin:.6em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}th{background:#f3f3f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9em}pre.notes{white-space:pre-wrap;background:#f8f8f8;padding:.8em;border-left:3px solid #ccc;font-size:.85em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:.6em}.card{background:#f6f8fa;padding:.6em;border-radius:6px}
.card b{font-size:1.4em;display:block}nav a{margin-right:1em}
"""


# The page checks its own images once loaded, so a browser test can read the verdict from the DOM.
SELF_CHECK = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  document.body.setAttribute('data-images', String(imgs.length));
  document.body.setAttribute('data-broken-images', String(broken.length));
  if (broken.length) { console.error('broken images: ' + broken.map(function (i) { return i.alt; }).join(', ')); }
});
</script>"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return _esc(value)


def _table(frame: pd.DataFrame, table_id: str = "") -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = []
    for _, r in frame.iterrows():
        cells = "".join(f'<td class="num">{_num(v)}</td>' if isinstance(v, int | float) and not isinstance(v, bool)
                        else f"<td>{_esc(v)}</td>" for v in r)
        rows.append(f"<tr>{cells}</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def kpi_rows(kpis: dict[str, Any]) -> list[tuple[str, float]]:
    """Every numeric KPI as (dotted name, value): the report's KPI table, as in kpis.json."""
    return list(flatten(kpis).items())


def _kpi_table(kpis: dict[str, Any]) -> str:
    rows = "".join(f'<tr data-kpi="{_esc(k)}"><td>{_esc(k)}</td><td class="num" data-value="{v!r}">{_num(v)}</td></tr>'
                   for k, v in kpi_rows(kpis))
    return f'<table id="kpis"><thead><tr><th>KPI</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>'


def _cards(k: dict[str, Any]) -> str:
    cards = [("demand met", f"{100 * k['fill_rate']:.1f}%"), ("unmet demand", f"{k['unmet_demand_t']:,.0f} t")]
    focus = k.get("focus_region", "china")
    share = k.get(f"share_{focus}", {})
    for stage in ("mining", "separation", "magnet"):
        if stage in share:
            cards.append((f"{focus.capitalize()}'s share of {stage}", f"{100 * share[stage]:.1f}%"))
    return '<div class="grid">' + "".join(f'<div class="card"><b>{_esc(v)}</b>{_esc(t)}</div>' for t, v in cards) + "</div>"


def _regions(k: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for region, rate in k["fill_rate_by_region"].items():
        rows.append({"region": region, "demand met %": 100 * rate, "unmet t": k["unmet_demand_t_by_region"].get(region, 0.0),
                     "days short": k["days_short_by_region"].get(region, 0),
                     "time to survive (days)": k.get("time_to_survive_days", {}).get(region, "-"),
                     "time to recover (days)": k.get("time_to_recover_days", {}).get(region, "-")})
    return pd.DataFrame(rows)


def _stages(k: dict[str, Any]) -> pd.DataFrame:
    focus = k.get("focus_region", "china")
    share = k.get(f"share_{focus}", {})
    return pd.DataFrame([{"stage": s, "production t": t, f"{focus.capitalize()} share %": 100 * share.get(s, 0.0), "HHI": k.get("hhi", {}).get(s, float("nan"))}
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


def build_report(result: Result, figures: dict[str, Path]) -> str:
    """The report page for a run, with its figures embedded."""
    scenario = yaml.safe_load(result.scenario_yaml) or {}
    meta = scenario.get("meta", {})
    k, run = result.kpis, result.run
    events = timeline(result)
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_esc(meta.get('name', 'run'))} - reesim</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_esc(meta.get('name', 'run'))}</h1>",
        f"<p class='sub'>{_esc(meta.get('description', ''))}</p>",
        "<nav><a href='#kpis-section'>KPIs</a><a href='#figures'>Figures</a><a href='#timeline'>Policy timeline</a>"
        "<a href='#facilities'>Facilities</a><a href='#sources'>Sources</a></nav>",
    ]
    if meta.get("question"):
        parts.append(f"<h2>Question</h2><p>{_esc(meta['question'])}</p>")
    if result.notes.strip():
        parts.append(f"<h2>Assumptions and sources (from the scenario file)</h2><pre class='notes'>{_esc(result.notes)}</pre>")
    parts.append(f"<p class='sub'>{_esc(run.get('start_date'))}, {_esc(run.get('horizon_days'))} days, seed {_esc(run.get('seed'))}; "
                 f"{_num(run.get('events'))} events in {_num(run.get('wall_seconds'))} s; reesim {_esc(run.get('reesim_version', __version__))}; "
                 f"scenario sha256 {_esc(str(run.get('scenario_sha256', ''))[:16])}</p>")
    parts.append("<h2 id='kpis-section'>Key figures</h2>" + _cards(k))
    parts.append("<h3>By region</h3>" + _table(_regions(k), "regions"))
    parts.append("<h3>By stage</h3>" + _table(_stages(k), "stages"))
    if k.get("price_usd_per_kg"):
        parts.append("<h3>Prices</h3>" + _table(_prices(k), "prices"))
    parts.append("<h2 id='figures'>Figures</h2>")
    for name in [n for n in ORDER if n in figures] + [n for n in figures if n not in ORDER]:
        data = base64.b64encode(Path(figures[name]).read_bytes()).decode()
        parts.append(f"<figure><img alt='{_esc(name)}' src='data:image/png;base64,{data}'><figcaption>{_esc(CAPTIONS.get(name, name))}</figcaption></figure>")
    parts.append("<h2 id='timeline'>Policy timeline</h2>")
    parts.append(_table(events.assign(date=events["date"].dt.strftime("%Y-%m-%d")), "policy-timeline") if len(events) else "<p>No policy events in this run.</p>")
    parts.append("<h2 id='facilities'>Facilities</h2>" + _table(_facilities(result), "facilities-table"))
    src = _sources(scenario)
    parts.append("<h2 id='sources'>Sources</h2><p>Figures come from <code>seeds/</code> (article and public figures with their sources) "
                 "and the scenario file's comments above. Sources written into the scenario:</p>" + (_table(src, "sources-table") if len(src) else "<p>(none)</p>"))
    parts.append("<h2>All KPIs</h2>" + _kpi_table(k))
    parts.append(SELF_CHECK)
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(result: Result, folder: Path, figures: dict[str, Path] | None = None,
                 flow_days: tuple[int, int | None] = (0, None)) -> Path:
    """Draw the figures (if not given) and write report.html into ``folder``."""
    from .figures import write_figures

    folder = Path(folder)
    figures = figures if figures is not None else write_figures(result, folder, flow_days)
    path = folder / "report.html"
    tmp = folder / ".report.html.tmp"
    tmp.write_text(build_report(result, figures), encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["FIGURES", "build_report", "kpi_rows", "write_report"]
