"""Errors in user input, each pointing at a file, line, column and key path."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


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
