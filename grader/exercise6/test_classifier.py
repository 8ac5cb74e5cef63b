"""Hidden tests of the SoftmaxClassifier constructor and of loss_and_grads (values and gradients)."""
import numpy as np
import pytest

from nncourse.grading.checks import (inputs_after, as_array, assert_close, assert_differs, assert_equal, assert_finite,
                                     assert_matches_numeric_grad, assert_shape, assert_true)


# While SoftmaxClassifier.loss_and_grads is graded, the reference answers for the lower-level
# calls it makes, so a bug in one of those costs points only on its own tests (sandbox/callbacks.py).
pytestmark = pytest.mark.uses_reference("softmax", "cross_entropy", "cross_entropy_grad", "one_hot")

HINT_PARAMS = 'params = {"W": array (n_features, n_classes), "b": array (n_classes,)}'
HINT_INIT = ("draw W from np.random.default_rng(seed), small (e.g. 0.01 * rng.standard_normal((n_features, "
             "n_classes))), and start b at zeros")
MAX_INIT = 0.5  # "small": a normal draw with std 0.1 stays far below this on these sizes
HINT_READ_PARAMS = 'the grader sets clf.params = {...}: read self.params["W"] and self.params["b"] in every method'
HINT_LOSS = "loss = mean cross-entropy of softmax(X @ W + b) + 0.5 * reg * sum(W**2)"
HINT_REG = "add 0.5 * reg * np.sum(W**2) to the loss: the weights only, never the bias"
HINT_GRADS = ('grads["W"] = X.T @ dlogits + reg * W, grads["b"] = dlogits.sum(axis=0), with '
              "dlogits = (softmax(logits) - one_hot(y)) / n; the bias is not regularised")


def _loss(W, b, X, y, reg):
    z = X @ W + b
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(len(y)), y]) + 0.5 * reg * np.sum(W ** 2))


def _trusted_grads(W, b, X, y, reg):
    z = X @ W + b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    d = e / e.sum(axis=1, keepdims=True)
    d[np.arange(len(y)), y] -= 1.0
    d /= len(y)
    return X.T @ d + reg * W, d.sum(axis=0)


def _setup(student, rng, reg, n=7, d=4, k=3):
    """A student model whose params are replaced by a trusted draw (non-zero bias included)."""
    clf = student.SoftmaxClassifier(d, k, reg=reg, seed=0)
    W, b = rng.normal(0.0, 1.0, size=(d, k)), rng.normal(0.0, 1.0, size=k)
    clf.params = {"W": W.copy(), "b": b.copy()}
    X, y = rng.normal(0.0, 1.0, size=(n, d)), rng.integers(0, k, size=n)
    return clf, W, b, X, y


def _grads(clf, X, y, what):
    out = clf.loss_and_grads(X, y)
    assert_true(isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict),
                f"{what}: must return a tuple (loss, grads) with grads a dict, got {type(out).__name__}. "
                "Hint: return loss, {'W': dW, 'b': db}")
    grads = out[1]
    assert_equal(sorted(grads), ["W", "b"], what=f"{what}: the keys of grads",
                 hint="grads has the same keys as params: 'W' and 'b'")
    return out[0], grads


def _initial_params(student, d, k, seed):
    """The initial (W, b) of SoftmaxClassifier(d, k, seed=seed), checked for keys, shapes and values:
    W small, finite and drawn (not constant), b zeros."""
    call = f"SoftmaxClassifier({d}, {k}, seed={seed})"
    params = student.SoftmaxClassifier(d, k, seed=seed).params
    assert_true(isinstance(params, dict), f"{call}.params: expected a dict of arrays, got {type(params).__name__}. "
                f"Hint: {HINT_PARAMS}")
    assert_equal(sorted(params), ["W", "b"], what=f"{call}.params keys", hint=HINT_PARAMS)
    assert_shape(params["W"], (d, k), what=f'{call}.params["W"]', hint=HINT_PARAMS)
    assert_shape(params["b"], (k,), what=f'{call}.params["b"]', hint=HINT_PARAMS)
    W, b = as_array(params["W"], what=f'{call}.params["W"]'), as_array(params["b"], what=f'{call}.params["b"]')
    assert_close(b, np.zeros(k), rtol=0, atol=0, what=f'{call}.params["b"]', hint="start the bias at zeros")
    assert_finite(W, what=f'{call}.params["W"]', hint=HINT_INIT)
    assert_true(np.ptp(W) > 0 and np.max(np.abs(W)) <= MAX_INIT,
                f'{call}.params["W"]: expected small random weights (not all equal, every |w| <= {MAX_INIT:g}), '
                f"got values from {W.min():.4g} to {W.max():.4g}. Hint: {HINT_INIT}")
    return W, b


@pytest.mark.target("SoftmaxClassifier")
@pytest.mark.points(1)
def test_softmax_classifier_params_shapes(student):
    _initial_params(student, 5, 3, seed=0)


