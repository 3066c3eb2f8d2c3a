"""Safe YAML reading that remembers where every key came from.

Only plain YAML types are accepted (maps, lists, strings, numbers, booleans,
null, dates); a tag that would build a Python object is refused. Duplicate
keys are errors, since YAML would silently keep the last one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Issue, Mark, Positions

_PLAIN_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:merge",
}


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def parse_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """Parse YAML text into plain Python data and a map of key path -> Mark."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark
        mark = Mark(file, m.line + 1, m.column + 1) if m else Mark(file)
        raise InputError([Issue(mark, "", f"YAML syntax error: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Issue(Mark(file), "", f"YAML syntax error: {exc}")]) from None
    finally:
        loader.dispose()
    if node is None:
        return {}, {}
    positions: Positions = {(): _mark(file, node)}
    issues: list[Issue] = []
    constructor = yaml.SafeLoader("")

    def build(n: yaml.Node, path: tuple) -> Any:
        if n.tag not in _PLAIN_TAGS:
            issues.append(
                Issue(
                    _mark(file, n),
                    ".".join(map(str, path)),
                    f"YAML tag '{n.tag}' is not allowed: scenario files hold plain data only",
                )
            )
            return None
        if isinstance(n, yaml.MappingNode):
            constructor.flatten_mapping(n)
            out: dict[str, Any] = {}
            for key_node, value_node in n.value:
                key = constructor.construct_object(key_node) if key_node.tag in _PLAIN_TAGS else None
                if not isinstance(key, str | int | float | bool):
                    issues.append(Issue(_mark(file, key_node), "", "a key must be a plain word"))
                    continue
                key = str(key)
                if key in out:
                    issues.append(
                        Issue(_mark(file, key_node), ".".join(map(str, path + (key,))), "duplicate key")
                    )
                positions[path + (key,)] = _mark(file, key_node)
                out[key] = build(value_node, path + (key,))
            return out
        if isinstance(n, yaml.SequenceNode):
            items = []
            for i, item in enumerate(n.value):
                positions[path + (i,)] = _mark(file, item)
                items.append(build(item, path + (i,)))
            return items
        return constructor.construct_object(n)

    data = build(node, ())
    if issues:
        raise InputError(issues)
    return data, positions


def read_yaml(path: Path) -> tuple[Any, Positions]:
    """Read a YAML file; a missing or unreadable file is an InputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Issue(Mark(str(path)), "", "file not found")]) from None
    except IsADirectoryError:
        raise InputError([Issue(Mark(str(path)), "", "is a folder, expected a YAML file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Issue(Mark(str(path)), "", f"cannot read file: {exc}")]) from None
    return parse_yaml(text, str(path))
