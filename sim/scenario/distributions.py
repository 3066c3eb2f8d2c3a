"""Probability distributions written as data, e.g. ``{dist: triangular, low: 30, mode: 40, high: 60}``.

A bare number stands for a constant. Each distribution owns its maths: its mean, a batch of
draws from a numpy Generator, and its quantile function (sweeps sample through quantiles).
Values are never negative (durations and quantities).
"""

from __future__ import annotations

import math
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

if typing.TYPE_CHECKING:
    import numpy as np

MAX_VALUE = 1e9
"""The largest value a distribution may state or draw near (days, tonnes)."""

DIST = "which distribution this is"
UNIT = " (in the unit of the key it gives)"
"""Shared wording of the distributions' key meanings (for docs/reference.md)."""


class Dist(BaseModel):
    """The base of every distribution."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def is_constant(self) -> bool:
        """True when every draw gives the mean (no randomness to spend)."""
        return False

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover - overridden
        """``n`` draws."""
        raise NotImplementedError

    def quantile(self, u: float) -> float:  # pragma: no cover - overridden
        """The value below which a share ``u`` of draws fall."""
        raise NotImplementedError


class Constant(Dist):
    dist: Literal["constant"] = Field(description=DIST)
    value: float = Field(ge=0, le=MAX_VALUE, description="the value every draw gives" + UNIT)

    def mean(self) -> float:
        return self.value

    def is_constant(self) -> bool:
        return True

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np  # loaded where draws are made: validating a scenario needs none
        return np.full(n, self.value)

    def quantile(self, u: float) -> float:
        return self.value


class Uniform(Dist):
    dist: Literal["uniform"] = Field(description=DIST)
    low: float = Field(ge=0, le=MAX_VALUE, description="smallest value" + UNIT)
    high: float = Field(ge=0, le=MAX_VALUE, description="largest value, at least low")

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def is_constant(self) -> bool:
        return self.low == self.high

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def quantile(self, u: float) -> float:
        return self.low + u * (self.high - self.low)


class Triangular(Dist):
    dist: Literal["triangular"] = Field(description=DIST)
    low: float = Field(ge=0, le=MAX_VALUE, description="smallest value" + UNIT)
    mode: float = Field(ge=0, le=MAX_VALUE, description="most likely value, from low to high")
    high: float = Field(ge=0, le=MAX_VALUE, description="largest value")

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("expected low <= mode <= high")
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def is_constant(self) -> bool:
        return self.low == self.high

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)

    def quantile(self, u: float) -> float:
        width = self.high - self.low
        if width == 0:
            return self.low
        from scipy import stats

        return float(stats.triang.ppf(u, (self.mode - self.low) / width, loc=self.low, scale=width))


class Normal(Dist):
    """Normal, truncated at zero (durations and quantities are never negative)."""

    dist: Literal["normal"] = Field(description=DIST)
    mean_: float = Field(alias="mean", ge=0, le=MAX_VALUE, description="mean before truncation at zero" + UNIT)
    sd: float = Field(ge=0, le=MAX_VALUE, description="standard deviation before truncation (0: always the mean)")

    def mean(self) -> float:
        return self.mean_

    def is_constant(self) -> bool:
        return self.sd == 0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np  # loaded where draws are made: validating a scenario needs none
        return np.maximum(rng.normal(self.mean_, self.sd, n), 0.0)

    def quantile(self, u: float) -> float:
        from scipy import stats

        return max(float(stats.norm.ppf(u, self.mean_, self.sd)), 0.0)


class Lognormal(Dist):
    """Lognormal given by the mean and standard deviation of the variable itself."""

    dist: Literal["lognormal"] = Field(description=DIST)
    mean_: float = Field(alias="mean", gt=0, le=MAX_VALUE, description="mean of the variable itself, not of its log" + UNIT)
    sd: float = Field(ge=0, le=MAX_VALUE, description="standard deviation of the variable itself (0: always the mean)")

    def mean(self) -> float:
        return self.mean_

    def is_constant(self) -> bool:
        return self.sd == 0

    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal, from the variable's own mean and sd."""
        sigma2 = math.log(1 + (self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self.log_params()
        return rng.lognormal(mu, sigma, n)

    def quantile(self, u: float) -> float:
        from scipy import stats

        mu, sigma = self.log_params()
        return float(stats.lognorm.ppf(u, sigma, scale=math.exp(mu)))


class Exponential(Dist):
    dist: Literal["exponential"] = Field(description=DIST)
    mean_: float = Field(alias="mean", gt=0, le=MAX_VALUE, description="mean" + UNIT)

    def mean(self) -> float:
        return self.mean_

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)

    def quantile(self, u: float) -> float:
        return float(-self.mean_ * math.log1p(-u)) if u < 1 else float("inf")


def _number_is_constant(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Distribution = Annotated[
    Constant | Uniform | Triangular | Normal | Lognormal | Exponential,  # as DISTRIBUTIONS below
    Field(discriminator="dist"),
    BeforeValidator(_number_is_constant),
]
"""A number (constant) or a distribution mapping with a ``dist`` key."""

DISTRIBUTIONS: tuple[type[Dist], ...] = (Constant, Uniform, Triangular, Normal, Lognormal, Exponential)
DIST_KINDS: tuple[str, ...] = tuple(typing.get_args(d.model_fields["dist"].annotation)[0] for d in DISTRIBUTIONS)