@pytest.mark.target("SoftmaxClassifier")
@pytest.mark.points(1)
def test_softmax_classifier_same_seed_same_params(student):
    w1, _ = _initial_params(student, 6, 4, seed=11)
    w2, _ = _initial_params(student, 6, 4, seed=11)
    assert_equal(w2, w1, what='two SoftmaxClassifier(6, 4, seed=11): params["W"]',
                 hint="draw the initial weights from np.random.default_rng(seed)")
    w3, _ = _initial_params(student, 6, 4, seed=12)
    assert_differs(w3, w1, what='SoftmaxClassifier(6, 4, seed=12).params["W"]',
                   message='SoftmaxClassifier: SoftmaxClassifier(6, 4, seed=11) and SoftmaxClassifier(6, 4, seed=12) '
                           'must draw different weights: expected different params["W"], got equal ones. '
                           f"Hint: {HINT_INIT}")


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
@pytest.mark.points(2)
def test_loss_and_grads_loss_matches_math_without_reg(student, rng):
    clf, W, b, X, y = _setup(student, rng, reg=0.0)
    loss, _ = _grads(clf, X, y, "loss_and_grads(X, y)")
    assert_close(loss, _loss(W, b, X, y, 0.0), what="loss_and_grads(X, y) loss with reg=0",
                 inputs={"X": X, "y": y, "W": W, "b": b}, hint=f"{HINT_LOSS}. {HINT_READ_PARAMS}")


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
@pytest.mark.points(2)
def test_loss_and_grads_loss_adds_half_reg_sum_W_squared(student, rng):
    clf, W, b, X, y = _setup(student, rng, reg=0.7)
    loss, _ = _grads(clf, X, y, "loss_and_grads(X, y)")
    assert_close(loss, _loss(W, b, X, y, 0.7), what="loss_and_grads(X, y) loss with reg=0.7",
                 inputs={"X": X, "y": y, "W": W, "b": b}, hint=HINT_REG)


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
@pytest.mark.points(2)
def test_loss_and_grads_grads_match_numeric_without_reg(student, rng):
    clf, W, b, X, y = _setup(student, rng, reg=0.0)
    _, grads = _grads(clf, X, y, "loss_and_grads(X, y)")
    inputs = {"X": X, "y": y, "W": W, "b": b}
    assert_matches_numeric_grad(grads["W"], lambda v: _loss(v, b, X, y, 0.0), W,
                                what='loss_and_grads(X, y) grads["W"] with reg=0', inputs=inputs, hint=HINT_GRADS)
    assert_matches_numeric_grad(grads["b"], lambda v: _loss(W, v, X, y, 0.0), b,
                                what='loss_and_grads(X, y) grads["b"] with reg=0', inputs=inputs, hint=HINT_GRADS)


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
@pytest.mark.points(2)
def test_loss_and_grads_grads_match_numeric_with_reg(student, rng):
    clf, W, b, X, y = _setup(student, rng, reg=0.7)
    _, grads = _grads(clf, X, y, "loss_and_grads(X, y)")
    inputs = {"X": X, "y": y, "W": W, "b": b}
    assert_matches_numeric_grad(grads["W"], lambda v: _loss(v, b, X, y, 0.7), W,
                                what='loss_and_grads(X, y) grads["W"] with reg=0.7', inputs=inputs, hint=HINT_GRADS)
    assert_matches_numeric_grad(grads["b"], lambda v: _loss(W, v, X, y, 0.7), b,
                                what='loss_and_grads(X, y) grads["b"] with reg=0.7', inputs=inputs, hint=HINT_GRADS)


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
@pytest.mark.points(1)
def test_loss_and_grads_accepts_float32_and_lists(student, rng):
    clf, W, b, X, y = _setup(student, rng, reg=0.0)
    X32 = X.astype(np.float32)
    loss, _ = _grads(clf, X32, [int(v) for v in y], "loss_and_grads(X, y) with X float32, y a list")
    # rtol 1e-5: a student may compute in float32 for float32 X (about 1e-7 relative error)
    assert_close(loss, _loss(W, b, X32.astype(np.float64), y, 0.0), rtol=1e-5,
                 what="loss_and_grads(X, y) loss with X float32 and y a list", inputs={"X": X32, "y": y},
                 hint="convert X with np.asarray(X, dtype=float) and y with np.asarray(y)")


@pytest.mark.target("SoftmaxClassifier.loss_and_grads")
@pytest.mark.points(1)
def test_loss_and_grads_does_not_modify_params_or_inputs(student, rng):
    clf, W, b, X, y = _setup(student, rng, reg=0.7)
    out, args_after, _ = inputs_after(clf.loss_and_grads, X.copy(), y.copy())
    # the property is worth something only on the right answer: loss and gradients first
    assert_true(isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict),
                f"loss_and_grads(X, y): must return a tuple (loss, grads) with grads a dict, got {type(out).__name__}")
    assert_close(out[0], _loss(W, b, X, y, 0.7), what="loss_and_grads(X, y) loss with reg=0.7",
                 inputs={"X": X, "y": y, "W": W, "b": b}, hint=HINT_LOSS)
    for key, want in zip(("W", "b"), _trusted_grads(W, b, X, y, 0.7)):
        assert_close(out[1].get(key), want, what=f'loss_and_grads(X, y) grads["{key}"] with reg=0.7',
                     inputs={"X": X, "y": y, "W": W, "b": b}, hint=HINT_GRADS)
    assert_equal(args_after[0], X, what="loss_and_grads(X, y): X after the call", inputs={"X": X},
                 hint="never modify the caller's arrays")
    params = clf.params
    assert_equal(params["W"], W, what='loss_and_grads(X, y): params["W"] after the call',
                 hint="loss_and_grads computes gradients; only fit changes the parameters")
    assert_equal(params["b"], b, what='loss_and_grads(X, y): params["b"] after the call',
                 hint="loss_and_grads computes gradients; only fit changes the parameters")
