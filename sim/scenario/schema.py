"""The scenario schema: what a scenario file may say.

Collections are mappings keyed by id (not lists), so that any value can be reached by a dotted
path such as ``facilities.gansu_kiln.capacity.t_per_day``. Models are frozen: a loaded Scenario
never changes.
"""

from __future__ import annotations

from pydantic import Field

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
from .investment import Investment
from .lab import Lab
from .markets import Allocation, Buyers, Economics, Market, Substitution
from .policy import PolicySpec


class Scenario(Model):
    """A scenario: the world (sites, materials, facilities, links, stocks, demand, markets) and the policies applied to it."""

    meta: Meta = Field(description="name, question, start date, horizon, warm-up and seed")
    regions: dict[str, Region] = Field(description="regions (borders matter for export controls and prices)")
    sites: dict[str, Site] = Field(description="where facilities and stocks stand, each in a region")
    ore_bodies: dict[str, OreBody] = Field({}, description="element shares of deposits (defaults from seeds/ore_bodies.csv)")
    materials: dict[str, Material] = Field(description="products at each stage, in tonnes")
    facilities: dict[str, Facility] = Field({}, description="plants running recipes within capacity (kind defaults from seeds/facility_kinds.csv)")
    links: dict[str, Link] = Field({}, description="shipping lanes between sites")
    stocks: dict[str, dict[str, Stock]] = Field({}, description="site -> material -> opening stock, storage limit, replenishment")
    demand: dict[str, Demand] = Field({}, description="end-use demand at sites, t/day")
    markets: dict[str, Market] = Field({}, description="prices per material and set of regions")
    allocation: Allocation = Field(Allocation(), description="how buyers share a short stock")
    buyers: Buyers = Field(Buyers(), description="backorders and their patience; how home and export buyers share a short stock")
    economics: Economics = Field(Economics(), description="when plants under water idle or close; buyers' price sensitivity")
    substitutions: dict[str, Substitution] = Field({}, description="buyers moving from a dear material to another (thrifting, HRE-free magnets)")
    investment: Investment = Field(Investment(), description="capacity that follows margins and utilisation, within a region's ceiling (off unless enabled)")
    policies: dict[str, PolicySpec] = Field({}, description="what changes the world, at a date or on a trigger (kinds: sim/policies/)")
    lab: Lab | None = Field(None, description="what `reesim lab` lets a student change and shows: controls, KPIs, series, a question")
