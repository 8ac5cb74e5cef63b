"""The gradebook: migrations, latest submission, late policy, extensions, adjustments, two writers."""
from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from gradebook_helpers import make_result
from nncourse.errors import GradebookError
from nncourse.gradebook import Gradebook
from nncourse.gradebook import migrations
from nncourse.gradebook.roster import read_roster
from nncourse.gradebook.summary import class_summary

DEADLINE2 = datetime(2026, 12, 14, 23, 59, tzinfo=timezone.utc)  # exercise2 in course.yaml


def test_empty_file_gets_the_latest_schema_in_wal_mode(tmp_path):
    with Gradebook(tmp_path / "g.db") as book:
        assert book.schema_version() == migrations.LATEST == 2
        assert book.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert book.counts() == dict.fromkeys(("roster", "submissions", "results", "tests", "extensions",
                                               "adjustments"), 0)
    with Gradebook(tmp_path / "g.db") as again:  # reopening runs no step twice
        assert again.schema_version() == 2


def test_version_1_file_with_data_is_upgraded_and_keeps_it(tmp_path, course):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.migrate(conn, target=1)
    assert migrations.version(conn) == 1
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'adjustments'").fetchall()
    conn.close()
    # data written at version 1
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO submissions (student, exercise, submitted_at, sha256, path, content, recorded_at) "
                 "VALUES ('s1', 'exercise2', '2026-12-10T10:00:00.000000Z', 'ab', 'x.py', x'41', "
                 "'2026-12-10T10:00:00.000000Z')")
    result = make_result(student="s1")
    conn.execute("INSERT INTO results (submission_id, status, score, raw_score, late_penalty, days_late, max_score, "
                 "grader_version, graded_at, result_json) VALUES (1, 'graded', 5, 5, 0, 0, 9, 'v1', "
                 "'2026-12-10T10:00:00.000000Z', ?)", (result.to_json(),))
    conn.close()
    with Gradebook(path, course) as book:
        assert book.schema_version() == 2
        [standing] = book.latest()
        assert (standing.student, standing.raw_score, standing.final_score) == ("s1", 5, 5)
        book.adjust("s1", "exercise2", new_score=8, why="regrade", who="ta")
        assert book.latest()[0].final_score == 8
        assert book.integrity() == "ok"


def test_a_resubmission_supersedes_and_both_are_kept(tmp_path, course):
    with Gradebook(tmp_path / "g.db", course) as book:
        first = datetime(2026, 12, 10, tzinfo=timezone.utc)
        book.record(make_result(points=(3, 3, 3)), student="s1", submitted_at=first + timedelta(hours=2),
                    submission_bytes=b"late but good")
        book.record(make_result(points=(0, 0, 0)), student="s1", submitted_at=first)  # recorded later, older
        [standing] = book.latest("s1")
        assert standing.raw_score == 9 and standing.submissions == 2
        assert len(book.history("s1")) == 2
        assert book.submission_content(standing.result_id) == b"late but good"


@pytest.mark.parametrize("after, factor, days", [
    (timedelta(minutes=10), 1.0, 0),           # inside the 15 grace minutes
    (timedelta(minutes=16), 0.9, 1),           # one started day
    (timedelta(days=2, minutes=1), 0.7, 3),    # three started days
    (timedelta(days=5, hours=1), 0.0, 6),      # past max_late_days
])
def test_late_policy_applied_by_submission_time(tmp_path, course, after, factor, days):
    with Gradebook(tmp_path / "g.db", course) as book:
        book.record(make_result(points=(3, 3, 4), max_each=4), student="s1", submitted_at=DEADLINE2 + after)
        [s] = book.latest()
        assert s.raw_score == 10
        assert s.final_score == pytest.approx(10 * factor)
        assert s.late_penalty == pytest.approx(10 - 10 * factor)
        assert s.days_late == days
        stored = book.result(s.result_id)
        assert (stored.raw_score, stored.score) == (10, pytest.approx(10 * factor))


