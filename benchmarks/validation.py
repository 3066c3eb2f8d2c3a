"""The model beside history: the 2010-2015 export-quota episode, and the 2025 scenarios (run by hand).

    python benchmarks/validation.py            # print the model beside the public figures
    python benchmarks/validation.py --docs     # also write docs/validation.md and its figure

The 2010 episode runs `scenarios/export_quota_2010.yaml` (inputs: the quotas as published and the
world of 2009; never an outcome) and measures what the public record gives (seeds/episode_2010.csv,
from ../shared/data/11): how far and when prices outside China rose, how far they had fallen by the
end of 2014, what China exported against its quota, and how long buyers outside China took to be
served again. The targets are issue 10's. The 2025 scenarios are shown without targets: how 2025
unfolded is not in our data, and their inputs are only what was announced or decided.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine import simulate  # noqa: E402  (the project root first, so that a checkout runs as is)
from sim.results import Result  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

EPISODE = ROOT / "seeds" / "episode_2010.csv"


@dataclass
class Check:
    what: str
    public: str
    target: str
    model: float
    shown: str
    ok: bool


def run(name: str, blocks: tuple[str, ...] = ()) -> Result:
    loaded = load_scenario(ROOT / "scenarios" / f"{name}.yaml", [], list(blocks))
    return Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())


def series(r: Result, entity: str, variable: str) -> pd.Series:
    ts = r.timeseries
    sel = ts[(ts["entity"] == entity) & (ts["variable"] == variable)]
    return sel.groupby("date")["value"].sum()


def public_points() -> dict[str, pd.Series]:
    with EPISODE.open() as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, dict] = {}
    for row in rows:
        out.setdefault(row["series"], {})[pd.Timestamp(row["date"])] = float(row["value"])
    return {k: pd.Series(v).sort_index() for k, v in out.items()}


def outside_fill(r: Result, window: int = 90, material: str | None = None,
                 regions: tuple[str, ...] | None = None) -> pd.Series:
    """Share of demand met outside China (or in ``regions``) over a rolling window of days."""
    dem = r.entities[r.entities["type"] == "demand"]
    chosen = dem["region"].isin(regions) if regions else dem["region"] != "china"
    ids = set(dem.loc[chosen, "entity"])
    ts = r.timeseries
    sel = ts[ts["entity"].isin(ids) & ts["variable"].isin(["requested_t", "delivered_t"])]
    if material is not None:
        sel = sel[sel["material"] == material]
    table = sel.pivot_table(index="date", columns="variable", values="value", aggfunc="sum", observed=True)
    return table["delivered_t"].rolling(window).sum() / table["requested_t"].rolling(window).sum()


def episode_2010(r: Result) -> list[Check]:
    """The 2010-2015 checks, model against the public record and issue 10's targets."""
    pub = public_points()
    checks = []
    for market, label, public, need in (("heavy_world", "heavy RE", pub["dy_oxide_fob"], 8.0),
                                        ("light_world", "light RE", pub["nd_oxide_fob"], 4.0)):
        price = series(r, market, "price_usd_per_kg")
        start = price.iloc[0]
        peak_2011 = price[price.index.year == 2011].max() / start
        public_peak = public.max() / public.iloc[0]
        checks.append(Check(f"{label} price outside China, 2011 peak / 2009-10 level", f"{public_peak:.0f}x",
                            f">= {need:.0f}x", peak_2011, f"{peak_2011:.1f}x", peak_2011 >= need))
        peak = price[: "2014-12-31"].max()
        if market == "heavy_world":  # issue 20: the crisis is the quotas' doing, so it peaks in 2011
            month = price[price >= peak * (1 - 1e-9)].index[0]
            checks.append(Check("heavy RE price outside China, month it first reaches its peak", "2011-09 (Dy oxide, data/11)",
                                "in 2011", month.year, f"{month:%Y-%m}", month.year == 2011))
        end_2014 = price[: "2014-12-31"].iloc[-1]
        fall = 1 - end_2014 / peak
        checks.append(Check(f"{label} price outside China, fall from its peak by end-2014", "-85% (basket, data/11)",
                            ">= 60%", fall, f"{-100 * fall:.0f}%", fall >= 0.6))
    ts = r.timeseries
    # exports as customs count them: smuggled tonnes (a leaking control) are not on the books
    lanes = ts[ts["entity"].astype(str).str.startswith("china_to")]
    booked = lanes["value"].where(lanes["variable"] == "shipped_t", -lanes["value"])
    booked = booked[lanes["variable"].isin(["shipped_t", "smuggled_t"])]
    exports = booked.groupby(lanes.loc[booked.index, "date"].dt.year).sum()
    share = float(exports.get(2011, 0.0)) / float(pub["china_quota_t"].iloc[0])
    public_share = float(pub["china_exports_t"].iloc[0] / pub["china_quota_t"].iloc[0])
    checks.append(Check("China's 2011 exports / quota", f"{100 * public_share:.0f}%", "<= 80%", share,
                        f"{100 * share:.0f}%", share <= 0.8))
    fill = outside_fill(r)
    low = fill[: "2012-12-31"].idxmin()
    # back for good: from then on the 90-day share stays at 95% or more for a year (or to the end)
    after = fill[low:]
    below = after < 0.95
    years = float("inf")
    for day in after.index[~below.to_numpy()]:
        if not below[day: day + pd.Timedelta(days=365)].any():
            years = (day - pd.Timestamp("2011-01-01")).days / 365
            break
    checks.append(Check("buyers outside China back above 95% of demand for good (years from 2011)", "~2 (Sprecher et al. 2017)",
                        "<= 3", years, "never" if years == float("inf") else f"{years:.1f}", years <= 3.0))
    return checks


