"""Scores you can trust: NaN equals nothing, messages without noise, no-math modules score 0."""
import ast
import tempfile
from pathlib import Path

import numpy as np
import pytest

from nncourse.grading.batch import grade_task
from nncourse.grading.checks import CheckFailed, assert_changed, assert_close, assert_differs
from nncourse.grading.compare import diagnose, mismatch
from nncourse.nomath import FLAVORS, api_targets, half_kept, no_math_source, same_target
from nncourse.result import Result

from conftest import REPO


# --- NaN and inf equal nothing -------------------------------------------------------------

def test_nan_in_expected_or_got_is_a_mismatch():
    with pytest.raises(CheckFailed):
        assert_close(np.array([1.0, np.nan]), np.array([1.0, np.nan]), what="f(z)")
    with pytest.raises(CheckFailed):
        assert_close(np.array([1.0, np.nan]), np.array([1.0, 2.0]), what="f(z)")
    with pytest.raises(CheckFailed):
        assert_close(np.array([np.inf]), np.array([np.inf]), what="f(z)")


def test_nonfinite_matches_only_where_a_test_expects_it():
    assert_close(np.array([1.0, np.nan, np.inf]), np.array([1.0, np.nan, np.inf]), what="f(z)",
                 expect_nonfinite=True)
    with pytest.raises(CheckFailed):
        assert_close(np.array([np.nan, 1.0]), np.array([1.0, np.nan]), what="f(z)", expect_nonfinite=True)
    with pytest.raises(CheckFailed):
        assert_close(np.array([-np.inf]), np.array([np.inf]), what="f(z)", expect_nonfinite=True)


def test_rtol_and_atol_together():
    assert_close(1.0 + 5e-7, 1.0, what="f", rtol=1e-6, atol=0)
    assert_close(5e-9, 0.0, what="f", rtol=1e-6, atol=1e-8)
    with pytest.raises(CheckFailed):
        assert_close(2e-8, 0.0, what="f", rtol=1e-6, atol=1e-8)
    assert mismatch(np.array([100.0]), np.array([100.001]), rtol=1e-6, atol=1e-8).all()


def test_must_differ_and_changed_never_pass_on_nan():
    with pytest.raises(CheckFailed):
        assert_differs(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), what="w", message="same")
    with pytest.raises(CheckFailed):
        assert_differs(np.array([np.nan]), np.array([1.0]), what="w", message="nan")
    assert_differs(np.array([1.0, 2.0]), np.array([1.0, 3.0]), what="w", message="differ")
    with pytest.raises(CheckFailed):
        assert_changed({"W": np.ones(2)}, {"W": np.array([np.nan, np.nan])}, what="params")


# --- messages without noise -----------------------------------------------------------------

def test_no_relative_error_where_expected_is_zero():
    with pytest.raises(CheckFailed) as info:
        assert_close(np.array([0.5, 2.0]), np.array([0.0, 2.0]), what="relu_grad(z)",
                     inputs={"z": np.array([0.0, 3.0])})
    text = str(info.value)
    assert "max abs error 0.5" in text and "rel error" not in text and "e+" not in text


def test_hint_by_what_is_wrong():
    z = np.array([-2.0, 0.0, 1.0, 3.0])
    got, want = np.array([0.0, 1.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0, 1.0])
    assert "where z is exactly 0" in diagnose(got, want, mismatch(got, want, rtol=1e-6, atol=0), {"z": z})
    want = np.array([1.0, -2.0, 4.0])
    assert "2 times the expected" in diagnose(2 * want, want, np.ones(3, bool))
    assert "opposite sign" in diagnose(-want, want, np.ones(3, bool))
    got = np.array([1.0, np.nan, 4.0])
    assert "inf or nan" in diagnose(got, want, mismatch(got, want, rtol=1e-6, atol=0))
    with pytest.raises(CheckFailed) as info:  # the test's own hint loses to the diagnosis
        assert_close(2 * want, want, what="f(z)", hint="convert the input first")
    assert "times the expected" in str(info.value) and "convert the input" not in str(info.value)


def test_wrong_shape_gets_a_shape_hint():
    with pytest.raises(CheckFailed) as info:
        assert_close(np.array([1.0]), np.float64(1.0), what="sigmoid(2.0)", hint="values hint")
    assert "shape ()" in str(info.value) and "values hint" not in str(info.value)


# --- no-math modules -------------------------------------------------------------------------

