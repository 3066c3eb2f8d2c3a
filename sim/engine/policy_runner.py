"""When a timed policy is in force: a start date or a trigger, and an end date, a duration or a
release condition. Triggers are checked once a day, just before midnight, so a policy fires on
the day its condition first holds."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..policies.base import Policy
from ..scenario.policy import TimedPolicy
from .conditions import holds

if TYPE_CHECKING:
    from .context import EngineContext
    from .world import World

END_OF_DAY = 1 - 1e-6


def until_end_of_day(now: float) -> float:
    """Time to the next check, just before midnight, when all of the day's events have happened."""
    check = math.floor(now) + END_OF_DAY
    if check <= now + 1e-12:
        check += 1
    return check - now


class PolicyRunner:
    """Switches a policy on and off as its spec's timing says, and logs each switch."""

    def __init__(self, world: World, ctx: EngineContext, policy: Policy):
        assert isinstance(policy.spec, TimedPolicy)
        self.world = world
        self.ctx = ctx
        self.policy = policy
        self.spec: TimedPolicy = policy.spec
        self.active = False
        # without a start date a policy starts with the scenario (after the warm-up)
        self.start_day = world.day_of(self.spec.start) if self.spec.start is not None else float(world.warmup)
        # it acts from the start date unless it says it acts in the warm-up (a start before the
        # start date still counts for its end: 60 days from a month before ends a month in)
        self.effect_from = self.start_day if self.spec.in_warmup else max(self.start_day, float(world.warmup))

    def in_force_from_the_first_moment(self) -> bool:
        return self.spec.when is None and self.effect_from <= self.world.env.now and not self._over_before_it_acts()

    def _end_of(self, came_into_force: float) -> float | None:
        """When a policy that came into force at ``came_into_force`` ends (None: on a condition, or never)."""
        if self.spec.end is not None:
            return self.world.day_of(self.spec.end)
        if self.spec.duration_days is not None:
            return came_into_force + self.spec.duration_days
        return None

    def _over_before_it_acts(self) -> bool:
        end = self._end_of(self.start_day)
        return self.spec.when is None and end is not None and end <= self.effect_from

    def switch_on(self) -> None:
        self.active = True
        if not self._suspended_now():
            self.policy.switch_on()
        self.ctx.log("start")

    def start(self) -> None:
        self.world.env.process(self._run())
        for window in self.spec.suspended:
            self.world.env.process(self._suspend(self.world.day_of(window.from_), self.world.day_of(window.to)))

    def _suspended_now(self) -> bool:
        now = self.world.env.now
        return any(self.world.day_of(w.from_) <= now < self.world.day_of(w.to) for w in self.spec.suspended)

    def _suspend(self, first: float, after: float):
        """A suspension window: a policy in force stops applying from its first day and applies
        again the day after it (if still in force)."""
        env = self.world.env
        if after <= env.now:
            return
        if first > env.now:
            yield env.timeout(first - env.now)
        if self.active:
            self.policy.switch_off()
            self.ctx.log("suspended")
        yield env.timeout(after - env.now)
        if self.active:
            self.policy.switch_on()
            self.ctx.log("resumed")

    def _run(self):
        world, spec, env = self.world, self.spec, self.world.env
        came = self.start_day
        if not self.active:
            if self._over_before_it_acts():
                return  # in force only in the warm-up, which it does not act in
            if self.effect_from > env.now:
                yield env.timeout(self.effect_from - env.now)
            if spec.when is not None:
                while True:
                    yield env.timeout(until_end_of_day(env.now))
                    if holds(spec.when, world):
                        break
                came = env.now
            self.switch_on()
        end = self._end_of(came)
        if end is not None:
            if end > env.now:
                yield env.timeout(end - env.now)
        elif spec.release_when is not None:
            while True:
                yield env.timeout(until_end_of_day(env.now))
                if holds(spec.release_when, world):
                    break
        else:
            return  # in force to the end
        self.active = False
        if not self._suspended_now():
            self.policy.switch_off()
        self.ctx.log("end")
