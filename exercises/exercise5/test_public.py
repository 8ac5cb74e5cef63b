"""Public checks of exercise 5 (run them with `nncourse check exercise5`).

A small subset of what the hidden grader checks: passing them all does not
guarantee full marks. Expected values are small hand-computed constants, and
gradients are compared with a numeric gradient of your own penalty.
"""
import math

import numpy as np
import pytest

from nncourse.grading.checks import (as_array, assert_close, assert_equal, assert_matches_numeric_grad,
                                     assert_true, fail)

PARAMS = {"W1": np.array([[1.0, -2.0], [0.0, 0.5]]), "b1": np.array([3.0, -4.0]),
          "W2": np.array([[1.5], [-1.0]]), "b2": np.array([2.0])}


def pair(got, what):
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(what, "wrong return value", None, f"expected a pair (out, mask), got {type(got).__name__}",
             "return out, mask")
    return got


@pytest.mark.target("l2_penalty")
def test_l2_penalty_small_example(student):
    # 0.5 * 0.1 * (1 + 4 + 0 + 0.25 + 2.25 + 1) = 0.425; the biases do not count
    got = student.l2_penalty(PARAMS, 0.1)
    assert_close(as_array(got, what="l2_penalty(params, 0.1)"), 0.425, what="l2_penalty(params, 0.1)",
                 inputs={"params": PARAMS}, hint="0.5 * lam * sum of W**2 over the keys starting with 'W'")


@pytest.mark.target("l2_grad")
def test_l2_grad_matches_numeric_grad_of_your_penalty(student):
    got = student.l2_grad(PARAMS, 0.1)
    if not isinstance(got, dict) or sorted(got) != sorted(PARAMS):
        fail("l2_grad(params, 0.1)", "wrong keys", {"params": PARAMS}, f"got {got!r}"[:200],
             "return a dict with a gradient for every key of params (zeros for the biases)")
    for key in PARAMS:
        def penalty(value, key=key):
            return float(student.l2_penalty({**PARAMS, key: value}, 0.1))
        assert_matches_numeric_grad(got[key], penalty, PARAMS[key], what=f"l2_grad(params, 0.1)[{key!r}]",
                                    inputs={"params": PARAMS}, hint="the gradient of 0.5 * lam * W**2 is lam * W")


@pytest.mark.target("l1_penalty")
def test_l1_penalty_small_example(student):
    # 0.1 * (1 + 2 + 0 + 0.5 + 1.5 + 1) = 0.6; the biases do not count
    got = student.l1_penalty(PARAMS, 0.1)
    assert_close(as_array(got, what="l1_penalty(params, 0.1)"), 0.6, what="l1_penalty(params, 0.1)",
                 inputs={"params": PARAMS}, hint="lam * sum of |W| over the keys starting with 'W'")


@pytest.mark.target("l1_grad")
def test_l1_grad_small_example_with_a_zero_weight(student):
    got = student.l1_grad(PARAMS, 0.1)
    if not isinstance(got, dict) or sorted(got) != sorted(PARAMS):
        fail("l1_grad(params, 0.1)", "wrong keys", {"params": PARAMS}, f"got {got!r}"[:200],
             "return a dict with a gradient for every key of params (zeros for the biases)")
    assert_close(got["W1"], [[0.1, -0.1], [0.0, 0.1]], what="l1_grad(params, 0.1)['W1']",
                 inputs={"W1": PARAMS["W1"]}, hint="lam * sign(W), and sign(0) = 0")
    assert_close(got["b1"], [0.0, 0.0], what="l1_grad(params, 0.1)['b1']", inputs={"b1": PARAMS["b1"]},
                 hint="biases are not penalised: zeros")


