"""Load a scenario file: ``extends:`` inheritance, ``--set`` overrides, kind defaults, validation.

Every problem in a file is collected and reported together, each with its
file:line:column and key path.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .catalog import apply_kind_defaults, apply_ore_body_defaults, facility_kinds
from .errors import InputError, Issue, Mark, did_you_mean, format_path, pydantic_issues
from .policy_kinds import ensure_loaded
from .schema import Scenario
from .xref import check_references
from .yamlio import Positions, parse_yaml, read_text, read_yaml


def _deep_merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _deep_merge(base[key], value) if key in base else value
        return out
    return over


MAX_EXTENDS = 32
"""The longest chain of ``extends:`` (the library uses at most 3)."""


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the system, say: reading it says so
        return False


def _read_with_parents(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict, Positions]:
    path = path.resolve() if _exists(path) else path
    if len(seen) > MAX_EXTENDS:
        raise InputError([Issue(Mark(str(seen[-1])), "extends", f"extends a chain of more than {MAX_EXTENDS} files")])
    if path in seen:
        chain = " -> ".join(p.name for p in seen + (path,))
        raise InputError([Issue(Mark(str(seen[-1])), "extends", f"extends itself in a loop: {chain}")])
    data, positions = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError([Issue(positions.get((), Mark(str(path))), "", "expected a mapping of sections at the top of the file")])
    parent = data.pop("extends", None)
    if parent is None:
        return data, positions
    if not isinstance(parent, str):
        raise InputError([Issue(positions[("extends",)], "extends", "expected the path of a parent scenario file")])
    parent_path = path.parent / parent
    if not _exists(parent_path):
        raise InputError([Issue(positions[("extends",)], "extends", f"parent file '{parent}' not found")])
    base, base_positions = _read_with_parents(parent_path, seen + (path,))
    merged = _deep_merge(base, data)
    return merged, {**base_positions, **positions}


def _split_set(expr: str) -> tuple[list[str], str]:
    if "=" not in expr:
        raise InputError([Issue(Mark("--set"), expr, "expected dotted.path=value")])
    key, value = expr.split("=", 1)
    parts = [p for p in key.strip().split(".")]
    if not all(parts):
        raise InputError([Issue(Mark("--set"), key, "expected dotted.path=value")])
    return parts, value


def set_path(data: dict, parts: Sequence[str], value: Any, mark: Mark) -> None:
    """Set ``value`` at a dotted path, creating sections as needed; digits index lists."""
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError([Issue(mark, where, f"expected a list index below {len(node)}")])
            if last:
                node[int(part)] = value
                return
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise InputError([Issue(mark, ".".join(parts[:i]), "is not a section, cannot set a key inside it")])
        if last:
            node[part] = value
            return
        if node.get(part) is None:
            node[part] = {}
        node = node[part]


def apply_overrides(data: dict, positions: Positions, overrides: Sequence[str]) -> None:
    """Apply ``dotted.path=value`` overrides in place; the value is read as YAML."""
    for expr in overrides:
        parts, text = _split_set(expr)
        mark = Mark(f"--set {expr}")
        try:
            value, _ = parse_yaml(text, f"--set {expr}")
        except InputError as exc:
            raise InputError([Issue(mark, ".".join(parts), i.message) for i in exc.issues]) from None
        set_path(data, parts, value, mark)
        positions[tuple(parts)] = mark


def _kind_issues(data: dict, positions: Positions, unknown: set[tuple]) -> list[Issue]:
    issues = []
    kinds = facility_kinds()
    facilities = data.get("facilities")
    located = [(("facilities", fid), fac) for fid, fac in facilities.items()] if isinstance(facilities, dict) else []
    policies = data.get("policies")
    if isinstance(policies, dict):
        located += [(("policies", pid, "facility"), p["facility"]) for pid, p in policies.items()
                    if isinstance(p, dict) and isinstance(p.get("facility"), dict)]
    for where, fac in located:
        if not isinstance(fac, dict):
            continue
        kind = fac.get("kind")
        if not isinstance(kind, str):
            continue  # missing or not a word: the schema says so
        if kind not in kinds:
            loc = where + ("kind",)
            unknown.add(where)
            issues.append(
                Issue(positions.get(loc, Mark("")), format_path(loc), f"unknown facility kind '{kind}'" + did_you_mean(kind, kinds) + f" (known kinds: {', '.join(sorted(kinds))})")
            )
            continue
        apply_kind_defaults(fac)
    return issues


class LoadedScenario:
    """A validated Scenario with the plain data it came from, for writing and hashing."""

    def __init__(self, scenario: Scenario, path: Path):
        self.scenario = scenario
        self.path = path

    def resolved(self) -> dict[str, Any]:
        return self.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)

    def resolved_yaml(self) -> str:
        return yaml.safe_dump(self.resolved(), sort_keys=False, allow_unicode=True)

    def digest(self) -> str:
        text = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> LoadedScenario:
    """Read, merge, override, default and validate a scenario file."""
    path = Path(path)
    data, positions = _read_with_parents(path)
    return _validate(data, positions, path, overrides)


def scenario_from_dict(data: dict[str, Any], overrides: Iterable[str] = (), name: str = "<dict>") -> LoadedScenario:
    """Validate scenario data built in Python (same defaults and checks as a file)."""
    return _validate(data, {}, Path(name), overrides)


def scenario_notes(path: str | Path) -> str:
    """The header comments of a scenario file and of the files it extends, child first."""
    out, seen = [], set()
    path = Path(path)
    while _exists(path) and path.resolve() not in seen:
        seen.add(path.resolve())
        try:
            lines = read_text(path).splitlines()
        except InputError:
            break  # loading the file says what is wrong with it
        header = []
        for line in lines:
            if line.startswith("#"):
                header.append(line[1:].removeprefix(" "))
            elif line.strip():  # the header ends at the first key
                break
        parent = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("extends:")), None)
        if header:
            out.append(f"[{path.name}]\n" + "\n".join(header).strip())
        if parent is None:
            break
        path = path.parent / parent
    return "\n\n".join(out)


def read_scenario_data(path: str | Path) -> tuple[dict, Positions]:
    """A scenario file with its parents merged, as plain data (not yet validated)."""
    return _read_with_parents(Path(path))


def validate_scenario(data: dict, positions: Positions, path: Path, overrides: Iterable[str] = (),
                      values: Iterable[tuple[str, Any]] = ()) -> LoadedScenario:
    """Validate scenario data after ``--set`` overrides and (dotted path, value) settings."""
    return _validate(data, positions, path, overrides, values)


def _validate(data: dict, positions: Positions, path: Path, overrides: Iterable[str],
              values: Iterable[tuple[str, Any]] = ()) -> LoadedScenario:
    ensure_loaded()
    data = copy.deepcopy(data)
    positions = dict(positions)
    apply_overrides(data, positions, list(overrides))
    for dotted, value in values:
        set_path(data, dotted.split("."), value, Mark(f"set {dotted}"))
    apply_ore_body_defaults(data)
    unknown_kinds: set[tuple] = set()
    issues = _kind_issues(data, positions, unknown_kinds)
    issues += check_references(data, positions)
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues = pydantic_issues(exc, positions, str(path), Scenario, unknown_kinds) + issues
    if issues:
        issues.sort(key=lambda i: (i.mark.file, i.mark.line, i.mark.column))
        raise InputError(issues)
    assert scenario is not None
    return LoadedScenario(scenario, path)
