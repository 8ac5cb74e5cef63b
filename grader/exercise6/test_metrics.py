"""Hidden tests of confusion_matrix and precision_recall_f1 against scikit-learn."""
import warnings

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import precision_recall_fscore_support

from nncourse.grading.checks import (assert_close, assert_dtype_kind, assert_equal, assert_true,
                                     call_without_warnings)

# While precision_recall_f1 is graded, the reference answers for confusion_matrix (never while
# confusion_matrix itself is graded), so a bug in the matrix costs points only on its own tests.
pytestmark = pytest.mark.uses_reference("confusion_matrix")

HINT_CM = "C[i, j] counts the samples with y_true == i and y_pred == j: rows true, columns predicted"
HINT_ABSENT = "the matrix is always (n_classes, n_classes), even when a class never occurs"
HINT_PRF = ("precision[c] = C[c, c] / column sum c (predicted as c), recall[c] = C[c, c] / row sum c "
            "(truly c), f1 = 2 p r / (p + r)")
HINT_ZERO = ("where a denominator is 0 the ratio is 0.0: divide only where it is non-zero, e.g. "
             "np.divide(a, b, out=np.zeros_like(a), where=b != 0), and handle p + r == 0 in f1 too")


def _cm(y_true, y_pred, k):
    return sk_confusion_matrix(y_true, y_pred, labels=list(range(k)))


def _prf(y_true, y_pred, k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(range(k)), average=None,
                                                     zero_division=0)
    return p, r, f


def _labels(rng, n, k):
    y_true = rng.integers(0, k, size=n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, size=n))
    return y_true, y_pred


def _three(got, what):
    assert_true(isinstance(got, (tuple, list)) and len(got) == 3,
                f"{what}: must return a tuple (precision, recall, f1), got {type(got).__name__}. "
                "Hint: return precision, recall, f1")
    return got


@pytest.mark.target("confusion_matrix")
@pytest.mark.points(2)
def test_confusion_matrix_matches_sklearn(student, rng):
    for n, k in ((40, 4), (25, 3)):
        y_true, y_pred = _labels(rng, n, k)
        assert_equal(student.confusion_matrix(y_true, y_pred, k), _cm(y_true, y_pred, k),
                     what=f"confusion_matrix(y_true, y_pred, {k})", inputs={"y_true": y_true, "y_pred": y_pred},
                     hint=HINT_CM)


@pytest.mark.target("confusion_matrix")
@pytest.mark.points(1)
def test_confusion_matrix_is_int(student, rng):
    y_true, y_pred = _labels(rng, 20, 3)
    got = student.confusion_matrix(y_true, y_pred, 3)
    assert_equal(got, _cm(y_true, y_pred, 3), what="confusion_matrix(y_true, y_pred, 3)",
                 inputs={"y_true": y_true, "y_pred": y_pred}, hint=HINT_CM)
    assert_dtype_kind(got, "iu", what="confusion_matrix(y_true, y_pred, 3)",
                      inputs={"y_true": y_true, "y_pred": y_pred},
                      hint="counts are integers: np.zeros((k, k), dtype=int)")


@pytest.mark.target("confusion_matrix")
@pytest.mark.points(1)
def test_confusion_matrix_rows_true_columns_predicted(student):
    y_true, y_pred = np.array([0, 0, 0, 1]), np.array([1, 1, 1, 1])
    assert_equal(student.confusion_matrix(y_true, y_pred, 2), np.array([[0, 3], [0, 1]]),
                 what="confusion_matrix(y_true, y_pred, 2)", inputs={"y_true": y_true, "y_pred": y_pred},
                 hint=HINT_CM)


@pytest.mark.target("confusion_matrix")
@pytest.mark.points(1)
def test_confusion_matrix_absent_class_keeps_row_and_column(student):
    y_true, y_pred = np.array([0, 1, 3, 3, 1, 0]), np.array([0, 3, 3, 1, 1, 0])  # classes 2 and 4 never occur
    assert_equal(student.confusion_matrix(y_true, y_pred, 5), _cm(y_true, y_pred, 5),
                 what="confusion_matrix(y_true, y_pred, 5)", inputs={"y_true": y_true, "y_pred": y_pred},
                 hint=HINT_ABSENT)


