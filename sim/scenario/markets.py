"""Markets and prices, buyers' allocation and plant economics, as scenario data."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from .components import SOURCE
from .ranges import MAX_USD_PER_KG, Fraction, PositiveDays, Price, Ratio, Step


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


class Market(_Model):
    """A price for one material over a set of regions, formed from scarcity.

    price = reference price x (cover / target cover) ^ (-1 / elasticity), within [floor, cap]
    multiples of the reference, where cover = stock in the market's regions (less the backorders
    waiting for it) over the smoothed pace at which it is wanted, in days. No published
    elasticity was found (data/10): 1.0 means that halving the cover doubles the price.

    A product ``made_from`` inputs cannot stay below their cost plus its conversion cost (metal
    over its oxide, alloy over its metals, magnet over its alloy), the inputs priced in this
    market's first region; ``pricing: cost_plus`` prices it at that cost always (an intermediate
    held in lean pipelines, whose own cover says little).

    ``also_counts`` measures the cover of an element rather than of one form of it: where the
    oxide only passes through (Dy oxide outside China goes straight into metal), the metal
    stocks downstream, in oxide equivalent, hold what the buyers can count on.
    """

    material: str = Field(description="the material priced")
    regions: tuple[str, ...] = Field((), description="regions of this market; empty = every region no other market of this material names")
    price_usd_per_kg: Price = Field(description="reference price at target cover")
    target_cover_days: PositiveDays | None = Field(
        None, description="cover at which the price is the reference; default: the median cover over the second half of the warm-up"
    )
    elasticity: float = Field(1.0, ge=0.05, le=100, description="of cover with respect to price (see class doc)")
    min_multiple: float = Field(0.25, gt=0, le=1, description="price floor, as a multiple of the reference price")
    max_multiple: float = Field(20.0, ge=1, le=1e4, description="price cap, as a multiple of the reference price")
    update_days: Step = Field(7.0, description="days between price updates")
    smoothing: float = Field(0.1, gt=0, le=1, description="exponential smoothing of outflow and stock (weekly: ~10 weeks of memory)")
    made_from: dict[str, Ratio] = Field({}, description="t of each input per t of this product: the price stays at or above their cost plus conversion")
    also_counts: dict[str, Ratio] = Field(
        {}, description="other materials whose stocks and pace count towards this one's cover, t of this per t of theirs (an element held downstream as metal)"
    )
    conversion_usd_per_kg: Annotated[float, Field(ge=0, le=MAX_USD_PER_KG)] | None = Field(
        None, description="conversion cost over the inputs (default: the reference price less the inputs at their reference prices)"
    )
    stranded_after_days: PositiveDays | None = Field(
        180.0, description="from the start date, stock with no end-use buyer beside it, beyond this many days of what its plants and lanes take, is stranded and sets no price; none: all stock counts"
    )
    pricing: Literal["scarcity", "cost_plus"] = Field("scarcity", description="scarcity: from cover (never below the inputs' cost); cost_plus: the inputs' cost plus conversion")
    source: str = Field("", description=SOURCE)


class Allocation(_Model):
    """How buyers at one stock share it when it is short."""

    rule: Literal["pro_rata", "priority"] = Field(
        "pro_rata", description="pro_rata: every buyer gets the same share of what it wants; priority: end uses in priority order, the rest last"
    )
    priority: tuple[str, ...] = Field((), description="end uses served first, in order (rule: priority)")


class Economics(_Model):
    """When plants with a unit cost idle or close because the price does not cover it, and how
    buyers with several suppliers weigh their landed prices (tariffs included)."""

    idle_after_days: PositiveDays = Field(90.0, description="a plant idles after this many days in a row with a negative margin, and restarts once it is positive")
    close_after_days: PositiveDays = Field(365.0, description="a plant closes for good after this many days in a row with a negative margin")
    review_days: Step = Field(7.0, description="days between reviews of every plant's margin")
    buyer_price_sensitivity: float = Field(
        4.0, ge=0, le=100, description="order share ~ landed price ^ -sensitivity (ASSUMPTION); a lane an export control holds "
        "lands at no less than the destination's price"
    )


Share = Fraction

BACKORDER_SHARE_BY_END_USE: dict[str, float] = {
    "industrial_motors": 0.8,
    "defense": 0.9,
    "wind": 0.7,
    "ev_traction": 0.6,
    "electronics": 0.3,
}
"""ASSUMPTION backorder_share (seeds/assumptions.csv): a buyer who builds to a project or a long
contract (defence, industrial drives, wind) waits for parts; consumer goods lose the sale."""


class Precaution(_Model):
    """Precautionary buying and destocking: buyers who order up to a target cover raise it while
    the price of what they buy rises fast, and run it down while it falls (the hoarding that
    amplified 2011, the destocking of 2012). Over ``window_days`` the price's relative change x
    sets a cover multiple 1 + ``cover_per_price_rise`` x (x > 0) or 1 + ``cover_per_price_fall`` x
    (x < 0), within [``min_multiple``, ``max_multiple``]; the buyers' multiple moves towards it
    with a time constant of ``adjust_days``. Zero per rise and per fall: no precaution."""

    window_days: PositiveDays = Field(90.0, description="how far back buyers compare the price")
    cover_per_price_rise: float = Field(ge=0, le=100, default=0.0, description="extra cover multiple per 100% price rise (ASSUMPTION precaution)")
    cover_per_price_fall: float = Field(ge=0, le=100, default=0.0, description="cover multiple given up per 100% price fall")
    min_multiple: float = Field(0.5, gt=0, le=1, description="lowest cover multiple (deepest destocking)")
    max_multiple: float = Field(2.0, ge=1, le=100, description="highest cover multiple (most hoarding)")
    adjust_days: PositiveDays = Field(60.0, description="time constant of the change in cover")

    def target(self, change: float) -> float:
        """The cover multiple buyers aim for after a relative price change ``change``."""
        k = self.cover_per_price_rise if change > 0 else self.cover_per_price_fall
        return min(max(1.0 + k * change, self.min_multiple), self.max_multiple)


class Anticipation(_Model):
    """Buyers and traders who act on the cover they expect: from the day a control is announced
    (its ``announced`` date, before it comes into force) until it ends, those in the regions it covers hold
    ``cover_multiple`` times their target cover of the materials it covers. Buyers who order to a
    cover order the difference forward; a market's price reads its cover against the raised
    target, weighted by the share of its pace that is covered, so prices move before stocks
    run down."""

    cover_multiple: float = Field(1.5, ge=1, le=10, description="target cover multiple of covered buyers and traders from a control's announcement to its end (ASSUMPTION anticipation)")


class Buyers(_Model):
    """How end users behave when they are short, and how home and export buyers share a stock.

    Buyers remember what they wanted: of demand not met when due, ``backorder_share`` (by end use)
    waits as a backorder, served before new demand; the rest is lost. A backorder waits on average
    ``patience_days`` before it is cancelled (lost too). Forecasts and orders follow what was
    wanted, not what was delivered.
    """

    backorder_share: dict[str, Share] = Field(
        default_factory=lambda: dict(BACKORDER_SHARE_BY_END_USE),
        description="share of unmet demand that waits as a backorder, by end use (ASSUMPTION backorder_share)",
    )
    other_backorder_share: Share = Field(0.5, description="for end uses not in backorder_share (ASSUMPTION backorder_share)")
    patience_days: PositiveDays = Field(120.0, description="mean wait before a backorder is cancelled (ASSUMPTION backorder_patience)")
    precaution: Precaution = Field(Precaution(), description="precautionary buying and destocking by buyers who order to a cover")
    anticipation: Anticipation = Field(Anticipation(), description="the cover buyers and traders hold once a control is announced")
    home_and_export: Literal["pro_rata", "home_first"] = Field(
        "pro_rata", description="when a stock is short: home users and export orders share it pro rata to what they want, or home users first"
    )

    def share_for(self, end_use: str) -> float:
        return self.backorder_share.get(end_use, self.other_backorder_share)


SUBSTITUTION_REACH: dict[str, float] = {
    "ev_traction": 0.5,
    "industrial_motors": 0.5,
    "wind": 0.3,
    "defense": 0.0,
}
"""ASSUMPTION substitution_reach (seeds/assumptions.csv): the share of an end use's demand for the
dearer grade that can move to the other by redesign (NEDO's 40% less Dy, Honda's HRE-free motor;
defence specifications do not move)."""


class Substitution(_Model):
    """Buyers of one material (a Dy/Tb-bearing magnet grade) move to another (the HRE-free grade)
    while the first is dear: once its price, against its reference, stands more than
    ``premium_pct`` above the other's, a buyer moves up to ``rate_pct_per_year`` of its end use's
    demand a year, up to the ``reach`` of that end use. Redesigns stick: demand does not move back
    when the premium falls. Per buyer site and end use, the two materials' demands are paired.

    Without ``to`` it is thrifting: buyers need less of the material (less Dy a magnet, alumina
    for ceria in polishing) once its price stands ``premium_pct`` above its reference, and the
    demand that moves is gone."""

    from_: str = Field(alias="from", description="the material buyers move away from")
    to: str | None = Field(None, description="the material they move to (none: thrifting, the demand is gone)")
    premium_pct: float = Field(50.0, gt=0, le=1e4, description="relative price premium (against the references) above which buyers move")
    rate_pct_per_year: float = Field(10.0, gt=0, le=100, description="share of the end use's demand (of both materials) that can move in a year (Sprecher et al. 2017, data/10)")
    reach: dict[str, Share] = Field(
        default_factory=lambda: dict(SUBSTITUTION_REACH), description="share of each end use's demand for `from` that can move (ASSUMPTION substitution_reach)"
    )
    other_reach: Share = Field(0.3, description="for end uses not in reach")
    review_days: Step = Field(30.0, description="days between the buyers' looks at the premium; demand moves at each")
    source: str = Field("", description=SOURCE)

    def reach_for(self, end_use: str) -> float:
        return self.reach.get(end_use, self.other_reach)
