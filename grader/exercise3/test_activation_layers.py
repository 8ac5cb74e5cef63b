"""Hidden tests of the activation layers: relu, sigmoid and tanh, forward and backward."""
import numpy as np
import pytest

from nncourse.grading.checks import (forward_with_cache, 
    assert_close, assert_finite, assert_matches_numeric_grad, call_without_warnings, unusable,
)
from nncourse.sandbox.proxy import RemoteObject

LARGE = np.array([-1e4, -800.0, -50.0, -1.0, 0.0, 1.0, 50.0, 800.0, 1e4])
HINT_INPLACE = "build a new array (np.where, np.maximum, dout * mask) instead of writing into the input"



def first_of_pair(res, what):
    """`out` of a forward's (out, cache) result that was fetched as plain data."""
    if isinstance(res, RemoteObject):
        return res[0]
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        raise unusable(res, f"{what} should return a pair (out, cache)")
    return res[0]


def sigmoid(x):
    """Stable reference values of the logistic function."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def check_backward(student, name, x, dout, fn, hint):
    """<name>_backward(dout, cache) equals the numeric gradient of sum(fn(x) * dout)."""
    _, cache = forward_with_cache(getattr(student, f"{name}_forward"), x, what=f"{name}_forward(x)")
    dx = getattr(student, f"{name}_backward")(dout, cache)
    assert_matches_numeric_grad(dx, lambda v: np.sum(fn(v) * dout), x, what=f"{name}_backward(dout, cache)",
                                inputs={"x": x, "dout": dout}, hint=hint)


# -- relu ----------------------------------------------------------------------------------

@pytest.mark.target("relu_forward")
@pytest.mark.points(1)
def test_relu_forward_values(student):
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -1e4]])
    out, _ = forward_with_cache(student.relu_forward, x, what="relu_forward(x)")
    assert_close(out, np.maximum(x, 0.0), what="relu_forward(x) out", inputs={"x": x},
                 hint="out = np.maximum(x, 0), same shape as x")


@pytest.mark.target("relu_forward")
@pytest.mark.points(1)
def test_relu_forward_does_not_modify_input(student):
    x = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -1.0]])
    X = student.put(x.copy())
    out, _ = forward_with_cache(student.relu_forward, X, what="relu_forward(x)")
    assert_close(out, np.maximum(x, 0.0), what="relu_forward(x) out", inputs={"x": x},
                 hint="out = np.maximum(x, 0), same shape as x")
    assert_close(X.value(), x, what="relu_forward(x): x after the call", inputs={"x": x},
                 hint="relu_forward changed its input x; " + HINT_INPLACE)


@pytest.mark.target("relu_backward")
@pytest.mark.points(2)
def test_relu_backward_matches_numeric_grad(student, rng):
    x = rng.normal(size=(4, 6))
    x = np.where(np.abs(x) < 1e-3, 0.5, x)  # keep the numeric gradient away from the kink at 0
    check_backward(student, "relu", x, rng.normal(size=(4, 6)), lambda v: np.maximum(v, 0.0),
                   hint="dx = dout where x > 0, and 0 elsewhere")


@pytest.mark.target("relu_backward")
@pytest.mark.points(1)
def test_relu_backward_zero_at_zero(student):
    x = np.array([[0.0, -0.0, 1.0], [-1.0, 0.0, 2.0]])
    dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    _, cache = forward_with_cache(student.relu_forward, x, what="relu_forward(x)")
    dx = student.relu_backward(dout, cache)
    assert_close(dx, np.where(x > 0, dout, 0.0), what="relu_backward(dout, cache) at x == 0",
                 inputs={"x": x, "dout": dout}, hint="the derivative at exactly 0 is 0: use x > 0, not x >= 0")


@pytest.mark.target("relu_backward")
@pytest.mark.points(1)
def test_relu_backward_does_not_modify_dout(student):
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    _, cache = forward_with_cache(student.relu_forward, x, what="relu_forward(x)")
    D = student.put(dout.copy())
    dx = student.relu_backward(D, cache)
    assert_close(dx, np.where(x > 0, dout, 0.0), what="relu_backward(dout, cache)", inputs={"x": x, "dout": dout},
                 hint="dx = dout where x > 0, and 0 elsewhere")
    assert_close(D.value(), dout, what="relu_backward(dout, cache): dout after the call",
                 inputs={"x": x, "dout": dout},
                 hint="relu_backward changed the upstream gradient dout (dx = dout; dx[...] = 0 "
                      "writes into dout); " + HINT_INPLACE)


# -- sigmoid -------------------------------------------------------------------------------

@pytest.mark.target("sigmoid_forward")
@pytest.mark.points(1)
def test_sigmoid_forward_values(student):
    x = np.array([[-3.0, -1.0, 0.0], [0.5, 2.0, 4.0]])
    out, _ = forward_with_cache(student.sigmoid_forward, x, what="sigmoid_forward(x)")
    assert_close(out, 1 / (1 + np.exp(-x)), what="sigmoid_forward(x) out", inputs={"x": x},
                 hint="out = 1 / (1 + exp(-x)), same shape as x")


@pytest.mark.target("sigmoid_forward")
@pytest.mark.points(2)
def test_sigmoid_forward_stable_for_large_inputs(student):
    res = call_without_warnings(student.sigmoid_forward, LARGE, what="sigmoid_forward(x)", inputs={"x": LARGE},
                                hint="exp(-x) overflows for x = -1e4: use exp(-|x|) and two formulas")
    out = first_of_pair(res, "sigmoid_forward(x)")
    assert_close(out, sigmoid(LARGE), what="sigmoid_forward(x) out for large |x|", inputs={"x": LARGE},
                 hint="for x >= 0 use 1 / (1 + exp(-x)); for x < 0 use exp(x) / (1 + exp(x))")


@pytest.mark.target("sigmoid_backward")
@pytest.mark.points(2)
def test_sigmoid_backward_matches_numeric_grad(student, rng):
    check_backward(student, "sigmoid", 2 * rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), sigmoid,
                   hint="dx = dout * s * (1 - s) with s = sigmoid(x)")


@pytest.mark.target("sigmoid_backward")
@pytest.mark.points(1)
def test_sigmoid_backward_finite_for_large_inputs(student):
    dout = np.ones_like(LARGE)
    _, cache = forward_with_cache(student.sigmoid_forward, LARGE, what="sigmoid_forward(x)")
    dx = call_without_warnings(student.sigmoid_backward, dout, cache, what="sigmoid_backward(dout, cache)",
                               inputs={"x": LARGE, "dout": dout},
                               hint="reuse s from the cache: dx = dout * s * (1 - s), no exp needed")
    s = sigmoid(LARGE)
    assert_finite(dx, what="sigmoid_backward(dout, cache) for large |x|", inputs={"x": LARGE})
    assert_close(dx, s * (1 - s), what="sigmoid_backward(dout, cache) for large |x|",
                 inputs={"x": LARGE, "dout": dout}, hint="the slope of the sigmoid is 0 far from 0")


# -- tanh ----------------------------------------------------------------------------------

@pytest.mark.target("tanh_forward")
@pytest.mark.points(1)
def test_tanh_forward_values(student):
    x = np.array([[-3.0, -1.0, 0.0], [0.5, 2.0, 4.0]])
    out, _ = forward_with_cache(student.tanh_forward, x, what="tanh_forward(x)")
    assert_close(out, np.tanh(x), what="tanh_forward(x) out", inputs={"x": x}, hint="out = np.tanh(x)")


@pytest.mark.target("tanh_forward")
@pytest.mark.points(1)
def test_tanh_forward_stable_for_large_inputs(student):
    res = call_without_warnings(student.tanh_forward, LARGE, what="tanh_forward(x)", inputs={"x": LARGE},
                                hint="(exp(x) - exp(-x)) / (exp(x) + exp(-x)) overflows: use np.tanh")
    out = first_of_pair(res, "tanh_forward(x)")
    assert_close(out, np.tanh(LARGE), what="tanh_forward(x) out for large |x|", inputs={"x": LARGE},
                 hint="use np.tanh, which is stable for any x")


@pytest.mark.target("tanh_backward")
@pytest.mark.points(2)
def test_tanh_backward_matches_numeric_grad(student, rng):
    check_backward(student, "tanh", 1.5 * rng.normal(size=(4, 6)), rng.normal(size=(4, 6)), np.tanh,
                   hint="dx = dout * (1 - t**2) with t = tanh(x)")
