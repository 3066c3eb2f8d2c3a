"""Forked children working beside this process: whether one may, and stopping one."""

from __future__ import annotations

import os
import signal
import sys


def can_fork() -> bool:
    """A second core, and fork where it is safe (Linux)."""
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1 and hasattr(os, "fork")


def stop_child(pid: int) -> None:
    """Kill a forked child and reap it (it may be gone already)."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
