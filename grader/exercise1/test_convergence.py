"""Hidden tests of Perceptron.fit as a learner: it converges on separable data, not on XOR."""
import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs

from nncourse.grading.checks import as_array, assert_true
from nncourse.sandbox.callbacks import Method

# While Perceptron.fit is graded, the reference answers for the lower-level calls it makes,
# so a bug in one of those costs points only on its own tests (sandbox/callbacks.py).
pytestmark = pytest.mark.uses_reference(
    "step",
    Method("Perceptron.net_input", state=("weights", "bias"), read_only=("weights", "bias")),
    Method("Perceptron.predict", state=("weights", "bias"), read_only=("weights", "bias")),
    Method("Perceptron.update", state=("weights", "bias", "learning_rate"), read_only=("learning_rate",)))

AND_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND_Y = np.array([0, 0, 0, 1])
XOR_Y = np.array([0, 1, 1, 0])
HINT = ("on linearly separable data the perceptron rule reaches an epoch with 0 errors; "
        "check update's sign (y - predict), the bias update, and that fit visits the samples in order")


def _iris_setosa_versicolor(seed):
    """The 100 setosa/versicolor rows of iris (4 raw features), in a seed-dependent order."""
    data = load_iris()
    order = np.random.default_rng(seed).permutation(100)
    return data.data[:100][order], data.target[:100][order]


def _separable_blobs(seed):
    """Two blobs centred at (0, 2) and (2, 4), keeping only the points at least 1 from x1 + x2 = 4."""
    X, y = make_blobs(n_samples=200, centers=[[0.0, 2.0], [2.0, 4.0]], cluster_std=1.0, random_state=seed)
    keep = (X.sum(axis=1) - 4.0) * (2 * y - 1) > 1.0
    return X[keep], y[keep]


def _check_converged(history, limit, dataset, seed):
    """The first epoch with 0 errors comes within `limit` epochs (stopping there is graded in test_fit)."""
    counts = list(history) if isinstance(history, (list, tuple, np.ndarray)) else None
    first = next((i for i, e in enumerate(counts) if e == 0), None) if counts is not None else None
    assert_true(first is not None and first < limit,
                f"Perceptron.fit: convergence on {dataset} (seed {seed}): expected an epoch with 0 errors "
                f"within {limit} epochs, got " + (f"the first one at epoch {first + 1}" if first is not None
                                                  else "none") +
                f", history {counts[:12] if counts is not None else history!r}. Hint: {HINT}")


def _check_training_accuracy(p, X, y, dataset, seed):
    pred = as_array(p.predict(X), what="predict(X)")
    acc = float(np.mean(pred == y))
    assert_true(acc == 1.0,
                f"Perceptron.fit: training accuracy (predict) after fit converged on {dataset} (seed {seed}): "
                f"expected 1.0, got {acc:.3f}. Hint: predict must agree with the predictions update used")


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(2)
def test_fit_converges_on_and(student, seed, thresholds):
    p = student.Perceptron(2, seed=seed)
    history = p.fit(AND_X, AND_Y, epochs=int(thresholds["and_max_epochs"]))
    _check_converged(history, thresholds["and_max_epochs"], "the AND truth table", seed)
    _check_training_accuracy(p, AND_X, AND_Y, "the AND truth table", seed)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(2)
def test_fit_converges_on_iris_setosa_vs_versicolor(student, seed, thresholds):
    X, y = _iris_setosa_versicolor(seed)
    p = student.Perceptron(4, seed=seed)
    history = p.fit(X, y, epochs=int(thresholds["iris_max_epochs"]))
    dataset = "iris setosa vs versicolor (100 samples, 4 features)"
    _check_converged(history, thresholds["iris_max_epochs"], dataset, seed)
    _check_training_accuracy(p, X, y, dataset, seed)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(2)
def test_fit_converges_on_separable_blobs(student, seed, thresholds):
    X, y = _separable_blobs(seed)
    p = student.Perceptron(2, seed=seed)
    history = p.fit(X, y, epochs=int(thresholds["blobs_max_epochs"]))
    dataset = f"two separable blobs ({len(y)} samples, margin 0.7)"
    _check_converged(history, thresholds["blobs_max_epochs"], dataset, seed)
    _check_training_accuracy(p, X, y, dataset, seed)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(2)
def test_fit_never_converges_on_xor(student, reference, seed):
    w0 = np.random.default_rng(seed).normal(0.0, 0.01, size=2)  # a start like the constructor's, known here
    p = student.Perceptron(2, seed=seed)
    p.weights, p.bias, p.learning_rate = w0.copy(), 0.0, 0.1
    ref = reference.Perceptron(2, seed=seed)
    ref.weights, ref.bias = w0.copy(), 0.0
    history = p.fit(AND_X, XOR_Y, epochs=30)
    n = len(history) if isinstance(history, (list, tuple, np.ndarray)) else None
    assert_true(n == 30 and all(e > 0 for e in history) and list(history) == ref.fit(AND_X, XOR_Y, epochs=30),
                f"Perceptron.fit: on XOR (not linearly separable, seed {seed}) every epoch of fit(epochs=30) "
                f"must misclassify at least one sample: expected the 30 counts (all > 0) of the perceptron rule "
                f"from weights {np.round(w0, 4).tolist()}, bias 0, got {n} epochs, "
                f"history {history!r:.120}. Hint: count an error whenever update returns a non-zero error")
