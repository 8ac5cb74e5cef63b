"""Hidden tests of SoftmaxClassifier.fit: losses, gradient-descent steps, mini-batches, seeds."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs

from nncourse.grading.checks import (inputs_after, as_array, assert_close, assert_differs, assert_equal,
                                     assert_finite, assert_shape, assert_true)
from nncourse.sandbox.callbacks import Method


def reference_classifier(reference, values):
    """A reference SoftmaxClassifier with the student's params (sizes read from W's shape)."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in values["params"].items()}
    clf = reference.SoftmaxClassifier(*params["W"].shape, reg=values.get("reg", 0.0), seed=0)
    clf.params = params
    return clf


# While SoftmaxClassifier.fit is graded, the reference answers for the lower-level calls it
# makes, so a bug in one of those costs points only on its own tests (sandbox/callbacks.py).
pytestmark = pytest.mark.uses_reference(
    "softmax", "cross_entropy", "cross_entropy_grad", "one_hot",
    Method("SoftmaxClassifier.loss_and_grads", state=("params",), read_only=("params",),
           given={"reg": 0.0}, make=reference_classifier))  # every test here uses the default reg=0.0

HINT_GD = "each batch: params[key] = params[key] - learning_rate * grads[key]; batch_size=None is one batch of all n"
HINT_BATCHES = ("cut the shuffled order into batches order[start:start + batch_size] for start in "
                "range(0, n, batch_size): keep the last, smaller batch")
HINT_READ_PARAMS = 'the grader sets clf.params = {...}: update self.params["W"] and self.params["b"]'
HINT_SEED = "shuffle with rng = np.random.default_rng(seed), created once at the start of fit"
HINT_INVARIANT = ("the params may change only by gradient steps, params[key] = params[key] - learning_rate * "
                  "grads[key] with the grads of loss_and_grads on a batch; each row of those gradients sums to 0")


def _blobs(n=60, seed=0):
    X, y = make_blobs(n_samples=n, centers=3, n_features=4, cluster_std=2.5, random_state=seed)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def _trusted_grads(W, b, X, y):
    z = X @ W + b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    d = e / e.sum(axis=1, keepdims=True)
    d[np.arange(len(y)), y] -= 1.0
    d /= len(y)
    return X.T @ d, d.sum(axis=0)


def _params(clf, what):
    params = clf.params
    return as_array(params["W"], what=what), as_array(params["b"], what=what)


