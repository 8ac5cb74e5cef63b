"""Hidden tests of SoftmaxClassifier.fit end to end: test accuracy on digits and iris."""
import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import train_test_split

from nncourse.grading.checks import as_array, assert_accuracy_at_least
from nncourse.sandbox.callbacks import Method
from nncourse.grading.memo import cached

HINT = ("check loss_and_grads and fit first: mini-batch gradient descent on the mean loss "
        "with params[key] -= learning_rate * grads[key]")


def reference_classifier(reference, values):
    """A reference SoftmaxClassifier with the student's params (sizes read from W's shape)."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in values["params"].items()}
    clf = reference.SoftmaxClassifier(*params["W"].shape, reg=values.get("reg", 0.0), seed=0)
    clf.params = params
    return clf


def uses_reference(reg):
    """While fit is graded, the reference answers for loss_and_grads (with the test's reg) and the
    functions it calls, so a bug in one of those costs points only on its own tests."""
    return pytest.mark.uses_reference(
        "softmax", "cross_entropy", "cross_entropy_grad", "one_hot",
        Method("SoftmaxClassifier.loss_and_grads", state=("params",), read_only=("params",),
               given={"reg": reg}, make=reference_classifier))


def _split(loader, seed):
    """Stratified 70/30 split from `seed`, features standardised with the training mean and std."""
    X, y = loader(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
    std[std == 0] = 1.0
    return (X_tr - mean) / std, (X_te - mean) / std, y_tr, y_te


def _accuracy(clf, X, y):
    """Test accuracy of the trained params, computed on the trusted side (predict/score graded elsewhere)."""
    params = clf.params
    W = as_array(params["W"], what='params["W"] after fit')
    b = as_array(params["b"], what='params["b"] after fit')
    return float(np.mean(np.argmax(X @ W + b, axis=1) == y))


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(3)
@pytest.mark.timeout(60)  # a correct loop-per-sample solution needs a few seconds here
@uses_reference(1e-3)
def test_fit_digits_test_accuracy(student, seed, thresholds):
    X_tr, X_te, y_tr, y_te = cached(_split, load_digits, seed)
    clf = student.SoftmaxClassifier(64, 10, reg=1e-3, seed=seed)
    clf.fit(X_tr, y_tr, learning_rate=0.1, epochs=20, batch_size=32, seed=seed)
    acc = _accuracy(clf, X_te, y_te)
    assert_accuracy_at_least(acc, thresholds["digits_test_accuracy"],
                             what="SoftmaxClassifier(64, 10, reg=1e-3).fit(learning_rate=0.1, epochs=20, "
                                  "batch_size=32) test accuracy",
                             dataset="load_digits (standardised, 30% test split)", seed=seed, hint=HINT)


@pytest.mark.target("SoftmaxClassifier.fit")
@pytest.mark.points(2)
@pytest.mark.timeout(60)  # 1000 full-batch epochs: a correct loop-per-sample solution needs about 6 s
@uses_reference(0.0)
def test_fit_iris_test_accuracy(student, seed, thresholds):
    X_tr, X_te, y_tr, y_te = _split(load_iris, seed)
    clf = student.SoftmaxClassifier(4, 3, seed=seed)
    clf.fit(X_tr, y_tr, learning_rate=0.5, epochs=1000, batch_size=None, seed=seed)
    acc = _accuracy(clf, X_te, y_te)
    assert_accuracy_at_least(acc, thresholds["iris_test_accuracy"],
                             what="SoftmaxClassifier(4, 3).fit(learning_rate=0.5, epochs=1000, "
                                  "batch_size=None) test accuracy",
                             dataset="load_iris (standardised, 30% test split)", seed=seed, hint=HINT)
