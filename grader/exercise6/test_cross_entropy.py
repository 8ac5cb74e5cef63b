"""Hidden tests of cross_entropy and cross_entropy_grad: the mean, log-space stability, gradients."""
import numpy as np
import pytest

from nncourse.grading.checks import (inputs_after, call_without_warnings, assert_close, assert_dtype_kind, assert_equal, assert_finite,
                                     assert_matches_numeric_grad, assert_shape)

# While cross_entropy and cross_entropy_grad are graded, the reference answers for the lower-level
# functions they may call, so a bug in softmax or one_hot costs points only on its own tests.
pytestmark = pytest.mark.uses_reference("softmax", "one_hot")

HINT_CE = "L = mean over i of (logsumexp(logits[i]) - logits[i, y[i]])"
HINT_MEAN = "the loss is the mean over the batch (divide by n), not the sum"
HINT_LOGSPACE = ("work in log-space: log softmax = z - max(z) - log(sum(exp(z - max(z)))); "
                 "np.log of a softmax probability that underflowed to 0 is -inf")
HINT_GRAD = "dL/dlogits = (softmax(logits) - one_hot(y)) / n, the / n from the mean over the batch"

HUGE = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0], [5e3, 5e3, 0.0]])
HUGE_Y = np.array([2, 0, 0])



def _log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _ce(logits, y):
    y = np.asarray(y)
    return float(-np.mean(_log_softmax(logits)[np.arange(y.size), y]))


def _ce_grad(logits, y):
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    return (np.exp(_log_softmax(logits)) - onehot) / n


def _batch(rng, n=6, k=4):
    return rng.normal(0.0, 2.0, size=(n, k)), rng.integers(0, k, size=n)


@pytest.mark.target("cross_entropy")
@pytest.mark.points(2)
def test_cross_entropy_matches_math(student, rng):
    logits, y = _batch(rng)
    assert_close(student.cross_entropy(logits, y), _ce(logits, y), what="cross_entropy(logits, y)",
                 inputs={"logits": logits, "y": y}, hint=HINT_CE)


@pytest.mark.target("cross_entropy")
@pytest.mark.points(1)
def test_cross_entropy_is_mean_over_batch(student, rng):
    logits, y = _batch(rng, n=3)
    once = student.cross_entropy(logits, y)
    assert_close(once, _ce(logits, y), what="cross_entropy(logits, y)", inputs={"logits": logits, "y": y},
                 hint=HINT_CE)
    twice = student.cross_entropy(np.vstack([logits, logits]), np.concatenate([y, y]))
    assert_close(twice, once, what="cross_entropy of a batch stacked twice versus the batch once",
                 inputs={"logits": logits, "y": y}, hint=HINT_MEAN)


@pytest.mark.target("cross_entropy")
@pytest.mark.points(1)
def test_cross_entropy_returns_float_scalar(student, rng):
    logits, y = _batch(rng)
    got = student.cross_entropy(logits, y)
    assert_close(got, _ce(logits, y), what="cross_entropy(logits, y)", inputs={"logits": logits, "y": y},
                 hint=HINT_CE)
    assert_shape(got, (), what="cross_entropy(logits, y)", inputs={"logits": logits, "y": y},
                 hint="return one number, e.g. float(np.mean(...))")
    assert_dtype_kind(got, "f", what="cross_entropy(logits, y)", inputs={"logits": logits, "y": y},
                      hint="return a float")


@pytest.mark.target("cross_entropy")
@pytest.mark.points(2)
def test_cross_entropy_finite_and_correct_for_huge_logits(student):
    inputs = {"logits": HUGE, "y": HUGE_Y}
    got = call_without_warnings(student.cross_entropy, HUGE, HUGE_Y, what="cross_entropy(logits, y)",
                                 inputs=inputs, hint=HINT_LOGSPACE)
    assert_finite(got, what="cross_entropy(logits, y)", inputs=inputs, hint=HINT_LOGSPACE)
    assert_close(got, _ce(HUGE, HUGE_Y), what="cross_entropy(logits, y)", inputs=inputs, hint=HINT_LOGSPACE)


@pytest.mark.target("cross_entropy")
@pytest.mark.points(1)
def test_cross_entropy_accepts_lists_and_float32(student):
    logits, y = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], [1, 2]
    assert_close(student.cross_entropy(logits, y), _ce(logits, y), what="cross_entropy(logits, y) with lists",
                 inputs={"logits": np.array(logits), "y": y}, hint="convert inputs with np.asarray first")
    l32 = np.array(logits, dtype=np.float32)
    # rtol 1e-5: float32 arithmetic on float32 input is allowed (about 1e-7 relative error)
    assert_close(student.cross_entropy(l32, np.array(y)), _ce(l32, y), rtol=1e-5,
                 what="cross_entropy(logits, y) with float32 logits", inputs={"logits": l32, "y": y},
                 hint="convert inputs with np.asarray(logits, dtype=float)")


@pytest.mark.target("cross_entropy")
@pytest.mark.points(1)
def test_cross_entropy_does_not_modify_input(student, rng):
    logits, y = _batch(rng)
    got, args_after, _ = inputs_after(student.cross_entropy, logits.copy(), y.copy())
    assert_close(got, _ce(logits, y), what="cross_entropy(logits, y)", inputs={"logits": logits, "y": y},
                 hint=HINT_CE)
    assert_equal(args_after[0], logits, what="cross_entropy(logits, y): logits after the call",
                 inputs={"logits": logits}, hint="logits - max makes a new array; logits -= max changes the caller's")
    assert_equal(args_after[1], y, what="cross_entropy(logits, y): y after the call", inputs={"y": y})


@pytest.mark.target("cross_entropy_grad")
@pytest.mark.points(2)
def test_cross_entropy_grad_matches_numeric_grad(student, rng):
    logits, y = _batch(rng)
    got = student.cross_entropy_grad(logits, y)
    assert_matches_numeric_grad(got, lambda z: _ce(z, y), logits, what="cross_entropy_grad(logits, y)",
                                inputs={"logits": logits, "y": y}, hint=HINT_GRAD)


@pytest.mark.target("cross_entropy_grad")
@pytest.mark.points(1)
def test_cross_entropy_grad_finite_for_huge_logits(student):
    inputs = {"logits": HUGE, "y": HUGE_Y}
    # Warnings rule (README "## Warnings"): for cross_entropy_grad only the values count, finite and
    # right; a warning from a helper (a log of an underflowed probability the gradient never uses) does not
    got = student.cross_entropy_grad(HUGE, HUGE_Y)
    assert_close(got, _ce_grad(HUGE, HUGE_Y), what="cross_entropy_grad(logits, y)", inputs=inputs,
                 hint="use a stable softmax (subtract the row maximum); " + HINT_GRAD)


@pytest.mark.target("cross_entropy_grad")
@pytest.mark.points(1)
def test_cross_entropy_grad_accepts_lists_and_float32(student):
    logits, y = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], [1, 2]
    want = _ce_grad(logits, y)
    assert_close(student.cross_entropy_grad(logits, y), want, what="cross_entropy_grad(logits, y) with lists",
                 inputs={"logits": np.array(logits), "y": y}, hint="convert inputs with np.asarray first")
    l32 = np.array(logits, dtype=np.float32)
    # rtol/atol 1e-6: float32 arithmetic on float32 input is allowed
    assert_close(student.cross_entropy_grad(l32, np.array(y)), want, rtol=1e-5, atol=1e-6,
                 what="cross_entropy_grad(logits, y) with float32 logits", inputs={"logits": l32, "y": y},
                 hint="convert inputs with np.asarray(logits, dtype=float)")
