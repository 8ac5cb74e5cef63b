"""Public checks of exercise3 (run them with `nncourse check exercise3`).

They test a few telling cases of each function; derivatives are compared with
a numeric gradient of your own forward functions. The hidden grader tests more
(see the README), so passing these is necessary, not sufficient.
"""
import numpy as np
import pytest

from nncourse.grading.checks import (forward_with_cache, 
    as_array, assert_close, assert_dtype_kind, assert_equal, assert_finite, assert_matches_numeric_grad,
    assert_shape, assert_true, call_without_warnings, unusable,
)
from nncourse.sandbox.proxy import RemoteObject

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])



def first_of_pair(res, what):
    """`out` of a forward's (out, cache) result that was fetched as plain data."""
    if isinstance(res, RemoteObject):
        return res[0]
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        raise unusable(res, f"{what} should return a pair (out, cache)")
    return res[0]


def out_of(fn):
    """fn's `out` alone, as a float array (for numeric gradients)."""
    return lambda *args: as_array(first_of_pair(fn(*args), fn.label), what=fn.label)


@pytest.mark.target("affine_forward")
def test_affine_forward_small(student):
    x, W, b = np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([[1.0, 0.0, 2.0], [1.0, 1.0, -1.0]]), np.array([0.5, 0, 0])
    out, _ = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    assert_close(out, [[3.5, 2.0, 0.0], [-0.5, -1.0, 1.0]], what="affine_forward(x, W, b)",
                 inputs={"x": x, "W": W, "b": b}, hint="each row of x times W, plus b: out (n, m)")


@pytest.mark.target("affine_backward")
def test_affine_backward_matches_numeric_grad(student):
    rng = np.random.default_rng(0)
    x, W, b, dout = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2), rng.normal(size=(3, 2))
    _, cache = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    res = student.affine_backward(dout, cache)
    if not isinstance(res, (tuple, list)) or len(res) != 3:
        raise unusable(res, "affine_backward should return a triple (dx, dW, db)")
    f = out_of(student.affine_forward)
    inputs = {"x": x, "dout": dout}
    for name, grad, point, loss in (("dx", res[0], x, lambda v: np.sum(f(v, W, b) * dout)),
                                    ("dW", res[1], W, lambda v: np.sum(f(x, v, b) * dout)),
                                    ("db", res[2], b, lambda v: np.sum(f(x, W, v) * dout))):
        assert_matches_numeric_grad(grad, loss, point, what=f"affine_backward(dout, cache) {name}", inputs=inputs,
                                    hint="derive each gradient as an index sum and match the shapes (README: the backward passes); sums over the batch, not means")


@pytest.mark.target("relu_forward")
def test_relu_forward_small(student):
    x = np.array([[-2.0, 0.0, 3.0]])
    out, _ = forward_with_cache(student.relu_forward, x, what="relu_forward(x)")
    assert_close(out, [[0.0, 0.0, 3.0]], what="relu_forward(x)", inputs={"x": x}, hint="max(x, 0) elementwise")


@pytest.mark.target("relu_backward")
def test_relu_backward_with_a_zero(student):
    x, dout = np.array([[-2.0, 0.0, 3.0]]), np.array([[5.0, 5.0, 5.0]])
    _, cache = forward_with_cache(student.relu_forward, x, what="relu_forward(x)")
    D = student.put(dout.copy())
    dx = student.relu_backward(D, cache)
    assert_close(dx, [[0.0, 0.0, 5.0]], what="relu_backward(dout, cache)", inputs={"x": x, "dout": dout},
                 hint="dout where x > 0; the derivative at exactly 0 is 0")
    assert_close(D.value(), dout, what="relu_backward(dout, cache): dout after the call",
                 hint="do not write into dout; build a new array")


@pytest.mark.target("sigmoid_forward")
def test_sigmoid_forward_values_and_large_inputs(student):
    x = np.array([-1e4, -1.0, 0.0, 2.0, 1e4])
    res = call_without_warnings(student.sigmoid_forward, x, what="sigmoid_forward(x)", inputs={"x": x},
                                hint="exp(-x) overflows for x = -1e4: use exp(-|x|)")
    out = first_of_pair(res, "sigmoid_forward(x)")
    assert_close(out, [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2.0)), 1.0], what="sigmoid_forward(x)",
                 inputs={"x": x}, hint="1 / (1 + exp(-x)), computed stably")


