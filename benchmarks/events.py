"""Events per simulated day of a scenario, by what each event wakes, with and without shared events (run by hand).

    python benchmarks/events.py [scenario.yaml] [--years 10] [--seed N]

Runs the scenario twice in this process: as reesim runs it, and with every timed call given its
own event (``World(scenario, merge_events=False)``), as before calls due at the same moment shared
one (``sim/engine/clock.py``). Each processed event is counted by what it wakes: a process (named
by its generator) or the first of the calls it makes (a shared event counts under its first). The daily outputs of the two runs must be
the same bit for bit: the script says so, or stops. Target (issue 23): at least 25% fewer events
per simulated day on the baseline.
"""

from __future__ import annotations

import argparse
import collections
import functools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine.clock import Clock  # noqa: E402
from sim.engine.world import RunOutput, World  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402


def _what(event) -> str:
    """What an event wakes: a process (its generator's name) or its first call."""
    for call in event.callbacks or []:
        f = call.func if isinstance(call, functools.partial) else call
        if getattr(f, "__name__", "") == "_resume":
            gen = f.__self__._generator  # a compiled generator has no __qualname__: its type's name says it
            return f"process {getattr(gen, '__qualname__', type(gen).__name__)}"
        name = getattr(f, "__qualname__", type(f).__name__)
        return f"call {name}" + (f" (+{len(event.callbacks) - 1})" if len(event.callbacks) > 1 else "")
    return type(event).__name__


def census(world: World) -> tuple[RunOutput, collections.Counter]:
    """Run ``world``, counting each processed event by what it wakes (call lists folded together)."""
    counts: collections.Counter = collections.Counter()
    env = world.env
    step = Clock.step

    def counted_step() -> None:
        counts[_what(env._queue[0][3]).split(" (+")[0]] += 1  # type: ignore[attr-defined]
        step(env)

    env.step = counted_step  # type: ignore[method-assign]
    return world.run(), counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    p.add_argument("--years", type=int, default=10)
    p.add_argument("--seed", type=int, default=None)
    args = p.parse_args()
    overrides = [f"meta.horizon_days={365 * args.years}"] + ([f"meta.seed={args.seed}"] if args.seed is not None else [])
    sc = load_scenario(args.scenario, overrides).scenario
    days = sc.meta.warmup_days + sc.meta.horizon_days
    shared, by_shared = census(World(sc))
    alone, by_alone = census(World(sc, merge_events=False))
    same = shared.keys == alone.keys and np.array_equal(shared.daily, alone.daily)
    if not same:
        sys.exit("the daily outputs differ with and without shared events: a call that is not quiet?")
    print(f"{sc.meta.name}, {args.years} years + {sc.meta.warmup_days} days' warm-up, seed {sc.meta.seed}: "
          "daily outputs the same bit for bit with and without shared events\n")
    print(f"{'events a simulated day, by what they wake':52}{'own events':>12}{'shared':>10}")
    for what, n in by_alone.most_common():
        if n / days >= 0.05:
            print(f"  {what[:50]:50}{n / days:>12.2f}{by_shared.get(what, 0) / days:>10.2f}")
    print(f"  {'all':50}{alone.events / days:>12.2f}{shared.events / days:>10.2f}")
    print(f"\n{1 - shared.events / alone.events:.1%} fewer events ({alone.events:,} -> {shared.events:,}); target: 25% or more")


if __name__ == "__main__":
    main()
