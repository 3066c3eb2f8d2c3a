"""A run's simulation in a forked child while this process loads what comes after it.

The simulation holds one core for seconds while the other idles, and what follows it first loads
close to a second of modules (pandas and Parquet for its tables, matplotlib and Jinja for its
figures and page). Where there is a second core and ``fork``, a child simulates and sends its output
back through a pipe (a 10-year run's daily series, 36 MB, in about a tenth of a second) while this
process loads them. A scenario and seed give the same days in either process. Anywhere else, or if
the child dies without an answer, the run is simulated here; an error in the child is raised here,
with the child's traceback as a note.
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from .cores import can_fork, stop_child
from .engine import RunOutput, simulate
from .engine.recorder import SeriesKey
from .scenario.schema import Scenario

T = TypeVar("T")


def simulate_beside(scenario: Scenario, meanwhile: Callable[[], T]) -> tuple[RunOutput, T]:
    """``simulate(scenario)`` and ``meanwhile()``, the latter called here while the simulation runs
    (in a child, where one can)."""
    child = _fork(scenario) if can_fork() else None
    if child is None:
        output = simulate(scenario)
        return output, meanwhile()
    pid, read = child
    try:
        with os.fdopen(read, "rb") as pipe:
            done = meanwhile()
            try:
                payload = pickle.load(pipe)
            except EOFError:
                payload = None  # the child died without a word
    except BaseException:
        stop_child(pid)
        raise
    os.waitpid(pid, 0)
    if payload is None:
        return simulate(scenario), done
    if payload[0] == "failed":
        error = payload[1]
        error.add_note("(raised in the run's simulation process:)\n" + payload[2])
        raise error
    output = payload[1]
    return replace(output, scenario=scenario, keys=[SeriesKey(*k) for k in output.keys]), done


def _fork(scenario: Scenario) -> tuple[int, int] | None:
    """A child that simulates ``scenario`` and answers down a pipe: its pid and the pipe's end here
    (None when there is no room for a child)."""
    read, write = os.pipe()
    _widen(write)
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid > 0:
        os.close(write)
        return pid, read
    os.close(read)
    code = 1
    try:
        try:
            output = simulate(scenario)
            # keys as plain tuples (compiled, they do not unpickle); the scenario stays: the parent holds it
            payload: tuple = ("output", replace(output, scenario=None, keys=[(k.entity, k.material, k.variable) for k in output.keys]))
        except BaseException as exc:  # every error goes back, to be raised there
            payload = ("failed", _travelling(exc), traceback.format_exc())
        with os.fdopen(write, "wb") as pipe:
            pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)  # flushes nothing of the parent's


def _widen(pipe: int) -> None:
    """A pipe of 1 MiB where Linux allows (64 kB by default): a 10-year run's output then crosses
    in half the time or less, with fewer switches between the two processes."""
    try:
        import fcntl

        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass  # the default size: slower, the same bytes


def _travelling(exc: BaseException) -> BaseException:
    """``exc``, or its text where it does not pickle."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc

