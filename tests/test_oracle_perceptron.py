"""exercise1 reference (perceptron.py) against independent oracles.

np.heaviside for step, a plain-Python perceptron rule for the training trace, and
scikit-learn's Perceptron as the judge of linear separability: it is not the same
algorithm (no weights compared), but wherever it separates the data perfectly, the
perceptron convergence theorem says the reference must reach an epoch without errors.
"""
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.linear_model import Perceptron as SkPerceptron


def _load_helpers():
    """tests/oracle_helpers.py by path, so this file runs under any pytest import mode."""
    name = "_nncourse_oracle_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle_helpers.py"))
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


H = _load_helpers()
EPOCHS = 1000


@pytest.fixture(scope="module")
def ref():
    return H.load_reference("exercise1", "perceptron")


# -- step and net_input -------------------------------------------------------------------

def test_step_matches_numpy_heaviside_with_zero_at_zero(ref):
    z = np.array([-1e4, -2.5, -5e-324, -0.0, 0.0, 5e-324, 1e-300, 3.0, 1e4])
    got = H.call(ref.step, z)
    assert got.dtype.kind == "i", f"step returned dtype {got.dtype}, expected an int dtype"
    np.testing.assert_array_equal(got, np.heaviside(z, 0.0).astype(np.int64))


def test_step_keeps_the_shape_and_gives_0d_for_a_scalar(ref):
    z = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_array_equal(H.call(ref.step, z), np.heaviside(z, 0.0))
    for scalar, expected in [(0.0, 0), (0, 0), (2, 1), (-1.5, 0)]:
        got = np.asarray(H.call(ref.step, scalar))
        assert got.shape == () and got.dtype.kind == "i" and got == expected, (scalar, got)


def test_net_input_matches_an_explicit_sum(ref):
    rng = np.random.default_rng(1)
    p = ref.Perceptron(3, seed=0)
    p.weights = np.array([0.5, -1.25, 2.0])
    p.bias = 0.75
    X = rng.normal(size=(6, 3))
    expected = np.array([sum(w * v for w, v in zip(p.weights, row)) + p.bias for row in X])
    np.testing.assert_allclose(H.call(p.net_input, X), expected, **H.TIGHT)
    one = H.call(p.net_input, X[2])
    assert np.shape(one) == (), f"net_input of a (d,) sample has shape {np.shape(one)}, expected ()"
    np.testing.assert_allclose(one, expected[2], **H.TIGHT)


def test_predict_is_int_step_of_net_input_with_0_at_exactly_0(ref):
    p = ref.Perceptron(2, seed=0)
    p.weights = np.array([1.0, -1.0])
    X = np.array([[1.0, 1.0], [2.0, 1.0], [1.0, 2.0], [0.0, 0.0]])   # net inputs 0, 1, -1, 0
    got = H.call(p.predict, X)
    assert got.dtype.kind == "i", f"predict returned dtype {got.dtype}, expected an int dtype"
    np.testing.assert_array_equal(got, [0, 1, 0, 0])


def test_init_weights_small_float64_seeded_and_bias_zero(ref):
    a, b, c = (ref.Perceptron(50, seed=s) for s in (7, 7, 8))
    assert isinstance(a.weights, np.ndarray) and a.weights.dtype == np.float64 and a.weights.shape == (50,)
    assert np.all(np.abs(a.weights) < 0.5) and np.any(a.weights != 0)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights), "different seeds gave the same weights"
    assert a.bias == 0.0 and a.learning_rate == 0.1


# -- the perceptron rule --------------------------------------------------------------------

def _perceptron_rule(weights, bias, lr, X, y, epochs):
    """The rule of docs/API.md in plain Python floats: (history, weights, bias)."""
    w, b, history = [float(v) for v in weights], float(bias), []
    for _ in range(epochs):
        errors = 0
        for row, label in zip(X.tolist(), y.tolist()):
            z = sum(wi * xi for wi, xi in zip(w, row)) + b
            error = label - (1 if z > 0 else 0)
            if error:
                errors += 1
                w = [wi + lr * error * xi for wi, xi in zip(w, row)]
                b += lr * error
        history.append(errors)
        if errors == 0:
            break
    return history, np.array(w), b