@pytest.mark.target("sigmoid_backward")
def test_sigmoid_backward_matches_numeric_grad(student):
    x, dout = np.array([[-2.0, -0.5, 0.0], [0.3, 1.0, 4.0]]), np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
    _, cache = forward_with_cache(student.sigmoid_forward, x, what="sigmoid_forward(x)")
    dx = student.sigmoid_backward(dout, cache)
    f = out_of(student.sigmoid_forward)
    assert_matches_numeric_grad(dx, lambda v: np.sum(f(v) * dout), x, what="sigmoid_backward(dout, cache)",
                                inputs={"x": x, "dout": dout}, hint="the local slope of the sigmoid is s (1 - s), from the cached output")


@pytest.mark.target("tanh_forward")
def test_tanh_forward_values(student):
    x = np.array([-1e4, -1.0, 0.0, 0.5])
    out, _ = forward_with_cache(student.tanh_forward, x, what="tanh_forward(x)")
    assert_close(out, np.tanh(x), what="tanh_forward(x)", inputs={"x": x}, hint="NumPy has a stable tanh")


@pytest.mark.target("tanh_backward")
def test_tanh_backward_matches_numeric_grad(student):
    x, dout = np.array([[-2.0, -0.5, 0.0], [0.3, 1.0, 2.5]]), np.array([[1.0, -2.0, 0.5], [3.0, 1.0, -1.0]])
    _, cache = forward_with_cache(student.tanh_forward, x, what="tanh_forward(x)")
    dx = student.tanh_backward(dout, cache)
    f = out_of(student.tanh_forward)
    assert_matches_numeric_grad(dx, lambda v: np.sum(f(v) * dout), x, what="tanh_backward(dout, cache)",
                                inputs={"x": x, "dout": dout}, hint="the local slope of tanh is 1 - tanh^2, from the cached output")


@pytest.mark.target("binary_cross_entropy")
def test_binary_cross_entropy_small_and_column(student):
    p, y = np.array([0.5, 0.8]), np.array([1, 0])
    want = -(np.log(0.5) + np.log(0.2)) / 2
    assert_close(student.binary_cross_entropy(p, y), want, what="binary_cross_entropy(p, y)",
                 inputs={"p": p, "y": y}, hint="-mean(y log p + (1 - y) log(1 - p))")
    assert_close(student.binary_cross_entropy(p.reshape(2, 1), y), want,
                 what="binary_cross_entropy(p, y) with p (n, 1)", inputs={"p": p.reshape(2, 1), "y": y},
                 hint="flatten p: (n, 1) against (n,) broadcasts to (n, n)")
    edge = call_without_warnings(student.binary_cross_entropy, np.array([0.0, 1.0]), np.array([1, 0]),
                                 what="binary_cross_entropy(p, y) with p exactly 0 and 1",
                                 hint="clip p to [eps, 1 - eps] before the log")
    assert_finite(edge, what="binary_cross_entropy(p, y) with p exactly 0 and 1")


@pytest.mark.target("MLP")
def test_mlp_params(student):
    params = student.MLP([3, 4, 2], seed=0).params
    if not isinstance(params, dict):
        raise unusable(params, "MLP.params should be a dict")
    assert_equal(sorted(params), ["W1", "W2", "b1", "b2"], what="MLP([3, 4, 2]).params keys")
    assert_shape(params["W1"], (3, 4), what="params['W1']", hint="W1 is (n_in, n_out)")
    assert_shape(params["W2"], (4, 2), what="params['W2']", hint="W2 is (n_in, n_out)")
    assert_close(params["b1"], np.zeros(4), what="params['b1']", hint="biases start at 0, shape (n_out,)")
    again = student.MLP([3, 4, 2], seed=0).params
    assert_true(isinstance(again, dict) and np.array_equal(as_array(again.get("W1"), what="W1"), params["W1"]),
                "MLP: two MLP([3, 4, 2], seed=0) must draw the same weights. Hint: np.random.default_rng(seed)")


