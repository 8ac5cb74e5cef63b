"""The gradebook: one SQLite file holding the roster, every submission and Result, extensions, adjustments.

Why: a class is graded many times by several graders; the file keeps every
submission (a resubmission supersedes, both are kept), applies the late policy
with per-student extensions, and keeps the graded score when an instructor
adjusts it. WAL mode and a busy timeout let two graders write at once; every
write is one IMMEDIATE transaction.
"""
from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nncourse.course import Course
from nncourse.errors import GradebookError
from nncourse.gradebook import migrations
from nncourse.late import apply_late_policy, lateness
from nncourse.result import Result

DEFAULT_NAME = "gradebook.db"
BUSY_TIMEOUT_S = 60.0
MAX_STORED_BYTES = 2 * 1024 * 1024


def utc(moment: datetime | None) -> datetime:
    """An aware UTC datetime (naive times are taken as UTC); now when None."""
    if moment is None:
        return datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def stamp(moment: datetime | None) -> str:
    """A fixed-width UTC text that sorts in time order."""
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


@dataclass
class Adjustment:
    who: str
    at: datetime
    why: str
    delta: float | None
    new_score: float | None


@dataclass
class Standing:
    """Where one student stands on one exercise: the latest submission's Result, late policy and adjustments."""

    student: str
    exercise: str
    result_id: int
    submitted_at: datetime
    status: str
    raw_score: float        # as graded
    late_penalty: float     # taken off for lateness
    days_late: int
    max_score: float
    submissions: int        # how many times this student submitted this exercise
    adjustments: list[Adjustment] = field(default_factory=list)

    @property
    def late_score(self) -> float:
        return round(self.raw_score - self.late_penalty, 6)

    @property
    def final_score(self) -> float:
        """The late score after manual adjustments, in the order they were made."""
        score = self.late_score
        for adj in self.adjustments:
            score = adj.new_score if adj.new_score is not None else score + adj.delta
        return round(score, 6)


@dataclass
class Student:
    id: str
    name: str = ""
    email: str = ""


