"""`check`'s workers, started before the course model is imported.

Why: the worker's start (bubblewrap, Python, NumPy, the module) is what a check waits
for longest, and it needs only the module's file and name. A light read of course.yaml
(YAML alone: the model's pydantic costs ~60 ms to import) names them, so the worker
starts that much earlier; in a course folder, so does the reference's (budgets.py).
The full load that follows decides everything as before (errors, their order, the
exercise): an early worker is used only when the validated exercise names the same
files and module, else it is closed and check starts its own as it always did.
"""
from __future__ import annotations

import re
from pathlib import Path

MODULE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")  # as course.Exercise.module


class EarlyWorker:
    """The submission's private copy and its worker session, started ahead of the course model,
    and the reference's session (solution: its resolved path) in a course folder."""

    def __init__(self, path: Path, module: str, submission, session):
        self.path, self.module = path, module
        self.submission, self.session = submission, session
        self.solution: Path | None = None
        self.reference = None

    def take(self, path: Path, module: str, solution: Path | None):
        """(submission, session, reference session or None) when they are the ones check would start for
        the student's `path`, `module` and the reference `solution`; else None. What is not taken is closed."""
        if (path, module) != (self.path, self.module):
            self.close()
            return None
        reference, self.reference = self.reference, None
        if reference is not None and solution != self.solution:
            reference.close()
            reference = None
        return self.submission, self.session, reference

    def close(self) -> None:
        self.session.close()
        self.submission.cleanup()
        if self.reference is not None:
            self.reference.close()
            self.reference = None


def start(course_dir: str | None, exercise: str, directory: str | None) -> EarlyWorker | None:
    """The worker for `check EXERCISE`, started now; None when anything is unusual (the full load says what)."""
    try:
        module, path, solution = _module_of(course_dir, exercise, directory)
    except Exception:  # noqa: BLE001 - the course load after this raises whatever is wrong, in its order
        return None
    from nncourse.submission import resolve_submission
    try:
        submission = resolve_submission(path, module)
    except Exception:  # noqa: BLE001 - as above: check resolves it again and says what is wrong
        return None
    try:
        return _started(path, module, solution, submission)
    except BaseException:
        submission.cleanup()
        raise


def _started(path: Path, module: str, solution: Path | None, submission) -> EarlyWorker:
    from nncourse.sandbox.proxy import Session
    session = Session(str(submission.module_path), module[:-3])
    try:
        session.start()
    except Exception:  # noqa: BLE001 - grade() starts it again and fails as it always did (cli/student._workers)
        session.close()
    started = EarlyWorker(path, module, submission, session)
    if solution is not None and solution.is_file():  # a course folder: the reference's times are measured first
        reference = Session(str(solution), module[:-3])
        try:
            reference.start()
        except Exception:  # noqa: BLE001 - budgets.start_reference starts its own, as it always did
            reference.close()
        else:
            started.solution, started.reference = solution, reference
    return started


def _module_of(course_dir: str | None, exercise: str, directory: str | None) -> tuple[str, Path, Path | None]:
    """The exercise's module name, the student's file of it and the reference (resolved, as Course.path
    makes it; None in a student release), as course.yaml names them (unvalidated)."""
    from nncourse.manifest import find_course_root, manifest_file, read_manifest
    from nncourse.workspace import module_file
    source = manifest_file(find_course_root(course_dir))
    data = read_manifest(source)
    for entry in data.get("exercises") or ():
        if exercise in (entry.get("id"), entry.get("slug")):
            module = entry.get("module")
            if not isinstance(module, str) or not MODULE_PATTERN.match(module):
                raise ValueError("no usable module name")
            solution = entry.get("solution")
            solution = (source.parent.resolve() / solution).resolve() if isinstance(solution, str) else None
            return module, module_file(entry["id"], module, directory), solution
    raise LookupError(exercise)
