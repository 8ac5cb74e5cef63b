"""Hidden tests of Perceptron.update: the perceptron rule on one sample."""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_close, assert_dtype_kind, assert_equal
from nncourse.sandbox.callbacks import Method

# While Perceptron.update is graded, the reference answers for predict, net_input and step
# (graded on their own), so a bug in one of those is not charged here again.
pytestmark = pytest.mark.uses_reference(
    "step",
    Method("Perceptron.net_input", state=("weights", "bias"), read_only=("weights", "bias")),
    Method("Perceptron.predict", state=("weights", "bias"), read_only=("weights", "bias")))

W0 = np.array([0.2, -0.4, 0.1])
B0 = 0.05
RULE = "error = y - predict(x); weights += learning_rate * error * x; bias += learning_rate * error"


def _perceptron(student, lr=0.1):
    p = student.Perceptron(3, learning_rate=lr, seed=0)
    # every attribute update reads is set here, so a constructor that stores a wrong
    # learning_rate costs points on the constructor's tests only
    p.weights = W0.copy()
    p.bias = B0
    p.learning_rate = lr
    return p


def _check_state(p, w_want, b_want, what, x):
    assert_close(p.weights, w_want, what=f"weights after {what}", inputs={"x": x}, hint=RULE)
    assert_close(p.bias, b_want, what=f"bias after {what}", inputs={"x": x}, hint=RULE)


@pytest.mark.target("Perceptron.update")
@pytest.mark.points(2)
def test_update_false_negative_moves_towards_x(student):
    x = np.array([-1.0, 2.0, -0.5])  # net input -0.2 - 0.8 - 0.05 + 0.05 = -1.0 -> predicts 0
    p = _perceptron(student, lr=0.3)
    p.update(x, 1)
    _check_state(p, W0 + 0.3 * x, B0 + 0.3, "update(x, y=1) on a sample predicted 0 (lr 0.3)", x)


@pytest.mark.target("Perceptron.update")
@pytest.mark.points(2)
def test_update_false_positive_moves_away_from_x(student):
    x = np.array([1.0, -2.0, 0.5])  # net input 0.2 + 0.8 + 0.05 + 0.05 = 1.1 -> predicts 1
    p = _perceptron(student)
    p.update(x, 0)
    _check_state(p, W0 - 0.1 * x, B0 - 0.1, "update(x, y=0) on a sample predicted 1 (lr 0.1)", x)


@pytest.mark.target("Perceptron.update")
@pytest.mark.points(1)
def test_update_correct_sample_changes_nothing(student):
    x = np.array([1.0, -2.0, 0.5])  # predicts 1
    p = _perceptron(student)
    err = p.update(x, 1)
    _check_state(p, W0, B0, "update(x, y=1) on a sample already predicted 1", x)
    assert_equal(float(as_array(err, what="update(x, y)")), 0.0, what="update(x, y) return value",
                 inputs={"x": x}, hint="a correctly classified sample has error 0")
    # the same perceptron must still learn from a mistake: "never change anything" is not the rule
    err = p.update(x, 0)
    _check_state(p, W0 - 0.1 * x, B0 - 0.1, "then update(x, y=0) on the same sample (lr 0.1)", x)
    assert_equal(float(as_array(err, what="update(x, y)")), -1.0, what="update(x, y=0) return value",
                 inputs={"x": x}, hint="error = y - predict(x) = 0 - 1")


@pytest.mark.target("Perceptron.update")
@pytest.mark.points(2)
def test_update_returns_signed_error(student):
    x_pos = np.array([1.0, -2.0, 0.5])  # predicts 1 with W0, B0
    x_neg = -x_pos                      # predicts 0 with W0, B0
    cases = [(x_pos, 1, 0), (x_pos, 0, -1), (x_neg, 1, 1), (x_neg, 0, 0)]
    for x, y, want in cases:
        p = _perceptron(student)
        err = p.update(x, y)
        assert_equal(float(as_array(err, what="update(x, y)")), float(want),
                     what=f"update(x, y={y}) return value", inputs={"x": x},
                     hint="return error = y - predict(x): -1, 0 or 1, not whether it was wrong")
        # the error must be the one the rule applied: the state moves by learning_rate * error
        _check_state(p, W0 + 0.1 * want * x, B0 + 0.1 * want, f"update(x, y={y}) (lr 0.1)", x)


@pytest.mark.target("Perceptron.update")
@pytest.mark.points(1)
def test_update_returns_an_int(student):
    x = np.array([-1.0, 2.0, -0.5])  # predicts 0
    for sample, y, want in ((x, 1, 1), (-x, 0, -1)):
        p = _perceptron(student)
        err = p.update(sample, y)
        assert_equal(float(as_array(err, what="update(x, y)")), float(want), what=f"update(x, y={y}) return value",
                     inputs={"x": sample}, hint="error = y - predict(x)")
        _check_state(p, W0 + 0.1 * want * sample, B0 + 0.1 * want, f"update(x, y={y}) (lr 0.1)", sample)
        assert_dtype_kind(err, "iu", what="update(x, y) return type", inputs={"x": sample},
                          hint="y and predict(x) are ints, so is their difference; int(error) is safe")


@pytest.mark.target("Perceptron.update")
@pytest.mark.points(1)
def test_update_accepts_list_and_float32(student):
    x = [-1.0, 2.0, -0.5]  # predicts 0
    p = _perceptron(student)
    p.update(x, 1)
    _check_state(p, W0 + 0.1 * np.array(x), B0 + 0.1, "update(list x, y=1)", np.array(x))
    x32 = np.array([1.0, -2.0, 0.5], dtype=np.float32)  # predicts 1, values exact in float32
    p = _perceptron(student)
    p.update(x32, 0)
    _check_state(p, W0 - 0.1 * x32.astype(np.float64), B0 - 0.1, "update(float32 x, y=0)", x32)


@pytest.mark.target("Perceptron.update")
@pytest.mark.points(1)
def test_update_does_not_modify_x(student):
    x = np.array([-1.0, 2.0, -0.5])  # predicts 0, so the weights change
    x_remote = student.put(x.copy())
    p = _perceptron(student)
    error = p.update(x_remote, 1)
    assert_equal(float(as_array(error, what="update(x, y)")), 1.0, what="update(x, y=1) return value",
                 inputs={"x": x}, hint="error = y - predict(x) = 1 - 0")
    _check_state(p, W0 + 0.1 * x, B0 + 0.1, "update(x, y=1) on a sample predicted 0 (lr 0.1)", x)
    assert_close(x_remote.value(), x, what="x after update(x, y)", inputs={"x": x},
                 hint="never change x in place (x *= ...); compute learning_rate * error * x as a new array")