def _loss(W, b, X, y):
    z = X @ W + b
    z = z - z.max(axis=1, keepdims=True)
    return float(-np.mean((z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[np.arange(len(y)), y]))


def _start(rng, d=4, k=3):
    """Trusted initial params whose row sums are not 0 (see _check_trained)."""
    return rng.normal(0.0, 0.5, size=(d, k)), rng.normal(0.0, 0.5, size=k)


def _model(student, W0, b0, seed=0):
    clf = student.SoftmaxClassifier(*W0.shape, seed=seed)
    clf.params = {"W": W0.copy(), "b": b0.copy()}
    return clf


def _check_trained(clf, W0, b0, X, y, what):
    """The params after fit are the result of gradient steps on this data, whatever the batches' order.

    Each row of a softmax cross-entropy gradient sums to 0 (softmax and one_hot rows both sum to 1),
    so with reg = 0 every gradient step keeps the row sums of W and the sum of b: an order-free
    identity any correct fit satisfies, and params not computed by such steps do not. The steps
    must also have lowered the loss on the data (computed here, on the trusted side).
    Returns (W, b).
    """
    W, b = _params(clf, what)
    assert_shape(W, W0.shape, what=f'params["W"] after {what}')
    assert_shape(b, b0.shape, what=f'params["b"] after {what}')
    assert_finite(W, what=f'params["W"] after {what}', hint=HINT_GD)
    assert_finite(b, what=f'params["b"] after {what}', hint=HINT_GD)
    assert_true(not (np.array_equal(W, W0) and np.array_equal(b, b0)),
                f"SoftmaxClassifier.fit: {what} left params exactly as they were: expected gradient steps to "
                f"change them. Hint: {HINT_GD}; {HINT_READ_PARAMS}")
    assert_close(W.sum(axis=1), W0.sum(axis=1), rtol=1e-9, atol=1e-9,
                 what=f'the row sums of params["W"] (kept by every gradient step) after {what}',
                 inputs={"W before": W0}, hint=HINT_INVARIANT)
    assert_close(b.sum(), b0.sum(), rtol=1e-9, atol=1e-9,
                 what=f'the sum of params["b"] (kept by every gradient step) after {what}',
                 inputs={"b before": b0}, hint=HINT_INVARIANT)
    before, after = _loss(W0, b0, X, y), _loss(W, b, X, y)
    assert_true(after < before,
                f"SoftmaxClassifier.fit: the loss on the training data must go down during {what}: expected "
                f"below the initial {before:.6g}, got {before:.6g} -> {after:.6g}. Hint: {HINT_GD}")
    return W, b


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_returns_one_finite_loss_per_epoch(student, rng):
    # batch_size=None: every epoch is one step on all n samples, whatever the order of the samples,
    # so the grader knows every loss of the run; an epoch's loss is the mean of its batch losses
    # (here the loss before its step) or the loss on all the data after the epoch: either is right
    X, y = _blobs(n=30)
    W0, b0 = _start(rng)
    clf = _model(student, W0, b0)
    what = "fit(X, y, learning_rate=0.2, epochs=6, batch_size=None)"
    losses = clf.fit(X, y, learning_rate=0.2, epochs=6, batch_size=None, seed=0)
    trajectory, W, b = [], W0, b0
    for _ in range(7):
        trajectory.append(_loss(W, b, X, y))
        dW, db = _trusted_grads(W, b, X, y)
        W, b = W - 0.2 * dW, b - 0.2 * db
    arr = as_array(losses, what=what)
    assert_equal(arr.shape, (6,), what=f"{what}: shape of the returned losses",
                 hint="return a list with one mean loss per epoch")
    assert_finite(arr, what=f"{what}: returned losses")
    after = np.array(trajectory[1:])
    if np.all(np.abs(arr - after) <= 1e-9 + 1e-6 * np.abs(after)):
        return  # the loss on all the data after each epoch
    assert_close(arr, trajectory[:6], rtol=1e-6, atol=1e-9, what=f"{what}: returned losses",
                 inputs={"X": X, "y": y},
                 hint="each epoch's loss is the mean of its batch losses, weighted by the batch sizes (with "
                      "batch_size=None the loss before that epoch's step), or the loss on all the data after "
                      f"the epoch ({np.round(after, 6).tolist()} here)")


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(2)
def test_fit_losses_decrease(student, rng):
    X, y = _blobs()
    W0, b0 = _start(rng)
    what = "fit(X, y, learning_rate=0.1, epochs=30, batch_size=8, seed=1)"
    clf = _model(student, W0, b0)
    losses = clf.fit(X, y, learning_rate=0.1, epochs=30, batch_size=8, seed=1)
    W, b = _check_trained(clf, W0, b0, X, y, what)
    before, after = _loss(W0, b0, X, y), _loss(W, b, X, y)
    assert_true(after < 0.7 * before,
                f"SoftmaxClassifier.fit: the loss must fall during training for {what} on 3 separable blobs: "
                f"expected a final loss below 0.7 x the initial {before:.4g}, got {after:.4g}. Hint: {HINT_GD}")
    arr = as_array(losses, what=what)
    assert_true(arr.shape == (30,) and np.isfinite(arr).all() and arr[-1] < 0.7 * arr[0],
                f"SoftmaxClassifier.fit: the returned losses must fall too for {what}: expected 30 finite "
                f"losses with last < 0.7 * first, got {arr.size} values, first "
                f"{arr[0] if arr.size else float('nan'):.4g}, last {arr[-1] if arr.size else float('nan'):.4g}. "
                "Hint: record each epoch's mean loss (the batch losses weighted by the batch sizes)")


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(2)
def test_fit_full_batch_is_gradient_descent(student, rng):
    X, y = _blobs(n=20)
    W, b = rng.normal(0.0, 0.5, size=(4, 3)), rng.normal(0.0, 0.5, size=3)
    clf = student.SoftmaxClassifier(4, 3, seed=0)
    clf.params = {"W": W.copy(), "b": b.copy()}
    clf.fit(X, y, learning_rate=0.3, epochs=2, batch_size=None, seed=0)
    for _ in range(2):
        dW, db = _trusted_grads(W, b, X, y)
        W, b = W - 0.3 * dW, b - 0.3 * db
    got_W, got_b = _params(clf, "fit(X, y, learning_rate=0.3, epochs=2, batch_size=None)")
    inputs = {"X": X, "y": y}
    assert_close(got_W, W, what='params["W"] after fit(X, y, learning_rate=0.3, epochs=2, batch_size=None)',
                 inputs=inputs, hint=HINT_GD)
    assert_close(got_b, b, what='params["b"] after fit(X, y, learning_rate=0.3, epochs=2, batch_size=None)',
                 inputs=inputs, hint=HINT_GD)


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(2)
def test_fit_minibatches_visit_every_sample(student):
    # sample i alone has feature i, so row i of W moves in an epoch iff sample i was in a batch, and
    # then by -learning_rate * (q - one_hot(y_i)) / m for the batch size m and some probabilities q:
    # up in column y_i, down in the others, by at most learning_rate / 2 (m >= 2)
    n, lr = 10, 0.5
    X, y = np.eye(n), np.arange(n) % 3
    for seed in (0, 1):
        clf = _model(student, np.zeros((n, 3)), np.zeros(3))
        what = f"fit(X, y, learning_rate={lr}, epochs=1, batch_size=4, seed={seed})"
        clf.fit(X, y, learning_rate=lr, epochs=1, batch_size=4, seed=seed)
        W, b = _params(clf, what)
        assert_shape(W, (n, 3), what=f'params["W"] after {what}')
        assert_finite(W, what=f'params["W"] after {what}', hint=HINT_GD)
        assert_finite(b, what=f'params["b"] after {what}', hint=HINT_GD)
        assert_close(W.sum(axis=1), np.zeros(n), rtol=0, atol=1e-12,
                     what=f'the row sums of params["W"] (kept by every gradient step) after {what}',
                     inputs={"W before": np.zeros((n, 3))}, hint=HINT_INVARIANT)
        moved = np.any(W != 0.0, axis=1)
        assert_true(moved.any(),
                    f"SoftmaxClassifier.fit: {what} left params[\"W\"] exactly as it was (zeros): expected "
                    f"gradient steps to change it. Hint: {HINT_GD}; {HINT_READ_PARAMS}")
        assert_true(moved.all(),
                    "SoftmaxClassifier.fit: every sample must be used once per epoch for fit(X, y, epochs=1, "
                    f"batch_size=4, seed={seed}) with n=10 samples (batches of 4, 4 and 2): expected all 10 "
                    f"samples used, got samples {np.flatnonzero(~moved).tolist()} unused. Hint: {HINT_BATCHES}")
        own = W[np.arange(n), y]
        others = np.where(np.eye(3, dtype=bool)[y], 0.0, W)
        assert_true(np.all((own > 0) & (own <= lr / 2 + 1e-12)) and np.all(others <= 0),
                    f"SoftmaxClassifier.fit: after {what} with X the identity and W0 = 0, row i of W is one "
                    f"gradient step -learning_rate * (softmax - one_hot(y_i)) / batch size: expected W[i, y_i] in "
                    f"(0, {lr / 2:g}] and the other entries <= 0, got rows {np.round(W, 4).tolist()[:3]}... "
                    f"Hint: {HINT_GD}")


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_same_seed_same_result(student, rng):
    X, y = _blobs(n=30)
    W0, b0 = _start(rng)
    runs = []
    for _ in range(2):
        clf = _model(student, W0, b0, seed=3)
        what = "fit(X, y, learning_rate=0.2, epochs=5, batch_size=7, seed=5)"
        losses = as_array(clf.fit(X, y, learning_rate=0.2, epochs=5, batch_size=7, seed=5), what=what)
        runs.append((losses, *_check_trained(clf, W0, b0, X, y, what)))
    for (name, first, second) in zip(("losses", 'params["W"]', 'params["b"]'), runs[0], runs[1]):
        assert_equal(second, first, what=f"two runs of SoftmaxClassifier(4, 3, seed=3).fit(X, y, batch_size=7, "
                     f"seed=5) from the same params: {name}", hint=HINT_SEED)


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_shuffles_with_its_seed(student, rng):
    X, y = _blobs(n=30)
    W0, b0 = _start(rng)
    weights = []
    for seed in (1, 2):
        clf = _model(student, W0, b0)
        what = f"fit(X, y, learning_rate=0.2, epochs=3, batch_size=5, seed={seed})"
        clf.fit(X, y, learning_rate=0.2, epochs=3, batch_size=5, seed=seed)
        weights.append(_check_trained(clf, W0, b0, X, y, what)[0])
    assert_differs(weights[0], weights[1], what='params["W"] after fit(X, y, batch_size=5, seed=...)',
                   message="SoftmaxClassifier.fit: fit(..., batch_size=5, seed=1) and fit(..., batch_size=5, seed=2) "
                           "from the same initial model must visit the samples in different orders: expected "
                           f"different weights, got equal ones. Hint: shuffle each epoch; {HINT_SEED}")


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_does_not_modify_inputs(student, rng):
    X, y = _blobs(n=30)
    W0, b0 = _start(rng)
    clf = _model(student, W0, b0)
    what = "fit(X, y, learning_rate=0.1, epochs=2, batch_size=7, seed=0)"
    _, args_after, _ = inputs_after(clf.fit, X.copy(), y.copy(), learning_rate=0.1, epochs=2, batch_size=7, seed=0)
    # the property is worth something only on a real fit: the params first
    _check_trained(clf, W0, b0, X, y, what)
    assert_equal(args_after[0], X, what="fit(X, y, ...): X after the call", inputs={"X": X},
                 hint="shuffle an index array (rng.permutation(n)) and index X[idx]; never shuffle X in place")
    assert_equal(args_after[1], y, what="fit(X, y, ...): y after the call", inputs={"y": y},
                 hint="shuffle an index array (rng.permutation(n)) and index y[idx]; never shuffle y in place")
