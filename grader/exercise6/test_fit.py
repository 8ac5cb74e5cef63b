"""Hidden tests of SoftmaxClassifier.fit: losses, gradient-descent steps, mini-batches, seeds."""
import numpy as np
import pytest
from sklearn.datasets import make_blobs

from nncourse.grading.checks import inputs_after, as_array, assert_close, assert_equal, assert_finite, assert_true
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
HINT_SEED = "shuffle with rng = np.random.default_rng(seed), created once at the start of fit"


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


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_returns_one_finite_loss_per_epoch(student):
    X, y = _blobs()
    losses = student.SoftmaxClassifier(4, 3, seed=0).fit(X, y, learning_rate=0.1, epochs=15, batch_size=8, seed=0)
    arr = as_array(losses, what="fit(X, y, epochs=15, batch_size=8)")
    assert_equal(arr.shape, (15,), what="fit(X, y, epochs=15, batch_size=8): shape of the returned losses",
                 hint="return a list with one mean loss per epoch")
    assert_finite(arr, what="fit(X, y, epochs=15, batch_size=8): returned losses")


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(2)
def test_fit_losses_decrease(student):
    X, y = _blobs()
    losses = student.SoftmaxClassifier(4, 3, seed=1).fit(X, y, learning_rate=0.1, epochs=30, batch_size=8, seed=1)
    arr = as_array(losses, what="fit(X, y, learning_rate=0.1, epochs=30, batch_size=8)")
    assert_true(arr.size == 30 and arr[-1] < 0.7 * arr[0],
                "SoftmaxClassifier.fit: the loss must fall during training for fit(X, y, learning_rate=0.1, "
                f"epochs=30, batch_size=8) on 3 separable blobs: expected last < 0.7 * first, got first "
                f"{arr[0] if arr.size else float('nan'):.4g}, last {arr[-1] if arr.size else float('nan'):.4g}. "
                f"Hint: step against the gradient: {HINT_GD}")


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
    # sample i alone has feature i, so row i of W moves in an epoch iff sample i was in a batch
    n = 10
    X, y = np.eye(n), np.arange(n) % 3
    for seed in (0, 1):
        clf = student.SoftmaxClassifier(n, 3, seed=0)
        W0 = np.zeros((n, 3))
        clf.params = {"W": W0, "b": np.zeros(3)}
        clf.fit(X, y, learning_rate=0.5, epochs=1, batch_size=4, seed=seed)
        W, _ = _params(clf, "fit(X, y, epochs=1, batch_size=4)")
        moved = np.any(W != W0, axis=1)
        assert_true(moved.all(),
                    "SoftmaxClassifier.fit: every sample must be used once per epoch for fit(X, y, epochs=1, "
                    f"batch_size=4, seed={seed}) with n=10 samples (batches of 4, 4 and 2): expected all 10 "
                    f"samples used, got samples {np.flatnonzero(~moved).tolist()} unused. Hint: {HINT_BATCHES}")


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_same_seed_same_result(student):
    X, y = _blobs(n=30)
    runs = []
    for _ in range(2):
        clf = student.SoftmaxClassifier(4, 3, seed=3)
        losses = as_array(clf.fit(X, y, learning_rate=0.2, epochs=5, batch_size=7, seed=5), what="fit(...)")
        runs.append((losses, *_params(clf, "fit(X, y, batch_size=7, seed=5)")))
    for (name, first, second) in zip(("losses", 'params["W"]', 'params["b"]'), runs[0], runs[1]):
        assert_equal(second, first, what=f"two runs of SoftmaxClassifier(4, 3, seed=3).fit(X, y, batch_size=7, "
                     f"seed=5): {name}", hint=HINT_SEED)


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_shuffles_with_its_seed(student):
    X, y = _blobs(n=30)
    weights = []
    for seed in (1, 2):
        clf = student.SoftmaxClassifier(4, 3, seed=0)
        clf.fit(X, y, learning_rate=0.2, epochs=3, batch_size=5, seed=seed)
        weights.append(_params(clf, f"fit(X, y, batch_size=5, seed={seed})")[0])
    assert_true(not np.array_equal(weights[0], weights[1]),
                "SoftmaxClassifier.fit: fit(..., batch_size=5, seed=1) and fit(..., batch_size=5, seed=2) from "
                "the same initial model must visit the samples in different orders: expected different "
                f"weights, got equal ones. Hint: shuffle each epoch; {HINT_SEED}")


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(1)
def test_fit_does_not_modify_inputs(student):
    X, y = _blobs(n=30)
    clf = student.SoftmaxClassifier(4, 3, seed=0)
    _, args_after, _ = inputs_after(clf.fit, X.copy(), y.copy(), learning_rate=0.1, epochs=2, batch_size=7, seed=0)
    assert_equal(args_after[0], X, what="fit(X, y, ...): X after the call", inputs={"X": X},
                 hint="shuffle an index array (rng.permutation(n)) and index X[idx]; never shuffle X in place")
    assert_equal(args_after[1], y, what="fit(X, y, ...): y after the call", inputs={"y": y},
                 hint="shuffle an index array (rng.permutation(n)) and index y[idx]; never shuffle y in place")
