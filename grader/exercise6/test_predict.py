"""Hidden tests of SoftmaxClassifier.predict_proba, predict and score, on trusted parameters."""
import numpy as np
import pytest

from nncourse.grading.checks import (call_without_warnings, assert_close, assert_dtype_kind, assert_equal, assert_finite)
from nncourse.sandbox.callbacks import Method


def reference_classifier(reference, values):
    """A reference SoftmaxClassifier with the student's params (sizes read from W's shape)."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in values["params"].items()}
    clf = reference.SoftmaxClassifier(*params["W"].shape, reg=values.get("reg", 0.0), seed=0)
    clf.params = params
    return clf


# While SoftmaxClassifier.predict_proba, predict and score are graded, the reference answers for
# the lower-level calls they make (never for the test's own target), so a bug in one of those costs points only on its own tests (sandbox/callbacks.py).
pytestmark = pytest.mark.uses_reference(
    "softmax",
    Method("SoftmaxClassifier.predict_proba", state=("params",), read_only=("params",), make=reference_classifier),
    Method("SoftmaxClassifier.predict", state=("params",), read_only=("params",), make=reference_classifier))

HINT_READ_PARAMS = 'the grader sets clf.params = {...}: read self.params["W"] and self.params["b"] in every method'


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _setup(student, rng, scale=1.0, n=8, d=4, k=3):
    clf = student.SoftmaxClassifier(d, k, seed=0)
    W, b = scale * rng.normal(0.0, 1.0, size=(d, k)), scale * rng.normal(0.0, 1.0, size=k)
    clf.params = {"W": W.copy(), "b": b.copy()}
    return clf, W, b, rng.normal(0.0, 1.0, size=(n, d))


@pytest.mark.target("SoftmaxClassifier.predict_proba")
@pytest.mark.points(2)
def test_predict_proba_matches_math(student, rng):
    clf, W, b, X = _setup(student, rng)
    assert_close(clf.predict_proba(X), _softmax(X @ W + b), what="predict_proba(X)",
                 inputs={"X": X, "W": W, "b": b},
                 hint=f"probabilities = softmax(X @ W + b) along axis 1. {HINT_READ_PARAMS}")


@pytest.mark.target("SoftmaxClassifier.predict_proba")
@pytest.mark.points(1)
def test_predict_proba_rows_sum_to_one_for_huge_logits(student, rng):
    clf, W, b, X = _setup(student, rng, scale=3000.0)  # logits of order 1e4
    inputs = {"X": X, "W": W, "b": b}
    hint = "use a stable softmax: subtract the row maximum of the logits before np.exp"
    got = call_without_warnings(clf.predict_proba, X, what="predict_proba(X) with logits of order 1e4",
                                 inputs=inputs, hint=hint)
    assert_finite(got, what="predict_proba(X) with logits of order 1e4", inputs=inputs, hint=hint)
    assert_close(np.sum(got, axis=1), np.ones(len(X)), what="row sums of predict_proba(X)", inputs=inputs, hint=hint)


@pytest.mark.target("SoftmaxClassifier.predict")
@pytest.mark.points(1)
def test_predict_returns_int_labels(student, rng):
    clf, W, b, X = _setup(student, rng)
    got = clf.predict(X)
    # the dtype is worth something only on the right labels: values first (1.0 equals 1 here)
    assert_equal(got, np.argmax(X @ W + b, axis=1), what="predict(X)", inputs={"X": X, "W": W, "b": b},
                 hint="the label of each row is the argmax of its logits along axis 1. " + HINT_READ_PARAMS)
    assert_dtype_kind(got, "iu", what="predict(X)", inputs={"X": X},
                      hint="return integer labels, e.g. np.argmax(..., axis=1) (not probabilities, not floats)")


@pytest.mark.target("SoftmaxClassifier.predict")
@pytest.mark.points(1)
def test_predict_is_most_probable_class(student, rng):
    clf, W, b, X = _setup(student, rng, n=20)
    assert_equal(clf.predict(X), np.argmax(X @ W + b, axis=1), what="predict(X)", inputs={"X": X, "W": W, "b": b},
                 hint="the label of each row is the argmax of its logits (or probabilities) along axis 1. "
                      + HINT_READ_PARAMS)


@pytest.mark.target("SoftmaxClassifier.score")
@pytest.mark.points(1)
def test_score_is_accuracy(student, rng):
    clf, W, b, X = _setup(student, rng, n=10)
    y = np.argmax(X @ W + b, axis=1)
    y[[1, 4, 7]] = (y[[1, 4, 7]] + 1) % 3  # exactly 3 of 10 predictions are now wrong
    assert_close(clf.score(X, y), 0.7, what="score(X, y)", inputs={"X": X, "y": y},
                 hint="accuracy = np.mean(predict(X) == y), a fraction in [0, 1]")
    assert_close(clf.score(X, y.tolist()), 0.7, what="score(X, y) with y a list", inputs={"y": y},
                 hint="convert y with np.asarray(y): a list == array comparison is not elementwise")
