"""Files and folders written whole or not at all: a temporary name beside the target, renamed
into place at the end, so that a killed process never leaves half a file behind.

Temporary names are hidden and carry the writer's process id (``.<name>.<pid>.<random>.tmp``), so
that what a killed process left can be told from what a running one is writing, and cleaned.

The one place reesim writes outputs atomically; it knows nothing else of reesim.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

STALE_AFTER_SECONDS = 7 * 24 * 3600  # a temporary this old is stale even if its process id is in use again
MAX_SUFFIX = 1000
_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[0-9a-z_]+\.tmp$")


def _temporary_name(name: str) -> str:
    return f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"


@contextmanager
def atomic_path(path: str | Path, fsync: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces ``path`` when the block ends without error.

    With ``fsync`` the file's bytes reach the disk before the rename (a resumable store needs
    that; a report page does not).
    """
    path = Path(path)
    tmp = path.with_name(_temporary_name(path.name))
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str, fsync: bool = False) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(path, text.encode("utf-8"), fsync)


def write_bytes(path: str | Path, data: bytes, fsync: bool = False) -> Path:
    """Write bytes atomically."""
    with atomic_path(path, fsync) as tmp:
        tmp.write_bytes(data)
    return Path(path)


class AtomicFolder:
    """A folder written in a hidden temporary beside ``target`` and renamed into place when the
    ``with`` block ends without error (removed otherwise). An existing ``target`` is refused; with
    ``unique`` the first free name of ``target``, ``target-2``, ``target-3``... is taken instead,
    decided by the rename itself so that two writers finishing together never collide.
    ``path`` is where the folder landed."""

    def __init__(self, target: str | Path, unique: bool = False):
        self.target = Path(target)
        self.unique = unique
        self.path = self.target
        self._tmp: Path | None = None

    def __enter__(self) -> Path:
        if self.target.exists() and not self.unique:
            raise FileExistsError(self.target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.target.parent / _temporary_name(self.target.name)
        self._tmp.mkdir()
        return self._tmp

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._tmp is not None
        if kind is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            return
        try:
            self.path = self._publish(self._tmp)
        except BaseException:
            shutil.rmtree(self._tmp, ignore_errors=True)
            raise

    def _publish(self, tmp: Path) -> Path:
        names = [self.target] + ([self.target.with_name(f"{self.target.name}-{k}") for k in range(2, MAX_SUFFIX)]
                                 if self.unique else [])
        for candidate in names:
            if candidate.exists():  # rename would replace an empty folder: never take one that is there
                continue
            try:
                os.rename(tmp, candidate)
            except OSError as exc:
                if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                    continue  # another writer took this name between the look and the rename
                raise
            return candidate
        raise FileExistsError(self.target)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def stale_temporaries(folder: str | Path, now: float | None = None) -> list[Path]:
    """Hidden temporaries in ``folder`` left by writers that were stopped: their process is gone
    (on this machine) or they are older than a week."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    stale = []
    for entry in sorted(folder.iterdir()):
        match = _TEMPORARY.match(entry.name)
        if match is None:
            continue
        pid = int(match.group(1))
        try:
            old = now - entry.lstat().st_mtime > STALE_AFTER_SECONDS
        except FileNotFoundError:
            continue  # its writer finished meanwhile
        if old or (pid != os.getpid() and not _running(pid)):
            stale.append(entry)
    return stale


def clean_stale(folder: str | Path) -> list[Path]:
    """Remove what `stale_temporaries` finds; returns what was removed."""
    removed = []
    for entry in stale_temporaries(folder):
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            continue  # not ours to remove (permissions): left as it is, still hidden
        removed.append(entry)
    return removed


__all__ = ["AtomicFolder", "atomic_path", "clean_stale", "stale_temporaries", "write_bytes", "write_text"]