class Gradebook:
    """One gradebook file. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path, course: Course | None = None):
        self.path, self.course = Path(path), course
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            migrations.migrate(self.conn)
        except (sqlite3.DatabaseError, RuntimeError) as exc:
            raise GradebookError(f"{self.path}: cannot open the gradebook ({exc}).",
                                 "Is it a gradebook file? Pass another path with --gradebook.") from None

    # -- plumbing -----------------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextlib.contextmanager
    def _write(self):
        """One IMMEDIATE transaction: the write lock is taken up front, so no deadlock on upgrade."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def integrity(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    def schema_version(self) -> int:
        return migrations.version(self.conn)

    # -- roster -------------------------------------------------------------------
    def add_students(self, students: list[Student]) -> int:
        """Insert or update roster rows by id; return how many were given."""
        with self._write() as c:
            c.executemany("INSERT INTO roster (id, name, email) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE "
                          "SET name = excluded.name, email = excluded.email",
                          [(s.id, s.name, s.email) for s in students])
        return len(students)

    def roster(self) -> list[Student]:
        return [Student(r["id"], r["name"], r["email"])
                for r in self.conn.execute("SELECT * FROM roster ORDER BY id")]

    def students(self) -> list[str]:
        """Everyone on the roster or with a submission, sorted."""
        rows = self.conn.execute("SELECT id FROM roster UNION SELECT student FROM submissions ORDER BY 1")
        return [r[0] for r in rows]

    # -- recording ----------------------------------------------------------------
    def record(self, result: Result, *, student: str | None = None, submitted_at: datetime | None = None,
               submission_path: str | Path | None = None, submission_bytes: bytes | None = None) -> int:
        """Store one graded submission and its Result; return the result id.

        The student and time come from the arguments, else from the Result
        (else now). The late policy is applied from the course and this
        student's extension; the graded score is kept as raw_score.
        """
        who = student or result.student
        if not who:
            raise GradebookError(f"{result.submission or 'a Result'}: no student named for it.",
                                 "Pass the student id, or set `student` in the Result.")
        when = utc(submitted_at or result.submitted_at)
        content = submission_bytes
        if content is None and submission_path is not None and Path(submission_path).is_file():
            content = Path(submission_path).read_bytes()
        if content is not None and len(content) > MAX_STORED_BYTES:
            content = None
        path = str(submission_path or result.submission or "")
        result = result.model_copy(update={"student": who})
        with self._write() as c:
            extension = self._extension(who, result.exercise)
            result, days = self._late(result, when, extension)
            sub_id = c.execute(
                "INSERT INTO submissions (student, exercise, submitted_at, sha256, path, content, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (who, result.exercise, stamp(when), result.submission_sha256, path, content, stamp(None))).lastrowid
            result_id = c.execute(
                "INSERT INTO results (submission_id, status, score, raw_score, late_penalty, days_late, max_score, "
                "grader_version, graded_at, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sub_id, result.status.value, result.score, result.raw_score, result.late_penalty or 0.0, days,
                 result.max_score, result.grader_version, stamp(None), result.to_json())).lastrowid
            c.executemany(
                "INSERT INTO tests (result_id, position, target, name, points, max_points, status, diagnosis) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(result_id, i, t.target, t.name, t.points, t.max_points, t.status.value, t.diagnosis)
                 for i, t in enumerate(result.tests)])
        return result_id

    def _late(self, result: Result, when: datetime, extension: timedelta) -> tuple[Result, int]:
        """The Result with the late policy applied (when the course knows the exercise) and its days late."""
        ex = self._exercise(result.exercise)
        if ex is None:
            raw = result.raw_score if result.raw_score is not None else result.score
            return result.model_copy(update={"submitted_at": when, "raw_score": raw, "score": raw,
                                             "late_penalty": 0.0}), 0
        policy = self.course.late_policy_for(ex)
        how = lateness(policy, ex.deadline, when, extension)
        return apply_late_policy(result, policy, ex.deadline, when, extension), how.days_late

    def _exercise(self, exercise_id: str):
        if self.course is None:
            return None
        return next((ex for ex in self.course.exercises if ex.id == exercise_id), None)

    # -- extensions and adjustments ---------------------------------------------------
    def _extension(self, student: str, exercise: str) -> timedelta:
        row = self.conn.execute("SELECT minutes FROM extensions WHERE student = ? AND exercise = ?",
                                (student, exercise)).fetchone()
        return timedelta(minutes=row[0]) if row else timedelta(0)

    def extension(self, student: str, exercise: str) -> timedelta:
        return self._extension(student, exercise)

    def extend(self, student: str, exercise: str, extension: timedelta) -> int:
        """Set (replace) a student's extension and re-apply the late policy to their Results; return how many."""
        with self._write() as c:
            c.execute("INSERT INTO extensions (student, exercise, minutes, granted_at) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (student, exercise) DO UPDATE SET minutes = excluded.minutes, "
                      "granted_at = excluded.granted_at",
                      (student, exercise, extension / timedelta(minutes=1), stamp(None)))
            return self._rescore(student, exercise)

    def reapply_late_policy(self) -> int:
        """Re-apply the course's current deadlines and late policy to every Result (after editing course.yaml)."""
        with self._write() as c:
            pairs = c.execute("SELECT DISTINCT student, exercise FROM submissions").fetchall()
            return sum(self._rescore(s, e) for s, e in pairs)

    def _rescore(self, student: str, exercise: str) -> int:
        extension = self._extension(student, exercise)
        rows = self.conn.execute(
            "SELECT r.id, r.result_json, s.submitted_at FROM results r JOIN submissions s ON s.id = r.submission_id "
            "WHERE s.student = ? AND s.exercise = ?", (student, exercise)).fetchall()
        for row in rows:
            result, days = self._late(Result.from_json(row["result_json"]), parse_stamp(row["submitted_at"]),
                                      extension)
            self.conn.execute("UPDATE results SET score = ?, raw_score = ?, late_penalty = ?, days_late = ?, "
                              "result_json = ? WHERE id = ?",
                              (result.score, result.raw_score, result.late_penalty or 0.0, days,
                               result.to_json(), row["id"]))
        return len(rows)

    def adjust(self, student: str, exercise: str, *, why: str, who: str, new_score: float | None = None,
               delta: float | None = None) -> int:
        """Record a manual change to the latest Result (the graded score is kept); return its id."""
        if (new_score is None) == (delta is None):
            raise GradebookError("an adjustment needs exactly one of a new score or a delta.")
        if not why.strip():
            raise GradebookError("an adjustment needs a reason (--why).")
        with self._write() as c:
            latest = self._latest_result_id(student, exercise)
            if latest is None:
                raise GradebookError(f"no graded submission of {exercise} by {student!r} in the gradebook.",
                                     "Check the student id with `nncourse gradebook`.")
            return c.execute("INSERT INTO adjustments (result_id, who, at, why, delta, new_score) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (latest, who, stamp(None), why, delta, new_score)).lastrowid

    # -- reading ------------------------------------------------------------------
    def _latest_result_id(self, student: str, exercise: str) -> int | None:
        row = self.conn.execute(
            "SELECT r.id FROM results r JOIN submissions s ON s.id = r.submission_id "
            "WHERE s.student = ? AND s.exercise = ? ORDER BY s.submitted_at DESC, s.id DESC, r.id DESC LIMIT 1",
            (student, exercise)).fetchone()
        return row[0] if row else None

    def latest(self, student: str | None = None, exercise: str | None = None) -> list[Standing]:
        """The standing of each (student, exercise): its latest submission by time, sorted."""
        where, args = [], []
        if student is not None:
            where.append("s.student = ?")
            args.append(student)
        if exercise is not None:
            where.append("s.exercise = ?")
            args.append(exercise)
        rows = self.conn.execute(
            "SELECT r.*, s.student, s.exercise, s.submitted_at, "
            "  (SELECT COUNT(*) FROM submissions x WHERE x.student = s.student AND x.exercise = s.exercise) AS n "
            "FROM results r JOIN submissions s ON s.id = r.submission_id "
            "WHERE r.id = (SELECT r2.id FROM results r2 JOIN submissions s2 ON s2.id = r2.submission_id "
            "              WHERE s2.student = s.student AND s2.exercise = s.exercise "
            "              ORDER BY s2.submitted_at DESC, s2.id DESC, r2.id DESC LIMIT 1)"
            + (" AND " + " AND ".join(where) if where else "") + " ORDER BY s.student, s.exercise",
            args).fetchall()
        adjustments = self._adjustments([r["id"] for r in rows])
        return [Standing(r["student"], r["exercise"], r["id"], parse_stamp(r["submitted_at"]), r["status"],
                         r["raw_score"], r["late_penalty"], r["days_late"], r["max_score"], r["n"],
                         adjustments.get(r["id"], [])) for r in rows]

    def _adjustments(self, result_ids: list[int]) -> dict[int, list[Adjustment]]:
        out: dict[int, list[Adjustment]] = {}
        if not result_ids:
            return out
        marks = ",".join("?" * len(result_ids))
        for r in self.conn.execute(f"SELECT * FROM adjustments WHERE result_id IN ({marks}) ORDER BY id",
                                   result_ids):
            out.setdefault(r["result_id"], []).append(
                Adjustment(r["who"], parse_stamp(r["at"]), r["why"], r["delta"], r["new_score"]))
        return out

    def result(self, result_id: int) -> Result:
        """The stored Result (late policy applied) of one result id."""
        row = self.conn.execute("SELECT result_json FROM results WHERE id = ?", (result_id,)).fetchone()
        if row is None:
            raise GradebookError(f"no result {result_id} in the gradebook.")
        return Result.from_json(row[0])

    def history(self, student: str, exercise: str | None = None) -> list[dict]:
        """Every submission of a student (oldest first) with its latest Result's scores."""
        rows = self.conn.execute(
            "SELECT s.id AS submission_id, s.exercise, s.submitted_at, s.sha256, s.path, r.id AS result_id, "
            "r.status, r.score, r.raw_score, r.late_penalty, r.days_late, r.max_score FROM submissions s "
            "JOIN results r ON r.submission_id = s.id WHERE s.student = ?"
            + (" AND s.exercise = ?" if exercise else "") + " ORDER BY s.exercise, s.submitted_at, r.id",
            (student, exercise) if exercise else (student,)).fetchall()
        return [dict(r) for r in rows]

    def submission_content(self, result_id: int) -> bytes | None:
        row = self.conn.execute("SELECT s.content FROM submissions s JOIN results r ON r.submission_id = s.id "
                                "WHERE r.id = ?", (result_id,)).fetchone()
        return row[0] if row else None

    def summary(self):
        """The class table (gradebook.summary.ClassSummary): one row per student, one column per exercise."""
        from nncourse.gradebook.summary import class_summary
        return class_summary(self, self.course)

    def counts(self) -> dict[str, int]:
        tables = ("roster", "submissions", "results", "tests", "extensions", "adjustments")
        return {t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.roster()}


def default_path(course: Course | None) -> Path:
    """gradebook.db in the course folder (or the current folder without a course)."""
    return (course.root if course is not None else Path.cwd()) / DEFAULT_NAME


def already_recorded(book: Gradebook, student: str, result: Result, when: datetime) -> bool:
    """True when this very submission (student, exercise, bytes, time) was graded by this grader version."""
    row = book.conn.execute(
        "SELECT 1 FROM submissions s JOIN results r ON r.submission_id = s.id WHERE s.student = ? AND "
        "s.exercise = ? AND s.sha256 = ? AND s.submitted_at = ? AND r.grader_version = ? LIMIT 1",
        (student, result.exercise, result.submission_sha256, stamp(when), result.grader_version)).fetchone()
    return row is not None
