"""Executors: run chunks of tasks here, in a local process pool, or on Dask (a LocalCluster, or a
running scheduler). Each yields results as chunks finish, in whatever order they finish.

Each starts its workers once per sweep, never more than there are chunks, and hands them the
shared Job once per worker (pool initializer, Dask scatter) rather than with every chunk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

from ..scenario.errors import InputError, Issue, Mark
from .tasks import Job, Results, RunTask, init_worker, run_chunk, run_tasks

EXECUTORS = ("serial", "processes", "dask")


def run_serial(job: Job, chunks: list[list[RunTask]], workers: int, scheduler: str | None) -> Iterator[Results]:
    for chunk in chunks:
        yield run_tasks(job, chunk)


def run_processes(job: Job, chunks: list[list[RunTask]], workers: int, scheduler: str | None) -> Iterator[Results]:
    # spawn: workers start clean, whatever threads this process has (and as on macOS and Windows);
    # what they import to unpickle run_chunk is kept light (sim/sweep/tasks.py)
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(chunks))), mp_context=get_context("spawn"),
                               initializer=init_worker, initargs=(job,))
    try:
        # all chunks queued at once, taken in order by whichever worker is free: the large
        # ones first, the single runs last (see runner.make_chunks)
        futures = [pool.submit(run_chunk, chunk) for chunk in chunks]
        for future in as_completed(futures):
            yield future.result()
    finally:
        # if the caller stops early (an error, Ctrl-C), drop the queued chunks rather than run them
        pool.shutdown(wait=True, cancel_futures=True)


SCHEDULER_TIMEOUT_S = 10
"""How long to wait for a Dask scheduler to answer before saying it does not."""


def run_dask(job: Job, chunks: list[list[RunTask]], workers: int, scheduler: str | None) -> Iterator[Results]:
    import dask
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed

    # the worker profiler costs ~25% on short tasks (DESIGN.md, performance notes)
    with dask.config.set({"distributed.worker.profile.enabled": False, "distributed.worker.profile.interval": "10s"}):
        if scheduler:
            try:
                client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
            except (OSError, TimeoutError) as exc:
                raise InputError([Issue(Mark("--scheduler"), "", f"no Dask scheduler answered at {scheduler} within "
                                        f"{SCHEDULER_TIMEOUT_S} s ({type(exc).__name__}): is it running, and reachable from here?")]) from None
            cluster = None
        else:
            cluster = LocalCluster(n_workers=max(1, min(workers, len(chunks))), threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        try:
            shared = client.scatter(job, broadcast=True)
            futures = [client.submit(run_tasks, shared, chunk, pure=False) for chunk in chunks]
            for future in dask_completed(futures):
                yield future.result()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


RUNNERS: dict[str, Callable[..., Iterator[Results]]] = {"serial": run_serial, "processes": run_processes, "dask": run_dask}
