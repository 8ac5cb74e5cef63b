"""Hidden tests of Perceptron.fit: in-order epochs, error counts, stopping, inputs kept."""
import numbers

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from nncourse.grading.checks import as_array, assert_close, assert_equal, assert_true
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
HINT_FIT = ("each epoch calls update(x_i, y_i) for i = 0, 1, ..., n-1 in order (no shuffling, "
            "starting from the current weights), counts the samples whose error was non-zero, "
            "appends that count, and stops after the first epoch with 0 errors")


def _overlapping_blobs():
    """20 samples of two overlapping blobs: not separable, so every epoch makes errors."""
    X, y = make_blobs(n_samples=20, centers=[[0.0, 0.0], [1.0, 1.0]], cluster_std=1.0, random_state=0)
    return X, y


def _pair(student, reference, w0, b0=0.0, lr=0.1):
    """A student and a reference perceptron with the same initial weights and bias."""
    p = student.Perceptron(len(w0), learning_rate=lr, seed=0)
    p.weights = np.array(w0, dtype=np.float64)
    p.bias = b0
    p.learning_rate = lr  # set, not trusted to the constructor (graded in test_init)
    ref = reference.Perceptron(len(w0), learning_rate=lr, seed=0)
    ref.weights = np.array(w0, dtype=np.float64)
    ref.bias = b0
    return p, ref


def _same_state(p, ref, what, X, y):
    """The weights and bias after fit equal the replay's: short histories alone are too easy to guess."""
    assert_close(p.weights, ref.weights, what=f"weights after {what}", inputs={"X": X, "y": y}, hint=HINT_FIT)
    assert_close(p.bias, ref.bias, what=f"bias after {what}", inputs={"X": X, "y": y}, hint=HINT_FIT)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(3)
def test_fit_error_history_matches_the_rule(student, reference):
    X, y = _overlapping_blobs()
    p, ref = _pair(student, reference, [0.3, -0.2], b0=0.1, lr=0.2)
    got = p.fit(X, y, epochs=8)
    want = ref.fit(X, y, epochs=8)
    assert_equal(list(got) if isinstance(got, (list, tuple)) else got, want,
                 what="fit(X, y, epochs=8) per-epoch error counts, from weights [0.3, -0.2], bias 0.1, lr 0.2",
                 inputs={"X": X, "y": y}, hint=HINT_FIT)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(2)
def test_fit_final_weights_match_the_rule(student, reference):
    X, y = _overlapping_blobs()
    p, ref = _pair(student, reference, [0.3, -0.2], b0=0.1, lr=0.2)
    p.fit(X, y, epochs=5)
    ref.fit(X, y, epochs=5)
    what = "after fit(X, y, epochs=5) from weights [0.3, -0.2], bias 0.1, lr 0.2"
    assert_close(p.weights, ref.weights, what=f"weights {what}", inputs={"X": X, "y": y}, hint=HINT_FIT)
    assert_close(p.bias, ref.bias, what=f"bias {what}", inputs={"X": X, "y": y}, hint=HINT_FIT)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(1)
def test_fit_returns_a_list_of_ints(student, reference):
    X, y = _overlapping_blobs()
    p, ref = _pair(student, reference, [-0.1, 0.2], b0=0.0)
    got = p.fit(X, y, epochs=3)
    ok = isinstance(got, list) and all(
        isinstance(e, (numbers.Integral, np.integer)) and not isinstance(e, bool) for e in got)
    assert_true(ok, "Perceptron.fit: the return value of fit(X, y, epochs=3) on 20 samples: "
                f"expected a list of 3 ints, got {type(got).__name__} {got!r:.80}. "
                "Hint: history = []; history.append(n_errors) once per epoch; return history")
    assert_equal(list(got), ref.fit(X, y, epochs=3), what="fit(X, y, epochs=3) per-epoch error counts from "
                 "weights [-0.1, 0.2], bias 0", inputs={"X": X, "y": y}, hint=HINT_FIT)
    _same_state(p, ref, "fit(X, y, epochs=3) from weights [-0.1, 0.2], bias 0", X, y)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(2)
