"""Whether a forked child may work beside this process: a second core, and fork where it is safe."""

from __future__ import annotations

import os
import sys


def can_fork() -> bool:
    """A second core, and fork where it is safe (Linux)."""
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1 and hasattr(os, "fork")
