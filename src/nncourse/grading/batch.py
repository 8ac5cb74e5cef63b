"""Grade many submissions: grading processes that collect the suite once, results kept as they come.

Why: a class is graded in one call; one bad or slow submission must never stop
or hide the rest. Each grading process keeps its collected suite (engine.
grade_collected) across submissions; each Result is stored (grading/store.py)
the moment it is done, whatever the order, while the caller still receives
them in the order given; a rerun reuses what --out holds under the same key
(student, exercise, submission sha256, grader version).
"""
from __future__ import annotations

import gc
import multiprocessing
import signal
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from nncourse.course import load_course
from nncourse.errors import NncourseError
from nncourse.grading.identity import Entry, identify
from nncourse.result import Result, ResultStatus

_COURSES: dict[str, object] = {}
DIED = "the grading process died while grading this submission (out of memory?); grade it again"


def _course(root: str):
    if root not in _COURSES:
        _COURSES[root] = load_course(root, check_files=False)
    return _COURSES[root]


def error_result(exercise: str, name: str, message: str, version: str = "", sha: str = "") -> Result:
    from nncourse.submission import display_name  # a name that is not UTF-8 must still serialise
    return Result(exercise=exercise, submission_sha256=sha, submission=display_name(name), score=0.0, max_score=0.0,
                  status=ResultStatus.error, message=message, tests=[], grader_version=version)


def grade_task(root: str, exercise_id: str, path: str, suite: str = "hidden", seed: int = 0) -> str:
    """One independent, idempotent grading task -> Result JSON. Never raises.

    The suite is collected on this process's first task and kept for the next ones.
    """
    from nncourse.grading.engine import grade_collected, grader_version
    from nncourse.submission import resolve_submission
    version = ""
    try:
        course = _course(root)
        ex = course.exercise(exercise_id)
        version = grader_version(course, ex)
        with resolve_submission(path, ex.module) as sub:
            return grade_collected(course, ex, sub, suite=suite, seed=seed, version=version).to_json()
    except NncourseError as exc:
        return error_result(exercise_id, path, str(exc), version).to_json()
    except Exception:  # noqa: BLE001 - a grader fault must not kill the batch
        return error_result(exercise_id, path, "internal grader error; tell your instructor:\n"
                            + traceback.format_exc()[-3000:], version).to_json()


