"""Scenario discovery with PRIM (Friedman & Fisher's patient rule induction): which ranges of the
inputs hold the runs of interest (say, fill rate in the US below 90%)?

Peeling: from the box holding every run, repeatedly cut off the ``alpha`` share of runs from the
one side of one input that most raises the share of runs of interest left inside, until too few
runs remain. Of the boxes on that path, the densest one that still holds at least ``min_coverage``
of the runs of interest is reported. (ema_workbench has a fuller PRIM, but would bring scikit-learn,
statsmodels, seaborn and platypus-opt along; the standalone PRIM package is GPL.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class PrimBox:
    limits: pd.DataFrame  # parameter, low, high (only inputs the box restricts)
    coverage: float  # share of all runs of interest that are in the box
    density: float  # share of runs in the box that are of interest
    mass: float  # share of all runs that are in the box
    trajectory: pd.DataFrame  # coverage, density, mass per peeling step


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_mass: float = 0.05,
         min_coverage: float = 0.5) -> PrimBox:
    """Find a box of numeric inputs ``x`` (one column per input) where ``y`` (booleans) is dense."""
    values = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=bool)
    n, total = len(y), max(int(y.sum()), 1)
    lows, highs = np.nanmin(values, axis=0).copy(), np.nanmax(values, axis=0).copy()
    inside = np.ones(n, dtype=bool)
    boxes = [(lows.copy(), highs.copy(), inside.copy())]
    while inside.sum() > max(min_mass * n, 1):
        best = None
        for j in range(values.shape[1]):
            col = values[inside, j]
            if np.nanmin(col) == np.nanmax(col):
                continue
            for side, cut in (("low", np.nanquantile(col, alpha)), ("high", np.nanquantile(col, 1 - alpha))):
                keep = inside & ((values[:, j] > cut) if side == "low" else (values[:, j] < cut))
                if not keep.any() or keep.sum() == inside.sum():
                    continue
                score = y[keep].mean()
                if best is None or score > best[0]:
                    best = (score, j, side, cut, keep)
        if best is None:
            break
        _, j, side, cut, inside = best
        if side == "low":
            lows[j] = values[inside, j].min()
        else:
            highs[j] = values[inside, j].max()
        boxes.append((lows.copy(), highs.copy(), inside.copy()))
    stats = [(y[b].sum() / total, y[b].mean() if b.any() else 0.0, b.mean()) for _, _, b in boxes]
    trajectory = pd.DataFrame(stats, columns=["coverage", "density", "mass"])
    ok = [i for i, (cov, _, _) in enumerate(stats) if cov >= min_coverage] or [0]
    pick = max(ok, key=lambda i: (stats[i][1], -i))
    lo, hi, _ = boxes[pick]
    full_lo, full_hi = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
    limits = pd.DataFrame(
        [{"parameter": name, "low": lo[j], "high": hi[j], "range_low": full_lo[j], "range_high": full_hi[j]}
         for j, name in enumerate(x.columns) if lo[j] > full_lo[j] or hi[j] < full_hi[j]]
    )
    cov, dens, mass = stats[pick]
    return PrimBox(limits, float(cov), float(dens), float(mass), trajectory)
