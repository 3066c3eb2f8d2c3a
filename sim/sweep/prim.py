"""Scenario discovery with PRIM (Friedman & Fisher's patient rule induction): which ranges of the
inputs hold the runs of interest (say, fill rate in the US below 90%)?

Peeling: from the box holding every run, repeatedly cut off the ``alpha`` share of runs from the
one side of one input that most raises the share of runs of interest left inside, until too few
runs remain. Of the boxes on that path, the densest one that still holds at least ``min_coverage``
of the runs of interest is reported. (ema_workbench has a fuller PRIM, but would bring scikit-learn,
statsmodels, seaborn and platypus-opt along; the standalone PRIM package is GPL.)
"""

from __future__ import annotations

import json
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


def encode_inputs(inputs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Inputs as PRIM peels them: numeric columns as they are, and a categorical one (override
    blocks, text values) as one 0/1 column per level, ``name=level``, so that the box may keep or
    drop each level. Returns the frame and each categorical input's levels."""
    columns, levels = {}, {}
    for name in inputs.columns:
        numeric = pd.to_numeric(inputs[name], errors="coerce")
        if numeric.notna().all():
            columns[name] = numeric.astype(float)
            continue
        text = inputs[name].astype(str)
        levels[name] = list(dict.fromkeys(text))
        for level in levels[name]:
            columns[f"{name}={level}"] = (text == level).astype(float)
    return pd.DataFrame(columns, index=inputs.index), levels


def decode_limits(limits: pd.DataFrame, levels: dict[str, list[str]]) -> pd.DataFrame:
    """A box's limits over `encode_inputs` columns, back per input: a categorical input gets one
    row whose ``levels`` (a JSON list) are those the box keeps; numeric rows have no levels."""
    encoded = {f"{name}={lv}" for name, all_levels in levels.items() for lv in all_levels}
    rows = [{**r, "levels": ""} for r in limits.to_dict("records") if r["parameter"] not in encoded]
    for name, all_levels in levels.items():
        kept = [lv for lv in all_levels if _keeps(limits, f"{name}={lv}", all_levels, name)]
        if len(kept) < len(all_levels):
            rows.append({"parameter": name, "low": np.nan, "high": np.nan, "range_low": np.nan, "range_high": np.nan,
                         "levels": json.dumps(kept)})
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "range_low", "range_high", "levels"])


def _keeps(limits: pd.DataFrame, column: str, all_levels: list[str], name: str) -> bool:
    """Whether a box keeps a level: not when its own column is held at 0, nor when another
    level's column is held at 1 (the box then holds that level alone)."""
    box = limits.set_index("parameter")
    if column in box.index and box.loc[column, "high"] < 1:
        return False
    others = [f"{name}={lv}" for lv in all_levels if f"{name}={lv}" != column]
    return not any(o in box.index and box.loc[o, "low"] > 0 for o in others)
