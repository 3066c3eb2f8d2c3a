"""A run simulated in a forked child while the parent loads what follows (sim/beside.py): the same
output as simulating here, the child's errors raised here, and the parent's work done meanwhile."""

import numpy as np
import pytest

from conftest import TEST_SCENARIOS
from sim.beside import simulate_beside
from sim.cores import can_fork
from sim.engine import simulate
from sim.scenario import load_scenario


def test_the_childs_output_is_the_one_simulated_here():
    scenario = load_scenario(TEST_SCENARIOS / "chain.yaml").scenario
    done = []
    there, _ = simulate_beside(scenario, lambda: done.append(True))
    here = simulate(scenario)
    assert done == [True]
    assert there.scenario is scenario and there.keys == here.keys
    assert np.array_equal(there.daily, here.daily) and there.events == here.events
    assert there.entities.equals(here.entities) and there.balance == here.balance
    assert there.policy_kpis == here.policy_kpis and there.policy_events == here.policy_events


@pytest.mark.skipif(not can_fork(), reason="needs fork and a second core")
def test_an_error_in_the_childs_simulation_is_raised_here(monkeypatch):
    import sim.beside

    def broken(_scenario, *_args):
        raise ValueError("a defect in the engine")

    monkeypatch.setattr(sim.beside, "simulate", broken)  # the child is a fork: it inherits the patch
    scenario = load_scenario(TEST_SCENARIOS / "chain.yaml").scenario
    with pytest.raises(ValueError, match="a defect in the engine") as raised:
        simulate_beside(scenario, lambda: None)
    assert any("simulation process" in note and "broken" in note for note in raised.value.__notes__)
