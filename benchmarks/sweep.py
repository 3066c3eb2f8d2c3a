"""Sweep speed by executor, a short sweep's speed, and the memory of a large KPI-only sweep (run by hand).

    python benchmarks/sweep.py [--runs 1000] [--years 2] [--workers 2] [--memory-runs 10000]
                               [--short-runs 40] [--repeat 3] [--growth-runs 1000] [--growth-days 60]
                               [--only short|executors|memory|growth ...]

Targets on 2 cores: processes >= 1.8x serial; Dask within 25% of processes; a short sweep (40
one-year runs) never slower with processes than serial, and as near 1.8x as it gets; a
10,000-run sweep keeping only KPIs under 1 GiB of peak memory (driver and workers); the serial
runner's peak growing by less than 0.2 MiB a run over 1,000 runs of the test chain. Each
measurement runs in a fresh process; the short sweep and a worker's import time show the best of
--repeat. The memory sweep uses the small test chain, since memory grows with rows kept, not with
the size of a run; --memory-scenario baseline measures it on the baseline instead.
"""

from __future__ import annotations

import argparse
import itertools
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
WORKER_MODULE = "sim.sweep.tasks"  # what a spawned worker imports to unpickle a chunk's function
_count = itertools.count()


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
    n = next(_count)  # a fresh store each time: a used one would resume, and run nothing
    spec = tmp / f"{executor}-{runs}-{n}.yaml"
    spec.write_text(SPEC.format(base=base, runs=runs, days=days))
    out = tmp / f"out-{executor}-{runs}-{n}"
    res = subprocess.check_output([sys.executable, __file__, "--child", str(spec), str(out), executor, str(workers)], cwd=ROOT)
    return json.loads(res.decode().strip().splitlines()[-1])


def worker_import() -> tuple[float, float]:
    """A fresh interpreter importing the worker's module: its -X importtime seconds, and the wall
    seconds of the whole interpreter (start-up included), as a spawned worker pays them."""
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {WORKER_MODULE}"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    last = [line for line in res.stderr.splitlines() if line.rstrip().endswith(f"| {WORKER_MODULE}")][-1]
    return int(last.split("|")[1]) / 1e6, wall


def short_sweep(tmp: Path, base: Path, runs: int, workers: int, repeat: int) -> None:
    """Serial against processes on a sweep of one-year runs, where pool start-up and chunking show.

    The two alternate, so that a drift in the machine's speed touches both alike; "overhead" is
    the wall time beyond the runs themselves (runs x s/run, over the workers for processes).
    """
    tries: dict[str, list[dict]] = {"serial": [], "processes": []}
    for _ in range(repeat):
        for ex in tries:
            tries[ex].append(measure(tmp, base, runs, 365, ex, workers))
    best = {ex: min(rs, key=lambda r: r["wall_s"]) for ex, rs in tries.items()}
    imports = [worker_import() for _ in range(repeat)]
    print(f"{runs} one-year runs of the baseline, {workers} workers, best of {repeat}\n")
    print(f"{'executor':<12}{'wall s':>9}{'speed-up':>10}{'s/run':>8}{'overhead s':>12}{'failed':>8}")
    serial = best["serial"]["wall_s"]
    for ex, r in best.items():
        overhead = r["wall_s"] - r["runs"] * r["run_s"] / (1 if ex == "serial" else workers)
        print(f"{ex:<12}{r['wall_s']:>9.1f}{serial / r['wall_s']:>9.2f}x{r['run_s']:>8.3f}{overhead:>12.2f}{r['failed']:>8}")
    print(f"\nworker import of {WORKER_MODULE}: {min(i for i, _ in imports):.2f} s (-X importtime), "
          f"{min(w for _, w in imports):.2f} s wall with interpreter start-up")
    print(f"processes: {serial / best['processes']['wall_s']:.2f}x serial (target >= 1.0x, near 1.8x)\n")


