"""Speed and memory of a 10-year baseline run, beside a plain-Python daily loop (run by hand).

    python benchmarks/run.py [--years 10] [--repeat 3]

Each measurement runs in a fresh process so that peak memory is its own; repetitions alternate
the three, and each ratio is taken within a repetition (median and minimum shown), with the load
average before and after. Targets: the SimPy
engine costs at most 2x the daily loop (a naive daily-tick SimPy model measured 11-20x), and the
whole `reesim run` (loading, simulation, KPIs, run folder, figures and report) at most 2x the
simulation alone.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from ratios import print_ratios  # noqa: E402


def measure(kind: str, years: int) -> dict:
    from sim.scenario import load_scenario

    overrides = [f"meta.horizon_days={365 * years}"]
    if kind == "reesim run":
        import tempfile

        from sim.cli import main as reesim

        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            argv = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "--out", f"{tmp}/run"]
            with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
                assert reesim([*argv, *[a for o in overrides for a in ("--set", o)]]) == 0
            wall = time.perf_counter() - t0
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"kind": kind, "wall_s": wall, "events": 0, "peak_mib": peak_mib, "mine_output_kt_per_yr": float("nan")}
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml", overrides).scenario
    t0 = time.perf_counter()
    if kind == "simpy":
        from sim.engine import simulate

        out = simulate(sc)
        events = out.events
        mines = sum(out.daily[i].sum() for i, k in enumerate(out.keys) if k.variable == "output_t" and sc.facilities[k.entity].stage == "mining")
    else:
        from daily_loop import run_daily_loop

        import sim.engine  # noqa: F401  the engine's modules in memory as in its process: the collector scans the same heap

        res = run_daily_loop(sc)
        events = (sc.meta.horizon_days + sc.meta.warmup_days)  # one step a day
        facs = list(sc.facilities.values())
        mines = sum(res["facility_activity"][j].sum() * (f.capacity.per_day() and 1) for j, f in enumerate(facs) if f.stage == "mining")
    wall = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "wall_s": wall, "events": events, "peak_mib": peak_mib, "mine_output_kt_per_yr": mines / 1000 / years}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--child", choices=["simpy", "loop", "reesim run"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.years)))
        return
    kinds = ("simpy", "loop", "reesim run")
    # as `make run` does: the children (and the figures' own process) then load reesim's bytecode
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "sim")], check=True)
    load_before = os.getloadavg()
    reps: list[dict[str, dict]] = []
    # repetitions alternate (engine, loop, whole run; engine, loop, ...) and each ratio is taken
    # within one repetition, so a change in the machine's load moves both sides of it
    for _ in range(args.repeat):
        reps.append({kind: json.loads(subprocess.check_output([sys.executable, __file__, "--child", kind, "--years", str(args.years)]))
                     for kind in kinds})
    load_after = os.getloadavg()
    best = {kind: min((r[kind] for r in reps), key=lambda m: m["wall_s"]) | {"peak_mib": max(r[kind]["peak_mib"] for r in reps)}
            for kind in kinds}
    from sim.engine import native  # which engine the children load (sim/engine/native.py)

    print(f"Baseline, {args.years} years (+ warm-up), {args.repeat} alternating repetitions, one process each; "
          f"engine: {native.ENGINE}")
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores\n")
    print(f"{'best of the repetitions':24}{'wall s':>9}{'events/steps':>14}{'peak MiB':>10}{'mine kt/yr':>12}")
    for kind, label in (("simpy", "SimPy engine"), ("loop", "plain daily loop"), ("reesim run", "whole reesim run")):
        r = best[kind]
        print(f"{label:24}{r['wall_s']:>9.2f}{r['events']:>14,}{r['peak_mib']:>10.0f}{r['mine_output_kt_per_yr']:>12.1f}")
    ratios = {"engine / loop": [r["simpy"]["wall_s"] / r["loop"]["wall_s"] for r in reps],
              "reesim run / simulation": [r["reesim run"]["wall_s"] / r["simpy"]["wall_s"] for r in reps]}
    print_ratios("ratio, per repetition", ratios, target="<= 2x")


if __name__ == "__main__":
    main()