@pytest.mark.target("dropout_forward")
def test_dropout_forward_mask_and_keep_rate(student):
    x = np.full((100, 100), 3.0)
    out, mask = pair(student.dropout_forward(x, 0.5, rng=student.make_rng(0)), "dropout_forward(x, 0.5, rng)")
    out, mask = as_array(out, what="dropout_forward out"), as_array(mask, what="dropout_forward mask")
    assert_equal(mask.shape, x.shape, what="dropout_forward mask shape", hint="one entry per element of x")
    assert_true(np.all((mask == 0) | np.isclose(mask, 2.0)),
                f"dropout_forward: mask values for p = 0.5: expected 0 and 1/(1-p) = 2, got {np.unique(mask)[:6]}. "
                "Hint: mask = keep / (1 - p)")
    assert_close(out, x * mask, what="dropout_forward out compared with x * mask", hint="out is x multiplied by the mask you return")
    rate, bound = float(np.mean(mask != 0)), math.sqrt(math.log(2e7) / (2 * x.size))
    assert_true(abs(rate - 0.5) <= bound,
                f"dropout_forward: kept fraction for p = 0.5 on 10 000 units: expected 0.5 +- {bound:.3f}, "
                f"got {rate:.3f}. Hint: keep each unit with probability 1 - p")


@pytest.mark.target("dropout_forward")
def test_dropout_forward_eval_mode(student):
    x = np.array([[1.0, -2.0, 3.0]])
    out, mask = pair(student.dropout_forward(x, 0.5, training=False), "dropout_forward(x, 0.5, training=False)")
    assert_close(out, x, what="dropout_forward(x, 0.5, training=False) out", inputs={"x": x},
                 hint="evaluation mode returns x unchanged (no scaling with inverted dropout)")
    assert_true(mask is None, "dropout_forward(x, 0.5, training=False): expected mask None, "
                f"got {type(mask).__name__}. Hint: return x, None")


@pytest.mark.target("dropout_backward")
def test_dropout_backward_small_example(student):
    dout, mask = np.array([[1.0, 2.0, 3.0]]), np.array([[0.0, 2.0, 2.0]])
    assert_close(student.dropout_backward(dout, mask), [[0.0, 4.0, 6.0]], what="dropout_backward(dout, mask)",
                 inputs={"dout": dout, "mask": mask}, hint="the backward goes through the same mask as the forward")
    assert_close(student.dropout_backward(dout, None), dout, what="dropout_backward(dout, None)",
                 inputs={"dout": dout}, hint="mask None (evaluation mode): the gradient passes unchanged")


@pytest.mark.target("EarlyStopping.step")
def test_early_stopping_small_run(student):
    stopper = student.EarlyStopping(patience=2)
    losses = [1.0, 0.5, 0.6, 0.7]
    got = [stopper.step(loss, {"W": np.zeros(1)}) for loss in losses]
    assert_equal(got, [False, False, False, True], what="EarlyStopping(patience=2).step results",
                 inputs={"val_losses": losses}, hint="True once 2 steps in a row did not improve")
    assert_equal(stopper.best_epoch, 1, what="EarlyStopping.best_epoch", inputs={"val_losses": losses},
                 hint="the 0-based number of the step with the best loss")
    assert_close(as_array(stopper.best_loss, what="EarlyStopping.best_loss"), 0.5,
                 what="EarlyStopping.best_loss", inputs={"val_losses": losses})


@pytest.mark.target("EarlyStopping.step")
def test_early_stopping_best_params_survive_in_place_updates(student):
    W = np.array([[1.0, 2.0]])
    params = student.put({"W": W.copy(), "b": np.zeros(2)})    # a dict living next to your code
    stopper = student.EarlyStopping(patience=3)
    stopper.step(1.0, params)
    params.ref_item("W").assign(W - 5.0)                       # an optimizer step: W -= ... in place
    best = stopper.best_params
    if not isinstance(best, dict) or "W" not in best:
        fail("EarlyStopping.best_params", "wrong value", None, f"expected a dict with key 'W', got {best!r}"[:200],
             "store a deep copy of params on an improvement")
    assert_close(best["W"], W, rtol=0, atol=0, what="EarlyStopping.best_params['W'] after an in-place update",
                 hint="dict(params) shares the arrays with the training loop; use copy.deepcopy(params)")
