"""How fast the lab answers a slider (run by hand): per lesson, and for the world baseline.

    python benchmarks/lab.py [--repeat 5]

For each scenario: the time to open it (load and check), its first run, and a control moved
(the first control to half way along its range and back, alternately): the model's run alone and
the page's whole answer in-process (run, charts' data, KPI cards), which the browser then draws
(about 0.3 s more, measured by tests/test_lab_app.py). Target: the page answers within a second
for every lesson; longer runs (the baseline) show progress and can be cancelled instead.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 1.0


def measure(path: Path, repeat: int) -> dict[str, float]:
    from sim.lab.app import LabPage
    from sim.lab.model import LabSession

    started = time.perf_counter()
    session = LabSession.open(path)
    opened = time.perf_counter() - started
    first = session.run().seconds
    cid, view = next(iter(session.controls.items()))
    c = view.control
    moved = c.values[1] if c.values is not None else (c.min + c.max) / 2  # type: ignore[operator]
    runs = [session.run({cid: moved if i % 2 == 0 else view.default}).seconds for i in range(repeat)]
    page = LabPage([path])
    answers = []
    for i in range(repeat):
        started = time.perf_counter()
        asyncio.run(page.change(cid, moved if i % 2 == 0 else view.default))
        answers.append(time.perf_counter() - started)
    return {"open": opened, "first": first, "run": statistics.median(runs), "page": statistics.median(answers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    paths = [*sorted((ROOT / "scenarios" / "teaching").glob("*.yaml")), ROOT / "scenarios" / "baseline.yaml"]
    print(f"{'scenario':30} {'open s':>7} {'first run s':>12} {'rerun s':>8} {'page answer s':>14}  within {TARGET_S:g} s")
    for path in paths:
        m = measure(path, args.repeat)
        ok = "yes" if m["page"] <= TARGET_S else "no (progress and Cancel shown)"
        print(f"{path.stem:30} {m['open']:7.2f} {m['first']:12.2f} {m['run']:8.2f} {m['page']:14.2f}  {ok}")


if __name__ == "__main__":
    main()
