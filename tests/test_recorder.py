"""Daily series from event records: flows spread over their span, levels at the end of each day."""

import numpy as np
import pytest

from sim.engine.recorder import Recorder, SeriesKey


def test_flows_are_spread_over_their_days():
    rec = Recorder(10)
    f = rec.series("x", "m", "flow")
    rec.flow(f, 0.5, 3.5, 30.0)   # 10 t/day over 3 days
    rec.flow(f, 7.0, 7.0, 4.0)    # a point in time
    rec.flow(f, 9.5, 12.0, 25.0)  # runs past the horizon: only the part inside counts
    daily = rec.daily()[f]
    assert daily.tolist() == pytest.approx([5, 10, 10, 5, 0, 0, 0, 4, 0, 5])


def test_a_flow_spanning_days_splits_exactly_by_time():
    rec = Recorder(6)
    f = rec.series("x", "m", "flow")
    rec.flow(f, 1.0, 4.0, 3.0)  # whole days: 1 t each, exactly
    rec.flow(f, 4.5, 5.0, 2.0)  # half a day, inside one day
    assert rec.daily()[f].tolist() == [0.0, 1.0, 1.0, 1.0, 2.0, 0.0]


def test_point_masses_fall_on_their_day_and_add_up():
    rec = Recorder(4)
    f = rec.series("x", "m", "flow")
    rec.flow(f, 0.0, 0.0, 1.0)  # the start of day 0
    rec.flow(f, 2.999, 2.999, 2.0)
    rec.flow(f, 2.0, 2.0, 3.0)  # the same day: they add
    rec.flow(f, 4.0, 4.0, 5.0)  # at the horizon itself: the last day
    rec.flow(f, 9.0, 9.0, 7.0)  # after the horizon: the last day too (a run's last instant)
    assert rec.daily()[f].tolist() == [1.0, 0.0, 5.0, 12.0]


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


def test_levels_are_read_at_the_end_of_each_day():
    rec = Recorder(5)
    lv = rec.series("s", "m", "level", level=True, initial=7.0)
    rec.level(lv, 1.2, 3.0)
    rec.level(lv, 1.8, 4.0)
    rec.level(lv, 4.0, 9.0)  # at the start of day 4
    assert rec.daily()[lv].tolist() == [7.0, 4.0, 4.0, 4.0, 9.0]


def test_levels_keep_the_last_record_of_an_instant_whatever_the_order_recorded():
    rec = Recorder(4)
    a = rec.series("a", "m", "level_t", level=True, initial=1.0)
    b = rec.series("b", "m", "level_t", level=True, initial=2.0)
    never = rec.series("c", "m", "level_t", level=True, initial=3.0)
    rec.level(b, 2.5, 20.0)
    rec.level(a, 1.0, 10.0)
    rec.level(a, 1.0, 11.0)  # same instant: the later record stands
    rec.level(a, 0.5, 5.0)   # recorded late, but earlier in time
    rec.level(b, 7.0, 99.0)  # after the horizon: never seen
    daily = rec.daily()
    assert daily[a].tolist() == [5.0, 11.0, 11.0, 11.0]
    assert daily[b].tolist() == [2.0, 2.0, 20.0, 20.0]
    assert daily[never].tolist() == [3.0] * 4


def test_flows_and_levels_are_kept_apart():
    rec = Recorder(3)
    f = rec.series("x", "m", "produced_t")
    lv = rec.series("x", "m", "level_t", level=True, initial=0.5)
    rec.flow(f, 0.0, 2.0, 4.0)
    rec.level(lv, 1.5, 6.0)
    daily = rec.daily()
    assert daily.shape == (2, 3)
    assert daily[f].tolist() == [2.0, 2.0, 0.0]
    assert daily[lv].tolist() == [0.5, 6.0, 6.0]


def test_series_are_registered_once_in_order():
    rec = Recorder(2)
    a = rec.series("x", "m", "produced_t")
    b = rec.series("y", "", "level_t", level=True)
    assert rec.series("x", "m", "produced_t") == a
    assert (a, b) == (0, 1)
    assert rec.keys == [SeriesKey("x", "m", "produced_t"), SeriesKey("y", "", "level_t")]
    assert rec.daily().tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_recording_goes_on_after_reading_the_daily_series():
    rec = Recorder(3)
    f = rec.series("x", "m", "flow")
    lv = rec.series("s", "m", "level", level=True)
    rec.flow(f, 0.0, 0.0, 1.0)
    rec.level(lv, 0.0, 1.0)
    first = rec.daily()
    for i in range(10_000):  # enough to make the typed arrays grow (they must not be pinned)
        rec.flow(f, 1.0, 1.0, 1.0)
        rec.level(lv, 2.0, float(i))
    second = rec.daily()
    assert first[f].tolist() == [1.0, 0.0, 0.0]
    assert second[f].tolist() == [1.0, 10_000.0, 0.0]
    assert second[lv].tolist() == [1.0, 1.0, 9_999.0]
