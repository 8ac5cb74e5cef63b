"""Hidden tests of the Perceptron constructor: weights, bias, learning_rate."""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_equal, assert_shape, assert_true

HINT_RNG = "draw the weights from np.random.default_rng(seed), e.g. rng.normal(0.0, 0.01, n_inputs)"


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_weights_shape_and_float64(student):
    for n in (1, 5):
        w = student.Perceptron(n, seed=0).weights
        assert_shape(w, (n,), what=f"Perceptron({n}, seed=0).weights shape",
                     hint="one weight per input: shape (n_inputs,)")
        assert_equal(str(np.asarray(w).dtype), "float64", what=f"Perceptron({n}, seed=0).weights dtype",
                     hint="the weights are a float64 array")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_weights_are_small(student):
    w = as_array(student.Perceptron(1000, seed=3).weights, what="Perceptron(1000, seed=3).weights")
    largest = float(np.max(np.abs(w)))
    assert_true(largest < 0.5,
                "Perceptron: every initial |weight| must be < 0.5 for Perceptron(1000, seed=3): "
                f"expected max |w| < 0.5, got {largest:.4g}. Hint: use small values, e.g. a normal with std 0.01")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_same_seed_same_weights(student):
    w1 = as_array(student.Perceptron(8, seed=123).weights, what="Perceptron(8, seed=123).weights")
    w2 = as_array(student.Perceptron(8, seed=123).weights, what="Perceptron(8, seed=123).weights")
    assert_true(np.array_equal(w1, w2),
                "Perceptron: two Perceptron(8, seed=123) must have equal weights: "
                f"expected equal, got {w1[:3]}... and {w2[:3]}.... Hint: {HINT_RNG}")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_different_seeds_differ(student):
    w1 = as_array(student.Perceptron(8, seed=1).weights, what="Perceptron(8, seed=1).weights")
    w2 = as_array(student.Perceptron(8, seed=2).weights, what="Perceptron(8, seed=2).weights")
    assert_true(not np.array_equal(w1, w2),
                "Perceptron: Perceptron(8, seed=1) and Perceptron(8, seed=2) must have different "
                f"random weights: expected different, got {w1[:3]}... for both. Hint: {HINT_RNG}")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_no_seed_draws_fresh_weights(student):
    w1 = as_array(student.Perceptron(8).weights, what="Perceptron(8).weights")
    w2 = as_array(student.Perceptron(8).weights, what="Perceptron(8).weights")
    assert_true(not np.array_equal(w1, w2),
                "Perceptron: two Perceptron(8) without a seed must draw different weights: "
                f"expected different, got {w1[:3]}... for both. Hint: default_rng(None) seeds from the OS")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_bias_starts_at_zero(student):
    b = student.Perceptron(4, seed=0).bias
    assert_shape(b, (), what="Perceptron(4, seed=0).bias shape", hint="the bias is one float")
    assert_equal(float(as_array(b, what="Perceptron(4, seed=0).bias")), 0.0,
                 what="Perceptron(4, seed=0).bias", hint="the bias starts at 0.0; only the weights are random")


@pytest.mark.target("Perceptron")
@pytest.mark.points(1)
def test_perceptron_stores_learning_rate(student):
    assert_equal(student.Perceptron(3, seed=0).learning_rate, 0.1,
                 what="Perceptron(3, seed=0).learning_rate", hint="the default learning_rate is 0.1")
    assert_equal(student.Perceptron(3, learning_rate=0.25, seed=0).learning_rate, 0.25,
                 what="Perceptron(3, learning_rate=0.25).learning_rate",
                 hint="store the argument as self.learning_rate")
