"""`nncourse demo`: a small generated class graded end to end, every output written and named."""
from __future__ import annotations

import csv
import json

import pytest

from nncourse.gradebook import Gradebook
from nncourse.sample_class import make_class


def test_the_generated_class_has_every_kind(tmp_path, course):
    ex2, ex3 = course.exercise("exercise2"), course.exercise("exercise3")
    roster, hands, extensions = make_class(course, tmp_path, [ex2, ex3], 40)
    assert len(roster) == 40 and (tmp_path / "roster.csv").is_file()
    kinds = [h.kind for h in hands if h.exercise == "exercise2"]
    assert sum(k.startswith("correct") for k in kinds) >= 10
    assert sum(k.startswith("bug:") for k in kinds) >= 15
    assert {k.split(" (")[0] for k in kinds if k.startswith("broken")} == \
        {"broken: syntax error", "broken: missing function softmax_backward", "broken: the unchanged stub"}
    assert sum("late" in k for k in kinds) == 5 and len(extensions) == 2
    assert any("resubmitted" in k for k in kinds)
    styles = {k.split(" (")[0] for k in kinds if k.startswith("correct")}
    assert len(styles) >= 3  # the reference and the repository's other correct styles
    bugs = {h.path.read_text() for h in hands if h.kind.startswith("bug:")}
    assert len(bugs) >= 10  # distinct mutants, not one file copied


def test_demo_refuses_a_folder_it_did_not_make(cli, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    result = cli("demo", tmp_path, "--students", 8)
    assert result.exit_code == 2 and "was not made by `nncourse demo`" in result.output
    assert (tmp_path / "mine.txt").read_text() == "keep me"


@pytest.mark.slow
def test_demo_end_to_end(cli, tmp_path):
    out = tmp_path / "demo"
    result = cli("demo", out, "--students", 10, "--exercise", "exercise2")
    assert result.exit_code == 0, result.output
    text = result.output
    for what in ("gradebook", "CSV", "nbgrader CSV", "Gradescope", "feedback pages", "class report"):
        assert f"  {what} " in text
    assert "10 students" in text and "Extension:" in text
    rows = list(csv.DictReader((out / "exports" / "grades.csv").open()))
    assert len(rows) == 10
    late = [r for r in rows if r["exercise2_days_late"] not in ("", "0")]
    assert late and all(float(r["exercise2"]) < float(r["exercise2_raw"]) or float(r["exercise2_raw"]) == 0
                        for r in late)
    with Gradebook(out / "gradebook.db") as book:
        assert book.integrity() == "ok" and book.counts()["roster"] == 10
    pages = list((out / "feedback").rglob("*.html"))
    assert pages and (out / "report" / "index.html").is_file() and (out / "report" / "exercise2.html").is_file()
    results = list((out / "gradescope" / "exercise2").glob("*/results.json"))
    assert results and all("tests" in json.loads(p.read_text()) for p in results)
