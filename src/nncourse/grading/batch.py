"""Grade many submissions: a process pool, results in the order given, resumable.

Why: a class is graded in one call; one bad submission must never stop the
batch, and a rerun skips what is already graded under the same key
(exercise, submission sha256, grader version) when an --out folder is used.
"""
from __future__ import annotations

import multiprocessing
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from nncourse.course import load_course
from nncourse.errors import NncourseError
from nncourse.result import Result, ResultStatus

_COURSES: dict[str, object] = {}


def _course(root: str):
    if root not in _COURSES:
        _COURSES[root] = load_course(root, check_files=False)
    return _COURSES[root]


def error_result(exercise: str, name: str, message: str, version: str = "", sha: str = "") -> Result:
    from nncourse.submission import display_name  # a name that is not UTF-8 must still serialise
    return Result(exercise=exercise, submission_sha256=sha, submission=display_name(name), score=0.0, max_score=0.0,
                  status=ResultStatus.error, message=message, tests=[], grader_version=version)


def grade_task(root: str, exercise_id: str, path: str, suite: str = "hidden", seed: int = 0) -> str:
    """One independent, idempotent grading task -> Result JSON. Never raises."""
    from nncourse.grading.engine import grade, grader_version
    from nncourse.submission import resolve_submission
    version = ""
    try:
        course = _course(root)
        ex = course.exercise(exercise_id)
        version = grader_version(course, ex)
        with resolve_submission(path, ex.module) as sub:
            return grade(course, ex, sub, suite=suite, seed=seed).to_json()
    except NncourseError as exc:
        return error_result(exercise_id, path, str(exc), version).to_json()
    except Exception:  # noqa: BLE001 - a grader fault must not kill the batch
        return error_result(exercise_id, path, "internal grader error; tell your instructor:\n"
                            + traceback.format_exc()[-3000:], version).to_json()


def _task_at(root: str, exercise_id: str, paths: list[str], suite: str, seed: int, i: int) -> str:
    return grade_task(root, exercise_id, paths[i], suite, seed)


def out_path(out_dir: Path, exercise: str, sha: str) -> Path:
    return out_dir / f"{exercise}-{sha[:20]}.json"


def _cached(out_dir: Path | None, exercise: str, path: str, module: str, version: str) -> Result | None:
    """A Result already in out_dir for the same key, or None."""
    if out_dir is None:
        return None
    from nncourse.submission import resolve_submission
    try:
        with resolve_submission(path, module) as sub:
            cached = out_path(out_dir, exercise, sub.sha256)
            if cached.is_file():
                result = Result.from_json(cached.read_text(encoding="utf-8"))
                if result.grader_version == version and result.status != ResultStatus.error:
                    return result.model_copy(update={"submission": sub.name})
    except (NncourseError, ValueError, OSError):
        return None
    return None


class _Pool:
    """A process pool in which a dead grading process costs at most one submission, not the batch.

    Why: a pool whose process dies (the kernel's OOM killer, or student code that
    escaped its sandbox) raises BrokenProcessPool for every pending future. The
    pending submissions are then graded again one at a time, so a second death
    names its cause exactly: that submission gets an error Result (a rerun grades it again).
    """

    def __init__(self, jobs: int, task: Callable[[int], str], todo: list[int]):
        self.jobs, self.task = jobs, task
        self._start(todo)

    def _start(self, todo: list[int]) -> None:
        self.executor = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("fork"))
        self.futures = {i: self.executor.submit(self.task, i) for i in todo}

    def result(self, i: int) -> str | None:
        """The Result JSON of submission i (results are taken in order); None when i killed its process."""
        try:
            return self.futures[i].result()
        except BrokenProcessPool:
            guilty = self.jobs == 1  # one at a time: the submission running when the pool broke is i
            kept = {j: f for j, f in self.futures.items()
                    if j > i and f.done() and not f.cancelled() and f.exception() is None}
            again = [j for j in self.futures if j >= i and j not in kept and not (guilty and j == i)]
            self.shutdown()
            self.jobs = 1
            self._start(again)
            self.futures.update(kept)
            return None if guilty else self.result(i)

    def shutdown(self) -> None:
        self.executor.shutdown(cancel_futures=True)


def grade_many(root: str, exercise_id: str, paths: list[str], *, jobs: int = 1, suite: str = "hidden",
               seed: int = 0, out_dir: Path | None = None,
               progress: Callable[[int, int, Result, bool], None] | None = None) -> Iterator[Result]:
    """Yield one Result per path, in the order given; cached ones (same key in out_dir) are reused."""
    from nncourse.grading.engine import grader_version
    course = _course(root)
    ex = course.exercise(exercise_id)
    version = grader_version(course, ex)
    cached = [_cached(out_dir, ex.id, p, ex.module, version) for p in paths]
    todo = [i for i, c in enumerate(cached) if c is None]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    pool = None
    if jobs > 1 and len(todo) > 1:
        pool = _Pool(jobs, partial(_task_at, root, ex.id, paths, suite, seed), todo)
    try:
        for i, path in enumerate(paths):
            reused = cached[i] is not None
            if reused:
                result = cached[i]
            else:
                text = pool.result(i) if pool else grade_task(root, ex.id, path, suite, seed)
                text = text or error_result(ex.id, path, "the grading process died while grading this submission "
                                            "(out of memory?); grade it again", version).to_json()
                result = Result.from_json(text)
                if out_dir is not None and result.submission_sha256:
                    out_path(out_dir, ex.id, result.submission_sha256).write_text(text, encoding="utf-8")
            if progress:
                progress(i + 1, len(paths), result, reused)
            yield result
    finally:
        if pool:
            pool.shutdown()
