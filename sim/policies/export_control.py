"""Export controls: limits on shipments leaving a region, as a ban, a quota released in batches,
or licences with a processing delay and an approval probability that changes over time."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from ..scenario.components import Element
from ..scenario.content import covers, material_content, value_weights
from ..scenario.distributions import Distribution
from ..scenario.policy import KIND, AnnouncedPolicy, QuotaBatch, _Model
from ..scenario.ranges import Date, Fraction, Percent, Tonnes
from .base import Policy, PolicyContext, register_policy
from .border import BORDER_RULES, BorderRule, ChinaContentGate, Licence, Quota, quota_schedule

if TYPE_CHECKING:
    from ..scenario.schema import Scenario


class ApprovalStep(_Model):
    """From this date on, a licence is approved with this probability."""

    date: Date = Field(alias="from", description="the first day of decisions this step governs (before the first step: never approved)")
    probability: float = Field(ge=0, le=1, description="chance that a licence decided from then on is approved")


class LicenceTerms(_Model):
    processing_working_days: Distribution = Field(description="delay before a decision, in working days (5 a week)")  # type: ignore[assignment]
    approval: tuple[ApprovalStep, ...] = Field(min_length=1, description="approval probability over time")


class LicenceRoute(LicenceTerms):
    """Licence terms for some destinations: a general licence (shorter delay, higher approval) for
    some regions, or denial for the sites of military end users."""

    to_regions: tuple[str, ...] = Field((), alias="to", description="destination regions this route applies to")
    sites: tuple[str, ...] = Field((), description="destination sites this route applies to (an end user's site)")
    name: str = Field("", description="what the route is, for readers (a general licence, military end users)")

    @model_validator(mode="after")
    def _somewhere(self) -> LicenceRoute:
        if not self.to_regions and not self.sites:
            raise ValueError("a route needs the regions (to) or sites it applies to")
        return self


class ExportControl(AnnouncedPolicy):
    """Limits on shipments leaving a region: a ban, a quota (released in batches) or licences. Once
    announced, the buyers and traders it covers hold more cover until it ends."""

    kind: Literal["export_control"] = Field(description=KIND)
    from_region: str = Field(alias="from", description="the exporting region: the control holds shipments on links leaving it")
    to_regions: tuple[str, ...] = Field((), alias="to", description="destinations; empty = every other region")
    exempt_regions: tuple[str, ...] = Field((), description="destination regions the control does not apply to")
    elements: tuple[Element, ...] = Field((), description="materials containing any of these are controlled")
    min_content_pct: Percent = Field(
        0.0, description="a material is covered when it holds a named element at this share of its mass or more (0: any amount); see docs/controls.md"
    )
    materials: tuple[str, ...] = Field((), description="controlled materials, besides those with the elements")
    exempt_materials: tuple[str, ...] = Field((), description="materials not controlled even if they contain the elements")
    mode: Literal["ban", "quota", "licence"] = Field(
        description="ban: nothing covered leaves; quota: covered tonnes leave while the quota lasts; licence: each shipment waits for a decision"
    )
    quota_t_per_year: Tonnes | None = Field(None, description="quota: tonnes a year that may leave, released in two halves on 1 Jan and 1 Jul")
    quota_batches: tuple[QuotaBatch, ...] = Field((), description="quota releases; default: two halves, 1 Jan and 1 Jul")
    licence: LicenceTerms | None = Field(None, description="licence: the processing delay and the approval probability")
    routes: tuple[LicenceRoute, ...] = Field(
        (), description="licence: other terms for some destinations (the first route a lane's destination matches; the rest: licence)"
    )
    min_china_content_value_share: Fraction | None = Field(
        None, description="follow Chinese content abroad (No. 61): from a region other than China, the control covers goods whose "
        "Chinese-origin content of the named elements is worth this share of their value or more (0.001: 0.1%); see docs/controls.md"
    )
    leakage_t_per_year: Tonnes = Field(
        0.0, description="covered tonnes a year that leave past a ban or quota anyway (smuggled or transshipped), recorded as smuggled_t"
    )

    disruption = True
    KPIS = {
        "licence_approved_t": ("t", "licence mode: tonnes whose export licence was approved"),
        "licence_denied_t": ("t", "licence mode: tonnes whose export licence was refused"),
        "smuggled_t": ("t", "a leaking ban or quota: tonnes that left past the control, off the customs books"),
        "china_content_gated_t": ("t", "min_china_content_value_share: tonnes that left under the control for their Chinese content"),
        "china_content_gated_element_t": (
            "t by element and origin", "min_china_content_value_share: tonnes of each named element in the goods that left under the control, "
            "by its origin (china: traced to Chinese mines, separators or recyclers; other)"),
    }

    @model_validator(mode="after")
    def _mode_fields(self) -> ExportControl:
        if not self.elements and not self.materials:
            raise ValueError("name the controlled elements or materials")
        if self.mode == "quota" and self.quota_t_per_year is None and not self.quota_batches:
            raise ValueError("a quota needs quota_t_per_year or quota_batches")
        if self.mode == "licence" and self.licence is None:
            raise ValueError("licence mode needs licence: {processing_working_days, approval}")
        if self.mode == "licence" and self.leakage_t_per_year > 0:
            raise ValueError("leakage_t_per_year applies to a ban or a quota, not to licences")
        if self.routes and self.mode != "licence":
            raise ValueError("routes apply to licence mode only")
        if self.min_china_content_value_share is not None and not self.elements:
            raise ValueError("following Chinese content needs the elements whose content counts")
        return self


def controlled_materials(scenario: Scenario, spec: ExportControl) -> set[str]:
    """Materials holding a controlled element at the control's threshold or more, plus those
    named, less the exempt ones."""
    wanted, share = set(spec.elements), spec.min_content_pct / 100
    held = material_content(scenario) if wanted else {}
    named = {m for m, content in held.items() if covers(content, wanted, share)} | set(spec.materials)
    return named - set(spec.exempt_materials)


@register_policy(ExportControl)
class ExportControlPolicy(Policy):
    def __init__(self, pid: str, spec: ExportControl, ctx: PolicyContext):
        super().__init__(pid, spec, ctx)
        materials = controlled_materials(ctx.scenario, spec)
        if spec.mode == "licence":
            assert spec.licence is not None
            self.rule: BorderRule = self._licence(ctx, materials, spec.licence, "")
        else:
            self.rule = BORDER_RULES[spec.mode](materials)
        if spec.leakage_t_per_year > 0:
            self.rule.leaks(spec.leakage_t_per_year, lambda: ctx.now)
        dest = set(spec.to_regions) or (set(ctx.scenario.regions) - {spec.from_region})
        self.covered = (dest - set(spec.exempt_regions), materials)
        self.routes = [self._licence(ctx, materials, route, f":route{i}") for i, route in enumerate(spec.routes)]
        self.gates: list[ChinaContentGate] = []
        share = spec.min_china_content_value_share
        weights = value_weights(ctx.scenario, set(spec.elements)) if share is not None else {}
        named = set(spec.elements)
        content = ({m: {el: c for el, c in held.items() if el in named and c}
                    for m, held in material_content(ctx.scenario).items()} if share is not None else {})
        for link in ctx.links(spec.from_region, self.covered[0], materials):
            rule = self._rule_for(ctx, link.id)
            if share is None:
                rule.attach([link])
                continue
            gate = ChinaContentGate(rule, link, weights, share, content)
            rule.links.append(link)  # so that switching the rule wakes the lane
            link.add_rule(gate)
            self.gates.append(gate)
        if spec.announced is not None:
            ctx.at(ctx.day_of(spec.announced), lambda: ctx.expect(*self.covered, self._sources()))
        if isinstance(self.rule, Quota):
            for day, amount, reset in quota_schedule(ctx, spec.quota_t_per_year, spec.quota_batches):
                ctx.at(day, lambda a=amount, r=reset: self.rule.refill(a, r))  # type: ignore[attr-defined]

    @staticmethod
    def _licence(ctx: PolicyContext, materials: set[str], terms: LicenceTerms, tag: str) -> Licence:
        dist = terms.processing_working_days
        return Licence(materials, lambda key: ctx.sampler(dist, "licence_delay" + tag + key),
                       lambda key: ctx.uniform("licence_decision" + tag + key),
                       [(ctx.day_of(step.date), step.probability) for step in terms.approval])

    def _rule_for(self, ctx: PolicyContext, lid: str) -> BorderRule:
        """The first route whose destinations hold the lane's, else the control's own terms."""
        link = ctx.scenario.links[lid]
        region = ctx.scenario.sites[link.to].region
        for route, rule in zip(self.spec.routes, self.routes, strict=True):
            if link.to in route.sites or region in route.to_regions:
                return rule
        return self.rule

    def _sources(self) -> set[str] | None:
        """A rule on goods made abroad reaches only the buyers who import from its region."""
        return {self.spec.from_region} if self.spec.min_china_content_value_share is not None else None

    def _rules(self) -> list[BorderRule]:
        return [self.rule, *self.routes]

    def switch_on(self) -> None:
        for rule in self._rules():
            rule.switch(True)
        if self.spec.announced is not None:
            self.ctx.expect(*self.covered, self._sources())  # again after a suspension, which withdrew it

    def switch_off(self) -> None:
        for rule in self._rules():
            rule.switch(False)
        self.ctx.forget()

    def counters(self) -> dict[str, float]:
        return {"licence_denied_t": sum(r.denied_t for r in self._rules())} if isinstance(self.rule, Licence) else {}

    def kpis(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.spec.min_china_content_value_share is not None:
            by_element: dict[str, dict[str, float]] = {}
            for gate in self.gates:
                for el, by_origin in gate.gated_element_t.items():
                    into = by_element.setdefault(el, {"china": 0.0, "other": 0.0})
                    for origin, t in by_origin.items():
                        into[origin] += t
            out = {"china_content_gated_t": sum(g.gated_t for g in self.gates),
                   "china_content_gated_element_t": dict(sorted(by_element.items()))}
        if isinstance(self.rule, Licence):
            return out | {"licence_approved_t": sum(r.approved_t for r in self._rules()),
                          "licence_denied_t": sum(r.denied_t for r in self._rules())}
        return out | ({"smuggled_t": self.rule.leaked_t} if self.rule.leak_per_day > 0 else {})
