"""A policy kind is a plug-in: a schema class and an engine side, registered by name. This file
defines a kind of its own, registers it and runs it, without touching anything under sim/."""

from __future__ import annotations

from typing import ClassVar, Literal

import pytest
from pydantic import Field

from conftest import base_world, run_dict
from sim.policies import Policy, PolicyContext, TimedPolicy, register_policy, unregister_policy
from sim.scenario import InputError, scenario_from_dict
from sim.scenario.policy_kinds import kinds


class Rationing(TimedPolicy):
    """Buyers in a region may take only a share of what they want (a test-only kind)."""

    kind: Literal["rationing"]
    region: str
    share: float = Field(ge=0, le=1)

    KPIS: ClassVar[dict[str, tuple[str, str]]] = {"days_in_force": ("days", "days the rationing was in force")}


class RationingPolicy(Policy):
    def __init__(self, pid: str, spec: Rationing, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        self.sinks = ctx.demands(region=spec.region)
        self.switches = 0
        self.days_on = 0.0
        self._since: float | None = None

    def switch_on(self) -> None:
        self.switches += 1
        self._since = self.ctx.now
        for sink in self.sinks:
            sink.shock(self.id, self.spec.share)

    def switch_off(self) -> None:
        self.days_on += self.ctx.now - self._since
        for sink in self.sinks:
            sink.shock(self.id, None)

    def counters(self) -> dict[str, float]:
        return {"rationing_switches": float(self.switches)}

    def kpis(self) -> dict[str, float]:
        return {"days_in_force": self.days_on}


@pytest.fixture
def rationing():
    register_policy(Rationing)(RationingPolicy)
    yield
    unregister_policy("rationing")


def rationed_world(policy: dict) -> dict:
    w = base_world(100)
    w["stocks"] = {"market": {"a": {"initial_t": 1e6}}}
    w["demand"] = {"buyers": {"site": "market", "material": "a", "end_use": "x", "t_per_day": 10, "period_days": 1}}
    w["policies"] = {"ration": policy}
    return w


def test_a_kind_defined_outside_sim_registers_validates_and_runs(rationing):
    assert "rationing" in kinds()
    r = run_dict(rationed_world({"kind": "rationing", "region": "usa", "share": 0.25,
                                 "start": "2025-02-01", "duration_days": 30}))
    req = r.timeseries[r.timeseries["variable"] == "requested_t"].groupby("day")["value"].sum()
    assert req[10] == pytest.approx(10)
    assert req[40] == pytest.approx(2.5)  # 1 Feb is day 31; in force for 30 days
    assert req[70] == pytest.approx(10)
    assert r.kpis["policies"]["ration"]["days_in_force"] == pytest.approx(30)
    assert r.run["rationing_switches"] == 1
    assert [e for e in r.policy_events["event"]] == ["start", "end"]


def test_a_registered_kind_gets_the_same_clear_errors(rationing):
    with pytest.raises(InputError) as err:
        scenario_from_dict(rationed_world({"kind": "rationing", "region": "usa", "shre": 0.5}))
    text = str(err.value)
    assert "policies.ration.shre: unknown key 'shre', did you mean 'share'?" in text
    with pytest.raises(InputError) as err:
        scenario_from_dict(rationed_world({"kind": "rationng", "region": "usa", "share": 0.5}))
    assert "did you mean 'rationing'?" in str(err.value)
    with pytest.raises(InputError) as err:
        scenario_from_dict(rationed_world({"kind": "rationing", "region": "mars", "share": 0.5}))
    assert "policies.ration.region: unknown region 'mars'" in str(err.value)


def test_an_unregistered_kind_is_unknown_again():
    register_policy(Rationing)(RationingPolicy)
    unregister_policy("rationing")
    with pytest.raises(InputError, match="unknown kind 'rationing'"):
        scenario_from_dict(rationed_world({"kind": "rationing", "region": "usa", "share": 0.5}))


def test_the_extending_guide_example_registers_and_runs():
    """The policy kind written out in docs/extending.md works as the page says."""
    import re

    from conftest import ROOT

    page = (ROOT / "docs" / "extending.md").read_text()
    code = re.findall(r"```python\n(.*?)```", page, flags=re.S)[0]
    try:
        exec(compile(code, "docs/extending.md", "exec", dont_inherit=True), {"__name__": "docs_extending"})
        w = rationed_world({"kind": "rationing", "region": "usa", "share": 0.5, "start": "2025-02-01", "duration_days": 30})
        r = run_dict(w)
        req = r.timeseries[r.timeseries["variable"] == "requested_t"].groupby("day")["value"].sum()
        assert req[40] == pytest.approx(5) and req[70] == pytest.approx(10)
        assert r.kpis["policies"]["ration"]["buyers_rationed"] == 1
    finally:
        unregister_policy("rationing")
