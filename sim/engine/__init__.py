"""The simulation engine: a SimPy world built from a Scenario. Knows nothing of files."""

from .ledger import MassBalanceError
from .world import RunOutput, World, simulate

__all__ = ["MassBalanceError", "RunOutput", "World", "simulate"]
