"""Hidden tests of Perceptron.net_input: values, shapes, float32 and list input."""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_shape

W = np.array([0.5, -1.25, 2.0])
B = 0.75
HINT = "net_input(X) = X @ weights + bias"


def _perceptron(student):
    p = student.Perceptron(3, seed=0)
    p.weights = W.copy()
    p.bias = B
    return p


@pytest.mark.target("Perceptron.net_input")
@pytest.mark.points(2)
def test_net_input_batch_values(student, rng):
    X = rng.normal(size=(6, 3))
    got = _perceptron(student).net_input(X)
    assert_close(got, X @ W + B, what="net_input(X) with weights [0.5, -1.25, 2.0], bias 0.75",
                 inputs={"X": X}, hint=HINT + "; it has shape (n,) for X of shape (n, d)")


@pytest.mark.target("Perceptron.net_input")
@pytest.mark.points(1)
def test_net_input_single_sample_is_0d(student):
    x = np.array([1.0, 2.0, -0.5])
    got = _perceptron(student).net_input(x)
    assert_shape(got, (), what="net_input(x) shape for one sample x (3,)", inputs={"x": x},
                 hint="x @ weights is a scalar for x of shape (d,); do not reshape x to 2-D")
    assert_close(got, x @ W + B, what="net_input(x)", inputs={"x": x}, hint=HINT)


@pytest.mark.target("Perceptron.net_input")
@pytest.mark.points(1)
def test_net_input_accepts_float32_and_list(student, rng):
    p = _perceptron(student)
    X32 = rng.normal(size=(5, 3)).astype(np.float32)
    want = X32.astype(np.float64) @ W + B
    # float32 inputs carry ~1e-7 relative error; a float32 computation is acceptable
    assert_close(p.net_input(X32), want, rtol=1e-5, atol=1e-6, what="net_input(float32 X)",
                 inputs={"X": X32}, hint=HINT)
    X = [[1.0, 0.0, 2.0], [-1.0, 4.0, 0.5]]
    assert_close(p.net_input(X), np.array(X) @ W + B, what="net_input(list X)",
                 inputs={"X": np.array(X)}, hint="convert X with np.asarray(X) first")