def test_fit_stops_after_first_epoch_without_errors(student, reference):
    # bias 0.05 keeps every net input away from exactly 0, so this test does not hinge on step(0)
    p, ref = _pair(student, reference, [0.01, -0.02], b0=0.05)
    got = p.fit(AND_X, AND_Y, epochs=50)
    want = ref.fit(AND_X, AND_Y, epochs=50)
    assert_equal(list(got) if isinstance(got, (list, tuple)) else got, want,
                 what="fit on AND (4 samples, epochs=50) from weights [0.01, -0.02], bias 0.05: per-epoch error counts",
                 inputs={"X": AND_X, "y": AND_Y},
                 hint="stop right after appending the first 0 (that epoch is recorded); " + HINT_FIT)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(1)
def test_fit_on_already_separated_data_starts_with_zero_errors(student, reference):
    p = student.Perceptron(2, seed=0)
    p.weights = np.array([1.0, 1.0])  # with bias -1.5 this already computes AND
    p.bias = -1.5
    p.learning_rate = 0.1
    got = p.fit(AND_X, AND_Y, epochs=20)
    # only the first count is checked: stopping after it is test_fit_stops_after_first_epoch_without_errors's
    first = got[0] if isinstance(got, (list, tuple)) and got else None
    assert_equal(first, 0, what="the first error count of fit on AND from weights [1, 1], bias -1.5, which "
                 "already classify it", inputs={"X": AND_X, "y": AND_Y},
                 hint="fit starts from the current weights (no new draw); an epoch without a wrong prediction "
                      "counts 0 errors")
    wrong, ref = _pair(student, reference, [-1.0, -1.0], b0=0.5)  # misclassifies AND from the start
    got = wrong.fit(AND_X, AND_Y, epochs=1)
    assert_equal(got[0] if isinstance(got, (list, tuple)) and got else None, ref.fit(AND_X, AND_Y, epochs=1)[0],
                 what="the first error count of fit on AND from weights [-1, -1], bias 0.5",
                 inputs={"X": AND_X, "y": AND_Y}, hint=HINT_FIT)
    assert_close(wrong.weights, ref.weights, what="weights after fit(epochs=1) on AND from weights [-1, -1], "
                 "bias 0.5", inputs={"X": AND_X, "y": AND_Y}, hint=HINT_FIT)
    assert_close(p.weights, np.array([1.0, 1.0]), what="weights after that fit",
                 hint="fit must not re-draw or reset the weights")


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(1)
def test_fit_respects_epochs(student, reference):
    p, ref = _pair(student, reference, [0.01, -0.02], b0=0.05)
    got = p.fit(AND_X, XOR_Y, epochs=7)
    n = len(got) if isinstance(got, (list, tuple, np.ndarray)) else None
    assert_equal(n, 7, what="len(fit(X, y, epochs=7)) on XOR, which never reaches 0 errors",
                 inputs={"X": AND_X, "y": XOR_Y}, hint="run exactly `epochs` epochs unless one has 0 errors")
    assert_equal(list(got), ref.fit(AND_X, XOR_Y, epochs=7), what="fit(X, y, epochs=7) on XOR from weights "
                 "[0.01, -0.02], bias 0.05: per-epoch error counts", inputs={"X": AND_X, "y": XOR_Y}, hint=HINT_FIT)
    _same_state(p, ref, "fit(X, y, epochs=7) on XOR from weights [0.01, -0.02], bias 0.05", AND_X, XOR_Y)


@pytest.mark.target("Perceptron.fit")
@pytest.mark.points(1)
def test_fit_does_not_modify_inputs(student, reference):
    X, y = _overlapping_blobs()
    X_remote, y_remote = student.put(X.copy()), student.put(y.copy())
    p, ref = _pair(student, reference, [0.3, -0.2], b0=0.1)
    history = p.fit(X_remote, y_remote, epochs=3)
    # a fit that computes nothing proves nothing here: its counts must be right too
    assert_equal(list(as_array(history, what="fit(X, y) history")), ref.fit(X, y, epochs=3),
                 what="fit(X, y, epochs=3) per-epoch error counts", inputs={"X": X, "y": y}, hint=HINT_FIT)
    _same_state(p, ref, "fit(X, y, epochs=3) from weights [0.3, -0.2], bias 0.1", X, y)
    assert_close(as_array(X_remote.value(), what="X"), X, what="X after fit(X, y)",
                 hint="never change X or its rows in place (x *= ... on a row changes X)")
    assert_close(as_array(y_remote.value(), what="y"), y.astype(np.float64), what="y after fit(X, y)",
                 hint="never change y in place")
