"""The scenario schema: what a scenario file may say.

Collections are mappings keyed by id (not lists), so that any value can be reached by a dotted
path such as ``facilities.gansu_kiln.capacity.t_per_day``. Models are frozen: a loaded Scenario
never changes.
"""

from __future__ import annotations

from .components import (  # noqa: F401  (re-exported: the schema in one place)
    ELEMENTS,
    KPI_STAGES,
    STAGES,
    Capacity,
    Commissioning,
    Demand,
    Element,
    Facility,
    Link,
    Material,
    Meta,
    Model,
    OreBody,
    Outages,
    Recipe,
    Region,
    Replenishment,
    Site,
    Stage,
    Stock,
)
from .markets import Allocation, Economics, Market
from .policies import Policy


class Scenario(Model):
    meta: Meta
    regions: dict[str, Region]
    sites: dict[str, Site]
    ore_bodies: dict[str, OreBody] = {}
    materials: dict[str, Material]
    facilities: dict[str, Facility] = {}
    links: dict[str, Link] = {}
    stocks: dict[str, dict[str, Stock]] = {}
    demand: dict[str, Demand] = {}
    markets: dict[str, Market] = {}
    allocation: Allocation = Allocation()
    economics: Economics = Economics()
    policies: dict[str, Policy] = {}
