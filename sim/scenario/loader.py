"""Load a scenario file: ``extends:`` inheritance, ``--set`` overrides, kind defaults, validation.

Every problem in a file is collected and reported together, each with its
file:line:column and key path.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .catalog import apply_kind_defaults, apply_ore_body_defaults, facility_kinds
from .errors import InputError, Issue, Mark, did_you_mean, format_path, pydantic_issues
from .lab import check_lab
from .policy_kinds import ensure_loaded
from .schema import Scenario
from .xref import check_references
from .yamlio import SAFE_DUMPER, Positions, parse_yaml, read_text, read_yaml


def merge(base: Any, over: Any) -> Any:
    """``over`` laid on ``base``: mappings merge key by key, ``null`` removes a key (so an inherited
    policy or setting can be taken out), anything else replaces. The one rule for ``extends:``,
    override blocks, ``--set`` and a sweep's ``set:``."""
    if not isinstance(over, dict):
        return over
    out = dict(base) if isinstance(base, dict) else {}
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


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
    inherited, own = base.pop(BLOCKS, None), data.pop(BLOCKS, None)
    merged = merge(base, data)
    if isinstance(inherited, dict) and isinstance(own, dict):
        merged[BLOCKS] = {**inherited, **own}  # block by block: a block's nulls are its own, not removals
    elif own is not None or inherited is not None:
        merged[BLOCKS] = own if own is not None else inherited
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
    """Lay ``value`` at a dotted path as `merge` does (a mapping merges into the mapping there,
    ``null`` removes the key), creating sections as needed; digits index lists."""
    node: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        where = ".".join(parts[: i + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InputError([Issue(mark, where, f"expected a list index below {len(node)}")])
            if last:
                if value is None:
                    raise InputError([Issue(mark, where, "cannot remove one item of a list: give the whole list")])
                node[int(part)] = merge(node[int(part)], value)
                return
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise InputError([Issue(mark, ".".join(parts[:i]), "is not a section, cannot set a key inside it")])
        if last:
            if value is None:
                node.pop(part, None)
            else:
                node[part] = merge(node.get(part), value)
            return
        if node.get(part) is None:
            if value is None:
                return  # removing something that is not there
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
        for i in range(1, len(parts)):  # a section the override made is the override's, not a line of the file
            positions.setdefault(tuple(parts[:i]), mark)
        positions[tuple(parts)] = mark


BLOCKS = "overrides"
"""The section of named override blocks in a scenario file."""


def override_blocks(data: dict, positions: Positions, file: str) -> dict[str, dict[str, Any]]:
    """The file's named override blocks (each a mapping of dotted path -> value), checked in shape."""
    blocks = data.get(BLOCKS) or {}
    if not isinstance(blocks, dict) or not all(isinstance(b, dict) and all(isinstance(k, str) for k in b) for b in blocks.values()):
        raise InputError([Issue(positions.get((BLOCKS,), Mark(file)), BLOCKS,
                                "expected named blocks, each a mapping of dotted.path: value")])
    return blocks


def apply_blocks(data: dict, positions: Positions, names: Sequence[str], file: str) -> None:
    """Take the override blocks out of ``data`` and lay the named ones on it, in order (later
    blocks win); errors in a block's values point at the block's lines."""
    blocks = override_blocks(data, positions, file)
    data.pop(BLOCKS, None)
    unknown = [n for n in names if n not in blocks]
    if unknown:
        known = ", ".join(sorted(blocks)) or "none in this file"
        raise InputError([Issue(Mark("--scenario"), "", f"unknown override block '{n}'" + did_you_mean(n, blocks) + f" (blocks: {known})")
                          for n in unknown])
    names_before = data.get("meta", {}).get("name") if isinstance(data.get("meta"), dict) else None
    for name in names:
        for key, value in blocks[name].items():
            parts = key.split(".")
            at = (BLOCKS, name, key)
            mark = positions.get(at, positions.get((BLOCKS, name), Mark(file)))
            set_path(data, parts, value, mark)
            for where, where_mark in list(positions.items()):
                if where[: len(at)] == at:
                    positions[tuple(parts) + where[len(at):]] = where_mark
    meta = data.get("meta")
    if names and isinstance(meta, dict) and isinstance(names_before, str) and meta.get("name") == names_before:
        meta["name"] = "+".join([names_before, *names])  # runs of a variant are told apart by name


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
        """The scenario that runs, without its ``lab:`` section: that only says what the lab offers,
        and its ranges bound the file's values, not the values a run was given (``--set``)."""
        return self.scenario.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"lab"})

    def resolved_yaml(self) -> str:
        return _yaml(self.resolved())

    def digest(self) -> str:
        return _digest(self.resolved())

    def record(self) -> ScenarioRecord:
        """The resolved scenario as a run records it, worked out once: its YAML, its digest and
        the same as plain data (what reading that YAML back gives)."""
        data = self.resolved()
        return ScenarioRecord(_yaml(data), _digest(data), data)


@dataclass(frozen=True)
class ScenarioRecord:
    """A run's scenario as written to its folder (``yaml``), hashed (``digest``) and as data."""

    yaml: str
    digest: str
    data: dict[str, Any]


def _yaml(resolved: dict[str, Any]) -> str:
    return yaml.dump(resolved, Dumper=SAFE_DUMPER, sort_keys=False, allow_unicode=True)


def _digest(resolved: dict[str, Any]) -> str:
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def load_scenario(path: str | Path, overrides: Iterable[str] = (), scenarios: Sequence[str] = ()) -> LoadedScenario:
    """Read, merge, apply the named override blocks (``scenarios``) and ``--set`` overrides,
    default and validate a scenario file."""
    path = Path(path)
    data, positions = _read_with_parents(path)
    return _validate(data, positions, path, overrides, scenarios=scenarios)


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
                      values: Iterable[tuple[str, Any]] = (), scenarios: Sequence[str] = ()) -> LoadedScenario:
    """Validate scenario data after the named override blocks, ``--set`` overrides and (dotted
    path, value) settings, in that order."""
    return _validate(data, positions, path, overrides, values, scenarios)


def _validate(data: dict, positions: Positions, path: Path, overrides: Iterable[str],
              values: Iterable[tuple[str, Any]] = (), scenarios: Sequence[str] = ()) -> LoadedScenario:
    ensure_loaded()
    data = copy.deepcopy(data)
    positions = dict(positions)
    # the lab's controls are checked against the file as written: --set may go beyond their range
    written = copy.deepcopy(data) if isinstance(data.get("lab"), dict) else None
    apply_blocks(data, positions, list(scenarios), str(path))
    apply_overrides(data, positions, list(overrides))
    for dotted, value in values:
        set_path(data, dotted.split("."), value, Mark(f"set {dotted}"))
    apply_ore_body_defaults(data)
    unknown_kinds: set[tuple] = set()
    issues = _kind_issues(data, positions, unknown_kinds)
    issues += check_references(data, positions)
    if written is not None:
        apply_ore_body_defaults(written)
        _kind_issues(written, positions, set())  # kind defaults, so a control may name a default capacity
        issues += check_lab(written, positions)
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues = pydantic_issues(exc, positions, str(path), Scenario, unknown_kinds) + issues
    if issues:
        issues.sort(key=lambda i: (i.mark.file, i.mark.line, i.mark.column))
        raise InputError(issues)
    assert scenario is not None
    if any(not p.enabled for p in scenario.policies.values()):  # checked above, but not part of the world
        scenario = scenario.model_copy(update={"policies": {pid: p for pid, p in scenario.policies.items() if p.enabled}})
    return LoadedScenario(scenario, path)