def _exercise(course, exercise_id):
    ex = course.exercise(exercise_id)
    return ex, course.path(ex.stub), course.path(ex.solution)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_no_math_module_keeps_the_api(course, flavor):
    for ex in course.exercises:
        stub, ref = course.path(ex.stub), course.path(ex.solution)
        source = no_math_source(stub, ref, flavor)
        tree = ast.parse(source)
        names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        assert {t.split(".")[0] for t in api_targets(stub)} <= names


def test_no_math_module_answers_the_flavor_with_the_right_shapes(course):
    ex, stub, ref = _exercise(course, "exercise5")
    for flavor, check in [("zeros", lambda a: np.all(a == 0)), ("ones", lambda a: np.all(a == 1)),
                          ("nan", lambda a: np.all(np.isnan(a)))]:
        namespace = {}
        exec(compile(no_math_source(stub, ref, flavor), "nomath", "exec"), namespace)
        params = {"W": np.array([[1.0, -2.0]]), "b": np.array([3.0])}
        grads = namespace["l2_grad"](params, 0.5)
        assert set(grads) == {"W", "b"} and grads["W"].shape == (1, 2) and check(grads["W"])
        es = namespace["EarlyStopping"](patience=2)
        assert hasattr(es, "best_loss")


def test_half_control_keeps_every_other_api_name(course):
    _, stub, ref = _exercise(course, "exercise1")
    kept = half_kept(stub)
    assert kept == set(api_targets(stub)[::2]) and "step" in kept
    assert same_target("Perceptron", "Perceptron.__init__") and not same_target("Perceptron", "Perceptron.fit")
    source = no_math_source(stub, ref, "zeros", keep=kept)
    namespace = {}
    exec(compile(source, "half", "exec"), namespace)
    assert namespace["step"](np.array([-1.0, 2.0])).tolist() == [0, 1]          # kept: the reference
    p = namespace["Perceptron"](3, seed=0)
    p.weights, p.bias = np.array([1.0, 1.0, 1.0]), 0.5
    assert float(p.net_input(np.array([1.0, 2.0, 3.0]))) == 6.5                  # kept
    assert list(p.predict(np.array([[1.0, 2.0, 3.0]]))) == [0]                   # replaced: zeros


@pytest.mark.slow
@pytest.mark.parametrize("flavor", ["zeros", "identity", "random"])
def test_no_math_scores_zero_on_exercise2(course, flavor):
    ex, stub, ref = _exercise(course, "exercise2")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ex.module
        path.write_text(no_math_source(stub, ref, flavor), encoding="utf-8")
        result = Result.from_json(grade_task(str(REPO), ex.id, str(path)))
    assert result.status.value == "graded" and result.max_score == ex.points
    assert result.score == 0, [t.name for t in result.tests if t.points]


# --- validate's own arithmetic ---------------------------------------------------------------

def _result(tests):
    from nncourse.result import ResultStatus, TestResult, TestStatus
    rows = [TestResult(name=f"test_{i}", target=target, points=got, max_points=full,
                       status=TestStatus.passed if got == full else TestStatus.failed)
            for i, (target, got, full) in enumerate(tests)]
    return Result(exercise="exercise1", submission_sha256="0" * 64, score=sum(t.points for t in rows),
                  max_score=sum(t.max_points for t in rows), status=ResultStatus.graded, tests=rows,
                  grader_version="test")


def test_on_target_share_counts_lost_points_by_target():
    from nncourse.validate import Mutant, on_target_share
    mutant = Mutant("m", Path("m.py"), "a bug", ("Perceptron.__init__",))
    result = _result([("Perceptron", 0, 3), ("Perceptron.fit", 0, 1), ("step", 2, 2)])
    assert on_target_share(mutant, result) == pytest.approx(0.75)
    assert on_target_share(mutant, _result([("step", 2, 2)])) is None


def test_half_control_fails_when_a_replaced_name_earns_points(course):
    from nncourse.validate import check_half_control
    ex = course.exercise("exercise1")
    reference = _result([("step", 5, 5), ("Perceptron.net_input", 4, 4), ("Perceptron", 7, 7)])
    exact = _result([("step", 5, 5), ("Perceptron.net_input", 4, 4), ("Perceptron", 0, 7)])
    free = _result([("step", 5, 5), ("Perceptron.net_input", 4, 4), ("Perceptron", 7, 7)])
    assert check_half_control(course, ex, {"reference": reference, "half-control": exact})[0].ok
    assert not check_half_control(course, ex, {"reference": reference, "half-control": free})[0].ok