SCENARIOS_2025 = ("export_licensing_2025", "export_ban_heavy", "stockpile_release")


def scenarios_2025() -> tuple[list[dict], dict[str, Result]]:
    """Results of the 2025 library scenarios (no targets): table rows and the runs."""
    rows, runs = [], {}
    for name in SCENARIOS_2025:
        r = runs[name] = run(name)
        k = r.kpis
        fill = k.get("fill_rate_by_region_material", {})
        prices = k["price_usd_per_kg"]
        for region in ("usa", "eu", "japan"):
            rows.append({
                "scenario": name, "region": region,
                "Dy/Tb-bearing magnets met": fill.get(region, {}).get("ndfeb_magnet"),
                "HRE-free magnets met": fill.get(region, {}).get("ndfeb_magnet_hre_free"),
                "days to first shortfall": k["time_to_survive_days"].get(region),
                "days to recover": k["time_to_recover_days"].get(region),
                "magnet price outside China, peak / start": prices["ndfeb_magnet_world"]["peak"] / prices["ndfeb_magnet_world"]["start"],
                "Dy oxide price outside China, peak / start": prices["dy_oxide_world"]["peak"] / prices["dy_oxide_world"]["start"],
            })
    return rows, runs


OCTOBER_RULES = ("no_57", *(f"no_61_{r}" for r in ("japan", "vietnam", "korea", "malaysia", "eu", "usa", "row")))
LAPSE = "2026-11-10"


