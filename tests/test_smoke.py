from pathlib import Path

from sim.engine import simulate
from sim.scenario import load_scenario

HERE = Path(__file__).parent


def test_chain_runs_and_balances():
    out = simulate(load_scenario(HERE / "scenarios" / "chain.yaml").scenario)
    assert out.balance["magnet"]["produced"] > 0
