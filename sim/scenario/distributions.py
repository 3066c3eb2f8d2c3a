"""Probability distributions written as data, e.g. ``{dist: triangular, low: 30, mode: 40, high: 60}``.

A bare number stands for a constant. The engine samples them; here they are
only validated and described.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PositiveFloat, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError


class Constant(_Dist):
    dist: Literal["constant"]
    value: float = Field(ge=0)

    def mean(self) -> float:
        return self.value


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("expected low <= mode <= high")
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Normal(_Dist):
    """Normal, truncated at zero (durations and quantities are never negative)."""

    dist: Literal["normal"]
    mean_: float = Field(alias="mean", ge=0)
    sd: float = Field(ge=0)

    def mean(self) -> float:
        return self.mean_


class Lognormal(_Dist):
    """Lognormal given by the mean and standard deviation of the variable itself."""

    dist: Literal["lognormal"]
    mean_: PositiveFloat = Field(alias="mean")
    sd: float = Field(ge=0)

    def mean(self) -> float:
        return self.mean_


class Exponential(_Dist):
    dist: Literal["exponential"]
    mean_: PositiveFloat = Field(alias="mean")

    def mean(self) -> float:
        return self.mean_


def _number_is_constant(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Distribution = Annotated[
    Constant | Uniform | Triangular | Normal | Lognormal | Exponential,
    Field(discriminator="dist"),
    BeforeValidator(_number_is_constant),
]
"""A number (constant) or a distribution mapping with a ``dist`` key."""

DIST_KINDS = ("constant", "uniform", "triangular", "normal", "lognormal", "exponential")
