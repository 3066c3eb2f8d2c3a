"""The registry of policy kinds, by name.

A policy kind is one module holding its schema class (a ``PolicySpec``) and its engine builder.
The built-in kinds live in ``sim/policies/`` and are found by name the first time the registry
is read (as plug-ins are found through entry points); their modules import no SimPy, so loading
a scenario stays free of the engine. Registering a kind rebuilds the scenario schema, so files
may use it at once.
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from .policy import PolicySpec

BUILTIN_PACKAGE = "sim.policies"
BUILTIN_KINDS = (
    "export_control", "tariff", "capacity_addition", "closure", "outage", "stockpile",
    "price_floor", "production_quota", "supply_modulation", "demand_shock",
)  # fmt: skip


@dataclass(frozen=True)
class PolicyKind:
    """A registered kind: its name, schema and engine builder (opaque to the scenario layer)."""

    name: str
    schema: type[PolicySpec]
    builder: Callable[..., Any] | None


_KINDS: dict[str, PolicyKind] = {}
_state = {"builtins": False, "schema_of": (), "loading": False}


def kind_name(schema: type[PolicySpec]) -> str:
    """The kind a schema class declares: the one value of its ``kind: Literal[...]`` field."""
    values = typing.get_args(schema.model_fields["kind"].annotation)
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(f"{schema.__name__}.kind must be Literal['<kind name>']")
    return values[0]


def register(schema: type[PolicySpec], builder: Callable[..., Any] | None) -> PolicyKind:
    """Register (or replace) a policy kind; scenario files may use it from now on."""
    kind = PolicyKind(kind_name(schema), schema, builder)
    _KINDS[kind.name] = kind
    if not _state["loading"]:  # the built-in kinds rebuild the schema once, when all are in
        _refresh_scenario_schema()
    return kind


def unregister(name: str) -> None:
    """Forget a kind (tests that define their own kinds clean up with this)."""
    _KINDS.pop(name, None)
    _refresh_scenario_schema()


def kinds() -> dict[str, PolicyKind]:
    """Every registered kind, the built-in ones loaded on first use."""
    if not _state["builtins"]:
        _state["builtins"] = _state["loading"] = True
        try:
            for name in BUILTIN_KINDS:
                importlib.import_module(f"{BUILTIN_PACKAGE}.{name}")
        finally:  # even if one failed to load: the schema takes those that did
            _state["loading"] = False
            _refresh_scenario_schema()
    return _KINDS


def disruption_kinds() -> set[str]:
    """Kinds that disrupt supply or demand (the KPIs' time to survive counts from them)."""
    return {name for name, kind in kinds().items() if kind.schema.disruption}


def _refresh_scenario_schema() -> None:
    """Make ``Scenario.policies`` accept exactly the registered kinds (a tagged union on ``kind``)."""
    from .schema import Scenario

    schemas = tuple(kind.schema for kind in _KINDS.values())
    if schemas == _state["schema_of"]:
        return
    _state["schema_of"] = schemas
    if schemas:
        union: Any = Annotated[typing.Union[schemas], Field(discriminator="kind")]  # noqa: UP007 (built from a tuple)
    else:
        union = PolicySpec
    Scenario.model_fields["policies"].annotation = dict[str, union]
    Scenario.model_rebuild(force=True)


def ensure_loaded() -> None:
    """Load the built-in kinds (called before a scenario is validated or its schema written)."""
    kinds()
