"""Read a class roster from CSV: id, name, email (a header row names the columns).

Why: LMS exports name their columns differently; a roster needs only an id, and
a name and email when there are some. Accepted headers: id / student_id /
username; name, or first_name + last_name; email.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from nncourse.errors import GradebookError
from nncourse.gradebook.store import Student

ID_KEYS = ("id", "student_id", "student", "username", "login")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$")


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def read_roster(path: str | Path) -> list[Student]:
    """The students of a roster CSV; GradebookError naming the line for a bad row."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GradebookError(f"{path}: cannot read the roster ({exc}).") from None
    reader = csv.DictReader(text.splitlines())
    fields = {_key(h): h for h in (reader.fieldnames or [])}
    id_col = next((fields[k] for k in ID_KEYS if k in fields), None)
    if id_col is None:
        raise GradebookError(f"{path}: no id column in the header (one of: {', '.join(ID_KEYS)}).")
    students, seen = [], set()
    for line, row in enumerate(reader, start=2):
        sid = (row.get(id_col) or "").strip()
        if not sid:
            continue
        if not STUDENT_ID.match(sid):
            raise GradebookError(f"{path}:{line}: student id {sid!r} has characters other than letters, "
                                 "digits and _.@+-.")
        if sid in seen:
            raise GradebookError(f"{path}:{line}: student id {sid!r} appears twice.")
        seen.add(sid)
        name = (row.get(fields.get("name", ""), "") or "").strip()
        if not name:
            parts = [(row.get(fields[k]) or "").strip() for k in ("first_name", "last_name") if k in fields]
            name = " ".join(p for p in parts if p)
        email = (row.get(fields["email"]) or "").strip() if "email" in fields else ""
        students.append(Student(sid, name, email))
    return students
