"""Tariffs: an import duty on a link, or on what a region imports (from one region, of some
materials). Buyers with several suppliers tilt their orders towards the cheaper landed price."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..scenario.policy import KIND, AnnouncedPolicy
from .base import Policy, PolicyContext, register_policy


class Tariff(AnnouncedPolicy):
    """An import duty on a link or on everything a region imports from another. Once announced,
    the importing buyers and traders hold more cover until it comes into force (they buy ahead
    of the duty)."""

    kind: Literal["tariff"] = Field(description=KIND)
    rate_pct: float = Field(ge=0, le=10_000, description="duty, % of the origin price: raises the landed price buyers weigh in choosing suppliers")
    link: str | None = Field(None, description="the link taxed (instead of to)")
    from_region: str | None = Field(None, alias="from", description="with to: only links from this region (none: from every region)")
    to_region: str | None = Field(None, alias="to", description="the importing region: links into it are taxed")
    materials: tuple[str, ...] = Field((), description="with to: only links carrying any of these materials (empty: every link)")

    @model_validator(mode="after")
    def _target(self) -> Tariff:
        if self.link is None and self.to_region is None:
            raise ValueError("a tariff needs a link or a destination region (to)")
        return self


@register_policy(Tariff)
class TariffPolicy(Policy):
    def __init__(self, pid: str, spec: Tariff, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        if spec.link is not None:
            self.links = [ctx.link(spec.link)]
        else:
            assert spec.to_region is not None
            self.links = ctx.links(spec.from_region, {spec.to_region}, set(spec.materials) or None)
        in_force = ctx.day_of(spec.start) if spec.start is not None else float(ctx.warmup_days)
        if spec.announced is not None and ctx.day_of(spec.announced) < in_force:
            regions = {ctx.region_of(stock.site) for link in self.links for stock in link.dests.values()}
            materials = set(spec.materials) or {m for link in self.links for m in link.dests}
            ctx.at(ctx.day_of(spec.announced), lambda: ctx.expect(regions, materials))

    def switch_on(self) -> None:
        for link in self.links:
            link.tariff_pct += self.spec.rate_pct  # type: ignore[attr-defined]
        self.ctx.forget()  # the duty bites: buying ahead of it is over

    def switch_off(self) -> None:
        for link in self.links:
            link.tariff_pct -= self.spec.rate_pct  # type: ignore[attr-defined]
