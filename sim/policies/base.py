"""The engine side of a policy kind, the context the engine gives it, and registration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from ..scenario.components import Facility as FacilitySpec
from ..scenario.distributions import Dist
from ..scenario.policy import Condition, PolicySpec
from ..scenario.policy_kinds import register, unregister
from ..scenario.schema import Scenario


class PolicyContext(Protocol):
    """What the engine lets a policy see and do. Engine objects (stocks, links, plants, demand,
    markets) come back as handles whose few public methods the policy may call."""

    scenario: Scenario
    warmup_days: int

    @property
    def now(self) -> float: ...
    def day_of(self, date: dt.date) -> float: ...
    def date_of(self, t: float) -> dt.date: ...
    def at(self, t: float, action: Callable[[], None]) -> None: ...
    def every(self, days: float, action: Callable[[], None], first: float = 0.0) -> None: ...
    def signal(self) -> Any: ...
    def log(self, event: str) -> None: ...
    def sampler(self, dist: Dist, purpose: str) -> Callable[[], float]: ...
    def uniform(self, purpose: str) -> Callable[[], float]: ...
    def level_series(self, entity: str, variable: str, initial: float = 0.0) -> Callable[[float], None]: ...
    def stock(self, site: str, material: str) -> Any: ...
    def new_stock(self, site: str, material: str, region: str, initial_t: float, max_t: float | None) -> Any: ...
    def region_of(self, site: str) -> str: ...
    def link(self, lid: str) -> Any: ...
    def links(self, from_region: str | None = None, to_regions: set[str] | None = None,
              materials: set[str] | None = None) -> list[Any]: ...
    def facility(self, fid: str) -> Any: ...
    def facility_spec(self, fid: str) -> FacilitySpec: ...
    def facilities(self, region: str | None = None, stage: str | None = None) -> list[Any]: ...
    def demands(self, region: str | None = None, end_use: str | None = None, material: str | None = None) -> list[Any]: ...
    def market(self, mid: str) -> Any: ...
    def price(self, material: str, region: str) -> float | None: ...
    def expect(self, regions: set[str], materials: set[str], sources: set[str] | None = None) -> None: ...
    def forget(self) -> None: ...
    def holds(self, condition: Condition) -> bool: ...


class Policy:
    """A policy in the running world. The engine switches a timed policy on and off as its spec's
    timing says; a policy that keeps its own clock (``timed = False``) starts itself."""

    timed: ClassVar[bool] = True

    def __init__(self, pid: str, spec: PolicySpec, ctx: PolicyContext):
        self.id = pid
        self.spec = spec
        self.ctx = ctx

    @classmethod
    def facilities(cls, pid: str, spec: Any, ctx: PolicyContext) -> dict[str, FacilitySpec]:
        """Facilities this policy adds to the world (built with the others, before any runs)."""
        return {}

    def switch_on(self) -> None:
        """The policy comes into force."""

    def switch_off(self) -> None:
        """The policy ends."""

    def counters(self) -> dict[str, float]:
        """Run totals summed over policies of every kind into run.json (e.g. ``licence_denied_t``)."""
        return {}

    def kpis(self) -> dict[str, Any]:
        """This policy's own KPIs, reported under ``policies.<id>`` (numbers, or tables of them by key)."""
        return {}

    def facility_attributes(self) -> dict[str, dict[str, float]]:
        """Columns of the entities table for facilities this policy added (e.g. their capex)."""
        return {}


def register_policy(schema: type[PolicySpec]) -> Callable[[type[Policy]], type[Policy]]:
    """Class decorator: register a Policy subclass as the engine side of ``schema``'s kind."""

    def decorate(cls: type[Policy]) -> type[Policy]:
        register(schema, cls)
        return cls

    return decorate


def unregister_policy(name: str) -> None:
    """Forget a policy kind."""
    unregister(name)
