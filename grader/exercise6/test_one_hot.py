"""Hidden tests of one_hot: values, float dtype, list input, out-of-range labels."""
import numpy as np
import pytest

from nncourse.grading.checks import assert_close, assert_dtype_kind, assert_raises

HINT_VALUES = "row i is zeros with a single 1.0 in column y[i]; always n_classes columns"
HINT_RANGE = ("check that every label lies in [0, n_classes) and raise ValueError before indexing: "
              "NumPy indexing accepts -1 silently")


def _one_hot(y, k):
    out = np.zeros((len(y), k))
    out[np.arange(len(y)), y] = 1.0
    return out


@pytest.mark.target("one_hot")
@pytest.mark.points(2)
def test_one_hot_values_and_shape(student):
    y = np.array([2, 0, 1, 2, 0])  # class 3 never occurs: the matrix still has 4 columns
    assert_close(student.one_hot(y, 4), _one_hot(y, 4), what="one_hot(y, 4)", inputs={"y": y},
                 hint=HINT_VALUES)


@pytest.mark.target("one_hot")
@pytest.mark.points(1)
def test_one_hot_dtype_is_float(student):
    y = np.array([1, 0, 2, 2])
    got = student.one_hot(y, 3)
    assert_close(got, _one_hot(y, 3), what="one_hot(y, 3)", inputs={"y": y}, hint=HINT_VALUES)
    assert_dtype_kind(got, "f", what="one_hot(y, 3)", inputs={"y": y},
                      hint="return a float array (np.zeros((n, n_classes)) is float64), not int labels")


@pytest.mark.target("one_hot")
@pytest.mark.points(1)
def test_one_hot_accepts_list(student):
    y = [1, 0, 2, 1]
    assert_close(student.one_hot(y, 3), _one_hot(y, 3), what="one_hot(y, 3) with y a Python list",
                 inputs={"y": y}, hint="convert the labels with np.asarray(y) first")


@pytest.mark.target("one_hot")
@pytest.mark.points(1)
def test_one_hot_rejects_label_too_large(student):
    assert_raises("ValueError", student.one_hot, np.array([0, 3, 1]), 3,
                  what="one_hot([0, 3, 1], 3)", hint=HINT_RANGE)


@pytest.mark.target("one_hot")
@pytest.mark.points(1)
def test_one_hot_rejects_negative_label(student):
    assert_raises("ValueError", student.one_hot, np.array([0, -1, 1]), 3,
                  what="one_hot([0, -1, 1], 3)", hint=HINT_RANGE)
