"""Public checks of exercise 6 (run them with `nncourse check exercise6`).

A small subset of what the hidden grader checks: passing them all does not
guarantee full marks. Expected values are small hand-computed constants, and
gradients are compared with a numeric gradient of your own loss.
"""
import math

import numpy as np
import pytest

from nncourse.grading.checks import (as_array, assert_close, assert_dtype_kind, assert_equal, assert_finite,
                                     assert_matches_numeric_grad, assert_raises, assert_shape, assert_true,
                                     call_without_warnings, fail)

LOG2 = math.log(2.0)


def _loss_and_grads_pair(out):
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not isinstance(out[1], dict):
        fail("loss_and_grads(X, y)", "wrong return value", None,
             f"expected a pair (loss, grads dict), got {type(out).__name__}", "return loss, {'W': dW, 'b': db}")
    return out


def _params_of(clf, what):
    params = clf.params
    if not isinstance(params, dict) or sorted(params) != ["W", "b"]:
        fail(what, "wrong params", None, f"expected a dict with keys 'W' and 'b', got {type(params).__name__}",
             'params = {"W": array (n_features, n_classes), "b": array (n_classes,)}')
    return params


@pytest.mark.target("one_hot")
def test_one_hot_small_example(student):
    y = np.array([2, 0])
    got = student.one_hot(y, 3)
    assert_close(got, [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], what="one_hot(y, 3)", inputs={"y": y},
                 hint="row i is zeros with a 1.0 in column y[i]")
    assert_dtype_kind(got, "f", what="one_hot(y, 3)", inputs={"y": y}, hint="return a float array")


@pytest.mark.target("one_hot")
def test_one_hot_rejects_negative_label(student):
    assert_raises("ValueError", student.one_hot, np.array([0, -1]), 3, what="one_hot([0, -1], 3)",
                  hint="NumPy indexing accepts -1 silently (the last column): check the range first")


@pytest.mark.target("softmax")
def test_softmax_small_and_huge_logits(student):
    z = np.array([[0.0, 0.0], [1e4, 0.0], [-1e4, -1e4]])
    got = student.softmax(z)
    hint = "subtract the maximum of each row (axis=-1, keepdims=True) before np.exp"
    assert_finite(got, what="softmax(z)", inputs={"z": z}, hint=hint)
    assert_close(got, [[0.5, 0.5], [1.0, 0.0], [0.5, 0.5]], what="softmax(z)", inputs={"z": z}, hint=hint)


@pytest.mark.target("cross_entropy")
def test_cross_entropy_small_example_is_a_mean(student):
    logits, y = np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([1, 0])
    # each sample: -log(0.5) = log 2; the mean of two equal losses is log 2 (the sum would be 2 log 2)
    assert_close(student.cross_entropy(logits, y), LOG2, what="cross_entropy(logits, y)",
                 inputs={"logits": logits, "y": y}, hint="the mean over the batch, not the sum")


@pytest.mark.target("cross_entropy")
def test_cross_entropy_huge_logits(student):
    logits, y = np.array([[1e4, 0.0, -1e4]]), np.array([2])
    # logsumexp(logits) is 1e4 (to within e^-1e4), so the loss is 1e4 - (-1e4) = 2e4
    got = student.cross_entropy(logits, y)
    hint = "work in log-space: -log softmax = logsumexp(z) - z[y]; np.log of an underflowed 0 is -inf"
    assert_finite(got, what="cross_entropy(logits, y)", inputs={"logits": logits, "y": y}, hint=hint)
    assert_close(got, 2e4, what="cross_entropy(logits, y)", inputs={"logits": logits, "y": y}, hint=hint)


@pytest.mark.target("cross_entropy_grad")
def test_cross_entropy_grad_matches_numeric_grad_of_your_loss(student):
    logits, y = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]), np.array([0, 2])
    got = student.cross_entropy_grad(logits, y)
    assert_matches_numeric_grad(got, lambda z: student.cross_entropy(z, y), logits,
                                what="cross_entropy_grad(logits, y)", inputs={"logits": logits, "y": y},
                                hint="(softmax(logits) - one_hot(y)) / n")