def executors(tmp: Path, base: Path, runs: int, years: int, workers: int) -> None:
    """Serial, processes and Dask on a long sweep."""
    rows = {ex: measure(tmp, base, runs, 365 * years, ex, workers) for ex in ("serial", "processes", "dask")}
    print(f"{runs} runs of the baseline over {years} years, {workers} workers\n")
    print(f"{'executor':<12}{'wall s':>9}{'speed-up':>10}{'s/run':>8}{'overhead/run ms':>17}{'failed':>8}")
    serial = rows["serial"]["wall_s"]
    for ex, r in rows.items():
        per_run = r["wall_s"] / r["runs"]
        ideal = r["run_s"] / (1 if ex == "serial" else workers)
        print(f"{ex:<12}{r['wall_s']:>9.1f}{serial / r['wall_s']:>9.2f}x{per_run:>8.3f}{1000 * (per_run - ideal):>17.1f}{r['failed']:>8}")
    dask_vs = rows["dask"]["wall_s"] / rows["processes"]["wall_s"]
    print(f"\nprocesses: {serial / rows['processes']['wall_s']:.2f}x serial (target >= 1.8x); dask / processes: {dask_vs:.2f} (target <= 1.25)\n")


def memory(tmp: Path, base: Path, runs: int, workers: int) -> None:
    """Peak memory of a large sweep that keeps KPIs only."""
    mem = measure(tmp, base, runs, 365, "processes", workers)
    peak = mem["driver_mib"] + workers * mem["worker_mib"]
    print(f"{mem['runs']:,} runs keeping KPIs only ({base.name}): {mem['wall_s']:.0f} s, driver {mem['driver_mib']:.0f} MiB, "
          f"largest worker {mem['worker_mib']:.0f} MiB, peak total <= {peak:.0f} MiB (target < 1024)")


def growth(tmp: Path, base: Path, runs: int, days: int) -> None:
    """How the serial runner's peak memory grows with the number of runs: a sweep of ``runs`` and
    one of a fifth as many, each in a fresh process, alternated twice; the growth per run is the
    difference of their peaks over the difference of their runs (target < 0.2 MiB a run)."""
    few = max(runs // 5, 1)
    peaks: dict[int, list[float]] = {few: [], runs: []}
    for _ in range(2):
        for n in (few, runs):
            peaks[n].append(measure(tmp, base, n, days, "serial", 1)["driver_mib"])
    per_run = (min(peaks[runs]) - min(peaks[few])) / (runs - few)
    print(f"serial sweeps of {base.name} over {days} days: peak {min(peaks[few]):.0f} MiB after {few:,} runs, "
          f"{min(peaks[runs]):.0f} MiB after {runs:,}: {per_run:+.3f} MiB a run (target < 0.2)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--years", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-runs", type=int, default=10000)
    p.add_argument("--memory-scenario", choices=["chain", "baseline"], default="chain")
    p.add_argument("--short-runs", type=int, default=40)
    p.add_argument("--repeat", type=int, default=3, help="repeats of the short sweep (the best is shown)")
    p.add_argument("--growth-runs", type=int, default=1000, help="serial runs for --only growth")
    p.add_argument("--growth-days", type=int, default=60, help="horizon of each run for --only growth")
    p.add_argument("--only", action="append", choices=["short", "executors", "memory", "growth"],
                   help="run only this measurement (repeatable; default: all four)")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.child[2], int(args.child[3]))
        return
    only = set(args.only or ("short", "executors", "memory", "growth"))
    baseline = ROOT / "scenarios" / "baseline.yaml"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "short" in only:
            short_sweep(tmp, baseline, args.short_runs, args.workers, args.repeat)
        if "executors" in only:
            executors(tmp, baseline, args.runs, args.years, args.workers)
        if "memory" in only:
            base = baseline if args.memory_scenario == "baseline" else ROOT / "tests" / "scenarios" / "chain.yaml"
            memory(tmp, base, args.memory_runs, args.workers)
        if "growth" in only:
            growth(tmp, ROOT / "tests" / "scenarios" / "chain.yaml", args.growth_runs, args.growth_days)


if __name__ == "__main__":
    main()
