"""Hidden tests of the Perceptron constructor: weights, bias, learning_rate.

Initial weights are a random draw, so their "right values" are properties of
the draw: float64 of shape (n,), finite, every |w| < 0.5, not all equal. Every
test checks them (at n = 1, 2, 3 and 1000 where it matters) before its own
property, so a constant, NaN or too-wide draw earns nothing.
"""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_differs, assert_equal, assert_shape, assert_true

HINT_RNG = "draw the weights from np.random.default_rng(seed), e.g. rng.normal(0.0, 0.01, n_inputs)"
HINT_SMALL = "use small values, e.g. a normal with std 0.01; the bound holds for every n, also n = 1 or 2"


def _weights(p, label, n):
    """The weights of Perceptron `label`, checked to be a valid initial draw of n small random floats."""
    w = p.weights
    assert_shape(w, (n,), what=f"{label}.weights shape", hint="one weight per input: shape (n_inputs,)")
    assert_equal(str(np.asarray(w).dtype), "float64", what=f"{label}.weights dtype",
                 hint="the weights are a float64 array")
    arr = as_array(w, what=f"{label}.weights")
    largest = float(np.max(np.abs(arr))) if np.isfinite(arr).all() else float("nan")
    assert_true(largest < 0.5,
                f"Perceptron: every initial |weight| must be < 0.5 for {label}: "
                f"expected max |w| < 0.5, got {largest:.4g}. Hint: {HINT_SMALL}")
    if n >= 2:
        assert_true(np.ptp(arr) > 0,
                    f"Perceptron: the initial weights of {label} must be random: expected different values, "
                    f"got all equal to {arr[0]:.4g}. Hint: {HINT_RNG}")
    return arr


def _draw(student, n, **kw):
    label = f"Perceptron({n}" + "".join(f", {k}={v!r}" for k, v in kw.items()) + ")"
    return _weights(student.Perceptron(n, **kw), label, n)


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_weights_shape_and_float64(student):
    for n in (1, 5):
        _draw(student, n, seed=0)


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_weights_are_small(student):
    # the bound holds for every n: randn(n + 1) / sqrt(n) passes at n = 1000 but not at n = 2
    for n in (1000, 1, 2, 3):
        for seed in range(8 if n < 1000 else 1):
            _draw(student, n, seed=seed)


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_same_seed_same_weights(student):
    w1 = _draw(student, 8, seed=123)
    w2 = _draw(student, 8, seed=123)
    assert_true(np.array_equal(w1, w2),
                "Perceptron: two Perceptron(8, seed=123) must have equal weights: "
                f"expected equal, got {w1[:3]}... and {w2[:3]}.... Hint: {HINT_RNG}")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_different_seeds_differ(student):
    w1 = _draw(student, 8, seed=1)
    w2 = _draw(student, 8, seed=2)
    assert_differs(w1, w2, what="Perceptron(8).weights",
                   message="Perceptron: Perceptron(8, seed=1) and Perceptron(8, seed=2) must have different "
                           f"random weights: expected different, got {w1[:3]}... for both. Hint: {HINT_RNG}")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_no_seed_draws_fresh_weights(student):
    w1 = _draw(student, 8)
    w2 = _draw(student, 8)
    assert_differs(w1, w2, what="Perceptron(8).weights",
                   message="Perceptron: two Perceptron(8) without a seed must draw different weights: "
                           f"expected different, got {w1[:3]}... for both. Hint: default_rng(None) seeds from the OS")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_bias_starts_at_zero(student):
    p = student.Perceptron(4, seed=0)
    _weights(p, "Perceptron(4, seed=0)", 4)
    b = p.bias
    assert_shape(b, (), what="Perceptron(4, seed=0).bias shape", hint="the bias is one float")
    assert_equal(float(as_array(b, what="Perceptron(4, seed=0).bias")), 0.0,
                 what="Perceptron(4, seed=0).bias", hint="the bias starts at 0.0; only the weights are random")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_stores_learning_rate(student):
    p = student.Perceptron(3, seed=0)
    _weights(p, "Perceptron(3, seed=0)", 3)
    assert_equal(p.learning_rate, 0.1,
                 what="Perceptron(3, seed=0).learning_rate", hint="the default learning_rate is 0.1")
    assert_equal(student.Perceptron(3, learning_rate=0.25, seed=0).learning_rate, 0.25,
                 what="Perceptron(3, learning_rate=0.25).learning_rate",
                 hint="store the argument as self.learning_rate")