def rules_2026(seeds: int = 3) -> list[list[list[str]]]:
    """controls_after_suspension_2026 beside the same run with the October rules off, over a few
    seeds (licence decisions are random draws): from the day the suspension lapses to the end,
    Dy/Tb-bearing magnets met by region (mean and range), and what each October rule held on the
    first seed (no targets: a what-if)."""
    path = ROOT / "scenarios" / "controls_after_suspension_2026.yaml"
    first = load_scenario(path).scenario.meta.seed
    met: dict[tuple[str, str], list[float]] = {}
    kpis = {}
    for seed in range(first, first + seeds):
        for name, off in (("rules", []), ("off", [f"policies.{p}.enabled=false" for p in OCTOBER_RULES])):
            loaded = load_scenario(path, [f"meta.seed={seed}", *off])
            r = Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())
            if seed == first and name == "rules":
                kpis = r.kpis["policies"]
            dem = r.entities[r.entities["type"] == "demand"][["entity", "region"]]
            ts = r.timeseries
            sel = ts[(ts["material"] == "ndfeb_magnet") & (ts["date"] >= pd.Timestamp(LAPSE))
                     & ts["variable"].isin(["requested_t", "delivered_t"])].merge(dem, on="entity")
            by = sel.groupby(["region", "variable"], observed=True)["value"].sum().unstack()
            for region in ("japan", "usa", "eu", "korea", "row"):
                met.setdefault((region, name), []).append(by.loc[region, "delivered_t"] / by.loc[region, "requested_t"])
    shown = lambda v: f"{100 * sum(v) / len(v):.1f}% ({100 * min(v):.0f}-{100 * max(v):.0f})"  # noqa: E731
    rows = [[region, shown(met[(region, "rules")]), shown(met[(region, "off")])] for region in ("japan", "usa", "eu", "korea", "row")]
    gated = [[p, f"{kpis[p].get('china_content_gated_t', 0):,.0f}", f"{kpis[p].get('licence_approved_t', 0):,.0f}",
              f"{kpis[p].get('licence_denied_t', 0):,.0f}"] for p in OCTOBER_RULES if any(kpis[p].values())]
    return [rows, gated]


APRIL_PRODUCTS = (("ndfeb_magnet", "bulk Dy/Tb NdFeB"), ("ndfeb_magnet_gbd", "diffused (Tb) NdFeB"),
                  ("ndfeb_magnet_gd", "Gd-bearing NdFeB"), ("ndfeb_magnet_hre_free", "HRE-free NdFeB"),
                  ("smco_magnet", "SmCo"), ("y_oxide", "Y oxide"), ("sc_oxide", "Sc oxide"))
APRIL_PRICES = (("y_oxide_world", "Y oxide"), ("sc_oxide_world", "Sc oxide"), ("ndfeb_magnet_world", "bulk NdFeB"), ("ndfeb_magnet_gbd_world", "diffused NdFeB"),
                ("ndfeb_magnet_gd_world", "Gd-bearing NdFeB"), ("dy_oxide_world", "Dy oxide"), ("tb_oxide_world", "Tb oxide"))


def rules_april() -> list[list[list[str]]]:
    """controls_april_2025 (No. 18 as written, 2025-26) and yttrium_coatings' half_year_stock: each
    product No. 18 covers, share met by region over the run, and prices outside China (no targets)."""
    april, held = run("controls_april_2025"), run("yttrium_coatings", blocks=("half_year_stock",))
    met = []
    for material, label in APRIL_PRODUCTS:
        row = [label]
        for region in ("usa", "eu", "japan"):
            v = april.kpis["fill_rate_by_region_material"].get(region, {}).get(material)
            row.append("-" if v is None else f"{100 * v:.0f}%")
        met.append(row)
    y = [[region, *(f"{100 * r.kpis['fill_rate_by_region_material'][region]['y_oxide']:.0f}%" for r in (april, held))]
         for region in ("usa", "eu", "japan")]
    prices = [[label, *(f"{april.kpis['price_usd_per_kg'][m][stat]:,.0f}" for stat in ("start", "mean", "peak", "end"))]
              for m, label in APRIL_PRICES]
    return [met, y, prices]


