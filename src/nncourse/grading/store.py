"""The --out folder of `grade`: one Result file per (student, submission), written atomically.

Why: a class is graded over hours and may be interrupted; every Result is on disk
the moment it is done (a temporary file renamed over the final name, so a kill
leaves either the whole file or none, and a temporary file the next run removes), a rerun reuses what is there, and two
students with identical files keep two Results. Layout:

    OUT/<exercise>/<student>/<sha256[:16]>.json   every submission on record
    OUT/<exercise>/<student>/CURRENT              the file name of the one that counts
    OUT/<exercise>/index.json                     student -> current Result, score, all on record

The current submission is the latest by submission time; earlier ones stay on record.
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

from nncourse.result import Result, ResultStatus

CURRENT = "CURRENT"
INDEX = "index.json"


def safe_name(text: str) -> str:
    """A folder name for a student id: letters, digits and ._@+- kept, the rest '_'."""
    name = re.sub(r"[^A-Za-z0-9._@+-]", "_", text)[:120].strip(".")
    return name or "_"


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, then rename it over `path` (all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _when(result: Result) -> datetime:
    when = result.submitted_at or datetime.min.replace(tzinfo=timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class ResultStore:
    """The Results of one exercise under OUT/<exercise>/."""

    def __init__(self, out_dir: Path, exercise: str):
        self.folder = Path(out_dir) / safe_name(exercise)
        self._remove_orphans()

    def _remove_orphans(self) -> None:
        """Temporary files of a run killed between writing and renaming (kill -9): never read as Results,
        removed by the next run. A live process's are left alone (two graders may share the folder)."""
        for tmp in self.folder.glob("*/.*.tmp"):
            pid = tmp.name.rsplit(".", 2)[-2]
            if pid.isdigit() and not _alive(int(pid)):
                try:
                    tmp.unlink()
                except OSError:
                    pass

    def path_for(self, student: str, sha: str) -> Path:
        return self.folder / safe_name(student) / f"{sha[:16]}.json"

    def reusable(self, student: str, sha: str, version: str) -> Result | None:
        """The stored Result of this student's submission under the same grader version, if any."""
        path = self.path_for(student, sha)
        try:
            result = Result.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        ok = result.grader_version == version and result.status != ResultStatus.error \
            and result.submission_sha256 == sha
        return result if ok else None

    def put(self, result: Result) -> Path:
        """Store a Result and make it current when it is the student's latest submission."""
        path = self.path_for(result.student or "", result.submission_sha256)
        write_atomic(path, result.to_json())
        current = self.current(result.student or "")
        if current is None or current.submission_sha256 == result.submission_sha256 \
                or _when(result) >= _when(current):
            write_atomic(path.parent / CURRENT, path.name + "\n")
        return path

    def current(self, student: str) -> Result | None:
        folder = self.folder / safe_name(student)
        try:
            name = (folder / CURRENT).read_text(encoding="utf-8").strip()
            return Result.from_json((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_index(self) -> None:
        """index.json: for each student, the current Result's file, score and every file on record."""
        index = {}
        if not self.folder.is_dir():
            return
        for folder in sorted(p for p in self.folder.iterdir() if p.is_dir()):
            try:
                name = (folder / CURRENT).read_text(encoding="utf-8").strip()
                current = Result.from_json((folder / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            index[current.student or folder.name] = {
                "current": f"{folder.name}/{name}", "score": current.score, "max_score": current.max_score,
                "status": current.status.value, "grader_version": current.grader_version,
                "submitted_at": current.submitted_at.isoformat() if current.submitted_at else None,
                "on_record": sorted(f"{folder.name}/{p.name}" for p in folder.glob("*.json")),
            }
        write_atomic(self.folder / INDEX, json.dumps(index, indent=1, sort_keys=True) + "\n")
