"""The ratio table the benchmarks print: each repetition's ratio, their median and minimum."""

from __future__ import annotations

import statistics


def print_ratios(title: str, ratios: dict[str, list[float]], target: str = "") -> None:
    """One row per ratio: its value in each repetition, the median and the minimum (and ``target``)."""
    width = max(24, 5 * max(len(v) for v in ratios.values()) + 4)
    print(f"\n{title:28}{'each':>{width}}{'median':>9}{'min':>7}" + (f"{'target':>9}" if target else ""))
    for name, values in ratios.items():
        each = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:28}{each:>{width}}{statistics.median(values):>8.2f}x{min(values):>6.2f}x" + (f"{target:>9}" if target else ""))
