"""exercise2 reference (activations.py) against SciPy, mpmath, closed forms and central differences.

Values are compared with relative AND absolute tolerance (oracle_helpers.TIGHT) on a grid
that reaches |z| = 1e4; every reference call runs with warnings as errors and NumPy's
floating-point events raising (underflow allowed only where |z| goes far beyond 700).
Derivatives are compared with central differences of the oracle's forward function.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special


def _load_helpers():
    """tests/oracle_helpers.py by path, so this file runs under any pytest import mode."""
    name = "_nncourse_oracle_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle_helpers.py"))
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


H = _load_helpers()

# No value here underflows in a stable implementation: exp(-|z|) >= exp(-60).
MODERATE = np.concatenate([np.linspace(-30.0, 30.0, 97), [-1e-9, 1e-9, -0.5, 0.5]])
# Here underflow is allowed: exp(-1e4) and (1e-300)**2 round to 0.0.
HUGE = np.array([-1e4, -5e3, -1e3, -800.0, -745.5, -709.0, -100.0, -40.0, -1e-300, 1e-300,
                 40.0, 100.0, 709.0, 745.5, 800.0, 1e3, 5e3, 1e4])
AWAY_FROM_0 = MODERATE[np.abs(MODERATE) > 1e-3]   # for the derivative of functions with a kink at 0


@pytest.fixture(scope="module")
def ref():
    return H.load_reference("exercise2", "activations")


def _check(ref_fn, oracle, z, *args, allow_underflow=False):
    expected = H.quiet(oracle, z)
    got = H.call(ref_fn, z.copy(), *args, allow_underflow=allow_underflow)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == z.shape, \
        f"{ref_fn.__name__}: returned {type(got).__name__} {getattr(got, 'dtype', '')} {np.shape(got)}"
    np.testing.assert_allclose(got, expected, **H.TIGHT, err_msg=f"{ref_fn.__name__}(z)")


def _sigmoid_grad(z):
    return special.expit(z) * special.expit(-z)


def _elu(alpha):
    return lambda z: np.where(z > 0, z, alpha * special.expm1(np.minimum(z, 0.0)))


# name -> (oracle of the value, oracle of the derivative, extra args, kink at 0)
ORACLES = {
    "sigmoid": (special.expit, _sigmoid_grad, (), False),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float), (), True),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01), (), True),
    "leaky_relu_a02": (lambda z: np.where(z > 0, z, 0.2 * z), lambda z: np.where(z > 0, 1.0, 0.2), (0.2,), True),
    "elu": (_elu(1.0), lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))), (), False),
    "elu_a05": (_elu(0.5), lambda z: np.where(z > 0, 1.0, 0.5 * np.exp(np.minimum(z, 0.0))), (0.5,), True),
    "swish": (lambda z: z * special.expit(z), lambda z: special.expit(z) * (1.0 + z * special.expit(-z)), (), False),
    # 1 - tanh(z)**2 = 4 sigmoid(2z) sigmoid(-2z): accurate in relative terms for every z
    "tanh": (np.tanh, lambda z: 4.0 * special.expit(2 * z) * special.expit(-2 * z), (), False),
}


def _fn(ref, name, suffix=""):
    return getattr(ref, name.split("_a0")[0] + suffix)


@pytest.mark.parametrize("name", [n for n in ORACLES if n != "tanh"])
@pytest.mark.parametrize("grid", ["moderate", "huge"])
def test_value_matches_oracle(ref, name, grid):
    z = MODERATE if grid == "moderate" else HUGE
    value, _, args, _ = ORACLES[name]
    _check(_fn(ref, name), value, z, *args, allow_underflow=grid == "huge")


@pytest.mark.parametrize("name", list(ORACLES))
@pytest.mark.parametrize("grid", ["moderate", "huge"])
def test_derivative_matches_closed_form(ref, name, grid):
    z = MODERATE if grid == "moderate" else HUGE
    _, deriv, args, _ = ORACLES[name]
    _check(_fn(ref, name, "_grad"), deriv, z, *args, allow_underflow=grid == "huge")


@pytest.mark.parametrize("name", list(ORACLES))
def test_derivative_matches_central_differences(ref, name):
    value, _, args, kink = ORACLES[name]
    z = AWAY_FROM_0 if kink else MODERATE
    numeric = H.quiet(H.central_diff_elementwise, value, z)
    got = H.call(_fn(ref, name, "_grad"), z, *args)
    np.testing.assert_allclose(got, numeric, **H.FD_TOL, err_msg=f"{name}_grad vs central differences")


@pytest.mark.parametrize("grid", ["moderate", "huge"])
def test_tanh_matches_high_precision(ref, grid):
    mpmath = pytest.importorskip("mpmath")
    z = MODERATE if grid == "moderate" else HUGE
    with mpmath.workdps(40):
        expected = np.array([float(mpmath.tanh(mpmath.mpf(float(v)))) for v in z])
    got = H.call(ref.tanh, z, allow_underflow=grid == "huge")
    np.testing.assert_allclose(got, expected, **H.TIGHT)


def test_derivatives_at_exactly_zero(ref):
    z = np.array([0.0, -0.0])
    for fn, args, want in [(ref.relu_grad, (), 0.0), (ref.leaky_relu_grad, (), 0.01),
                           (ref.leaky_relu_grad, (0.3,), 0.3), (ref.elu_grad, (), 1.0),
                           (ref.elu_grad, (0.5,), 0.5), (ref.sigmoid_grad, (), 0.25),
                           (ref.tanh_grad, (), 1.0), (ref.swish_grad, (), 0.5)]:
        np.testing.assert_array_equal(H.call(fn, z, *args), [want, want], err_msg=f"{fn.__name__}{args} at 0")


def test_scalars_give_0d_float64(ref):
    for name in ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish"]:
        for fn in (getattr(ref, name), getattr(ref, name + "_grad")):
            got = H.call(fn, 0.75)   # a 0-d array, or the NumPy scalar that behaves as one
            assert isinstance(got, (np.ndarray, np.float64)) and got.shape == () and got.dtype == np.float64, \
                f"{fn.__name__}(0.75) returned {type(got).__name__} {np.shape(got)}"


# -- softmax ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((7,), -1), ((4, 6), -1), ((4, 6), 0), ((2, 3, 5), 1),
                                        ((2, 3, 5), 0), ((2, 3, 5), -1)])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_softmax_matches_scipy(ref, shape, axis, scale):
    z = np.random.default_rng(0).uniform(-scale, scale, size=shape)
    expected = H.quiet(special.softmax, z, axis=axis)
    got = H.call(ref.softmax, z, axis=axis, allow_underflow=scale > 100)
    assert got.dtype == np.float64 and got.shape == shape
    np.testing.assert_allclose(got, expected, **H.TIGHT)


def test_softmax_is_invariant_to_a_shift_of_1e4(ref):
    z = np.random.default_rng(1).normal(size=(3, 4))
    expected = special.softmax(z, axis=-1)
    for shift in (1e4, -1e4):
        np.testing.assert_allclose(H.call(ref.softmax, z + shift), expected, rtol=1e-10, atol=1e-15,
                                   err_msg=f"softmax(z + {shift})")  # z + 1e4 keeps ~12 digits of z


def test_softmax_default_axis_is_the_last(ref):
    z = np.random.default_rng(2).normal(size=(3, 4))
    np.testing.assert_allclose(H.call(ref.softmax, z), special.softmax(z, axis=-1), **H.TIGHT)


def _softmax_jacobian_vjp(dout, s):
    """dL/dz = J^T dout with the explicit Jacobian J = diag(s) - s s^T of each row."""
    flat_d, flat_s = dout.reshape(-1, s.shape[-1]), s.reshape(-1, s.shape[-1])
    rows = [(np.diag(si) - np.outer(si, si)).T @ di for di, si in zip(flat_d, flat_s)]
    return np.array(rows).reshape(s.shape)


@pytest.mark.parametrize("shape", [(5,), (3, 5), (2, 3, 4)])
def test_softmax_backward_matches_explicit_jacobian_and_central_differences(ref, shape):
    rng = np.random.default_rng(3)
    z, dout = rng.normal(0, 2, size=shape), rng.normal(size=shape)
    s = special.softmax(z, axis=-1)
    got = H.call(ref.softmax_backward, dout, s)
    assert got.dtype == np.float64 and got.shape == shape
    np.testing.assert_allclose(got, _softmax_jacobian_vjp(dout, s), rtol=1e-10, atol=1e-15)
    numeric = H.central_diff(lambda v: np.sum(dout * special.softmax(v, axis=-1)), z)
    np.testing.assert_allclose(got, numeric, **H.FD_TOL)