def figure_2025(runs: dict[str, Result], path: Path) -> None:
    """Dy/Tb-bearing magnets in the US, EU and Japan: 30-day share met, and the price outside China."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 5.5))
    met, price = fig.subplots(2, 1, sharex=True)
    for (name, r), colour in zip(runs.items(), ("#0072b2", "#d55e00", "#009e73"), strict=True):
        fill = outside_fill(r, 30, "ndfeb_magnet", ("usa", "eu", "japan"))
        met.plot(fill.index.to_numpy(), (100 * fill).to_numpy(), color=colour, lw=1.5, label=name)
        p = series(r, "ndfeb_magnet_world", "price_usd_per_kg")
        price.plot(p.index.to_numpy(), (p / p.iloc[0]).to_numpy(), color=colour, lw=1.5, label=name)
    met.set_ylabel("% of demand met\n(30 days, US+EU+Japan)")
    met.axhline(100, color="0.5", lw=0.8)
    met.set_ylim(0, 160)
    met.text(0.99, 0.97, "above 100%: backorders delivered late", transform=met.transAxes, ha="right", va="top", fontsize=8)
    price.set_ylabel("price / 1 Jan 2025")
    price.set_yscale("log")
    met.set_title("2025: Dy/Tb-bearing NdFeB magnets outside China", loc="left", fontsize=10)
    for ax in (met, price):
        ax.grid(alpha=0.3)
    met.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def figure(r: Result, path: Path) -> None:
    from matplotlib.figure import Figure

    pub = public_points()
    fig = Figure(figsize=(9, 4.5))
    ax = fig.subplots()
    for market, colour, label in (("heavy_world", "#d55e00", "model: heavy RE outside China"),
                                  ("light_world", "#0072b2", "model: light RE outside China")):
        price = series(r, market, "price_usd_per_kg")
        ax.plot(price.index.to_numpy(), (price / price.iloc[0]).to_numpy(), color=colour, lw=1.6, label=label)
    for key, colour, label in (("dy_oxide_fob", "#d55e00", "public: Dy oxide FOB China"),
                               ("nd_oxide_fob", "#0072b2", "public: Nd oxide FOB China")):
        points = pub[key]
        ax.plot(points.index.to_numpy(), (points / points.iloc[0]).to_numpy(), "o--", color=colour, alpha=0.6, label=label)
    ax.set_yscale("log")
    ax.set_ylabel("price / 2009-10 level")
    ax.set_title("2010-2015: China's export quotas, prices outside China", loc="left", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def table(rows: list[list[str]], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


NOT_REPRODUCED = """\
- **Exports under the quota.** China exports its whole quota every year of 2010-2014; in 2011
  and 2012 buyers outside China took about half of it, at crisis prices. In `world_2009` buyers
  outside China want about 48,000 t a year in 2011 and supply outside China gives about 7,000 t,
  so they ask China for some 40,000 t against a 30,000 t quota. The responses with published
  rates close only part of that gap: thrifting at up to 10% of demand a year (data/10), and
  running cover down releases at most a few thousand tonnes once. Buyers outside China would
  have had to use about a third less in 2011 than they wanted in 2010 to leave a fifth of the
  quota unused. What the public record points to beyond that (illegal exports, about 10,000 t
  in 2010 by one estimate, data/09; downstream production moving into China; Japan's 2011
  recession) has no published rate the model could use. A control that leaks
  (`leakage_t_per_year`) is built, but off here: it adds supply, so exports on the books still
  fill the quota. An `announced` date (issue 20) moves buyers' cover from the day a control is
  made public; the file's quota has none, since its first half-year was set before the period
  it governs and the 2010 cut was announced in early July, as its half-year began.
- **The heavy price peaks late.** It reaches its cap (20 times the 2009-10 level) in December 2011
  and holds it for seven weeks, where the public Dy price peaked at about 19 times in September
  2011 and fell from there; yearly means 1.1x (2010), 3.3x (2011), 4.8x (2012), then 1.5x and
  1.2x, about 1.0x at the end of 2015 (public: about 2 times its 2008 level). The light price
  falls below its 2009-10 level (about 0.4 times by the end of 2015, against about 2 times in the
  public record): China's mines and separators, which grow with the demand they serve
  (`investment:`, built to run at 90% of capacity), over-supply China's market by about a tenth
  from 2013, and with policies off `reesim validate scenarios/world_2009.yaml --balance` reports
  100,000 t of light products piled up there by 2015. China's own production fell in 2011 under
  its mining quota (96,900 t, data/09); the file has no production quota.
- **The 2009 world is in balance by construction**: its demand is what the 2009 mines yield once
  separated (118,600 t; China's 73,000 t use from data/09, the rest of the world the remainder,
  as data/09 computes it from production), split light/heavy as the ore bodies give it
  (87.7/12.3). Without quotas nothing runs short in 2010-2015 and the heavy price outside China
  stays within 1.0-1.2x its 2009-10 level; the crisis is the quotas' doing.
