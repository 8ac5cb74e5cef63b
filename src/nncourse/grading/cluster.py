"""Grade on a Dask distributed cluster: the same tasks as the local pool, on more than one machine.

Why: a class of hundreds grades faster on several machines. Each task is
batch.grade_task (course root, exercise, submission path -> Result JSON); each
Dask worker process keeps its collected suite across tasks (engine.grade_collected's
per-process cache). The course and the submissions must be readable at the same
paths on every worker (a shared file system). Dask is imported only here, only
when --scheduler is given (the 'dask' extra).
"""
from __future__ import annotations

import uuid
from typing import Iterator

from nncourse.errors import NncourseError

_READY = False
_CPU: int | None = None  # the processor this worker process keeps to (a local cluster's: pin_workers)
# A Dask worker samples its threads' stacks every 10 ms and can watch the GIL every 1 ms: on a grading
# worker that costs as much CPU as the grading (measured by benchmarks/bench_scale.py). Set for the
# local cluster; give a remote cluster's workers the same (dask worker --nthreads 1, this config).
QUIET_WORKERS = {"distributed.worker.profile.enabled": False,
                 "distributed.admin.system-monitor.gil.enabled": False}


def grade_on_worker(root: str, exercise_id: str, path: str, suite: str, seed: int) -> str:
    """The Dask task: grade one submission in this worker process (its first task sets the process up)."""
    from nncourse.grading import batch
    prepare_process()
    return batch.grade_task(root, exercise_id, path, suite, seed)


def prepare_process() -> None:
    """On this worker process's first task: one BLAS thread, and its processor when it was given one.

    The task's thread is pinned before it starts the collected suite's thread and the warmed
    template, which inherit the processor (as a local grading process's do: batch.pin_process).
    """
    global _READY
    if _READY:
        return
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - without threadpoolctl, BLAS's default
        pass
    if _CPU is not None:
        import os
        try:
            os.sched_setaffinity(0, {_CPU})
        except OSError:
            pass
    _READY = True


def _keep_to(cpu: int) -> None:
    global _CPU
    _CPU = cpu


def pin_workers(client, jobs: int) -> None:
    """A local cluster's worker processes, one processor each (where batch.pinning_cpus would pin)."""
    from nncourse.grading.batch import pinning_cpus
    cpus = pinning_cpus(jobs)
    if not cpus:
        return
    for turn, address in enumerate(sorted(client.scheduler_info()["workers"])):
        client.run(_keep_to, cpus[turn % len(cpus)], workers=[address])


def _client(scheduler: str, jobs: int):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise NncourseError("--scheduler needs Dask: pip install 'nncourse[dask]' "
                            "(or pip install 'dask[distributed]').") from None
    if scheduler == "local":
        import dask
        dask.config.set(QUIET_WORKERS)
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        pin_workers(client, jobs)
        return client, cluster
    try:
        return Client(scheduler, timeout="20s"), None
    except (OSError, TimeoutError) as exc:
        raise NncourseError(f"cannot reach the Dask scheduler at {scheduler} ({exc}).",
                            "Start one with `dask scheduler` and workers with `dask worker ADDRESS`.") from None


class DaskRunner:
    """Submits one task per submission and reports them as they complete (like batch.LocalPool)."""

    def __init__(self, scheduler: str, jobs: int, root: str, exercise_id: str, paths: list[str], todo: list[int],
                 suite: str, seed: int):
        self.client, self.cluster = _client(scheduler, jobs)
        batch_id = uuid.uuid4().hex[:8]
        self.futures = {
            self.client.submit(grade_on_worker, root, exercise_id, paths[i], suite, seed,
                               key=f"nncourse-{exercise_id}-{batch_id}-{i}", pure=False, retries=0): i
            for i in todo}

    def completed(self) -> Iterator[tuple[int, str | None]]:
        """(index, Result JSON) as each finishes; None when its worker died (a rerun grades it again)."""
        from distributed import as_completed
        for future in as_completed(list(self.futures)):
            i = self.futures[future]
            try:
                yield i, future.result()
            except Exception:  # noqa: BLE001 - KilledWorker, a lost worker: that submission is not graded
                yield i, None

    def shutdown(self) -> None:
        try:
            self.client.cancel(list(self.futures), force=True)
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()
