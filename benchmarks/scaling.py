"""How run time and memory grow with the size of the network: synthetic worlds of N facilities (run by hand).

    python benchmarks/scaling.py [--sizes 100 300 1000 3000 5000] [--days 365] [--repeat 3]

Each network is built of chains mine -> separation -> metal -> alloy -> magnet spread over
several regions, shaped like the real one: mines push concentrate to their own and a
neighbouring chain's separation plant, alloy makers order metal on pull links from two
suppliers (one overseas) with periodic-review replenishment, buyers take magnets at the end,
and a third of the plants break down at random (no markets or policies). The chains form a
ring of identical neighbourhoods, so events grow exactly with N and the work of one event does
not depend on N: a rising us/event is a cost of size (event queue, garbage collector, memory).
It goes through the public API only (``scenario_from_dict`` then ``simulate``), each size in a
fresh process so that peak memory is its own. The exponent k of time ~ facilities^k is fitted
by least squares on log-log over the sizes, smallest to largest; target: k <= 1.1 from 100 to
5,000 facilities.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REGIONS = ("china", "china", "china", "usa", "australia", "japan", "eu", "malaysia")
"""Region of chain k is REGIONS[k % len]: China holds most chains, as in the real network."""
STAGES_PER_CHAIN = 5


def network(facilities: int, days: int = 365, seed: int = 7) -> dict:
    """A scenario dict of about ``facilities`` plants (a multiple of five), in chains of five."""
    chains = max(facilities // STAGES_PER_CHAIN, 2)
    rnd = random.Random(seed)  # jitter only; the run's own draws come from meta.seed

    def jitter(x: float) -> float:
        return round(x * rnd.uniform(0.8, 1.2), 3)

    def lead(low: float, mode: float, high: float) -> dict:
        return {"dist": "triangular", "low": low, "mode": mode, "high": high}

    data: dict = {
        "meta": {"name": f"scaling_{facilities}", "start_date": "2025-01-01", "horizon_days": days,
                 "warmup_days": 60, "seed": seed},
        "regions": {r: {} for r in dict.fromkeys(REGIONS)},
        "sites": {},
        "materials": {"conc": {"stage": "mining"}, "oxide": {"stage": "separation"}, "metal": {"stage": "metal"},
                      "alloy": {"stage": "alloy"}, "magnet": {"stage": "magnet"}},
        "facilities": {}, "links": {}, "stocks": {}, "demand": {},
    }
    sites, facs, links, stocks = data["sites"], data["facilities"], data["links"], data["stocks"]
    for k in range(chains):
        region = REGIONS[k % len(REGIONS)]
        mine, plant, maker = f"m{k}", f"p{k}", f"a{k}"
        for site in (mine, plant, maker):
            sites[site] = {"region": region}
        breaks = {"mtbf_days": 120, "mttr_days": 4}
        # tonnes a day: 40 conc -> 9.5 oxide -> 7.7 metal -> 25 alloy -> 22 magnets; demand 20
        facs[f"mine{k}"] = {"kind": "mine", "site": mine, "recipe": {"outputs": {"conc": 1}},
                            "capacity": {"t_per_day": jitter(40)}, **({"outages": breaks} if k % 3 == 0 else {})}
        facs[f"sep{k}"] = {"kind": "separation_plant", "site": plant, "recipe": {"inputs": {"conc": 1}, "outputs": {"oxide": 0.25}},
                           "capacity": {"t_per_day": jitter(40), "basis": "input"}, **({"outages": breaks} if k % 3 == 1 else {})}
        facs[f"metal{k}"] = {"kind": "metal_plant", "site": plant, "recipe": {"inputs": {"oxide": 1.2}, "outputs": {"metal": 1}},
                             "capacity": {"t_per_day": jitter(8)}, **({"outages": breaks} if k % 3 == 2 else {})}
        facs[f"alloy{k}"] = {"kind": "alloy_plant", "site": maker, "recipe": {"inputs": {"metal": 0.3}, "outputs": {"alloy": 1}},
                             "capacity": {"t_per_day": jitter(25)}}
        facs[f"magnet{k}"] = {"kind": "magnet_plant", "site": maker, "recipe": {"inputs": {"alloy": 1}, "outputs": {"magnet": 1}},
                              "capacity": {"t_per_day": jitter(22)}}
        # concentrate: most to the chain's own separation plant, the rest to the next chain's (often abroad)
        links[f"ore{k}"] = {"from": mine, "to": plant, "materials": ["conc"], "mode": "push", "share": 0.8,
                            "lead_time_days": lead(1, 2, 4), "dispatch_every_days": 7}
        links[f"ore{k}x"] = {"from": mine, "to": f"p{(k + 1) % chains}", "materials": ["conc"], "mode": "push", "share": 0.2,
                             "lead_time_days": lead(15, 20, 35), "dispatch_every_days": 14}
        # metal: ordered from the chain's own plant and from one three chains on
        links[f"metal{k}"] = {"from": plant, "to": maker, "materials": ["metal"], "mode": "pull", "share": 0.7,
                              "lead_time_days": {"dist": "uniform", "low": 2, "high": 5}, "dispatch_every_days": 3}
        links[f"metal{k}x"] = {"from": f"p{(k + 3) % chains}", "to": maker, "materials": ["metal"], "mode": "pull", "share": 0.3,
                               "lead_time_days": lead(20, 25, 40), "dispatch_every_days": 7}
        stocks[plant] = {"conc": {"initial_t": 300}}
        stocks[maker] = {"metal": {"initial_t": 150, "target_cover_days": 30, "replenishment": {"review_days": 7}},
                         "magnet": {"initial_t": 200}}
        data["demand"][f"buyers{k}"] = {"site": maker, "material": "magnet", "end_use": "ev_traction", "t_per_day": jitter(20),
                                        "growth_pct_per_year": 3, "noise_cv": 0.1}
    return data


def measure(facilities: int, days: int) -> dict:
    """Validate and simulate one network in this process: seconds, events, peak MiB."""
    from sim.engine import simulate
    from sim.scenario import scenario_from_dict

    t0 = time.perf_counter()
    sc = scenario_from_dict(network(facilities, days)).scenario
    validate = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = simulate(sc)
    wall = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # out.wall_seconds times the run (events and daily series); the rest built the world
    return {"facilities": len(sc.facilities), "links": len(sc.links), "series": len(out.keys), "validate_s": validate,
            "build_s": wall - out.wall_seconds, "run_s": out.wall_seconds, "wall_s": wall, "events": out.events, "peak_mib": peak_mib}


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log y on log x."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000, 5000], help="facilities per network")
    p.add_argument("--days", type=int, default=365, help="horizon (after a 60-day warm-up)")
    p.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest counts")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.days)))
        return
    rows = []
    for n in sorted(args.sizes):
        runs = [json.loads(subprocess.check_output([sys.executable, __file__, "--child", str(n), "--days", str(args.days)]))
                for _ in range(args.repeat)]
        rows.append(min(runs, key=lambda r: r["wall_s"]) | {"peak_mib": max(r["peak_mib"] for r in runs)})
        print(f"  {n} facilities: {rows[-1]['wall_s']:.2f} s", file=sys.stderr, flush=True)
    print(f"Synthetic networks, {args.days} days (+ 60 warm-up), best of {args.repeat}, one process each\n")
    print("wall s = simulate(): build s (the World) + run s (events, then daily series); us/event of the run\n")
    print(f"{'facilities':>10}{'links':>7}{'series':>8}{'events':>12}{'validate s':>11}{'build s':>9}{'run s':>8}"
          f"{'wall s':>8}{'us/event':>10}{'peak MiB':>10}")
    for r in rows:
        print(f"{r['facilities']:>10,}{r['links']:>7,}{r['series']:>8,}{r['events']:>12,}{r['validate_s']:>11.2f}"
              f"{r['build_s']:>9.2f}{r['run_s']:>8.2f}{r['wall_s']:>8.2f}{r['run_s'] / r['events'] * 1e6:>10.1f}{r['peak_mib']:>10.0f}")
    if len(rows) < 2:
        return
    n = [r["facilities"] for r in rows]
    fit = {what: slope(n, [r[what] for r in rows]) for what in ("wall_s", "run_s", "build_s", "events")}
    print(f"\ntime ~ facilities^{fit['wall_s']:.2f} from {n[0]:,} to {n[-1]:,} (target k <= 1.1)")
    print(f"  run ^{fit['run_s']:.2f}, build ^{fit['build_s']:.2f}, events ^{fit['events']:.2f}")


if __name__ == "__main__":
    main()
