"""Timed calls due at the same moment share one event, and nothing changes but the event count."""

import numpy as np
import pytest
import simpy

from conftest import SCENARIOS
from sim.engine.clock import Clock
from sim.engine.world import World
from sim.scenario import load_scenario


def _calls(merge: bool):
    """Three calls due at day 5, another event scheduled for day 5 between the second and third."""
    env, seen = Clock(merge), []
    env.call_later(5, lambda _ev: seen.append("a"))
    env.call_later(5, lambda _ev: seen.append("b"))
    other = env.timeout(5)
    other.callbacks.append(lambda _ev: seen.append("other"))
    env.call_later(5, lambda _ev: seen.append("c"))
    env.call_later(5, lambda _ev: seen.append("d"))
    env.call_later(3, lambda _ev: seen.append("early"))
    events = 0
    while env.peek() < float("inf"):
        env.step()
        events += 1
    return seen, events


def test_calls_due_together_share_an_event_in_their_order():
    merged, merged_events = _calls(True)
    alone, alone_events = _calls(False)
    assert merged == alone == ["early", "a", "b", "other", "c", "d"]
    assert (merged_events, alone_events) == (4, 6)  # a+b, other, c+d, early


def test_a_call_scheduled_while_its_moment_runs_gets_its_own_event():
    env, seen = Clock(), []

    def first(_ev):
        seen.append(("first", env.now))
        env.call_later(0, lambda _e: seen.append(("now", env.now)))

    env.call_later(2, first)
    env.call_later(2, lambda _ev: seen.append(("second", env.now)))
    env.run()
    assert seen == [("first", 2), ("second", 2), ("now", 2)]


def test_a_process_timeout_for_the_same_moment_is_not_joined():
    env, seen = Clock(), []

    def proc():
        yield env.timeout(1)
        seen.append("process")

    env.process(proc())
    env.run(until=0.5)  # the process now waits on its timeout for day 1
    env.call_later(0.5, lambda _ev: seen.append("call"))
    env.run()
    assert seen == ["process", "call"]
    assert isinstance(env, simpy.Environment)


# the library's scenarios that exercise lanes, orders, licences, quotas, a leaking ban (a lane that
# sleeps at most its dispatch period), a reserve and lessons
CASES = {"baseline.yaml": [], "export_licensing_2025.yaml": [], "export_quota_2010.yaml": [],
         "export_ban_heavy.yaml": ["policies.heavy_ban.leakage_t_per_year=800"], "stockpile_release.yaml": [],
         "teaching/4_bullwhip.yaml": [], "teaching/7_price_feedback.yaml": []}


SHORT = ["meta.warmup_days=60", "meta.horizon_days=200"]  # the 2025 licences' April start and July's reserve release


@pytest.mark.parametrize("name", CASES)
def test_merged_events_give_the_same_days_bit_for_bit(name):
    for seed in (1, 2):
        sc = load_scenario(SCENARIOS / name, [f"meta.seed={seed}", *SHORT, *CASES[name]]).scenario
        merged, alone = World(sc).run(), World(sc, merge_events=False).run()
        assert merged.keys == alone.keys
        np.testing.assert_array_equal(merged.daily, alone.daily)
        assert merged.counters == alone.counters and merged.policy_kpis == alone.policy_kpis
        assert merged.events < alone.events
        if CASES[name]:  # the ban leaked: its lanes slept on a timer as well as on pokes
            assert merged.policy_kpis["heavy_ban"]["smuggled_t"] > 0


def test_the_baseline_makes_a_quarter_fewer_events_a_day():
    sc = load_scenario(SCENARIOS / "baseline.yaml", SHORT).scenario
    merged, alone = World(sc).run().events, World(sc, merge_events=False).run().events
    assert merged <= 0.75 * alone
