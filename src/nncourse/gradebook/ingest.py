"""Read Result JSON written by `nncourse grade --out DIR` (one file each) or `--json` (one per line).

Why: grading and recording are separate steps, possibly on separate machines;
the gradebook ingests the Results as files, whatever produced them. A Result
without a student gets one from its submission path (alice/activations.py ->
alice; alice.zip -> alice); without a time, the submission file's mtime.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePath

from pydantic import ValidationError

from nncourse.errors import GradebookError
from nncourse.result import Result


INDEX_FILES = ("index.json",)


@dataclass
class Found:
    result: Result
    where: str            # file (and line) it came from


def read_results(path: str | Path) -> list[Found]:
    """Every Result in a folder (and its subfolders) of *.json / *.jsonl files, or in one such file."""
    path = Path(path)
    if path.is_dir():
        # `grade --out DIR` keeps DIR/EXERCISE/STUDENT/SHA.json (every version; the gradebook picks the
        # latest by submission time); its index files are not Results
        files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl") and p.is_file()
                       and p.name not in INDEX_FILES)
    elif path.is_file():
        files = [path]
    else:
        raise GradebookError(f"{path}: no such file or folder.")
    found = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        chunks = [(file.name, text)] if file.suffix == ".json" else \
            [(f"{file.name}:{i}", line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
        for where, chunk in chunks:
            try:
                found.append(Found(Result.model_validate(json.loads(chunk)), where))
            except (ValueError, ValidationError) as exc:
                first = str(exc).splitlines()[0][:200]
                raise GradebookError(f"{where}: not a Result ({first}).",
                                     "Import files written by `nncourse grade --out DIR` or `--json`.") from None
    return found


def student_of(result: Result, module: str | None = None) -> str | None:
    """The Result's student, else the folder holding the module file, else the file's stem."""
    if result.student:
        return result.student
    if not result.submission:
        return None
    sub = PurePath(result.submission)
    if module and sub.name == module:
        return sub.parent.name or None
    return sub.stem or None


def submitted_at_of(result: Result) -> datetime | None:
    """The Result's time, else the submission's modification time when the file is still there."""
    if result.submitted_at is not None:
        return result.submitted_at
    sub = Path(result.submission) if result.submission else None
    if sub is not None and sub.exists():
        return datetime.fromtimestamp(sub.stat().st_mtime, timezone.utc)
    return None


def module_bytes(submission: str | Path | None, module: str | None) -> bytes | None:
    """The graded module's bytes from a submission file, folder or zip still on disk; None when gone."""
    if not submission or not module:
        return None
    from nncourse.errors import NncourseError
    from nncourse.submission import resolve_submission
    try:
        with resolve_submission(submission, module) as sub:
            return sub.module_path.read_bytes()
    except (NncourseError, OSError):
        return None