def init_grading_process(cpus: list[int] | None = None, counter=None) -> None:
    """In each grading process: Ctrl-C is the parent's to handle, death with the parent, one BLAS thread,
    and one processor of its own (cpus, taken in turn through the shared counter).

    A parent killed with SIGKILL cannot stop its pool: the kernel does (PR_SET_PDEATHSIG),
    and the sandboxes die with their grading process (bubblewrap --die-with-parent).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if cpus and counter is not None:
        pin_process(cpus, counter)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except Exception:  # noqa: BLE001 - threadpoolctl comes with scikit-learn; without it, BLAS's default
        pass


def pin_process(cpus: list[int] | None, counter) -> None:
    """Keep this grading process, and the sandbox and workers it starts later, on one processor.

    Why: a grading process and its worker take turns (a request, then its reply, ~130 times per
    submission), never running at once; on one processor each hands over to the other without a
    wake-up across processors, and finds its caches warm. exercise2, two grading processes on two
    processors: ~55 ms per submission pinned, ~67 ms free (benchmarks/bench_scale.py shows both).
    """
    import os
    if not cpus or counter is None:
        return
    with counter.get_lock():
        turn = counter.value
        counter.value += 1
    try:
        os.sched_setaffinity(0, {cpus[turn % len(cpus)]})
    except OSError:
        pass


def pinning_cpus(jobs: int) -> list[int] | None:
    """The processors grading processes are pinned to, one each (None: not pinned).

    Not pinned where it cannot pay: more grading processes than processors (they would queue
    on one while another idles), no sched_setaffinity, or NNCOURSE_NO_PIN set.
    """
    import os
    if os.environ.get("NNCOURSE_NO_PIN", "").strip().lower() not in ("", "0", "no", "off", "false"):
        return None
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    return cpus if 1 < jobs <= len(cpus) else None


def _die_with_parent() -> None:
    import ctypes
    import os
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _task_at(root: str, exercise_id: str, paths: list[str], suite: str, seed: int, i: int) -> str:
    return grade_task(root, exercise_id, paths[i], suite, seed)


class Progress:
    """What a batch tells its caller while it runs; the default says nothing."""

    def begin(self, total: int, reused: int) -> None: ...

    def done(self, result: Result, reused: bool) -> None: ...

    def slowest(self, name: str | None, seconds: float) -> None:
        """The submission that has been grading longest right now (None: none is)."""


class LocalPool:
    """Grading processes on this machine, in which a dead one costs at most one submission.

    Why: a pool whose process dies (the kernel's OOM killer, or student code that
    escaped its sandbox) raises BrokenProcessPool for every pending future. The
    unfinished submissions are then graded again one at a time, so a second death
    names its cause exactly: that submission gets an error Result (a rerun grades it again).
    """

    def __init__(self, jobs: int, task: Callable[[int], str], todo: list[int]):
        self.jobs, self.task = jobs, task
        self._seen_running: dict[int, float] = {}
        self._start(todo)

    def _start(self, todo: list[int]) -> None:
        # What this process holds now (pytest, NumPy, the course: ~50,000 objects) is never garbage:
        # out of the collector's sight (gc.freeze), the grading processes' collections and this
        # process's own at exit (~60 ms) do not walk it again, nor touch the pages they share.
        gc.freeze()
        context = multiprocessing.get_context("fork")
        cpus = pinning_cpus(self.jobs)
        self.executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                            initializer=init_grading_process,
                                            initargs=(cpus, context.Value("i", 0) if cpus else None))
        self.futures = {i: self.executor.submit(self.task, i) for i in todo}

    def completed(self, poll: float = 0.5) -> Iterator[tuple[int, str | None]]:
        """(index, Result JSON) as each finishes; None when that submission killed its grading process.

        (-1, None) every `poll` seconds while nothing finishes, so the caller can show progress.
        """
        while self.futures:
            done, _ = wait(list(self.futures.values()), timeout=poll, return_when=FIRST_COMPLETED)
            if not done:
                yield -1, None
            broken = False
            for i in sorted(i for i, f in self.futures.items() if f in done):
                try:
                    text = self.futures[i].result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del self.futures[i]
                self._seen_running.pop(i, None)
                yield i, text
            if broken:
                rest = sorted(self.futures)
                self.shutdown()
                if self.jobs == 1 and rest:  # one at a time: the first unfinished one was running
                    guilty, rest = rest[0], rest[1:]
                    yield guilty, None
                self.jobs = 1
                self._start(rest)

    def slowest(self) -> tuple[int | None, float]:
        """The index graded longest right now and for how many seconds (approximate: queued counts)."""
        now = time.monotonic()
        for i, future in self.futures.items():
            if future.running():
                self._seen_running.setdefault(i, now)
        running = [(now - t, i) for i, t in self._seen_running.items() if i in self.futures]
        if not running:
            return None, 0.0
        seconds, i = max(running)
        return i, seconds

    def shutdown(self) -> None:
        """Stop: queued work is dropped and the grading processes end (their sandboxes die with them).

        After a finished batch each process ends on its own, closing its template and the
        child it forked ahead (their cgroups removed); interrupted, they are killed at once and
        the cgroups they leave are removed here (or by the next run: cgroup.remove_stale).
        """
        processes = list(getattr(self.executor, "_processes", {}).values())
        finished = not self.futures
        self.executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + (5.0 if finished else 0.0)
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        for process in processes:
            process.join(timeout=5)
        if not finished:
            from nncourse.sandbox import cgroup
            cgroup.remove_stale_of([p.pid for p in processes])


def grade_many(root: str, exercise_id: str, paths: list[str], *, jobs: int = 1, suite: str = "hidden",
               seed: int = 0, out_dir: Path | None = None, progress: Progress | None = None,
               students: dict | None = None, scheduler: str | None = None) -> Iterator[Result]:
    """Yield one Result per path, in the order given; each is stored in out_dir as soon as it is done.

    students: a mapping read by identity.read_mapping (else the student is named by
    the path). scheduler: None for grading processes on this machine, "local" or
    "tcp://HOST:PORT" for a Dask cluster.
    """
    from nncourse.grading.engine import grader_version
    from nncourse.grading.store import ResultStore
    progress = progress or Progress()
    course = _course(root)
    ex = course.exercise(exercise_id)
    version = grader_version(course, ex)
    entries = identify(list(paths), ex.module, students)
    store = ResultStore(out_dir, ex.id) if out_dir is not None else None
    results: list[Result | None] = [_reusable(store, e, ex.module, version) for e in entries]
    todo = [i for i, r in enumerate(results) if r is None]
    progress.begin(len(entries), len(entries) - len(todo))
    for result in results:
        if result is not None:
            progress.done(result, True)
    task = partial(_task_at, root, ex.id, [e.path for e in entries], suite, seed)
    runner = _runner(scheduler, jobs, task, todo, root, ex.id, entries, suite, seed) if todo else None
    given = 0
    try:
        while given < len(entries) and results[given] is not None:
            yield results[given]
            given += 1
        for i, text in (runner.completed() if runner else ()):
            if text is not None:
                result = _owned(Result.from_json(text), entries[i])
                if store is not None and result.submission_sha256:
                    store.put(result)
                results[i] = result
                progress.done(result, False)
            elif i >= 0:
                results[i] = _owned(error_result(ex.id, entries[i].path, DIED, version), entries[i])
                progress.done(results[i], False)
            if runner and hasattr(runner, "slowest"):
                slow, seconds = runner.slowest()
                progress.slowest(entries[slow].path if slow is not None else None, seconds)
            while given < len(entries) and results[given] is not None:
                yield results[given]
                given += 1
    finally:
        if runner:
            runner.shutdown()
        if store is not None:
            store.write_index()


def _runner(scheduler, jobs, task, todo, root, exercise_id, entries, suite, seed):
    if scheduler:
        from nncourse.grading.cluster import DaskRunner
        return DaskRunner(scheduler, jobs, root, exercise_id, [e.path for e in entries], todo, suite, seed)
    from nncourse.grading.engine import suite_path
    from nncourse.grading.preload import preload
    course = _course(root)
    preload(suite_path(course, course.exercise(exercise_id), suite))  # inherited by every grading process
    return LocalPool(min(jobs, len(todo)), task, todo)  # no process that would have nothing to grade


def _owned(result: Result, entry: Entry) -> Result:
    """The Result with its student, submission time and the path as given."""
    from nncourse.submission import display_name  # a path that is not UTF-8 must still serialise
    return result.model_copy(update={"student": entry.student, "submitted_at": entry.submitted_at,
                                     "submission": display_name(entry.path)})


def _reusable(store, entry: Entry, module: str, version: str) -> Result | None:
    """The Result the store already holds for this entry's key, or None."""
    if store is None:
        return None
    from nncourse.submission import resolve_submission
    try:
        with resolve_submission(entry.path, module) as sub:
            sha = sub.sha256
    except (NncourseError, OSError):
        return None
    stored = store.reusable(entry.student, sha, version)
    if stored is None:
        return None
    result = _owned(stored, entry)
    if result != stored:  # a new submission time (or path) for the same file: record it
        store.put(result)
    return result
