"""Hidden tests of binary_cross_entropy: values, (n, 1) probabilities, mean, stability."""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_close, assert_finite, assert_true, call_without_warnings

P = np.array([0.9, 0.2, 0.6, 0.35, 0.01, 0.99, 0.7])
Y = np.array([1, 0, 1, 1, 0, 0, 0])
HINT_FORMULA = "BCE = -mean(y * log(p) + (1 - y) * log(1 - p))"


def bce(p, y):
    """The mean binary cross-entropy, from the math."""
    p, y = np.ravel(p), np.ravel(y)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@pytest.mark.target("binary_cross_entropy")
@pytest.mark.points(2)
def test_binary_cross_entropy_values(student):
    got = student.binary_cross_entropy(P, Y)
    assert_close(got, bce(P, Y), what="binary_cross_entropy(p, y)", inputs={"p": P, "y": Y},
                 hint=HINT_FORMULA + ", returned as one float")


@pytest.mark.target("binary_cross_entropy")
@pytest.mark.points(2)
def test_binary_cross_entropy_column_probabilities(student):
    p = P.reshape(-1, 1)
    got = student.binary_cross_entropy(p, Y)
    assert_close(got, bce(P, Y), what="binary_cross_entropy(p, y) with p of shape (n, 1)",
                 inputs={"p": p, "y": Y},
                 hint="flatten p first: p (n, 1) against y (n,) broadcasts to an (n, n) array")


@pytest.mark.target("binary_cross_entropy")
@pytest.mark.points(1)
def test_binary_cross_entropy_is_a_mean(student):
    once = student.binary_cross_entropy(P, Y)
    assert_close(once, bce(P, Y), what="binary_cross_entropy(p, y)", inputs={"p": P, "y": Y}, hint=HINT_FORMULA)
    thrice = student.binary_cross_entropy(np.tile(P, 3), np.tile(Y, 3))
    assert_close(thrice, once, what="binary_cross_entropy of the batch repeated 3 times vs once",
                 inputs={"p": P, "y": Y}, hint="a mean over the samples, not a sum: repeating the batch "
                                               "must not change it")


@pytest.mark.target("binary_cross_entropy")
@pytest.mark.points(2)
def test_binary_cross_entropy_finite_at_0_and_1(student):
    # exact 0 and 1 where they are right: a clipped log costs at most ~eps there, so the value is exact
    p, y = np.array([0.0, 1.0, 0.3, 0.8]), np.array([0, 1, 1, 0])
    want = -(np.log(0.3) + np.log(0.2)) / 4
    call_without_warnings(student.binary_cross_entropy, p, y, want=want, atol=1e-6,
                          what="binary_cross_entropy(p, y) with p exactly 0 and 1", inputs={"p": p, "y": y},
                          hint="log(0) = -inf and 0 * -inf = nan: clip p to [eps, 1 - eps] first")
    p, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([0, 1, 1, 0])
    got = call_without_warnings(student.binary_cross_entropy, p, y, what="binary_cross_entropy(p, y)",
                                inputs={"p": p, "y": y}, hint="log(0) = -inf: clip p to [eps, 1 - eps] first")
    assert_finite(got, what="binary_cross_entropy(p, y) with p exactly 0 and 1", inputs={"p": p, "y": y},
                  hint="clip p to [eps, 1 - eps] with a tiny eps (1e-12) before the log")
    value = float(as_array(got, what="binary_cross_entropy(p, y)"))
    assert_true(value > 5.0,
                "binary_cross_entropy: a confidently wrong prediction must cost a lot for p = [0, 1, 0, 1], "
                f"y = [0, 1, 1, 0]: expected a large loss (about 0.5 * -log(eps)), got {value:.4g}. "
                "Hint: clip with a tiny eps such as 1e-12")


@pytest.mark.target("binary_cross_entropy")
@pytest.mark.points(1)
def test_binary_cross_entropy_confident_and_right_is_zero(student):
    assert_close(student.binary_cross_entropy(P, Y), bce(P, Y), what="binary_cross_entropy(p, y)",
                 inputs={"p": P, "y": Y}, hint=HINT_FORMULA)
    p, y = np.array([0.0, 1.0, 1.0, 0.0]), np.array([0, 1, 1, 0])
    got = student.binary_cross_entropy(p, y)
    # a clipping eps up to 1e-7 (Keras's) costs at most ~1e-7 per sample here
    assert_close(got, 0.0, atol=1e-6, what="binary_cross_entropy(p, y) for exact right answers",
                 inputs={"p": p, "y": y}, hint="-log(1 - eps) is about eps: clip with a tiny eps")
