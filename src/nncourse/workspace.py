"""A student's workspace: where fetch puts an exercise and check looks for it.

Why: one place knows the workspace layout (`<root>/<exercise id>/` with the
module, README.md, test_public.py, a conftest.py for plain pytest, and
`.nncourse/` with last_check.json, submission receipts and the hint log), so fetch,
check and list agree. Fetch never overwrites a student's file.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nncourse.errors import SubmissionError

if TYPE_CHECKING:  # the models (pydantic): `check` finds the module before it imports them (cli/early.py)
    from nncourse.course import Course, Exercise
    from nncourse.result import Result

STATE_DIR = ".nncourse"


@dataclass
class FetchReport:
    written: list[Path]
    kept: list[Path]


def exercise_dir(ex: Exercise, directory: str | Path | None) -> Path:
    """--dir when given, else ./<exercise id>."""
    return Path(directory) if directory else Path.cwd() / ex.id


def fetch(course: Course, ex: Exercise, directory: str | Path | None = None) -> FetchReport:
    """Copy the stub, the README and the public checks; keep every file that is already there."""
    target = exercise_dir(ex, directory)
    target.mkdir(parents=True, exist_ok=True)
    report = FetchReport([], [])
    for source in (ex.stub, ex.readme, ex.public_checks):
        dest = target / Path(source).name
        if dest.exists():
            report.kept.append(dest)
        else:
            shutil.copyfile(course.path(source), dest)
            report.written.append(dest)
    from nncourse.inprocess import conftest_text  # NumPy and the proxy: not for `check`, which imports this module
    conftest = target / "conftest.py"  # plain `python -m pytest` in the folder runs the public checks
    if conftest.exists():
        report.kept.append(conftest)
    else:
        conftest.write_text(conftest_text(ex.id, ex.module), encoding="utf-8")
        report.written.append(conftest)
    return report


def find_module(ex: Exercise, directory: str | Path | None = None) -> Path:
    """The student's module for `check`: in --dir, else ./<id>/, else the current folder."""
    return module_file(ex.id, ex.module, directory)


def module_file(exercise_id: str, module: str, directory: str | Path | None = None) -> Path:
    """find_module from the exercise's id and module name alone."""
    candidates = [Path(directory)] if directory else [Path.cwd() / exercise_id, Path.cwd()]
    for folder in candidates:
        if (folder / module).is_file():
            return folder / module
        if (folder / f"{exercise_id}.ipynb").is_file():  # a notebook (nncourse.notebook makes it the module)
            return folder / f"{exercise_id}.ipynb"
    where = " or ".join(str(c) for c in candidates)
    raise SubmissionError(f"no {module} in {where}.",
                          f"Run `nncourse fetch {exercise_id}` first, or pass --dir to the folder that holds it.")


def save_last_check(module_path: Path, result: Result) -> None:
    state = module_path.parent / STATE_DIR
    try:
        state.mkdir(exist_ok=True)
        (state / "last_check.json").write_text(result.to_json(), encoding="utf-8")
    except OSError:
        pass  # a read-only workspace still gets its check; only the record is lost


def last_check(ex: Exercise, root: Path) -> Result | None:
    from nncourse.result import Result
    path = root / ex.id / STATE_DIR / "last_check.json"
    try:
        return Result.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None