@pytest.mark.target("SoftmaxClassifier")
def test_softmax_classifier_params_shapes(student):
    params = _params_of(student.SoftmaxClassifier(4, 3, seed=0), "SoftmaxClassifier(4, 3, seed=0).params")
    assert_shape(params["W"], (4, 3), what='SoftmaxClassifier(4, 3, seed=0).params["W"]')
    assert_shape(params["b"], (3,), what='SoftmaxClassifier(4, 3, seed=0).params["b"]')


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
def test_loss_and_grads_small_example(student):
    clf = student.SoftmaxClassifier(2, 2, reg=0.5, seed=0)
    clf.params = {"W": np.ones((2, 2)), "b": np.array([5.0, 5.0])}
    X, y = np.array([[1.0, 2.0]]), np.array([0])
    # logits = [8, 8]: cross-entropy log 2; penalty 0.5 * 0.5 * sum(W**2) = 1; the bias is not penalised
    loss, grads = _loss_and_grads_pair(clf.loss_and_grads(X, y))
    assert_close(loss, LOG2 + 1.0, what="loss_and_grads(X, y) with reg=0.5", inputs={"X": X, "y": y},
                 hint="cross-entropy + 0.5 * reg * sum(W**2), not counting b")
    # dlogits = [0.5 - 1, 0.5] = [-0.5, 0.5]; dW = X.T @ dlogits + reg * W; db = dlogits
    assert_close(grads["W"], [[0.0, 1.0], [-0.5, 1.5]], what='loss_and_grads(X, y) grads["W"] with reg=0.5',
                 inputs={"X": X, "y": y}, hint="chain rule through logits = XW + b, plus the penalty's gradient reg * W (README section 5)")
    assert_close(grads["b"], [-0.5, 0.5], what='loss_and_grads(X, y) grads["b"] with reg=0.5',
                 inputs={"X": X, "y": y}, hint="dlogits summed over the batch, no reg term")


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
def test_loss_and_grads_matches_numeric_grad_of_your_loss(student):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(5, 3)), np.array([0, 1, 1, 0, 1])
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    clf = student.SoftmaxClassifier(3, 2, reg=0.3, seed=0)
    clf.params = {"W": W.copy(), "b": b.copy()}
    _, grads = _loss_and_grads_pair(clf.loss_and_grads(X, y))

    def loss_at(W_, b_):
        clf.params = {"W": W_, "b": b_}
        return _loss_and_grads_pair(clf.loss_and_grads(X, y))[0]

    inputs = {"X": X, "y": y}
    assert_matches_numeric_grad(grads["W"], lambda v: loss_at(v, b), W, what='loss_and_grads(X, y) grads["W"]',
                                inputs=inputs, hint="dW = X.T @ dlogits + reg * W")
    assert_matches_numeric_grad(grads["b"], lambda v: loss_at(W, v), b, what='loss_and_grads(X, y) grads["b"]',
                                inputs=inputs, hint="db = dlogits.sum(axis=0)")


@pytest.mark.target("SoftmaxClassifier.fit")
def test_fit_loss_falls_with_uneven_batches(student):
    X = np.array([[2.0, 0.0], [1.5, 0.5], [0.0, 2.0], [0.5, 1.5], [-2.0, -2.0], [-1.5, -2.0], [2.5, 0.5]])
    y = np.array([0, 0, 1, 1, 2, 2, 0])
    losses = student.SoftmaxClassifier(2, 3, seed=0).fit(X, y, learning_rate=0.5, epochs=20, batch_size=3, seed=0)
    arr = as_array(losses, what="fit(X, y, epochs=20, batch_size=3)")
    assert_shape(arr, (20,), what="fit(X, y, epochs=20, batch_size=3) losses", hint="one mean loss per epoch")
    assert_true(arr[-1] < 0.5 * arr[0],
                "SoftmaxClassifier.fit: the loss must fall on 7 separable points with batch_size=3: expected "
                f"last < 0.5 * first, got first {arr[0]:.4g}, last {arr[-1]:.4g}. "
                "Hint: params[key] -= learning_rate * grads[key] for each batch, keep the last smaller batch")