def test_an_extension_rescores_what_is_already_recorded(tmp_path, course):
    with Gradebook(tmp_path / "g.db", course) as book:
        book.record(make_result(points=(3, 3, 3)), student="s1", submitted_at=DEADLINE2 + timedelta(days=1, hours=1))
        book.record(make_result(points=(3, 3, 3)), student="s2", submitted_at=DEADLINE2 + timedelta(days=1, hours=1))
        assert [s.final_score for s in book.latest()] == [pytest.approx(7.2)] * 2
        assert book.extend("s1", "exercise2", timedelta(days=2)) == 1
        s1, s2 = book.latest()
        assert (s1.final_score, s1.days_late, s1.late_penalty) == (9, 0, 0)
        assert s2.final_score == pytest.approx(7.2)  # nobody else's result changed
        # a later submission by s1 is judged with the extension too
        book.record(make_result(points=(3, 3, 0)), student="s1", submitted_at=DEADLINE2 + timedelta(days=2))
        assert book.latest("s1")[0].final_score == 6


def test_manual_adjustment_keeps_the_graded_score(tmp_path, course):
    with Gradebook(tmp_path / "g.db", course) as book:
        book.record(make_result(points=(3, 1, 0)), student="s1", submitted_at=DEADLINE2 - timedelta(days=1))
        book.adjust("s1", "exercise2", delta=2, why="partial credit for func1", who="ta1")
        book.adjust("s1", "exercise2", new_score=7.5, why="regrade after appeal", who="prof")
        [s] = book.latest()
        assert (s.raw_score, s.late_score, s.final_score) == (4, 4, 7.5)
        assert [(a.who, a.why) for a in s.adjustments] == [("ta1", "partial credit for func1"),
                                                          ("prof", "regrade after appeal")]
        assert book.result(s.result_id).score == 4  # the Result itself is untouched
        with pytest.raises(GradebookError):
            book.adjust("nobody", "exercise2", new_score=1, why="x", who="y")
        with pytest.raises(GradebookError):
            book.adjust("s1", "exercise2", new_score=1, delta=1, why="x", who="y")


def test_roster_import_and_summary(tmp_path, course):
    csv = tmp_path / "roster.csv"
    csv.write_text("Student ID,First Name,Last Name,Email\nalice,Alice,A,a@x.org\nbob,Bob,B,b@x.org\n")
    students = read_roster(csv)
    assert [(s.id, s.name, s.email) for s in students] == [("alice", "Alice A", "a@x.org"), ("bob", "Bob B", "b@x.org")]
    with Gradebook(tmp_path / "g.db", course) as book:
        book.add_students(students)
        book.record(make_result(), student="alice", submitted_at=DEADLINE2 - timedelta(days=1))
        summary = class_summary(book, course)
        assert book.summary() == summary
        assert summary.exercises == ["exercise2"] and summary.max_points == {"exercise2": 180}
        assert [(r.student, r.total) for r in summary.rows] == [("alice", 5), ("bob", 0)]
        assert summary.rows[1].score("exercise2") is None


def test_bad_roster_line_is_named(tmp_path):
    csv = tmp_path / "roster.csv"
    csv.write_text("id,name\nok1,A\nbad id!,B\n")
    with pytest.raises(GradebookError, match=r"roster.csv:3"):
        read_roster(csv)


def test_a_file_that_is_not_a_gradebook_is_one_sentence(tmp_path):
    path = tmp_path / "g.db"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(GradebookError, match="cannot open the gradebook"):
        Gradebook(path)



def _write_many(path: str, course_dir: str, writer: str, n: int, go) -> None:
    from nncourse.course import load_course
    course = load_course(course_dir, check_files=False)
    go.wait(120)  # both writers open the (new, empty) file and write at the same moment
    with Gradebook(path, course) as book:
        for i in range(n):
            book.record(make_result(points=(i % 4, 3, 1), sha=f"{i:064x}"), student=f"{writer}-{i % 20}",
                        submitted_at=DEADLINE2 - timedelta(hours=i), submission_bytes=b"x" * 100)
            if i % 50 == 0:
                book.extend(f"{writer}-{i % 20}", "exercise2", timedelta(days=1))


def test_two_processes_writing_at_once_do_not_corrupt_it(tmp_path, course):
    path, n = str(tmp_path / "g.db"), 300
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no connection shared by fork
    go = ctx.Event()
    procs = [ctx.Process(target=_write_many, args=(path, str(course.root), w, n, go)) for w in ("a", "b")]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0, 0]
    with Gradebook(path, course) as book:
        assert book.integrity() == "ok"
        counts = book.counts()
        assert (counts["submissions"], counts["results"], counts["tests"]) == (2 * n, 2 * n, 6 * n)
        assert len(book.latest()) == 40
