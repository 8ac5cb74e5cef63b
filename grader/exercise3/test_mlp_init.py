"""Hidden tests of the MLP constructor: params keys and shapes, zero biases, He/Xavier draws, seeds.

The random draws are judged by their statistics only: every test first checks that the weights
are a valid draw (finite, not all equal, and for layers of >= 200 weights a mean square within a
factor 4 of the activation's variance, more than 7 standard deviations wide), so a constant, NaN
or far too wide draw earns nothing; which variance formula is right is graded by its own tests. Big layers, BIG = [500, 200, 300, 1]:
the sample variance mean(W**2) of N >= 60000 draws has a relative standard deviation of at most
sqrt(2 / N) = 0.0058 (normal draws; uniform ones spread less), so the 5% band below is more
than 8 standard deviations wide: a correct solution fails with probability far below 1e-6.
"""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_close, assert_equal, assert_finite, assert_true, unusable

BIG = [500, 200, 300, 1]
HINT_RNG = "draw every weight from one np.random.default_rng(seed) made in the constructor"


def get_params(model, what):
    """The model's params dict with float arrays, or a failure."""
    params = model.params
    if not isinstance(params, dict):
        raise unusable(params, f"{what}.params should be a dict")
    return {k: as_array(v, what=f"{what}.params[{k!r}]") for k, v in params.items()}


def init_variance(activation, n_in, n_out):
    """He (relu) or Xavier/Glorot (sigmoid, tanh) variance of a layer's weights."""
    return 2.0 / n_in if activation == "relu" else 2.0 / (n_in + n_out)


def check_draw(params, sizes, activation, what):
    """Every W<l> of `params` is a valid initial draw (see the module docstring)."""
    for l in range(1, len(sizes)):
        W = params.get(f"W{l}")
        if W is None:
            raise unusable(sorted(params), f"{what}.params has no 'W{l}'")
        n_in, n_out = sizes[l - 1], sizes[l]
        assert_equal(W.shape, (n_in, n_out), what=f"{what}.params['W{l}'] shape", hint="W<l> has shape (n_in, n_out)")
        assert_finite(W, what=f"{what}.params['W{l}']", hint=HINT_RNG)
        assert_true(W.size < 2 or np.ptp(W) > 0,
                    f"MLP: the weights of {what} must be random: expected different values in params['W{l}'], "
                    f"got all equal to {W.flat[0]:.4g}. Hint: {HINT_RNG}")
        if W.size >= 200:
            want, got = init_variance(activation, n_in, n_out), float(np.mean(W**2))
            assert_true(0.25 < got / want < 4.0,
                        f"MLP: params['W{l}'] of {what} is not a draw of the right scale: the variance of W{l} "
                        f"({n_in}, {n_out}): expected mean(W**2) = {want:.5g} within a factor 4, got {got:.5g}. "
                        f"Hint: {HINT_RNG}, with std sqrt(variance) for a normal draw")


def expected_keys(sizes):
    return sorted(f"{p}{l}" for l in range(1, len(sizes)) for p in "Wb")


def check_variance(student, activation, variance, name):
    what = f"MLP({BIG}, activation={activation!r}, seed=0)"
    params = get_params(student.MLP(BIG, activation=activation, seed=0), what)
    for l in (1, 2):
        W = params.get(f"W{l}")
        if W is None:
            raise unusable(sorted(params), f"{what}.params has no 'W{l}'")
        n_in, n_out = BIG[l - 1], BIG[l]
        want, got = variance(n_in, n_out), float(np.mean(W**2))
        assert_true(abs(got / want - 1) < 0.05,
                    f"MLP: the variance of W{l} ({n_in}, {n_out}) is not {name} for {what}: expected "
                    f"mean(W**2) = {want:.5g} within 5%, got {got:.5g} ({got / want:.3f} times). Hint: "
                    f"{name} has variance {variance.__doc__}; a normal draw takes its square root as std, "
                    "a uniform one the bound sqrt(3 * variance)")


@pytest.mark.target("MLP")
@pytest.mark.points(2)
def test_mlp_params_keys_and_shapes(student):
    for sizes in ([3, 5, 4, 2], [4, 3, 1], [40, 30, 20, 1]):
        what = f"MLP({sizes}, seed=0)"
        params = get_params(student.MLP(sizes, seed=0), what)
        assert_equal(sorted(params), expected_keys(sizes), what=f"{what}.params keys",
                     hint="one 'W<l>' and one 'b<l>' per layer, l = 1..L")
        check_draw(params, sizes, "relu", what)
        for l in range(1, len(sizes)):
            assert_equal(params[f"b{l}"].shape, (sizes[l],), what=f"{what}.params['b{l}'] shape",
                         hint="b<l> has shape (n_out,)")


