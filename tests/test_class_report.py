"""The class report: targets most often lost, diagnoses, late work, errors, missing students."""
from __future__ import annotations

from datetime import timedelta

from gradebook_helpers import make_result
from nncourse.feedback.class_report import exercise_stats, write_class_report
from nncourse.gradebook import Gradebook, Student


def test_report_numbers_and_pages(tmp_path, course):
    deadline = course.exercise("exercise2").deadline
    with Gradebook(tmp_path / "g.db", course) as book:
        book.add_students([Student(f"s{i}") for i in range(6)])
        book.record(make_result(points=(3, 3, 3)), student="s0", submitted_at=deadline - timedelta(days=1))
        book.record(make_result(points=(3, 3, 0), diagnosis="sign flipped"), student="s1",
                    submitted_at=deadline - timedelta(days=1))
        book.record(make_result(points=(0, 3, 0), diagnosis="sign flipped"), student="s2",
                    submitted_at=deadline + timedelta(days=2))
        book.record(make_result(points=(0, 0, 0), status="error", message="grader fault <x>"), student="s3",
                    submitted_at=deadline - timedelta(days=1))
        book.record(make_result(points=(0, 0, 0), message="your module could not be imported: SyntaxError"),
                    student="s4", submitted_at=deadline - timedelta(days=1))
        stats = exercise_stats(book, course, "exercise2")
        assert stats.lost_by_target == {"func0": 4, "func1": 2}
        assert stats.diagnoses == {"sign flipped": 2}
        assert [s.student for s in stats.late] == ["s2"]
        assert [(s.student, kind) for s, kind, _ in stats.problems] == [("s3", "error"), ("s4", "module error")]
        assert stats.missing == ["s5"]
        pages = write_class_report(book, course, tmp_path / "report", "../feedback")
    index, ex2 = pages
    assert index.name == "index.html" and ex2.name == "exercise2.html"
    text = ex2.read_text()
    assert "sign flipped" in text and "grader fault &lt;x&gt;" in text and "No submission: s5" in text
    assert 'href="../feedback/s2/exercise2.html"' in text
    assert text.count("data:image/png;base64,") == 1
    assert "exercise2.html" in index.read_text()


def test_no_diagnoses_yet_is_said(tmp_path, course):
    with Gradebook(tmp_path / "g.db", course) as book:
        book.record(make_result(points=(0, 3, 0)), student="s0")
        [_, page] = write_class_report(book, course, tmp_path / "r")
    assert "No failed test carries a diagnosis" in page.read_text()
