"""The simulation engine: a SimPy world built from a Scenario. Knows nothing of files (but for
finding its own compiled modules, see `native`)."""

from .native import use_native

use_native(__path__)  # before any other module of the engine is imported

from .ledger import MassBalanceError  # noqa: E402
from .world import RunOutput, World, simulate  # noqa: E402

__all__ = ["MassBalanceError", "RunOutput", "World", "simulate"]
