"""Public checks of exercise1 (run them with `nncourse check exercise1`).

They test a few telling cases of each function. The hidden grader tests more
(see the README), so passing these is necessary, not sufficient.
"""
import numpy as np
import pytest

from nncourse.grading.checks import (as_array, assert_close, assert_dtype_kind, assert_equal,
                                     assert_shape, assert_true)

AND_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND_Y = np.array([0, 0, 0, 1])
XOR_Y = np.array([0, 1, 1, 0])


@pytest.mark.target("step")
def test_step_values_and_zero(student):
    z = np.array([-2.0, 0.0, 3.0])
    got = student.step(z)
    assert_equal(got, np.array([0, 0, 1]), what="step(z)", inputs={"z": z},
                 hint="1 where z > 0 strictly, so step(0) == 0")
    assert_dtype_kind(got, "iu", what="step(z) dtype", inputs={"z": z}, hint="return integers, not booleans or floats")
    assert_shape(student.step(0.0), (), what="step(0.0) shape", hint="a scalar gives a 0-d result")


@pytest.mark.target("Perceptron")
def test_perceptron_initial_state(student):
    p = student.Perceptron(4, seed=0)
    w = p.weights
    assert_shape(w, (4,), what="Perceptron(4, seed=0).weights shape", hint="shape (n_inputs,)")
    assert_true(float(np.max(np.abs(as_array(w, what="weights")))) < 0.5,
                f"Perceptron: initial weights must satisfy |w| < 0.5, got {w}. Hint: e.g. rng.normal(0.0, 0.01, n)")
    assert_equal(as_array(student.Perceptron(4, seed=0).weights, what="weights"), as_array(w, what="weights"),
                 what="weights of two Perceptron(4, seed=0)", hint="draw them from np.random.default_rng(seed)")
    assert_equal(float(as_array(p.bias, what="bias")), 0.0, what="Perceptron(4, seed=0).bias",
                 hint="the bias starts at 0.0")


@pytest.mark.target("Perceptron.net_input")
def test_net_input_batch_and_single(student):
    p = student.Perceptron(2, seed=0)
    p.weights = np.array([1.0, -2.0])
    p.bias = 0.5
    X = np.array([[1.0, 1.0], [3.0, 0.0]])
    assert_close(p.net_input(X), [-0.5, 3.5], what="net_input(X), weights [1, -2], bias 0.5",
                 inputs={"X": X}, hint="the weighted sum of each row plus the bias; `nncourse hint exercise1 Perceptron.net_input`")
    assert_shape(p.net_input(X[0]), (), what="net_input(x) shape for one sample x (2,)",
                 hint="one sample (d,) gives a 0-d value")


@pytest.mark.target("Perceptron.predict")
def test_predict_zero_net_input_is_class_0(student):
    p = student.Perceptron(2, seed=0)
    p.weights = np.array([0.5, 0.25])
    p.bias = -0.5
    X = np.array([[1.0, 0.0], [1.0, 1.0]])  # net inputs 0.0 and 0.25
    assert_equal(p.predict(X), np.array([0, 1]), what="predict(X)",
                 inputs={"X": X}, hint="predict = step(net_input): a net input of exactly 0 is class 0")


@pytest.mark.target("Perceptron.update")
def test_update_one_misclassified_sample(student):
    p = student.Perceptron(2, seed=0)
    p.weights = np.array([1.0, -2.0])
    p.bias = 0.5
    x = np.array([1.0, 1.0])  # net input -0.5: predicted 0, but y = 1
    err = p.update(x, 1)
    assert_equal(float(as_array(err, what="update(x, 1)")), 1.0, what="update(x, 1) return value",
                 inputs={"x": x}, hint="error = y - predict(x)")
    assert_close(p.weights, [1.1, -1.9], what="weights after update(x, 1) with lr 0.1", inputs={"x": x},
                 hint="the rule moves the weights by learning rate x error x sample (README section 2)")
    assert_close(p.bias, 0.6, what="bias after update(x, 1) with lr 0.1", hint="the bias moves by learning rate x error")


@pytest.mark.target("Perceptron.fit")
def test_fit_learns_and_but_not_xor(student):
    history = student.Perceptron(2, seed=0).fit(AND_X, AND_Y, epochs=100)
    assert_true(isinstance(history, list) and len(history) > 0 and history[-1] == 0,
                f"Perceptron.fit: on AND, expected a list of error counts ending with 0, got {history!r:.100}. "
                "Hint: stop after the first epoch with 0 errors")
    history = student.Perceptron(2, seed=0).fit(AND_X, XOR_Y, epochs=10)
    assert_true(isinstance(history, list) and len(history) == 10 and min(history) > 0,
                f"Perceptron.fit: on XOR with epochs=10, expected 10 error counts all > 0, got {history!r:.100}. "
                "Hint: XOR is not linearly separable; count each non-zero error returned by update")