@pytest.mark.target("confusion_matrix")
@pytest.mark.points(1)
def test_confusion_matrix_accepts_lists(student):
    y_true, y_pred = [0, 2, 1, 2, 2], [0, 1, 1, 2, 0]
    assert_equal(student.confusion_matrix(y_true, y_pred, 3), _cm(y_true, y_pred, 3),
                 what="confusion_matrix(y_true, y_pred, 3) with lists", inputs={"y_true": y_true, "y_pred": y_pred},
                 hint="convert the labels with np.asarray first")


@pytest.mark.target("precision_recall_f1")
@pytest.mark.points(2)
def test_precision_recall_f1_matches_sklearn(student, rng):
    for n, k in ((40, 4), (30, 3)):
        y_true, y_pred = _labels(rng, n, k)
        got = _three(student.precision_recall_f1(y_true, y_pred, k), "precision_recall_f1(y_true, y_pred, k)")
        inputs = {"y_true": y_true, "y_pred": y_pred}
        for name, g, want in zip(("precision", "recall", "f1"), got, _prf(y_true, y_pred, k)):
            assert_close(g, want, what=f"precision_recall_f1(y_true, y_pred, {k}): {name}", inputs=inputs,
                         hint=HINT_PRF)


@pytest.mark.target("precision_recall_f1")
@pytest.mark.points(1)
def test_precision_recall_f1_precision_and_recall_not_swapped(student):
    # class 0: 1 of the 3 true zeros found (recall 1/3), and the single 0 predicted is right (precision 1)
    y_true, y_pred = np.array([0, 0, 0, 1]), np.array([0, 1, 1, 1])
    got = _three(student.precision_recall_f1(y_true, y_pred, 2), "precision_recall_f1(y_true, y_pred, 2)")
    inputs = {"y_true": y_true, "y_pred": y_pred}
    assert_close(got[0], [1.0, 1 / 3], what="precision_recall_f1(y_true, y_pred, 2): precision", inputs=inputs,
                 hint="precision divides by the number predicted as c (a column sum of the confusion matrix)")
    assert_close(got[1], [1 / 3, 1.0], what="precision_recall_f1(y_true, y_pred, 2): recall", inputs=inputs,
                 hint="recall divides by the number truly of class c (a row sum of the confusion matrix)")


@pytest.mark.target("precision_recall_f1")
@pytest.mark.points(2)
def test_precision_recall_f1_zero_where_undefined_without_warning(student):
    # class 1 is never predicted (precision 0/0), class 2 never occurs at all (everything 0/0)
    y_true, y_pred = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])
    inputs = {"y_true": y_true, "y_pred": y_pred}
    got = call_without_warnings(student.precision_recall_f1, y_true, y_pred, 3,
                                what="precision_recall_f1(y_true, y_pred, 3)", inputs=inputs, hint=HINT_ZERO)
    got = _three(got, "precision_recall_f1(y_true, y_pred, 3)")
    for name, g, want in zip(("precision", "recall", "f1"), got, ([0.5, 0, 0], [1.0, 0, 0], [2 / 3, 0, 0])):
        assert_close(g, want, what=f"precision_recall_f1(y_true, y_pred, 3): {name}", inputs=inputs, hint=HINT_ZERO)


@pytest.mark.target("precision_recall_f1")
@pytest.mark.points(1)
def test_precision_recall_f1_returns_float_arrays_from_lists(student):
    y_true, y_pred = [0, 2, 1, 2, 2], [0, 1, 1, 2, 0]
    got = _three(student.precision_recall_f1(y_true, y_pred, 3), "precision_recall_f1(y_true, y_pred, 3) with lists")
    inputs = {"y_true": y_true, "y_pred": y_pred}
    for name, g, want in zip(("precision", "recall", "f1"), got, _prf(y_true, y_pred, 3)):
        assert_dtype_kind(g, "f", what=f"precision_recall_f1(y_true, y_pred, 3): {name}", inputs=inputs,
                          hint="ratios are floats: integer division truncates them")
        assert_close(g, want, what=f"precision_recall_f1(y_true, y_pred, 3) with lists: {name}", inputs=inputs,
                     hint="convert the labels with np.asarray first")
