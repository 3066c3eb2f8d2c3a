"""A control as the lab offers it: a number on a slider, a choice, or a date, with the file's value."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from ..scenario.lab import Control
from .numbers import format_value


class LabValueError(ValueError):
    """A control value the lab refuses (outside its range, not one of its choices); says which and why."""


@dataclass(frozen=True)
class DateControl:
    """A date a student may move (a policy's start or end), between two dates."""

    path: str
    label: str
    min: dt.date
    max: dt.date
    unit: str = ""
    values: None = None


@dataclass(frozen=True)
class ControlView:
    """One control as the page shows it, with the file's value."""

    id: str
    control: Control | DateControl
    default: Any

    @property
    def label(self) -> str:
        return self.control.label or self.control.path

    @property
    def is_date(self) -> bool:
        return isinstance(self.control, DateControl)

    def step(self) -> float:
        """The slider's step (one that lands on the file's value where the control gives none)."""
        assert isinstance(self.control, Control)
        return self.control.slider_step(self.default)

    def whole(self) -> bool:
        """Whether the slider's values are whole numbers (its ends, step and the file's value)."""
        c = self.control
        return isinstance(c, Control) and all(float(x).is_integer() for x in (c.min, c.max, self.step(), self.default))

    def show(self, value: Any) -> str:
        """A value of this control in words, with its unit."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format_value(value, self.control.unit, typed=True)
        return str(value)

    def check(self, value: Any) -> Any:
        """The value if the control allows it, else `LabValueError` saying why."""
        c = self.control
        if isinstance(c, DateControl):
            if not isinstance(value, dt.date) or not c.min <= value <= c.max:
                raise LabValueError(f"{self.label}: expected a date from {c.min} to {c.max}, got {value}")
            return value
        if c.values is not None:
            if value not in c.values:
                raise LabValueError(f"{self.label}: {value!r} is not one of {', '.join(map(str, c.values))}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise LabValueError(f"{self.label}: expected a number, got {value!r}")
        assert c.min is not None and c.max is not None
        if not c.min <= value <= c.max:
            raise LabValueError(f"{self.label}: {format_value(value, typed=True)} is outside the range "
                                f"{format_value(c.min, typed=True)} to {format_value(c.max, typed=True)}")
        return value
