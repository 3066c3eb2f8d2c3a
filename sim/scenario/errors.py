"""Errors in user input, each pointing at a file, line, column and key path, with a suggestion
where one is likely; and the translation of pydantic's errors into such issues (scenario and
sweep files alike)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Mark:
    """Where a value stands in a source: a file (or '--set'), line and column (1-based)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file


@dataclass(frozen=True)
class Issue:
    """One problem found in the input."""

    mark: Mark
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.mark}: " if self.mark.file else ""
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class InputError(Exception):
    """Bad user input; the CLI prints each issue on one line and exits 2."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ", did you mean 'x'?" suffix when a close match exists, else ''."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f", did you mean '{match[0]}'?" if match else ""


def format_path(path: tuple) -> str:
    """Dotted key path as a user writes it in --set (list indices in brackets)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


Positions = dict[tuple, Mark]


def mark_for(loc: tuple, positions: Positions, fallback: Mark) -> Mark:
    """Where the nearest key of ``loc`` that the file has was written (``fallback`` if none)."""
    for n in range(len(loc), -1, -1):
        if loc[:n] in positions:
            return positions[loc[:n]]
    return fallback


def _model_fields_at(loc: tuple, root: type[BaseModel]) -> list[str]:
    """Names of the keys allowed at ``loc`` (the parent of an unknown key), for suggestions."""
    current: Any = root
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    models = _models_in(current)
    names: list[str] = []
    for model in models:
        names += [f.alias or name for name, f in model.model_fields.items()]
    return names


def _models_in(tp: Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    out = []
    for arg in typing.get_args(tp):
        out += _models_in(arg)
    return out


def _step(tp: Any, part: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin in (list, tuple):
        return typing.get_args(tp)[0]
    for model in _models_in(tp):
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        if part in fields:
            return fields[part].annotation
        for disc in ("dist", "kind"):  # a tagged union: the tag picks the model
            field = model.model_fields.get(disc)
            if field is not None and part in typing.get_args(field.annotation):
                return model
    if origin is typing.Annotated or typing.get_args(tp):
        for arg in typing.get_args(tp):
            got = _step(arg, part)
            if got is not None:
                return got
    return None


def pydantic_issues(exc: ValidationError, positions: Positions, file: str, root: type[BaseModel],
                    skip: set[tuple] = frozenset()) -> list[Issue]:
    """One issue per pydantic error, dropping the echoes of a problem already reported.

    A misspelt key also shows up as its correct name missing, and a facility of unknown kind
    lacks the fields its kind would have given: those follow-on errors are left out.
    """
    errors = exc.errors()
    from .distributions import DIST_KINDS
    from .policy_kinds import kinds

    tags = set(DIST_KINDS) | set(kinds())  # discriminator values pydantic adds to error paths
    typos = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(err["loc"])
            match = did_you_mean(loc[-1], _model_fields_at(loc[:-1], root))
            if match:
                typos.add(loc[:-1] + (match.split("'")[1],))
    issues = []
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and (loc in typos or any(loc[: len(p)] == p for p in skip)):
            continue
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            key = loc[-1]
            parent = loc[:-1]
            msg = f"unknown key '{key}'" + (did_you_mean(key, _model_fields_at(parent, root)) or "")
        elif kind == "missing":
            msg = "missing required key"
        elif kind in ("union_tag_not_found", "union_tag_invalid"):
            disc = err.get("ctx", {}).get("discriminator", "").strip("'")
            tags = _quoted(err.get("ctx", {}).get("expected_tags", ""))
            if kind == "union_tag_not_found" and disc == "dist":
                msg = "expected a number or a distribution with a 'dist' key (" + ", ".join(tags) + ")"
            elif kind == "union_tag_not_found":
                msg = f"missing '{disc}' (one of: {', '.join(tags)})"
            else:
                tag = err.get("ctx", {}).get("tag")
                msg = f"unknown {'distribution' if disc == 'dist' else disc} '{tag}'" + did_you_mean(tag, tags) + f" (one of: {', '.join(tags)})"
        elif kind == "literal_error":
            options = _quoted(err.get("ctx", {}).get("expected", ""))
            msg = f"unknown value {err.get('input')!r}" + did_you_mean(err.get("input"), options) + f" (expected one of: {', '.join(options)})"
        elif kind in ("too_short", "too_long"):
            ctx = err.get("ctx", {})
            bound = f"at least {ctx.get('min_length')}" if kind == "too_short" else f"at most {ctx.get('max_length')}"
            msg = f"expected {bound} item(s), got {ctx.get('actual_length')}"
        elif kind in ("tuple_type", "list_type"):
            msg = "expected a list"
        elif kind == "dict_type":
            got = err.get("input")
            msg = "expected a mapping of key: value" + ("" if isinstance(got, list) else f" (got {got!r})")
        elif kind == "int_parsing_size":
            msg = f"expected a whole number; {err.get('input')!r} is far too large"
        else:
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) else f" (got {got})" if isinstance(got, dt.date) else f" (got {got!r})"
            msg = _plain(kind, err) + shown
        # pydantic puts the distribution's tag in the path; the user never wrote it
        clean = tuple(p for p in loc if p not in tags)
        issues.append(Issue(mark_for(clean, positions, Mark(file)), format_path(clean), msg))
    return issues


def _bound(value: Any) -> str:
    """A range's bound as people write it: 36,500, 0.01, 1,000,000,000,000."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


_PLAIN = {
    "greater_than_equal": lambda c: f"expected at least {_bound(c.get('ge'))}",
    "greater_than": lambda c: f"expected more than {_bound(c.get('gt'))}",
    "less_than_equal": lambda c: f"expected at most {_bound(c.get('le'))}",
    "less_than": lambda c: f"expected less than {_bound(c.get('lt'))}",
    "finite_number": lambda c: "expected a finite number",
    "string_type": lambda c: "expected text",
    "bool_type": lambda c: "expected true or false",
    "bool_parsing": lambda c: "expected true or false",
    "int_type": lambda c: "expected a whole number",
    "int_parsing": lambda c: "expected a whole number",
    "int_from_float": lambda c: "expected a whole number",
    "float_type": lambda c: "expected a number",
    "float_parsing": lambda c: "expected a number",
    "date_type": lambda c: "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": lambda c: "expected a date (YYYY-MM-DD)",
    "model_type": lambda c: "expected a mapping of key: value",
    "model_attributes_type": lambda c: "expected a mapping of key: value",
}
"""pydantic's messages in plain words, with the bound of a range as written."""


def _plain(kind: str, err: dict[str, Any]) -> str:
    if kind in _PLAIN:
        return _PLAIN[kind](err.get("ctx", {}))
    return err["msg"].replace("Value error, ", "")


def _quoted(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)
