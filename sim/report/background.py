"""A run's figures drawn in a child process while this one writes the rest of the run folder.

Drawing a 10-year run's figures takes as long as working out its KPIs, balance findings and
tables together, and the two need nothing from each other: so where there is a second core and
``fork`` (Linux), a forked child draws the PNGs into a private folder while this process goes on,
and the page, written last, picks them up; once this process is done with the rest it draws the
figures the child has not reached, from the last (each is claimed by a file made exclusively).
Anywhere else, or if the child fails, they are drawn here, as before. The child only draws (no Parquet, no printing) and leaves with ``os._exit``, so
it flushes nothing of this process's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import traceback
from pathlib import Path

from ..cores import can_fork, stop_child
from ..results.result import Result
from .figures import RUN_FIGURES, Run, write_figures


class BackgroundFigures:
    """The figures of ``result``, started now, collected by `into`."""

    def __init__(self, result: Result, parallel: bool | None = None):
        self.result = result
        self.scratch = Path(tempfile.mkdtemp(prefix="reesim-figures-"))
        self.pid: int | None = None
        if parallel if parallel is not None else can_fork():
            self.pid = self._fork()

    def _fork(self) -> int | None:
        try:
            pid = os.fork()
        except OSError:
            return None  # no room for a child: draw here later
        if pid == 0:  # the child: draw, say how it went by the exit code, and leave at once
            code = 1
            try:
                write_figures(self.result, self.scratch, claim=self._claim)
                code = 0
            except BaseException:
                (self.scratch / "failed.txt").write_text(traceback.format_exc(), encoding="utf-8")
            finally:
                os._exit(code)
        return pid

    def _claim(self, name: str) -> bool:
        """Whether this process draws ``name``: the first of the two to ask does."""
        try:
            os.close(os.open(self.scratch / f"{name}.claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        return True

    def into(self, folder: Path, run: Run | None = None) -> dict[str, Path]:
        """The figures, moved into ``folder`` (drawn here if the child could not), in page order.
        The figures the child has not started yet are drawn here meanwhile, from the last (from
        ``run``, the result already prepared for its page, if given)."""
        run = self.result if run is None else run
        if self.pid is not None:
            write_figures(run, self.scratch, claim=self._claim, backwards=True)
        drawn = self._wait()
        try:
            if not drawn:
                return write_figures(run, folder)
            out = {}
            for name in RUN_FIGURES:
                source = self.scratch / name
                if source.exists():
                    out[name] = Path(shutil.move(source, Path(folder) / name))
            return out
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _wait(self) -> bool:
        if self.pid is None:
            return False
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return os.waitstatus_to_exitcode(status) == 0

    def cancel(self) -> None:
        """Stop the child (the run failed or was stopped) and remove what it drew."""
        if self.pid is not None:
            stop_child(self.pid)
            self.pid = None
        shutil.rmtree(self.scratch, ignore_errors=True)
