"""Tariffs: an import duty on a link, or on what a region imports (from one region, of some
materials). Buyers with several suppliers tilt their orders towards the cheaper landed price."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..scenario.policy import TimedPolicy
from .base import Policy, PolicyContext, register_policy


class Tariff(TimedPolicy):
    """An import duty on a link or on everything a region imports from another."""

    kind: Literal["tariff"]
    rate_pct: float = Field(ge=0, le=10_000)
    link: str | None = None
    from_region: str | None = Field(None, alias="from")
    to_region: str | None = Field(None, alias="to")
    materials: tuple[str, ...] = ()

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

    def switch_on(self) -> None:
        for link in self.links:
            link.tariff_pct += self.spec.rate_pct  # type: ignore[attr-defined]

    def switch_off(self) -> None:
        for link in self.links:
            link.tariff_pct -= self.spec.rate_pct  # type: ignore[attr-defined]
