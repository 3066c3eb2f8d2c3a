"""Daily series from event records: flows spread over their span, levels at the end of each day."""

import numpy as np
import pytest

from sim.engine.recorder import Recorder


def test_flows_are_spread_over_their_days():
    rec = Recorder(10)
    f = rec.series("x", "m", "flow")
    rec.flow(f, 0.5, 3.5, 30.0)   # 10 t/day over 3 days
    rec.flow(f, 7.0, 7.0, 4.0)    # a point in time
    rec.flow(f, 9.5, 12.0, 25.0)  # runs past the horizon: only the part inside counts
    daily = rec.daily()[f]
    assert daily.tolist() == pytest.approx([5, 10, 10, 5, 0, 0, 0, 4, 0, 5])


def test_levels_are_read_at_the_end_of_each_day():
    rec = Recorder(5)
    lv = rec.series("s", "m", "level", level=True, initial=7.0)
    rec.level(lv, 1.2, 3.0)
    rec.level(lv, 1.8, 4.0)
    rec.level(lv, 4.0, 9.0)  # at the start of day 4
    assert rec.daily()[lv].tolist() == [7.0, 4.0, 4.0, 4.0, 9.0]


def test_totals_are_conserved():
    rng = np.random.default_rng(0)
    rec = Recorder(50)
    f = rec.series("x", "m", "flow")
    t0 = rng.uniform(0, 45, 200)
    span = rng.uniform(0, 5, 200)
    amt = rng.uniform(0, 10, 200)
    for a, s, q in zip(t0, span, amt, strict=True):
        rec.flow(f, float(a), float(a + s), float(q))
    assert rec.daily()[f].sum() == pytest.approx(amt.sum())
