"""What a run's figures cost: each figure of the 10-year baseline, drawn again and again (run by hand).

    python benchmarks/figures.py [--years 10] [--repeat 7]

One process runs the baseline once, then draws every figure ``--repeat`` times in turn; each
figure's fastest drawing is shown, with its axes, ticks and PNG size, then the fastest of a whole
`write_figures` from the Result (the tables the figures draw from cut anew each time, as a run
does). The minimum, not the mean: on a shared machine the slower drawings measure the neighbours.
Target (issue 23): a run's figures cost at most half of what they did when it was filed; at the
start of the work, on this machine, the per-figure minimums summed to 3.82 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()

    import matplotlib

    import sim.report.figures as figures
    from sim import run_loaded
    from sim.report.frames import prepare
    from sim.scenario import load_scenario

    loaded = load_scenario(ROOT / "scenarios" / "baseline.yaml", [f"meta.horizon_days={365 * args.years}"])
    result = run_loaded(loaded, source="baseline")
    run = prepare(result)
    names = [n for n, f in figures.RUN_FIGURES.items() if f.shows(run)]
    best = dict.fromkeys(names, float("inf"))
    shape: dict[str, tuple[int, int]] = {}
    saved = figures._save

    def counting(fig, title, path, margins=None):  # axes and ticks of each figure, as drawn
        out = saved(fig, title, path, margins)
        shape[Path(path).name] = (sum(ax.get_visible() for ax in fig.axes),
                                  sum(len(ax.xaxis.majorTicks) + len(ax.yaxis.majorTicks) for ax in fig.axes if ax.get_visible()))
        return out

    figures._save = counting
    with tempfile.TemporaryDirectory() as tmp, matplotlib.rc_context(figures.FIXED):
        folder = Path(tmp)
        for _ in range(args.repeat):
            for name in names:
                t0 = time.perf_counter()
                figures.RUN_FIGURES[name].plot(run, folder / name)
                best[name] = min(best[name], time.perf_counter() - t0)
        sizes = {name: (folder / name).stat().st_size for name in names}
        figures._save = saved
        whole = float("inf")
        for _ in range(max(args.repeat // 2, 1)):
            fresh = type(result)(**{f: getattr(result, f) for f in ("timeseries", "entities", "kpis", "run", "balance", "scenario_yaml",
                                                                    "policy_events", "notes")})
            t0 = time.perf_counter()
            figures.write_figures(fresh, folder)
            whole = min(whole, time.perf_counter() - t0)
    print(f"Figures of the {args.years}-year baseline, fastest of {args.repeat} drawings each\n")
    print(f"{'figure':<20}{'seconds':>9}{'axes':>6}{'ticks':>7}{'PNG kB':>8}")
    for name in names:
        axes, ticks = shape.get(name, (0, 0))
        print(f"{name:<20}{best[name]:>9.3f}{axes:>6}{ticks:>7}{sizes[name] / 1000:>8.0f}")
    print(f"{'sum':<20}{sum(best.values()):>9.3f}{sum(a for a, _ in shape.values()):>6}{sum(t for _, t in shape.values()):>7}"
          f"{sum(sizes.values()) / 1000:>8.0f}")
    print(f"\nwrite_figures from the Result (its tables cut anew): {whole:.3f} s, fastest of {max(args.repeat // 2, 1)}")


if __name__ == "__main__":
    main()