@pytest.mark.target("SoftmaxClassifier.predict_proba")
def test_predict_proba_small_example(student):
    clf = student.SoftmaxClassifier(2, 2, seed=0)
    clf.params = {"W": np.array([[1.0, 0.0], [0.0, 1.0]]), "b": np.array([0.0, 0.0])}
    X = np.array([[1.0, 1.0], [3.0, 1.0]])
    e = math.exp(2.0)
    assert_close(clf.predict_proba(X), [[0.5, 0.5], [e / (e + 1), 1 / (e + 1)]], what="predict_proba(X)",
                 inputs={"X": X}, hint="softmax(X @ W + b) along axis 1")


@pytest.mark.target("SoftmaxClassifier.predict")
def test_predict_small_example(student):
    clf = student.SoftmaxClassifier(2, 3, seed=0)
    clf.params = {"W": np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]]), "b": np.zeros(3)}
    X = np.array([[2.0, 1.0], [0.0, 3.0], [-1.0, -1.0]])
    got = clf.predict(X)
    assert_dtype_kind(got, "iu", what="predict(X)", inputs={"X": X}, hint="integer labels, e.g. np.argmax(..., axis=1)")
    assert_equal(got, np.array([0, 1, 2]), what="predict(X)", inputs={"X": X}, hint="argmax of the logits per row")


@pytest.mark.target("SoftmaxClassifier.score")
def test_score_small_example(student):
    clf = student.SoftmaxClassifier(2, 3, seed=0)
    clf.params = {"W": np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]]), "b": np.zeros(3)}
    X, y = np.array([[2.0, 1.0], [0.0, 3.0], [-1.0, -1.0], [1.0, 0.0]]), np.array([0, 1, 2, 2])
    assert_close(clf.score(X, y), 0.75, what="score(X, y)", inputs={"X": X, "y": y},
                 hint="the fraction of rows where predict(X) == y")


@pytest.mark.target("confusion_matrix")
def test_confusion_matrix_small_example(student):
    y_true, y_pred = np.array([0, 1, 1]), np.array([0, 0, 1])
    got = student.confusion_matrix(y_true, y_pred, 3)
    assert_dtype_kind(got, "iu", what="confusion_matrix(y_true, y_pred, 3)", hint="counts are integers")
    assert_equal(got, np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0]]), what="confusion_matrix(y_true, y_pred, 3)",
                 inputs={"y_true": y_true, "y_pred": y_pred},
                 hint="rows are the true class, columns the predicted class; always n_classes rows")


@pytest.mark.target("precision_recall_f1")
def test_precision_recall_f1_small_example(student):
    y_true, y_pred = np.array([0, 1, 1]), np.array([0, 0, 1])
    inputs = {"y_true": y_true, "y_pred": y_pred}
    hint = "precision: C[c, c] / column sum; recall: C[c, c] / row sum; 0.0 where a denominator is 0, no 0/0"
    got = call_without_warnings(student.precision_recall_f1, y_true, y_pred, 3,
                                what="precision_recall_f1(y_true, y_pred, 3)", inputs=inputs, hint=hint)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        fail("precision_recall_f1(y_true, y_pred, 3)", "wrong return value", inputs,
             f"expected (precision, recall, f1), got {type(got).__name__}", "return precision, recall, f1")
    want = ([0.5, 1.0, 0.0], [1.0, 0.5, 0.0], [2 / 3, 2 / 3, 0.0])  # class 2 never occurs: all 0.0
    for name, g, w in zip(("precision", "recall", "f1"), got, want):
        assert_close(g, w, what=f"precision_recall_f1(y_true, y_pred, 3): {name}", inputs=inputs, hint=hint)
