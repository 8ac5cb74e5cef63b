"""Whose submission is this, and when was it handed in?

Why: a Result belongs to (student, exercise, submission sha256, grader version).
The student is named by the submission's folder or zip (alice/activations.py,
alice/, alice.zip -> "alice"), or by a mapping file (`--students MAPPING.csv`,
columns path,student and optionally submitted_at in ISO 8601). The submission
time is the mapping's, or the file's modification time; the latest counts.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from nncourse.errors import NncourseError


@dataclass(frozen=True)
class Entry:
    """One submission of a batch: the path given, its student and its submission time."""

    path: str
    student: str
    submitted_at: datetime | None


def student_of(path: str | Path, module: str) -> str:
    """The student a submission path names: its zip or folder, or the folder holding the module file."""
    from nncourse.submission import display_name  # a name that is not UTF-8 must still serialise
    path = Path(path)
    if path.suffix.lower() in (".zip", ".ipynb"):
        return display_name(path.stem)
    if path.suffix == ".py":
        return display_name(path.parent.name if path.name == module else path.stem)
    return display_name(path.name)


def modified_at(path: str | Path) -> datetime | None:
    """The file's (or, for a folder, its newest .py file's) modification time, in UTC."""
    path = Path(path)
    try:
        stamps = [p.stat().st_mtime for p in (*path.glob("*.py"), *path.glob("*/*.py"))] \
            if path.is_dir() else [path.stat().st_mtime]
    except OSError:
        return None
    return datetime.fromtimestamp(max(stamps), timezone.utc) if stamps else None


def read_mapping(csv_path: str | Path) -> dict[str, tuple[str, datetime | None]]:
    """path -> (student, submitted_at) from a CSV with a header row path,student[,submitted_at].

    Relative paths are relative to the CSV's folder.
    """
    csv_path = Path(csv_path)
    try:
        with csv_path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise NncourseError(f"{csv_path}: cannot read the student mapping ({exc}).") from None
    mapping = {}
    for line, row in enumerate(rows, start=2):
        path, student = (row.get("path") or "").strip(), (row.get("student") or "").strip()
        if not path or not student:
            raise NncourseError(f"{csv_path}, line {line}: a row needs a path and a student "
                                "(header: path,student[,submitted_at]).")
        when = (row.get("submitted_at") or "").strip()
        try:
            stamp = datetime.fromisoformat(when) if when else None
        except ValueError:
            raise NncourseError(f"{csv_path}, line {line}: submitted_at {when!r} is not an ISO 8601 time "
                                "(like 2026-11-20T17:05:00+00:00).") from None
        if stamp is not None and stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)
        mapping[_key(csv_path.parent / path)] = (student, stamp)
    return mapping


def _key(path: str | Path) -> str:
    return str(Path(path).expanduser().resolve())


def identify(paths: list[str], module: str, mapping: dict | None = None) -> list[Entry]:
    """One Entry per path: the mapping's student and time when it names the path, else the path's."""
    entries = []
    for path in paths:
        student, when = (mapping or {}).get(_key(path), (None, None))
        entries.append(Entry(path, student or student_of(path, module), when or modified_at(path)))
    return entries