@pytest.mark.target("MLP.forward")
def test_mlp_forward_shapes(student):
    X = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -3.0]])
    out = student.MLP([3, 4, 1], seed=0).forward(X)
    assert_shape(out, (2, 1), what="MLP([3, 4, 1]).forward(X)", inputs={"X": X}, hint="(n, 1) for one output")
    probs = student.MLP([3, 4, 5], seed=0).forward(X)
    assert_shape(probs, (2, 5), what="MLP([3, 4, 5]).forward(X)", inputs={"X": X}, hint="(n, d_out)")
    assert_close(as_array(probs, what="forward(X)").sum(axis=1), [1.0, 1.0], what="MLP([3, 4, 5]).forward(X) rows",
                 inputs={"X": X}, hint="softmax rows sum to 1")


@pytest.mark.target("MLP.loss_and_grads")
@pytest.mark.parametrize("d_out", [1, 3])
def test_mlp_grads_match_numeric_grad_of_your_loss(student, d_out):
    rng = np.random.default_rng(1)
    sizes, X, y = [2, 3, d_out], rng.normal(size=(4, 2)), np.array([0, 1, 1, 0])
    model = student.MLP(sizes, activation="tanh", seed=0)
    params = {k: as_array(v, what=f"params[{k!r}]") for k, v in model.params.items()}
    params = {k: v + 0.3 * rng.normal(size=v.shape) for k, v in params.items()}  # non-zero biases too
    model.params = params
    res = model.loss_and_grads(X, y)
    if not isinstance(res, (tuple, list)) or len(res) != 2 or not isinstance(res[1], dict):
        raise unusable(res, "MLP.loss_and_grads should return (loss, grads dict)")
    grads = res[1]
    assert_equal(sorted(grads), sorted(params), what="loss_and_grads grads keys", hint="the keys of params")

    def loss_at(key):
        def f(value):
            model.params = {**params, key: value}
            return model.loss_and_grads(X, y)[0]
        return f
    for key in sorted(params):
        assert_matches_numeric_grad(grads[key], loss_at(key), params[key], what=f"MLP({sizes}) grads[{key!r}]",
                                    inputs={"X": X, "y": y}, hint="dL/dz = (p - y) / n at the output, then backward")
    model.params = params
    doubled = model.loss_and_grads(np.vstack([X, X]), np.concatenate([y, y]))[0]
    assert_close(doubled, res[0], what="loss of the batch repeated twice vs once",
                 hint="the loss is a mean over the batch, not a sum")


@pytest.mark.target("MLP.predict")
def test_mlp_predict_labels(student):
    X = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -3.0], [0.3, 0.3, 0.3]])
    for sizes in ([3, 4, 1], [3, 4, 5]):
        pred = student.MLP(sizes, seed=0).predict(X)
        assert_shape(pred, (3,), what=f"MLP({sizes}).predict(X)", inputs={"X": X}, hint="labels (n,)")
        assert_dtype_kind(pred, "iu", what=f"MLP({sizes}).predict(X)", hint="integer labels, not floats or booleans")


@pytest.mark.target("MLP.fit")
def test_mlp_fit_learns_xor(student):
    model = student.MLP([2, 8, 1], activation="tanh", seed=0)
    losses = as_array(model.fit(XOR_X, XOR_Y, epochs=1000, learning_rate=0.5), what="fit(...)")
    assert_shape(losses, (1000,), what="MLP.fit(X, y, epochs=1000)", hint="one loss per epoch")
    assert_true(losses[-1] < losses[0], f"MLP.fit: the loss must go down on XOR, got {losses[0]:.4g} -> "
                f"{losses[-1]:.4g}. Hint: p -= learning_rate * grad")
    assert_equal(model.predict(XOR_X), XOR_Y, what="MLP([2, 8, 1], 'tanh').predict after fit on XOR",
                 hint="check the gradients first (loss_and_grads)")
    more = as_array(model.fit(XOR_X, XOR_Y, epochs=3, learning_rate=0.1, batch_size=3, seed=0), what="fit(...)")
    assert_shape(more, (3,), what="MLP.fit(X, y, epochs=3, batch_size=3)",
                 hint="mini-batches of 3 out of 4 samples: the last batch has 1 sample")
