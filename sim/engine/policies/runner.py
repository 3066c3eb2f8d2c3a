"""When a policy is in force: a start date or a trigger, and an end date, a duration or a release
condition. Triggers are checked once a day, just before midnight, so a policy fires on the day
its condition first holds."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from .conditions import holds

if TYPE_CHECKING:
    from ..world import World


END_OF_DAY = 1 - 1e-6


def until_end_of_day(now: float) -> float:
    """Time to the next check, just before midnight, when all of the day's events have happened."""
    check = math.floor(now) + END_OF_DAY
    if check <= now + 1e-12:
        check += 1
    return check - now


class PolicyRunner:
    """Switches a policy on and off as its timing says, and logs each switch."""

    def __init__(self, world: World, pid: str, spec, on: Callable[[], None], off: Callable[[], None] | None):
        self.world = world
        self.id = pid
        self.spec = spec
        self.on = on
        self.off = off
        self.active = False
        # without a start date a policy starts with the scenario (after the warm-up); one in force
        # from the very first moment is switched on while the world is built, before any process
        # runs, so that nothing slips through on that day
        self.start = world.day_of(spec.start) if spec.start is not None else float(world.warmup)
        if spec.when is None and self.start <= world.env.now:
            self._switch_on()
        world.env.process(self._run())

    def _switch_on(self) -> None:
        self.active = True
        self.on()
        self.world.log_policy(self.id, self.spec.kind, "start")

    def _run(self):
        world, spec, env = self.world, self.spec, self.world.env
        if not self.active:
            if self.start > env.now:
                yield env.timeout(self.start - env.now)
            if spec.when is not None:
                while True:
                    yield env.timeout(until_end_of_day(env.now))
                    if holds(spec.when, world):
                        break
            self._switch_on()
        if spec.end is not None:
            end = world.day_of(spec.end)
            if end > env.now:
                yield env.timeout(end - env.now)
        elif spec.duration_days is not None:
            yield env.timeout(spec.duration_days)
        elif spec.release_when is not None:
            while True:
                yield env.timeout(until_end_of_day(env.now))
                if holds(spec.release_when, world):
                    break
        else:
            return  # in force to the end
        self.active = False
        if self.off is not None:
            self.off()
        world.log_policy(self.id, spec.kind, "end")
