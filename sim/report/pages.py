"""Pages from the Jinja2 templates in ``templates/``: one environment, HTML-escaped by default,
and the values a template shows (tables of formatted cells, embedded figures).

Templates get text, never markup: the environment escapes every value it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
import pandas as pd


@cache
def environment() -> jinja2.Environment:
    """The templates shipped with the package, autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a misspelt name in a template fails, not renders blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["fold_rows"] = FOLD_ROWS
    return env


def render(template: str, **context: Any) -> str:
    """One page from its template."""
    return environment().get_template(template).render(**context)


def number(value: Any) -> str:
    """A value as a table shows it: floats to 4 significant digits (whole above 10,000), '-' for none."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool


FOLD_ROWS = 20
"""A table longer than this is folded (`macros.folded`): a summary line, opened on a click."""


@dataclass(frozen=True)
class Table:
    """A table as a template writes it: an id, column names, rows of cells, and what its rows are
    (the summary line of a folded table: "304 design points")."""

    ident: str
    columns: list[str]
    rows: list[list[Cell]]
    what: str = ""


@dataclass(frozen=True)
class Embedded:
    """An embedded PNG (base64), its alt text and caption."""

    alt: str
    png: str
    caption: str


def table(frame: pd.DataFrame, ident: str = "", what: str = "") -> Table:
    """A frame as a Table: numbers right-aligned and formatted by `number`, everything else as text."""
    rows = []
    for _, r in frame.iterrows():  # row by row, as a mixed row keeps each value's own type
        rows.append([Cell(number(v), True) if isinstance(v, int | float) and not isinstance(v, bool) else Cell(str(v), False)
                     for v in r])
    return Table(ident, [str(c) for c in frame.columns], rows, what or f"{len(rows):,} rows")
