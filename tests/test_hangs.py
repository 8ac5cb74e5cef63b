"""Hangs fail fast: a looping function costs its own points once, in seconds, not minutes."""
import re
import time

import pytest

from nncourse.grading import budgets
from nncourse.grading.engine import grade, suite_path
from nncourse.submission import resolve_submission

from conftest import REPO


def _looping(tmp_path, names, module="activations.py", exercise="exercise2"):
    """The reference with `names` looping forever; swish calls sigmoid, as many students write it."""
    source = (REPO / "solutions" / exercise / module).read_text()
    for name in names:
        source = re.sub(rf"^def {name}\(", f"def _unused_{name}(", source, flags=re.M)
        source += f"\n\ndef {name}(*args, **kwargs):\n    while True:\n        pass\n"
    source += "\n\ndef swish(z):\n    z = _as_float(z)\n    return np.asarray(z * sigmoid(z))\n"
    path = tmp_path / module
    path.write_text(source)
    return path


def _grade(course, path, exercise="exercise2"):
    ex = course.exercise(exercise)
    with resolve_submission(str(path), ex.module) as sub:
        started = time.monotonic()
        result = grade(course, ex, sub)
    return result, time.monotonic() - started


@pytest.mark.slow
def test_a_looping_sigmoid_costs_only_sigmoids_points(course, tmp_path):
    _measure_reference(course)
    result, seconds = _grade(course, _looping(tmp_path, ["sigmoid"]))
    lost = {t.target for t in result.tests if t.points < t.max_points}
    assert lost == {"sigmoid"}, [(t.name, t.message[:120]) for t in result.tests if t.points < t.max_points]
    sigmoid = [t for t in result.tests if t.target == "sigmoid"]
    assert sigmoid[0].status == "timeout" and "budget of" in sigmoid[0].message
    assert all("timed out in an earlier test (budget" in t.message and "not run again" in t.message
               for t in sigmoid[1:])
    assert seconds < 30, f"graded in {seconds:.1f} s"


@pytest.mark.slow
def test_every_function_looping_is_graded_in_well_under_a_minute(course, tmp_path):
    names = ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad", "leaky_relu",
             "leaky_relu_grad", "elu", "elu_grad", "swish_grad", "softmax", "softmax_backward"]
    _measure_reference(course)
    result, seconds = _grade(course, _looping(tmp_path, names))
    # swish calls sigmoid: the reference answers for the looping sigmoid, so swish keeps its points
    assert {t.target for t in result.tests if t.points > 0} == {"swish"}
    assert seconds < 50, f"graded in {seconds:.1f} s"


def _measure_reference(course, exercise="exercise2"):
    """The reference's times, measured once per process (not part of a submission's grading time)."""
    ex = course.exercise(exercise)
    budgets.for_suite(course, ex, suite_path(course, ex, "hidden"), course.limits_for(ex).test_timeout)


def test_budget_is_twenty_times_the_reference_within_the_floor_and_the_ceiling():
    assert budgets.budget(0.001, 20.0) == budgets.MIN_BUDGET == 2.0
    assert budgets.budget(0.25, 20.0) == 5.0
    assert budgets.budget(3.0, 20.0) == 20.0
    assert budgets.budget(None, 7.0) == 7.0
