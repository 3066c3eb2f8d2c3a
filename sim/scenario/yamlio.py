"""Safe YAML reading that remembers where every key came from.

Only plain YAML types are accepted (maps, lists, strings, numbers, booleans,
null, dates); a tag that would build a Python object is refused. Duplicate
keys are errors, since YAML would silently keep the last one.

Reading is bounded, so that no file can hang, exhaust memory or crash the
reader: only regular files up to ``MAX_BYTES``, UTF-8 text without NUL bytes,
nesting up to ``MAX_DEPTH`` levels, and at most ``MAX_ALIASES`` aliases
expanding to at most ``MAX_NODES`` values.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, Issue, Mark, Positions

MAX_BYTES = 4 * 1024 * 1024
"""The largest scenario or sweep file read (the baseline is about 60 kB)."""
MAX_DEPTH = 64
"""The deepest nesting of maps and lists (a scenario needs about 8)."""
MAX_ALIASES = 1000
"""The most aliases (``*name``) a file may use."""
MAX_NODES = 1_000_000
"""The most values a file may expand to, aliases included (an alias bomb expands to billions)."""

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


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe parser where PyYAML has it (the same events, nodes and marks, five times faster):
every YAML reesim reads goes through it."""
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's safe emitter where PyYAML has it (the same text, four times faster)."""


class _Loader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, reading ``1e9`` and ``1.0e9`` as numbers as YAML 1.2 does (YAML 1.1
    wants ``1.0e+9`` and would hand the engine a string)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"), list("-+.0123456789")
)


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _bad(file: str, line: int, column: int, message: str) -> InputError:
    return InputError([Issue(Mark(file, line, column), "", message)])


def _check_text(text: str, file: str) -> None:
    """NUL bytes, then nesting and aliases, checked on the event stream (which, unlike the
    composer, does not recurse), before anything is built."""
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise _bad(file, line, nul - (text.rfind("\n", 0, nul) + 1) + 1, "NUL byte: this is not a text file")
    depth = aliases = 0
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    m = event.start_mark
                    raise _bad(file, m.line + 1, m.column + 1, f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    m = event.start_mark
                    raise _bad(file, m.line + 1, m.column + 1, f"more than {MAX_ALIASES} aliases (*name)")
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark
        line, column = (m.line + 1, m.column + 1) if m else (0, 0)
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit (1,000) met first
            raise _bad(file, line, column, f"nested more than {MAX_DEPTH} levels deep") from None
        raise _bad(file, line, column, f"YAML syntax error: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise _bad(file, 0, 0, f"YAML syntax error: {exc}") from None


def parse_yaml(text: str, file: str) -> tuple[Any, Positions]:
    """Parse YAML text into plain Python data and a map of key path -> Mark."""
    _check_text(text, file)
    loader = _Loader(text)
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
    built = 0
    on_path: set[int] = set()  # nodes being built: an alias back to one of them is a loop

    def build(n: yaml.Node, path: tuple) -> Any:
        nonlocal built
        built += 1
        if built > MAX_NODES:
            m = n.start_mark
            raise _bad(file, m.line + 1, m.column + 1, f"expands to more than {MAX_NODES:,} values (aliases repeated?)")
        if id(n) in on_path:
            m = n.start_mark
            raise _bad(file, m.line + 1, m.column + 1, "an alias refers to a map or list that contains it")
        if n.tag not in _PLAIN_TAGS:
            issues.append(
                Issue(
                    _mark(file, n),
                    ".".join(map(str, path)),
                    f"YAML tag '{n.tag}' is not allowed: scenario files hold plain data only",
                )
            )
            return None
        if isinstance(n, yaml.CollectionNode):
            on_path.add(id(n))
            try:
                return build_collection(n, path)
            finally:
                on_path.discard(id(n))
        try:
            return constructor.construct_object(n)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:
            what = "not a real date" if n.tag.endswith(":timestamp") else "cannot read this value"
            issues.append(Issue(_mark(file, n), ".".join(map(str, path)), f"{what}: {n.value} ({exc})"))
            return None

    def build_collection(n: yaml.Node, path: tuple) -> Any:
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
        return None

    data = build(node, ())
    if issues:
        raise InputError(issues)
    return data, positions


def read_text(path: Path) -> str:
    """A scenario or sweep file's text; a missing, unreadable, oversized or non-text file (a
    device, a pipe, binary bytes) is an InputError, found without reading more than
    ``MAX_BYTES``."""
    where = str(path)
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise _bad(where, 0, 0, "is a folder, expected a YAML file")
        if not stat.S_ISREG(info.st_mode):
            raise _bad(where, 0, 0, "not a regular file (a device, pipe or socket): expected a YAML file")
        if info.st_size > MAX_BYTES:
            raise _bad(where, 0, 0, f"file is {info.st_size:,} bytes, more than the {MAX_BYTES:,} a scenario or sweep file may have")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise _bad(where, 0, 0, "file not found") from None
    except OSError as exc:
        raise _bad(where, 0, 0, f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:  # grew while being read
        raise _bad(where, 0, 0, f"file is more than the {MAX_BYTES:,} bytes a scenario or sweep file may have")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _bad(where, line, column, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the file as UTF-8") from None


def read_yaml(path: Path) -> tuple[Any, Positions]:
    """Read a YAML file (see ``read_text`` for what is refused)."""
    return parse_yaml(read_text(path), str(path))