def test_update_follows_the_closed_form(ref):
    p = ref.Perceptron(2, learning_rate=0.5, seed=0)
    p.weights, p.bias = np.array([0.2, -0.4]), 0.0
    x = np.array([1.0, 1.0])                   # net input -0.2: predicts 0
    assert H.call(p.update, x, 1) == 1          # error = 1 - 0
    np.testing.assert_allclose(p.weights, [0.7, 0.1], **H.TIGHT)
    assert p.bias == pytest.approx(0.5, abs=1e-15)
    assert H.call(p.update, x, 1) == 0          # now 1.3 > 0: no change
    np.testing.assert_allclose(p.weights, [0.7, 0.1], **H.TIGHT)
    assert H.call(p.update, np.array([2.0, 0.0]), 0) == -1   # predicts 1 (1.9), label 0
    np.testing.assert_allclose(p.weights, [-0.3, 0.1], **H.TIGHT)
    assert p.bias == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("lr", [0.1, 1.0])
def test_fit_traces_the_plain_python_perceptron_rule(ref, lr):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) + 0.3 > 0).astype(int)
    p = ref.Perceptron(3, learning_rate=lr, seed=5)
    start = np.array([0.01, -0.02, 0.03])
    p.weights = start.copy()
    history = H.call(p.fit, X, y, epochs=EPOCHS)
    want_history, want_w, want_b = _perceptron_rule(start, 0.0, lr, X, y, EPOCHS)
    assert list(history) == want_history
    np.testing.assert_allclose(p.weights, want_w, rtol=1e-12, atol=1e-12)
    assert float(p.bias) == pytest.approx(want_b, abs=1e-12)


# -- convergence wherever scikit-learn separates the data --------------------------------

def _margin_data(seed, d, n=60, margin=0.3):
    """Points labelled by a random hyperplane, none closer to it than `margin`."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    X = rng.uniform(-2, 2, size=(6 * n, d))
    dist = X @ w + 0.4
    keep = np.abs(dist) >= margin
    return X[keep][:n], (dist[keep][:n] > 0).astype(int)


def _datasets():
    gates = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    blobs_X, blobs_y = make_blobs(n_samples=80, centers=[[-3, -3], [3, 3]], cluster_std=0.8, random_state=0)
    return {
        "AND": (gates, np.array([0, 0, 0, 1])),
        "OR": (gates, np.array([0, 1, 1, 1])),
        "NAND": (gates, np.array([1, 1, 1, 0])),
        "hyperplane_2d": _margin_data(0, 2),
        "hyperplane_5d": _margin_data(1, 5),
        "blobs": (blobs_X, blobs_y),
    }


def _sklearn_separates(X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ConvergenceWarning when it never separates (XOR)
        clf = SkPerceptron(max_iter=1000, tol=None, random_state=0).fit(X, y)
    return clf.score(X, y) == 1.0


@pytest.mark.parametrize("name", list(_datasets()))
@pytest.mark.parametrize("seed,lr", [(0, 0.1), (3, 1.0)])
def test_fit_converges_where_sklearn_perceptron_separates(ref, name, seed, lr):
    X, y = _datasets()[name]
    assert _sklearn_separates(X, y), f"precondition: sklearn's Perceptron separates {name}"
    p = ref.Perceptron(X.shape[1], learning_rate=lr, seed=seed)
    history = H.call(p.fit, X, y, epochs=EPOCHS)
    assert history and history[-1] == 0 and len(history) < EPOCHS, \
        f"{name}: no epoch without errors in {len(history)} epochs (last counts {history[-5:]})"
    assert all(h > 0 for h in history[:-1]), f"{name}: fit went on after an error-free epoch: {history}"
    np.testing.assert_array_equal(H.call(p.predict, X), y)


def test_fit_never_reports_zero_errors_on_xor(ref):
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    assert not _sklearn_separates(X, y), "precondition: XOR is not linearly separable"
    p = ref.Perceptron(2, seed=0)
    history = H.call(p.fit, X, y, epochs=50)
    assert len(history) == 50 and min(history) > 0, history
