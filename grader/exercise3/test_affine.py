"""Hidden tests of affine_forward and affine_backward."""
import numpy as np
import pytest

from nncourse.grading.checks import forward_with_cache, assert_close, assert_matches_numeric_grad, unusable

HINT_FORWARD = "out = x @ W + b, with b added to every row"
HINT_SUM = ("the loss is already a mean over the batch, so the backward sums over the samples: "
            "no division by n here")



def backward(student, dout, cache):
    """(dx, dW, db) from the student's affine_backward, or a failure if it is not a triple."""
    res = student.affine_backward(dout, cache)
    if not isinstance(res, (tuple, list)) or len(res) != 3:
        raise unusable(res, "affine_backward should return a triple (dx, dW, db)")
    return res


@pytest.fixture
def layer(rng):
    """x (4, 5), W (5, 3), b (3,) and an upstream gradient dout (4, 3)."""
    return (rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3),
            rng.normal(size=(4, 3)))


@pytest.mark.target("affine_forward")
@pytest.mark.points(2)
def test_affine_forward_values(student, layer):
    x, W, b, _ = layer
    out, _ = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    assert_close(out, x @ W + b, what="affine_forward(x, W, b) out",
                 inputs={"x": x, "W": W, "b": b}, hint=HINT_FORWARD)


@pytest.mark.target("affine_forward")
@pytest.mark.points(1)
def test_affine_forward_accepts_lists(student):
    x, W, b = [[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0]], [[1.0, -1.0, 2.0], [0.5, 0.0, -2.0]], [0.1, 0.2, 0.3]
    out, _ = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    want = np.array(x) @ np.array(W) + np.array(b)
    assert_close(out, want, what="affine_forward(x, W, b) out with Python lists",
                 inputs={"x": x, "W": W, "b": b}, hint="convert the inputs with np.asarray first")


@pytest.mark.target("affine_forward")
@pytest.mark.points(1)
def test_affine_forward_accepts_float32(student, layer):
    x, W, b = (a.astype(np.float32) for a in layer[:3])
    out, _ = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    want = x.astype(np.float64) @ W.astype(np.float64) + b.astype(np.float64)
    # float32 arithmetic is allowed: its relative rounding is ~1e-7 per operation
    assert_close(out, want, rtol=1e-5, atol=1e-5, what="affine_forward(x, W, b) out with float32 inputs",
                 inputs={"x": x, "W": W, "b": b}, hint=HINT_FORWARD)


@pytest.mark.target("affine_backward")
@pytest.mark.points(2)
def test_affine_backward_dx_matches_numeric_grad(student, layer):
    x, W, b, dout = layer
    _, cache = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    dx = backward(student, dout, cache)[0]
    assert_matches_numeric_grad(dx, lambda v: np.sum((v @ W + b) * dout), x,
                                what="affine_backward(dout, cache) dx", inputs={"x": x, "W": W, "dout": dout},
                                hint="dx = dout @ W.T, shape (n, d)")


@pytest.mark.target("affine_backward")
@pytest.mark.points(2)
def test_affine_backward_dW_matches_numeric_grad(student, layer):
    x, W, b, dout = layer
    _, cache = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    dW = backward(student, dout, cache)[1]
    assert_matches_numeric_grad(dW, lambda v: np.sum((x @ v + b) * dout), W,
                                what="affine_backward(dout, cache) dW", inputs={"x": x, "W": W, "dout": dout},
                                hint="dW = x.T @ dout, shape (d, m); " + HINT_SUM)


@pytest.mark.target("affine_backward")
@pytest.mark.points(2)
def test_affine_backward_db_is_sum_over_batch(student, layer):
    x, W, b, dout = layer
    _, cache = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    db = backward(student, dout, cache)[2]
    assert_matches_numeric_grad(db, lambda v: np.sum((x @ W + v) * dout), b,
                                what="affine_backward(dout, cache) db", inputs={"x": x, "dout": dout},
                                hint="db = dout.sum(axis=0), shape (m,); " + HINT_SUM)


@pytest.mark.target("affine_backward")
@pytest.mark.points(1)
def test_affine_backward_batch_of_one(student, rng):
    x, W, b, dout = rng.normal(size=(1, 4)), rng.normal(size=(4, 2)), rng.normal(size=2), rng.normal(size=(1, 2))
    _, cache = forward_with_cache(student.affine_forward, x, W, b, what="affine_forward(x, W, b)")
    dx, dW, db = backward(student, dout, cache)
    inputs = {"x": x, "W": W, "dout": dout}
    hint = "keep the batch axis: dx (1, d), dW (d, m), db (m,) even when n == 1"
    assert_close(dx, dout @ W.T, what="affine_backward(dout, cache) dx for one sample", inputs=inputs, hint=hint)
    assert_close(dW, x.T @ dout, what="affine_backward(dout, cache) dW for one sample", inputs=inputs, hint=hint)
    assert_close(db, dout.sum(axis=0), what="affine_backward(dout, cache) db for one sample", inputs=inputs,
                 hint=hint)
