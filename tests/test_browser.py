"""Feedback page and class report in headless Chromium: no console error, every image decodes, the score shows.

Skipped when no Chromium is installed (CI installs the Debian package `chromium`).
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chromium_cdp import Chromium, find_chromium
from gradebook_helpers import make_result
from nncourse.feedback.class_report import write_class_report
from nncourse.feedback.write import write_feedback
from nncourse.gradebook import Gradebook, Student

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = find_chromium()
pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install chromium)"),
              pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    chrome = Chromium(CHROMIUM)
    yield chrome
    chrome.close()


def _buggy_activations() -> bytes:
    source = (REPO / "solutions/exercise2/activations.py").read_text()
    buggy = source.replace("def relu_grad(z):", "def relu_grad(z):\n    return np.ones_like(np.asarray(z, float))\n"
                                                "\n\ndef _relu_grad_unused(z):", 1)
    assert buggy != source
    return buggy.encode()


def test_feedback_page_and_class_report_load_cleanly(tmp_path, course, browser):
    deadline = course.exercise("exercise2").deadline
    with Gradebook(tmp_path / "g.db", course) as book:
        book.add_students([Student("alice", "Alice <b>A</b>"), Student("bob", "Bob B")])
        result = make_result(points=(3, 2, 0))
        result.tests[2].target = "relu_grad"
        book.record(result, student="alice", submitted_at=deadline + timedelta(days=1, hours=2),
                    submission_bytes=_buggy_activations())
        book.record(make_result(points=(3, 3, 3)), student="bob", submitted_at=deadline - timedelta(days=1),
                    submission_bytes=(REPO / "solutions/exercise2/activations.py").read_bytes())
        pages = write_feedback(course, book, tmp_path / "feedback", jobs=1)
        report = write_class_report(book, course, tmp_path / "report", "../feedback")
    alice = next(p for p in pages if p.student == "alice")
    assert alice.plot_bytes, "the buggy relu_grad should get a plot"

    seen = browser.open(alice.html, screenshot=True)
    (tmp_path / "alice.png").write_bytes(seen.screenshot)  # a look by hand: pytest's tmp folder, never the repo
    assert seen.errors == []
    assert seen.images and all(i["complete"] and i["naturalWidth"] > 0 for i in seen.images)
    assert "Score: 4 / 180" in seen.text  # 5 graded, 80 % for 2 started days late
    assert "Graded score: 5 / 180" in seen.text

    for page in report:
        seen = browser.open(page)
        assert seen.errors == [], page
        assert seen.images and all(i["complete"] and i["naturalWidth"] > 0 for i in seen.images), page
    index = browser.open(report[0])
    assert "Alice <b>A</b>" in index.text  # escaped: shown as text, not markup


def test_the_checks_can_fail(tmp_path, browser):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p><img src=\"data:image/png;base64,AAAA\">"
                    "<script>console.error('boom')</script></body></html>")
    seen = browser.open(page)
    assert any("boom" in e for e in seen.errors)
    assert seen.images[0]["naturalWidth"] == 0
