"""Exports: our CSV, nbgrader's CSV layout, JUnit XML shape, JSON, Gradescope results schema."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import jsonschema
import pytest

from gradebook_helpers import make_result
from nncourse.exports import csv_export, json_export, junit
from nncourse.exports.gradescope import failure_json, results_json
from nncourse.exports.gradescope_schema import RESULTS
from nncourse.gradebook import Gradebook, Student

DEADLINE2 = datetime(2026, 12, 14, 23, 59, tzinfo=timezone.utc)


@pytest.fixture
def book(tmp_path, course):
    with Gradebook(tmp_path / "g.db", course) as b:
        b.add_students([Student("alice", "Alice Liddell", "a@x.org"), Student("bob", "Bob", "b@x.org"),
                        Student("carol", "Carol C", "")])
        b.record(make_result(points=(3, 3, 3)), student="alice", submitted_at=DEADLINE2 - timedelta(days=1))
        b.record(make_result(points=(3, 3, 1), diagnosis="derivative of the wrong function"), student="bob",
                 submitted_at=DEADLINE2 + timedelta(days=1, hours=1))  # 2 started days late: 80 %
        b.record(make_result("exercise3", points=(1, 0)), student="alice",
                 submitted_at=datetime(2026, 12, 20, tzinfo=timezone.utc))
        yield b


def test_class_csv_has_a_row_per_student_and_raw_and_final(book, course):
    rows = list(csv.DictReader(io.StringIO(csv_export.class_csv(book, course))))
    assert [r["student_id"] for r in rows] == ["alice", "bob", "carol"]
    alice, bob, carol = rows
    assert (alice["exercise2"], alice["exercise3"], alice["total"]) == ("9", "1", "10")
    assert (bob["exercise2"], bob["exercise2_raw"], bob["exercise2_days_late"]) == ("5.6", "7", "2")
    assert (carol["exercise2"], carol["total"]) == ("", "0")
    assert alice["max_total"] == str(180 + 89)


def test_nbgrader_csv_columns_and_rows(book, course):
    text = csv_export.nbgrader_csv(book, course)
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                                 "email", "raw_score", "late_submission_penalty", "score", "max_score"]
    rows = list(reader)
    assert len(rows) == 2 * 3  # every exercise x every student
    bob = next(r for r in rows if r["student_id"] == "bob" and r["assignment"] == "exercise2")
    assert (bob["raw_score"], bob["late_submission_penalty"], bob["score"], bob["max_score"]) == \
        ("7", "1.4", "5.6", "180")
    alice = next(r for r in rows if r["student_id"] == "alice" and r["assignment"] == "exercise2")
    assert (alice["first_name"], alice["last_name"], alice["email"]) == ("Alice", "Liddell", "a@x.org")
    carol = next(r for r in rows if r["student_id"] == "carol" and r["assignment"] == "exercise3")
    assert (carol["timestamp"], carol["score"]) == ("", "0")


# The attributes the common JUnit XSD (Jenkins/Ant junit-10.xsd) allows where we write them.
JUNIT_SHAPE = {
    "testsuites": {"name", "tests", "failures", "errors", "time", "disabled"},
    "testsuite": {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id",
                  "package", "disabled"},
    "properties": set(), "property": {"name", "value"},
    "testcase": {"name", "classname", "time", "assertions", "status"},
    "failure": {"message", "type"}, "error": {"message", "type"}, "skipped": {"message"},
    "system-out": set(), "system-err": set(),
}
JUNIT_CHILDREN = {"testsuites": {"testsuite"}, "testsuite": {"properties", "testcase", "system-out", "system-err"},
                  "properties": {"property"}, "testcase": {"failure", "error", "skipped", "system-out",
                                                           "system-err"}}


def _check_shape(element):
    assert element.tag in JUNIT_SHAPE, element.tag
    assert set(element.attrib) <= JUNIT_SHAPE[element.tag], (element.tag, element.attrib)
    for child in element:
        assert child.tag in JUNIT_CHILDREN.get(element.tag, set()), (element.tag, child.tag)
        _check_shape(child)


def test_junit_is_well_formed_and_has_the_junit_shape(book):
    hostile = make_result(points=(0,), max_each=1)
    hostile.tests[0].message = "got \x1b[31mred\x00 and <b>&amp;</b> \ud800"
    pairs = [(f"{s.student}.{s.exercise}", book.result(s.result_id)) for s in book.latest()]
    root = ET.fromstring(junit.junit_xml(pairs + [("eve.exercise2", hostile)]).encode())
    _check_shape(root)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["alice.exercise2", "alice.exercise3", "bob.exercise2",
                                               "eve.exercise2"]
    assert root.get("tests") == str(3 + 2 + 3 + 1) and root.get("failures") == str(0 + 2 + 1 + 1)
    bob = suites[2]
    [failure] = bob.findall("testcase/failure")
    assert "expected 1.0, got 0.5" in failure.get("message")
    assert "likely cause: derivative of the wrong function" in failure.text
    eve = suites[3].find("testcase/failure")
    assert "\\x1b[31mred\\x00" in eve.get("message") and "<b>&amp;</b>" in eve.get("message")


def test_json_export_round_trips(book, course):
    data = json.loads(json_export.class_json(book, course))
    bob = next(s for s in data["students"] if s["student"] == "bob")
    ex2 = bob["exercises"]["exercise2"]
    assert (ex2["raw_score"], ex2["late_penalty"], ex2["score"], ex2["days_late"]) == \
        (7, pytest.approx(1.4), pytest.approx(5.6), 2)
    assert ex2["result"]["tests"][2]["diagnosis"] == "derivative of the wrong function"


def test_gradescope_results_match_the_schema(book):
    [s] = book.latest("bob")
    out = results_json(book.result(s.result_id), public=make_result(points=(1, 0), max_each=1))
    jsonschema.validate(out, RESULTS)
    assert out["score"] == pytest.approx(5.6) and out["stdout_visibility"] == "hidden"
    assert isinstance(out["execution_time"], str)
    hidden = [t for t in out["tests"] if t["number"].startswith("1.")]
    public = [t for t in out["tests"] if t["number"].startswith("0.")]
    assert [t["visibility"] for t in hidden] == ["after_published"] * 3
    assert [(t["visibility"], t["max_score"]) for t in public] == [("visible", 0.0)] * 2
    assert [t["status"] for t in hidden] == ["passed", "passed", "failed"]
    assert "Likely cause: derivative of the wrong function" in hidden[2]["output"]
    assert "late penalty 1.4" in out["output"]
    jsonschema.validate(failure_json("boom", ValueError("x")), RESULTS)


@pytest.mark.parametrize("bad", [
    {"tests": [{"name": "t", "score": 1, "max_score": 1, "status": "ok"}]},
    {"score": 1, "tests": [{"name": "t", "score": 1, "visibility": "students"}]},
    {"score": "1"},
    {"score": 1, "stdout_visiblity": "hidden"},
])
def test_the_schema_refuses_what_gradescope_would_not_read(bad):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, RESULTS)