@pytest.mark.target("MLP")
@pytest.mark.points(1)
def test_mlp_biases_start_at_zero(student):
    sizes = [40, 60, 50, 3]
    params = get_params(student.MLP(sizes, activation="tanh", seed=1), f"MLP({sizes}, seed=1)")
    check_draw(params, sizes, "tanh", f"MLP({sizes}, 'tanh', seed=1)")
    for l in range(1, len(sizes)):
        b = params.get(f"b{l}")
        if b is None:
            raise unusable(sorted(params), f"MLP({sizes}).params has no 'b{l}'")
        assert_close(b, np.zeros(sizes[l]), atol=0, what=f"MLP({sizes}, seed=1).params['b{l}']",
                     hint="biases start at 0: np.zeros(n_out)")


@pytest.mark.target("MLP")
@pytest.mark.points(2)
def test_mlp_relu_weights_have_he_variance(student):
    def he(n_in, n_out):
        """2 / n_in"""
        return 2.0 / n_in
    check_variance(student, "relu", he, "He")


@pytest.mark.target("MLP")
@pytest.mark.points(1)
def test_mlp_sigmoid_weights_have_xavier_variance(student):
    def xavier(n_in, n_out):
        """2 / (n_in + n_out)"""
        return 2.0 / (n_in + n_out)
    check_variance(student, "sigmoid", xavier, "Xavier/Glorot")


@pytest.mark.target("MLP")
@pytest.mark.points(1)
def test_mlp_tanh_weights_have_xavier_variance(student):
    def xavier(n_in, n_out):
        """2 / (n_in + n_out)"""
        return 2.0 / (n_in + n_out)
    check_variance(student, "tanh", xavier, "Xavier/Glorot")


@pytest.mark.target("MLP")
@pytest.mark.points(1)
def test_mlp_weights_have_zero_mean(student):
    what = f"MLP({BIG}, activation='relu', seed=2)"
    params = get_params(student.MLP(BIG, activation="relu", seed=2), what)
    check_draw(params, BIG, "relu", what)
    W = params["W1"]
    # 6 standard errors of the sample mean: a correct draw fails with probability 2e-9
    bound = 6 * np.sqrt(np.mean(W**2) / W.size)
    mean = float(np.mean(W))
    assert_true(abs(mean) < bound,
                f"MLP: the weights must have mean 0 for {what}: expected |mean(W1)| < {bound:.3g}, "
                f"got {mean:.4g}. Hint: rng.normal(0.0, std, shape) or rng.uniform(-a, a, shape)")


@pytest.mark.target("MLP")
@pytest.mark.points(1)
def test_mlp_same_seed_same_params(student):
    sizes = [30, 60, 40, 2]
    p1 = get_params(student.MLP(sizes, activation="tanh", seed=42), f"MLP({sizes}, seed=42)")
    p2 = get_params(student.MLP(sizes, activation="tanh", seed=42), f"MLP({sizes}, seed=42)")
    check_draw(p1, sizes, "tanh", f"MLP({sizes}, 'tanh', seed=42)")
    assert_equal(sorted(p2), sorted(p1), what=f"MLP({sizes}, seed=42).params keys of two models")
    for key in sorted(p1):
        assert_true(np.array_equal(p1[key], p2[key]),
                    f"MLP: two MLP({sizes}, seed=42) must have equal params: params[{key!r}] differs. "
                    f"Hint: {HINT_RNG}")


@pytest.mark.target("MLP")
@pytest.mark.points(1)
def test_mlp_different_seeds_differ(student):
    sizes = [30, 60, 40, 2]
    draws = []
    for seed in (1, 2):
        params = get_params(student.MLP(sizes, seed=seed), f"MLP({sizes}, seed={seed})")
        check_draw(params, sizes, "relu", f"MLP({sizes}, seed={seed})")
        draws.append(params["W1"])
    W1, W2 = draws
    assert_true(not np.array_equal(W1, W2),
                f"MLP: MLP({sizes}, seed=1) and MLP({sizes}, seed=2) must draw different weights: "
                f"expected different W1, got the same. Hint: {HINT_RNG}")
