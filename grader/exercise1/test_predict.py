"""Hidden tests of Perceptron.predict: step of the net input, ints, shapes."""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_dtype_kind, assert_equal, assert_shape
from nncourse.sandbox.callbacks import Method

# While Perceptron.predict is graded, the reference answers for the lower-level calls it makes,
# so a bug in one of those costs points only on its own tests (sandbox/callbacks.py).
pytestmark = pytest.mark.uses_reference(
    "step",
    Method("Perceptron.net_input", state=("weights", "bias"), read_only=("weights", "bias")))

HINT = "predict(X) = step(net_input(X)): 1 where the net input is > 0, else 0"


def _labels(got):
    """predict's result as an array of its own dtype, or a failure if unusable."""
    as_array(got, what="predict(X)")
    return np.asarray(got)


def _perceptron(student, w, b):
    p = student.Perceptron(len(w), seed=0)
    p.weights = np.asarray(w, dtype=np.float64)
    p.bias = b
    return p


@pytest.mark.target("Perceptron.predict")
@pytest.mark.points(1)
def test_predict_batch_values(student, rng):
    w, b = np.array([1.5, -0.5, 0.25]), -0.1
    X = rng.normal(size=(12, 3))
    got = _perceptron(student, w, b).predict(X)
    assert_equal(_labels(got), (X @ w + b > 0).astype(int),
                 what="predict(X) with weights [1.5, -0.5, 0.25], bias -0.1", inputs={"X": X}, hint=HINT)


@pytest.mark.target("Perceptron.predict")
@pytest.mark.points(2)
def test_predict_zero_net_input_is_class_0(student):
    # net inputs are exactly 0.0, 0.0, 0.25 and -0.25 (all values are exact in binary)
    w, b = np.array([0.5, 0.25]), -0.5
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [0.0, 1.0]])
    got = _perceptron(student, w, b).predict(X)
    assert_equal(_labels(got), np.array([0, 0, 1, 0]),
                 what="predict(X) where the net input is exactly 0", inputs={"X": X},
                 hint=HINT + " (use step, so a net input of exactly 0 gives class 0)")


@pytest.mark.target("Perceptron.predict")
@pytest.mark.points(1)
def test_predict_returns_ints(student):
    # net inputs 1.5, -1.0, 0.75, -0.5: both classes, so neither all-0 nor all-1 labels are right
    X = np.array([[2.0, 0.5], [-1.0, 0.0], [0.5, -0.25], [0.25, 0.75]])
    got = _perceptron(student, [1.0, -1.0], 0.0).predict(X)
    assert_equal(_labels(got), np.array([1, 0, 1, 0]), what="predict(X) with weights [1, -1], bias 0",
                 inputs={"X": X}, hint=HINT)
    assert_dtype_kind(got, "iu", what="predict(X) dtype", inputs={"X": X},
                      hint="the labels are integers 0/1, as step returns them")


@pytest.mark.target("Perceptron.predict")
@pytest.mark.points(1)
def test_predict_single_sample_is_0d(student):
    p = _perceptron(student, [1.0, -1.0], 0.0)
    for x, want in ((np.array([2.0, 1.0]), 1), (np.array([1.0, 2.0]), 0)):  # net inputs 1 and -1
        got = p.predict(x)
        assert_shape(got, (), what=f"predict(x) shape for one sample x {x.tolist()}", inputs={"x": x},
                     hint="one sample (d,) gives a 0-d label")
        assert_equal(float(as_array(got, what="predict(x)")), float(want), what="predict(x) with weights [1, -1], "
                     "bias 0", inputs={"x": x}, hint=HINT)
