"""Sweep speed by executor, and the memory of a large KPI-only sweep (run by hand).

    python benchmarks/sweep.py [--runs 1000] [--years 2] [--workers 2] [--memory-runs 10000]

Targets on 2 cores: processes >= 1.8x serial; Dask within 25% of processes; a 10,000-run sweep
keeping only KPIs under 1 GiB of peak memory (driver and workers). Each measurement runs in a
fresh process. The memory sweep uses the small test chain, since memory grows with rows kept,
not with the size of a run; --memory-scenario baseline measures it on the baseline instead.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPEC = """sweep:
  name: bench
  base: {base}
  seed: 1
  replications: {runs}
  set: {{meta.horizon_days: {days}}}
  parameters:
    sensitivity: {{path: economics.buyer_price_sensitivity, values: [4.0]}}
  kpis: [fill_rate, "fill_rate_by_region.*", "price_usd_per_kg.*.mean", "share_china.*"]
"""


def child(spec: str, out: str, executor: str, workers: int) -> None:
    from sim.sweep import load_sweep, run_sweep

    t0 = time.perf_counter()
    store = run_sweep(load_sweep(spec), Path(out), executor, workers, progress=False)
    wall = time.perf_counter() - t0
    runs = store.load()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"wall_s": wall, "runs": len(runs), "failed": int((runs["status"] != "ok").sum()),
                      "driver_mib": own, "worker_mib": kids, "run_s": float(runs["wall_s"].mean())}))


def measure(tmp: Path, base: Path, runs: int, days: int, executor: str, workers: int) -> dict:
    spec = tmp / f"{executor}-{runs}.yaml"
    spec.write_text(SPEC.format(base=base, runs=runs, days=days))
    out = tmp / f"out-{executor}-{runs}"
    res = subprocess.check_output([sys.executable, __file__, "--child", str(spec), str(out), executor, str(workers)], cwd=ROOT)
    return json.loads(res.decode().strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--years", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-runs", type=int, default=10000)
    p.add_argument("--memory-scenario", choices=["chain", "baseline"], default="chain")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2], int(args.child[3]))
        return
    baseline = ROOT / "scenarios" / "baseline.yaml"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = {ex: measure(tmp, baseline, args.runs, 365 * args.years, ex, args.workers) for ex in ("serial", "processes", "dask")}
        print(f"{args.runs} runs of the baseline over {args.years} years, {args.workers} workers\n")
        print(f"{'executor':<12}{'wall s':>9}{'speed-up':>10}{'s/run':>8}{'overhead/run ms':>17}{'failed':>8}")
        serial = rows["serial"]["wall_s"]
        for ex, r in rows.items():
            per_run = r["wall_s"] / r["runs"]
            ideal = r["run_s"] / (1 if ex == "serial" else args.workers)
            print(f"{ex:<12}{r['wall_s']:>9.1f}{serial / r['wall_s']:>9.2f}x{per_run:>8.3f}{1000 * (per_run - ideal):>17.1f}{r['failed']:>8}")
        dask_vs = rows["dask"]["wall_s"] / rows["processes"]["wall_s"]
        print(f"\nprocesses: {serial / rows['processes']['wall_s']:.2f}x serial (target >= 1.8x); dask / processes: {dask_vs:.2f} (target <= 1.25)")
        base = baseline if args.memory_scenario == "baseline" else ROOT / "tests" / "scenarios" / "chain.yaml"
        mem = measure(tmp, base, args.memory_runs, 365, "processes", args.workers)
        peak = mem["driver_mib"] + args.workers * mem["worker_mib"]
        print(f"\n{mem['runs']:,} runs keeping KPIs only ({base.name}): {mem['wall_s']:.0f} s, driver {mem['driver_mib']:.0f} MiB, "
              f"largest worker {mem['worker_mib']:.0f} MiB, peak total <= {peak:.0f} MiB (target < 1024)")


if __name__ == "__main__":
    main()
