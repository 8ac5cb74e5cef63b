"""The gradebook's schema as a list of steps, applied by SQLite's `user_version`.

Why: a course folder outlives a release of nncourse; opening an old gradebook
upgrades it in place, one numbered step at a time, inside one transaction, so
two graders opening the same old file never both upgrade it.
"""
from __future__ import annotations

import sqlite3

# Step N (1-based) takes the schema from version N-1 to N. Never edit a step
# that has shipped: add a new one.
STEPS: list[tuple[str, ...]] = [
    (  # 1: roster, submissions, results, per-test rows, extensions
        """CREATE TABLE roster (
               id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '')""",
        """CREATE TABLE submissions (
               id INTEGER PRIMARY KEY, student TEXT NOT NULL, exercise TEXT NOT NULL,
               submitted_at TEXT NOT NULL, sha256 TEXT NOT NULL, path TEXT NOT NULL DEFAULT '',
               content BLOB, recorded_at TEXT NOT NULL)""",
        "CREATE INDEX submissions_by_student ON submissions (student, exercise, submitted_at)",
        """CREATE TABLE results (
               id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL REFERENCES submissions (id),
               status TEXT NOT NULL, score REAL NOT NULL, raw_score REAL NOT NULL,
               late_penalty REAL NOT NULL DEFAULT 0, days_late INTEGER NOT NULL DEFAULT 0,
               max_score REAL NOT NULL,
               grader_version TEXT NOT NULL, graded_at TEXT NOT NULL, result_json TEXT NOT NULL)""",
        "CREATE INDEX results_by_submission ON results (submission_id)",
        """CREATE TABLE tests (
               result_id INTEGER NOT NULL REFERENCES results (id), position INTEGER NOT NULL,
               target TEXT NOT NULL, name TEXT NOT NULL, points REAL NOT NULL, max_points REAL NOT NULL,
               status TEXT NOT NULL, diagnosis TEXT, PRIMARY KEY (result_id, position))""",
        """CREATE TABLE extensions (
               student TEXT NOT NULL, exercise TEXT NOT NULL, minutes REAL NOT NULL,
               granted_at TEXT NOT NULL, PRIMARY KEY (student, exercise))""",
    ),
    (  # 2: manual adjustments; the graded score stays in `results`
        """CREATE TABLE adjustments (
               id INTEGER PRIMARY KEY, result_id INTEGER NOT NULL REFERENCES results (id),
               who TEXT NOT NULL, at TEXT NOT NULL, why TEXT NOT NULL,
               delta REAL, new_score REAL, CHECK ((delta IS NULL) != (new_score IS NULL)))""",
        "CREATE INDEX adjustments_by_result ON adjustments (result_id)",
    ),
]

LATEST = len(STEPS)


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Bring the schema up to `target` in one IMMEDIATE transaction; return the version found.

    The connection must be in autocommit mode (isolation_level=None).
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = version(conn)
        if found > LATEST:
            raise RuntimeError(f"gradebook schema version {found} is newer than this nncourse ({LATEST})")
        for number in range(found + 1, target + 1):
            for statement in STEPS[number - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
