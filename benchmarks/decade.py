"""Does the baseline's world hold for a decade, over several seeds? (issue 20, items 1 and 8)

    python benchmarks/decade.py [--seeds 5] [--years 10]

Runs the baseline (no policy) for ten years on each seed and prints, year by year, the share of
each magnet grade met worldwide and in the worst region, the markets at their cap, and the yearly
mean prices against their references; then the growth-zero calm world over three years on each
seed, with the markets whose yearly mean leaves 15% of the reference. `validation.py --docs`
puts both into docs/validation.md with a figure.

Targets (issue 20): no grade of any material in any region below 97% of demand met in any year,
no market at its cap, every yearly mean price within 0.5-2x of its reference.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine import simulate  # noqa: E402
from sim.results import Result  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
FIRST_SEED = 20250101


@dataclass
class Year:
    """One year of one seed's decade."""

    seed: int
    year: int
    worst_fill: float  # the lowest share met of any material in any region
    worst_where: str
    grade_fill: dict[str, float]  # magnet grade -> share met worldwide
    at_cap: list[str]  # markets at their cap on some day of the year
    price_low: tuple[float, str]  # the lowest yearly mean / reference, and its market
    price_high: tuple[float, str]

    @property
    def holds(self) -> bool:
        return self.worst_fill >= 0.97 and not self.at_cap and self.price_low[0] >= 0.5 and self.price_high[0] <= 2.0


def _run(overrides: list[str]) -> Result:
    loaded = load_scenario(BASELINE, overrides)
    return Result.from_output(simulate(loaded.scenario), loaded.resolved_yaml(), loaded.digest())


def decade(seed: int, years: int = 10) -> list[Year]:
    """The baseline over ``years`` on one seed, year by year."""
    r = _run([f"meta.horizon_days={365 * years + years // 4}", f"meta.seed={seed}"])
    sc = load_scenario(BASELINE).scenario
    ts = r.timeseries
    year_of = ts["date"].dt.year
    demand = r.entities[r.entities["type"] == "demand"][["entity", "region"]]
    flows = ts[ts["variable"].isin(["requested_t", "delivered_t"])].assign(year=year_of).merge(demand, on="entity")
    by = flows.groupby(["year", "region", "material", "variable"], observed=True)["value"].sum().unstack("variable")
    fill = (by["delivered_t"] / by["requested_t"]).fillna(1.0)
    world = flows.groupby(["year", "material", "variable"], observed=True)["value"].sum().unstack("variable")
    grades = (world["delivered_t"] / world["requested_t"]).fillna(1.0)
    prices = ts[ts["variable"] == "price_usd_per_kg"].assign(year=year_of)
    means = prices.groupby(["year", "entity"], observed=True)["value"].mean()
    peaks = prices.groupby(["year", "entity"], observed=True)["value"].max()
    out = []
    for year in sorted(set(year_of)):
        f = fill.loc[year]
        where = f.idxmin()
        ratios = {m: means.loc[(year, m)] / spec.price_usd_per_kg for m, spec in sc.markets.items() if (year, m) in means.index}
        capped = [m for m, spec in sc.markets.items()
                  if (year, m) in peaks.index and peaks.loc[(year, m)] >= spec.price_usd_per_kg * spec.max_multiple * (1 - 1e-6)]
        low = min(ratios, key=ratios.get)
        high = max(ratios, key=ratios.get)
        out.append(Year(seed, int(year), float(f.min()), f"{where[0]} {where[1]}",
                        {g: float(grades.loc[(year, g)]) for g in ("ndfeb_magnet", "ndfeb_magnet_hre_free") if (year, g) in grades.index},
                        capped, (float(ratios[low]), low), (float(ratios[high]), high)))
    return out


def calm(seed: int) -> tuple[int, list[str]]:
    """The growth-zero calm world over three years: markets whose yearly mean leaves 15% of the reference."""
    sc = load_scenario(BASELINE).scenario
    r = _run(["meta.horizon_days=1095", f"meta.seed={seed}"] + [f"demand.{d}.growth_pct_per_year=0" for d in sc.demand])
    ts = r.timeseries
    prices = ts[ts["variable"] == "price_usd_per_kg"]
    out = []
    for m, spec in sc.markets.items():
        series = prices[prices["entity"] == m].sort_values("day")["value"].to_numpy()
        means = [series[i * 365:(i + 1) * 365].mean() / spec.price_usd_per_kg for i in range(3)]
        if not all(0.85 <= x <= 1.15 for x in means):
            out.append(f"{m} ({', '.join(f'{x:.2f}' for x in means)})")
    return len(sc.markets), out


def seeds(n: int) -> list[int]:
    return [FIRST_SEED + i for i in range(n)]


def table(years: list[Year]) -> pd.DataFrame:
    """Year by year over the seeds: the worst region's share met, each grade worldwide, caps, prices."""
    rows = []
    for year in sorted({y.year for y in years}):
        ys = [y for y in years if y.year == year]
        rows.append({
            "year": year,
            "Dy/Tb grade met worldwide (min over seeds)": min(y.grade_fill.get("ndfeb_magnet", 1.0) for y in ys),
            "HRE-free grade met worldwide (min)": min(y.grade_fill.get("ndfeb_magnet_hre_free", 1.0) for y in ys),
            "worst region and material (min)": min((y.worst_fill, y.worst_where) for y in ys),
            "markets at their cap (seeds)": sum(bool(y.at_cap) for y in ys),
            "lowest yearly mean price / reference": min(y.price_low for y in ys),
            "highest": max(y.price_high for y in ys),
            "seeds where the world holds": sum(y.holds for y in ys),
        })
    return pd.DataFrame(rows)


def figure(years: list[Year], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.8))
    for grade, colour, label in (("ndfeb_magnet", "#b2182b", "Dy/Tb-bearing"), ("ndfeb_magnet_hre_free", "#2166ac", "HRE-free")):
        for seed in sorted({y.seed for y in years}):
            ys = [y for y in years if y.seed == seed]
            a.plot([y.year for y in ys], [100 * y.grade_fill.get(grade, 1.0) for y in ys], color=colour, alpha=0.6,
                   label=label if seed == FIRST_SEED else None)
    for seed in sorted({y.seed for y in years}):
        ys = [y for y in years if y.seed == seed]
        b.plot([y.year for y in ys], [100 * y.worst_fill for y in ys], color="0.3", alpha=0.6, label="worst region" if seed == FIRST_SEED else None)
    for ax, title in ((a, "magnets met worldwide, each seed (%)"), (b, "worst region and material, each seed (%)")):
        ax.axhline(97, color="0.5", lw=0.8, ls="--")
        ax.set_title(title, fontsize=10, loc="left")
        ax.legend(frameon=False, fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--years", type=int, default=10)
    args = p.parse_args()
    years = [y for s in seeds(args.seeds) for y in decade(s, args.years)]
    pd.set_option("display.width", 250)
    print(f"the baseline, {args.years} years, seeds {seeds(args.seeds)[0]}..{seeds(args.seeds)[-1]}\n")
    print(table(years).to_string(index=False))
    print("\nthe calm world (no growth), three years: markets beyond 15% of their reference")
    for s in seeds(args.seeds):
        total, out = calm(s)
        print(f"  seed {s}: {len(out)} of {total}" + (f": {'; '.join(out)}" if out else ""))


if __name__ == "__main__":
    main()