- **Light prices spike at each half-year quota release** (the model releases each half's quota at
  once, and importers' orders wait for it) instead of one rise to a September 2011 peak.
- **After the quotas (2015)** exports stay at about 31,000 t: by then supply outside China
  (Mountain Pass, Lynas) meets most of what buyers there want.
- The responses (thrifting, precaution and Mountain Pass's restart on the price in
  `world_2009.yaml`) are set on this episode; their thresholds and sensitivities are assumptions
  (`seeds/assumptions.csv`), their rates, reaches and build times from data/09 and data/10. With
  the quotas the restart goes ahead in January 2011 and Phoenix starts up in November 2012, as
  it did (ground broken January 2011, start-up in the fourth quarter of 2012); without them it
  never goes ahead.
"""

NOT_CAPTURED_2025 = """\
What these runs leave out, so that the table is read for what it is:

- **No hoarding, no redesign.** Buyers' precaution and substitution are switched off in the 2025
  files (they are on in `world_2009.yaml`, where the 2010 episode sets them); at the published
  rate (10% of demand a year) substitution would move only a few tonnes a day within 2025.
- **No re-exports or smuggling.** Korea and the rest of the world cannot pass Chinese magnets on,
  and a control does not leak unless a scenario gives it `leakage_t_per_year`.
- **Dy and Tb outside China** are priced from the element held as metal (`also_counts`), since
  the oxide only passes through Japan's metal lines.
- **One magnet market outside China**: the price peaks are those of the Dy/Tb-bearing grade
  outside China, with no split between the US, the EU and Japan.
- **China holds a heavy stockpile.** The Dy and Tb metal China's hub makes beyond a month of what
  is wanted is stockpiled and drawn as stocks run down (ASSUMPTION co_product_surplus). In
  `myanmar_disruption.yaml` the nine-month Kachin cut (about 1,340 t of Dy metal) draws the Dy
  stockpile to nothing: China's Dy oxide price peaks 7% above the run without the cut and
  averages 2.5% above it. The public record shows no spike either (Dy oxide 260 USD/kg on
  average in 2024, 235 in March 2025, data/05); the stockpile's size has no published figure.
"""


def write_docs(r: Result, checks: list[Check], rows: list[dict], runs: dict[str, Result], rules: list[list[list[str]]],
               april: list[list[list[str]]]) -> Path:
    docs = ROOT / "docs"
    figure(r, docs / "validation_2010.png")
    figure_2025(runs, docs / "validation_2025.png")
    passed = sum(c.ok for c in checks)
    body = [
        "# Validation: the model beside history",
        "",
        "Generated by `python benchmarks/validation.py --docs`; do not edit by hand.",
        "",
        "## 2010-2015: China's export quotas",
        "",
        "`scenarios/export_quota_2010.yaml`: the world of 2009 (`world_2009.yaml`) and the quotas as",
        "published (data/04a). Nothing in it is set from an outcome; the public figures below",
        "(`seeds/episode_2010.csv`, from ../shared/data/11) are what the model is held against, with",
        "issue 10's targets.",
        "",
        table([[c.what, c.public, c.target, c.shown, "yes" if c.ok else "**no**"] for c in checks],
              ["measure", "public record", "target", "model", "met"]),
        "",
        f"{passed} of {len(checks)} targets met.",
        "",
        "![model price paths against the public points](validation_2010.png)",
        "",
        "### What the model does not reproduce",
        "",
        NOT_REPRODUCED,
        "## 2025: licensing and a heavy-rare-earth ban",
        "",
        "Shown without targets: how 2025 unfolded is not in our data, and the scenarios' inputs are",
        "only what was announced or decided (see each file's header). Days count from the start of",
        "the run (1 January 2025).",
        "",
        table([[r_["scenario"], r_["region"],
                *(f"{100 * v:.0f}%" if v is not None else "-" for v in (r_["Dy/Tb-bearing magnets met"], r_["HRE-free magnets met"])),
                *("-" if v is None else str(v) for v in (r_["days to first shortfall"], r_["days to recover"])),
                f"{r_['magnet price outside China, peak / start']:.1f}x",
                f"{r_['Dy oxide price outside China, peak / start']:.1f}x"] for r_ in rows],
              ["scenario", "region", "Dy/Tb-bearing magnets met", "HRE-free magnets met", "days to first shortfall",
               "days to recover", "Dy/Tb-bearing magnet price outside China, peak / start",
               "Dy oxide price outside China, peak / start"]),
        "",
        "![Dy/Tb-bearing magnets: share of demand met and price outside China](validation_2025.png)",
        "",
        NOT_CAPTURED_2025,
        "",
        "## 2025-2027: China's rules as written",
        "",
        "`scenarios/controls_october_2025.yaml` (No. 18 in force; Nos. 57 and 61 announced on 9 October",
        "2025 and suspended by No. 70) and `controls_after_suspension_2026.yaml` (the same, run on past",
        f"{LAPSE}, when the suspension lapses unless renewed: a what-if). No targets. Dy/Tb-bearing",
        f"magnets met from {LAPSE} to the end of 2027, with the October rules and with them off, mean",
        "(and range) over three seeds, as No. 18's licence decisions are random draws:",
        "",
        table(rules[0], ["region", "with Nos. 57 and 61", "without"]),
        "",
        "What the October rules held (tonnes over the run; No. 61 is one control per exporting region):",
        "",
        table(rules[1] or [["-", "-", "-", "-"]], ["control", "left under the rule for Chinese content", "licences approved", "licences refused"]),
        "",
        "In the baseline the goods made abroad from Chinese Dy and Tb that cross a border are Japan's",
        "alloy for Shin-Etsu's plant in Vietnam and its magnets coming back; Japan's, Korea's and the",
        "EU's own magnets are sold at home, so No. 61 holds the Japan-Vietnam loop and little else:",
        "Japan's Dy/Tb-bearing magnets are met less with it (the table's first row, over three seeds).",
        "The one buyer its announcement reaches is Vietnam's plant, which orders its Japanese alloy",
        "up to half again its cover from 9 October 2025 and again from 10 November 2026, from the",
        "alloy Japan's own magnet makers draw on (not traced further). Elsewhere nothing changes, as",
        "each lane draws its own licence decisions. No. 57's five elements leave China only inside",
        "lumped oxides the baseline does not export. No. 61's announcement (9 October 2025) reaches",
        "only the buyers who import covered goods from each rule's region; the defence integrators",
        "buy their SmCo magnets from China",
        "only, under No. 18, so No. 61's denial of military end users has no lane to hold.",
        "",
        "## 2025-2026: No. 18 as written, product by product",
        "",
        "`scenarios/controls_april_2025.yaml`: No. 18 licenses Sm, Gd, Tb, Dy, Lu, Sc and Y and every",
        "material holding one, from 4 April 2025, approvals 25%, 60% from 26 June, 55% from 5 November",
        "(as reported); two years, the file's seed. No targets. Share of demand met over the two years:",
        "",
        table(april[0], ["product", "US", "EU", "Japan"]),
        "",
        "Prices outside China (USD/kg; a market's price is capped at 20x its reference):",
        "",
        table(april[2], ["market", "start", "mean", "peak", "end"]),
        "",
        "`yttrium_coatings.yaml` asks the question for Y oxide; `--scenario half_year_stock` has the",
        "users in the US, EU and Japan hold 180 days of cover instead of 90. Y oxide met over the two years:",
        "",
        table(april[1], ["region", "90 days held", "180 days held"]),
        "",
        "What the public record shows and the model does not: Y oxide in Europe rose from about 6 USD/kg in",
        "January 2025 to 90-105 by mid-September, 150-200 a week later and about 270 in November, while",
        "China's stayed near 7 (Argus, Asian Metal; seeds/controls_research.csv). The model's Y price",
        "outside China rises through the summer of 2025 and sits at its 20x cap (140 USD/kg) from the",
        "autumn: it says a shortage is there and when it bites, not how high a thin market's quotes go.",
        "Exports of Y to the US stopped after April (Reuters, November 2025), which no approval rate",
        "of 25-60% reproduces: the model treats every destination alike unless a route says otherwise.",
        "The diffused and Gd-bearing grades have no maker outside China in the model, so a Tb or Gd",
        "licence holds all of them; in the world Japanese makers diffuse their own Tb. US chipmakers",
        "reported Sc shortages in February 2026 (Reuters); the model has Sc users in the US, EU and Japan",
        "short under No. 18, the US less so with Rio Tinto's Canadian Sc, whose size (3 t a year) is the",
        "only non-Chinese supply it knows. Small import-only markets (Y, Sc, the diffused and Gd-bearing",
        "grades) sit at their 20x cap for months: their buyers hold little and import all of it, so",
        "their cover reaches nothing long before deliveries stop; read the share met, not the price.",
        "",
        *decade_docs(),
    ]
    path = docs / "validation.md"
    path.write_text("\n".join(body), encoding="utf-8")
    return path


def decade_docs(n_seeds: int = 5) -> list[str]:
    """The decade baseline and the calm world over seeds, for docs/validation.md (issue 20)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import decade

    seeds = decade.seeds(n_seeds)
    years = [y for s in seeds for y in decade.decade(s)]
    decade.figure(years, ROOT / "docs" / "validation_decade.png")
    t = decade.table(years)
    rows = [[str(r["year"]), f"{100 * r['Dy/Tb grade met worldwide (min over seeds)']:.1f}%",
             f"{100 * r['HRE-free grade met worldwide (min)']:.1f}%",
             f"{100 * r['worst region and material (min)'][0]:.1f}% ({r['worst region and material (min)'][1]})",
             str(r["markets at their cap (seeds)"]),
             f"{r['lowest yearly mean price / reference'][0]:.2f} ({r['lowest yearly mean price / reference'][1]})",
             f"{r['highest'][0]:.2f} ({r['highest'][1]})",
             f"{r['seeds where the world holds']} of {len(seeds)}"] for _, r in t.iterrows()]
    calm = [(s, *decade.calm(s)) for s in seeds]
    held = sum(r["seeds where the world holds"] for _, r in t.iterrows())
    return [
        "## 2025-2035: the baseline with no policy, over five seeds",
        "",
        f"`scenarios/baseline.yaml` for ten years on seeds {seeds[0]} to {seeds[-1]}, no policy: demand grows",
        "8.7% a year (data/02) and supply grows by `investment:` (docs/markets.md). Targets (issue 20): no",
        "grade of any material in any region below 97% of demand met in any year, no market at its cap,",
        "every yearly mean price within 0.5-2x of its reference. Worst over the seeds, year by year:",
        "",
        table(rows, ["year", "Dy/Tb-bearing magnets met, world", "HRE-free magnets met, world",
                     "worst region and material", "seeds with a market at its cap",
                     "lowest yearly mean price / reference", "highest", "seeds where the world holds"]),
        "",
        f"The world holds in {held} of {len(rows) * len(seeds)} seed-years (22 before the corrections below).",
        "",
        "![magnets met worldwide and in the worst region, each seed](validation_decade.png)",
        "",
        "The calm world (the baseline with no demand growth and no policy, three years): markets whose",
        "yearly mean price leaves 15% of the reference, per seed:",
        "",
        table([[str(s), f"{len(out)} of {total}", "; ".join(out) or "-"] for s, total, out in calm],
              ["seed", "markets beyond 15%", "which (yearly means / reference)"]),
        "",
        "### What the decade does not hold yet",
        "",
        "- **NdPr near its ceiling.** Every grade of every material in every region is met (99% or more)",
        "  every year on every seed, no market reaches its cap and every yearly mean price is within",
        "  0.5-2x, but NdPr oxide's reaches 1.97x in 2033 on one seed: China's quota grows 6% a year",
        "  against demand at 8.7%, and its metal capacity catches up a build late. The new magnet grades",
        "  and the Sm-Gd split (issue 21) took the last miss (2.09x) under 2x by changing each seed's",
        "  draws, not by a mechanism aimed at it: read it as a margin of a few per cent.",
        "- **What it took.** Corrections, each traced from a decade that broke:",
        "  - Ion-clay mines (China's and Kachin's) build on China's Dy price alone (ASSUMPTION",
        "    ion_clay_investment). Dy also comes with light ores and recycled swarf, which grow with the",
        "    magnets on their own (Baotou 313 to 690 t a year, Jiangsu's monazite 256 to 542, the hub's",
        "    swarf 358 to 762). Following magnet demand as well, the clays doubled (Kachin 31 to 68 kt),",
        "    and China's Dy sat at its floor from 2030 with 5.8 kt of oxide and 7 kt of metal at the hub.",
        "  - Baotou's trade desk (500 t a day, article 004) ships Tb and Dy right after its alloy",
        "    contracts, as its own rule says (by value). It shipped La and the other co-products first,",
        "    so from 2032 Tb and Dy stranded at Baotou and China's Tb reached 2-5x in 2033-2034.",
        "  - China's Dy and Tb markets count the hub's metal (`also_counts`). The metal beyond a month of",
        "    what is wanted is stockpiled and comes back as demand grows into it (ASSUMPTION",
        "    co_product_surplus). On oxide alone (2-3 days at the separators) the two swung 15-25% with",
        "    which shipment of a lane drew which lead time: moving Tb and Dy ahead of La on Baotou's lane,",
        "    which changed no tonnage in the calm world, took the file's seed from 1.04 to 1.25.",
        "  - The surplus a stock keeps is counted against what is wanted of it, not a make-to-stock",
        "    plant's need of the moment (nil while it idles, which had emptied the hub's metal shelf).",
        "  - La's and Ce's target covers are the calm world's (ASSUMPTION co_product_target_cover), as the",
        "    warm-up's median depends on the seed for a glut still building.",
        "- **Tried and left out.**",
        "  - A Kachin blend with Dy at the share the EU's RMIS gives Myanmar (31% of 3,126 t in 2021 from",
        "    35 kt REO: 3.2% Dy2O3) and the rest in Longnan's light proportions added about 9 kt of NdPr a",
        "    year to China (NdPr at 0.25x). It waits for magnet demand sized to the world's NdPr, not the",
        "    model's. Every ion clay is still Longnan's high-Y clay (6.7% Dy, data/07, the one ion-clay",
        "    analysis in our data), which is why the hub stockpiles Dy and Y in the first years.",
        "- **The calm world.** Every one of its 29 markets holds within 15% of its reference on four of",
        "  five seeds; on the fifth China's Dy oxide averages 0.85x in the third year, at the edge.",
        "  `tests/test_calm.py` holds the file's seed and `tests/test_decade.py` the decade on the first",
        "  three seeds, the third among them: the calm world there stays a strict expected failure.",
        "- **Stock that piles up.** The balance report names what no one takes; the baseline year has",
        "  none since China's hub stockpiles the Y and heavy oxides beyond a month of what is wanted",
        "  (the ion clays make about three times the Y China uses). Push lanes still carry fixed",
        "  shares unless a lane opens to need (`full_above_cover_days`, off by default: on every",
        "  baseline lane it moves the 2025 calibration).",
        "",
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", action="store_true", help="write docs/validation.md and its figures (with the decade over five seeds)")
    args = p.parse_args()
    r = run("export_quota_2010")
    checks = episode_2010(r)
    print("2010-2015, export_quota_2010.yaml against the public record (targets: issue 10)\n")
    print(f"{'measure':<72}{'public':>26}{'target':>9}{'model':>9}  met")
    for c in checks:
        print(f"{c.what:<72}{c.public:>26}{c.target:>9}{c.shown:>9}  {'yes' if c.ok else 'NO'}")
    print(f"\n{sum(c.ok for c in checks)} of {len(checks)} targets met")
    if args.docs:
        path = write_docs(r, checks, *scenarios_2025(), rules_2026(), rules_april())
        print(f"\nwrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
