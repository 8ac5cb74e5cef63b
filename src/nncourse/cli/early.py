"""`check`'s worker, started before the course model is imported.

Why: the worker's start (bubblewrap, Python, NumPy, the module) is what a check waits
for longest, and it needs only the module's file and name. A light read of course.yaml
(YAML alone: the model's pydantic costs ~60 ms to import) names them, so the worker
starts that much earlier. The full load that follows decides everything as before
(errors, their order, the exercise): the early worker is used only when the validated
exercise names the same module file and module, else it is closed and check starts
its own as it always did.
"""
from __future__ import annotations

import re
from pathlib import Path

MODULE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.py$")  # as course.Exercise.module


class EarlyWorker:
    """The submission's private copy and its worker session, started ahead of the course model."""

    def __init__(self, path: Path, module: str, submission, session):
        self.path, self.module = path, module
        self.submission, self.session = submission, session

    def take(self, path: Path, module: str):
        """(submission, session) when they are the ones check would make for `path` and `module`, else None
        (and they are closed)."""
        if (path, module) == (self.path, self.module):
            return self.submission, self.session
        self.close()
        return None

    def close(self) -> None:
        self.session.close()
        self.submission.cleanup()


def start(course_dir: str | None, exercise: str, directory: str | None) -> EarlyWorker | None:
    """The worker for `check EXERCISE`, started now; None when anything is unusual (the full load says what)."""
    try:
        module, path = _module_of(course_dir, exercise, directory)
    except Exception:  # noqa: BLE001 - the course load after this raises whatever is wrong, in its order
        return None
    from nncourse.submission import resolve_submission
    try:
        submission = resolve_submission(path, module)
    except Exception:  # noqa: BLE001 - as above: check resolves it again and says what is wrong
        return None
    from nncourse.sandbox.proxy import Session
    session = Session(str(submission.module_path), module[:-3])
    try:
        session.start()
    except Exception:  # noqa: BLE001 - grade() starts it again and fails as it always did (cli/student._workers)
        session.close()
    return EarlyWorker(path, module, submission, session)


def _module_of(course_dir: str | None, exercise: str, directory: str | None) -> tuple[str, Path]:
    """The exercise's module name and the student's file of it, as course.yaml names them (unvalidated)."""
    from nncourse.manifest import find_course_root, manifest_file, read_manifest
    from nncourse.workspace import module_file
    data = read_manifest(manifest_file(find_course_root(course_dir)))
    for entry in data.get("exercises") or ():
        if exercise in (entry.get("id"), entry.get("slug")):
            module = entry.get("module")
            if not isinstance(module, str) or not MODULE_PATTERN.match(module):
                raise ValueError("no usable module name")
            return module, module_file(entry["id"], module, directory)
    raise LookupError(exercise)
