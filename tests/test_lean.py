"""The lean item loop gives the Result pytest's full protocol gives, and leaves pytest the items it cannot run."""
import shutil

import pytest
import yaml

from nncourse.course import load_course
from nncourse.grading import lean
from nncourse.grading.engine import grade
from nncourse.submission import resolve_submission

from conftest import REPO, write_module

EX = "exercise2"
MODULE = "activations.py"
REFERENCE = (REPO / "solutions" / EX / MODULE).read_text()
LEAN_RUN = lean.run

SUITE = '''
import unittest
import warnings
import numpy as np
import pytest
from nncourse.grading.checks import assert_close

mark = [pytest.mark.target("sigmoid"), pytest.mark.points(1)]


def _marked(f):
    for m in mark:
        f = m(f)
    return f


@_marked
def test_passes(student, rng, seed, thresholds):
    z = rng.normal(size=3)
    assert_close(student.sigmoid(z), 1 / (1 + np.exp(-z)), what="sigmoid(z)")


@_marked
def test_student_fails(student):
    assert_close(student.sigmoid(np.zeros(2)), np.ones(2), what="sigmoid(0)")


@_marked
def test_plain_assert_explained(student):
    assert [float(student.sigmoid(0.0))] == [0.75]


@_marked
def test_grader_bug(student):
    {}["missing"]


@_marked
def test_warns_then_passes(student):
    warnings.warn("a grader's warning", UserWarning)
    np.log(np.zeros(1))


@_marked
def test_skips_itself(student):
    pytest.skip("not today")


@_marked
def test_unittest_skip(student):
    raise unittest.SkipTest("unittest's skip")


@_marked
@pytest.mark.parametrize("z", [0.0, 2.0])
def test_parametrized(student, z):
    assert_close(student.sigmoid(z), 1 / (1 + np.exp(-z)), what="sigmoid(z)")


@pytest.fixture(scope="module")
def table():
    yield {"z": 0.0}


@_marked
def test_own_fixture(student, table):
    assert_close(student.sigmoid(table["z"]), 0.5, what="sigmoid(0)")


@_marked
@pytest.mark.skip(reason="a skip marker")
def test_skip_marker(student):
    pass


@_marked
def test_rng_is_fresh(rng):
    assert rng.integers(1000) == np.random.default_rng(0).integers(1000)
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(REPO / "exercises" / EX, root / "exercises" / EX)
    shutil.copytree(REPO / "solutions" / EX, root / "solutions" / EX)
    (root / "grader" / EX).mkdir(parents=True)
    (root / "grader" / EX / "test_mixed.py").write_text(SUITE)
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["exercises"] = [e for e in data["exercises"] if e["id"] == EX]
    (root / "course.yaml").write_text(yaml.safe_dump(data))
    return load_course(root)


def _graded(course, tmp_path, monkeypatch, full: bool):
    monkeypatch.setenv("NNCOURSE_FULL_PROTOCOL", "1" if full else "0")
    lean_runs = []
    monkeypatch.setattr(lean, "run", lambda plan, *args: (lean_runs.append(plan.item.name), LEAN_RUN(plan, *args)))
    ex = course.exercise(EX)
    with resolve_submission(write_module(tmp_path, MODULE, REFERENCE), ex.module) as sub:
        result = grade(course, ex, sub, suite="hidden")
    return result, lean_runs


def _without_durations(result) -> dict:
    data = result.model_dump(mode="json")
    data.pop("duration")
    for test in data["tests"]:
        test.pop("duration")
    return data


def test_lean_loop_and_full_protocol_give_the_same_result(course, tmp_path, monkeypatch):
    full, full_lean_runs = _graded(course, tmp_path, monkeypatch, full=True)
    quick, lean_runs = _graded(course, tmp_path, monkeypatch, full=False)
    assert full_lean_runs == []
    assert "test_passes" in lean_runs and "test_parametrized[2.0]" in lean_runs
    assert "test_own_fixture" not in lean_runs and "test_skip_marker" not in lean_runs  # pytest's protocol
    assert _without_durations(quick) == _without_durations(full)
    status = {t.name: t.status for t in quick.tests}
    assert status["test_passes"] == status["test_own_fixture"] == status["test_rng_is_fresh"] == "passed"
    assert status["test_warns_then_passes"] == "passed"
    assert status["test_student_fails"] == "failed"
    assert status["test_grader_bug"] == status["test_skips_itself"] == status["test_unittest_skip"] == "error"
    detail = {t.name: t.instructor_detail for t in quick.tests}
    assert "KeyError" in detail["test_grader_bug"] and "test_mixed.py" in detail["test_grader_bug"]
    assert "AssertionError" in detail["test_plain_assert_explained"]
    assert status["test_skip_marker"] == "error"  # skipped at setup by pytest: a grader fault, as before
