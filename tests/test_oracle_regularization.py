"""exercise5 reference (regularization.py) against norms, central differences, statistics and hand traces.

Penalties against np.linalg.norm over the weight keys, their gradients against central
differences of those norms, dropout against its definition (mask values, keep rate
within a binomial bound, out == x * mask) and early stopping against a hand-derived trace.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest


def _load_helpers():
    """tests/oracle_helpers.py by path, so this file runs under any pytest import mode."""
    name = "_nncourse_oracle_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle_helpers.py"))
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


H = _load_helpers()


@pytest.fixture(scope="module")
def ref():
    return H.load_reference("exercise5", "regularization")


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2)),
            "b2": rng.normal(size=2), "W": rng.normal(size=(5, 2))}


def _l2(params, lam):
    return 0.5 * lam * sum(np.linalg.norm(v.ravel()) ** 2 for k, v in params.items() if k.startswith("W"))


def _l1(params, lam):
    return lam * sum(np.linalg.norm(v.ravel(), ord=1) for k, v in params.items() if k.startswith("W"))


@pytest.mark.parametrize("lam", [0.0, 0.01, 2.5])
def test_penalties_match_norms(ref, lam):
    params = _params()
    for fn, oracle in [(ref.l2_penalty, _l2), (ref.l1_penalty, _l1)]:
        got = H.call(fn, params, lam)
        assert isinstance(got, float), f"{fn.__name__} returned {type(got).__name__}"
        assert got == pytest.approx(oracle(params, lam), rel=1e-12, abs=1e-15), fn.__name__


@pytest.mark.parametrize("lam", [0.01, 2.5])
@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_penalty_grads_match_central_differences(ref, lam, kind):
    params = _params(1)   # normal draws: no weight within 1e-6 of l1's kink (checked below)
    assert min(np.abs(v).min() for v in params.values()) > 1e-5
    oracle = _l2 if kind == "l2" else _l1
    got = H.call(getattr(ref, f"{kind}_grad"), params, lam)
    numeric = H.central_diff_params(lambda p: oracle(p, lam), params)
    assert got.keys() == params.keys()
    for key in params:
        assert got[key].shape == params[key].shape and got[key].dtype == np.float64, key
        np.testing.assert_allclose(got[key], numeric[key], **H.FD_TOL, err_msg=f"{kind}_grad[{key!r}]")
        if key.startswith("b"):
            assert not np.any(got[key]), f"{kind}_grad penalises the bias {key!r}"


def test_l1_grad_is_zero_at_exactly_zero(ref):
    params = {"W1": np.array([[0.0, -0.0, 2.0, -3.0]]), "b1": np.zeros(4)}
    np.testing.assert_array_equal(H.call(ref.l1_grad, params, 0.5)["W1"], [[0.0, 0.0, 0.5, -0.5]])


# -- dropout ---------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_dropout_forward_is_inverted_dropout(ref, p):
    x = np.random.default_rng(2).normal(size=(200, 250))
    out, mask = H.call(ref.dropout_forward, x, p, training=True, rng=np.random.default_rng(7))
    assert out.shape == mask.shape == x.shape and out.dtype == np.float64
    kept = mask != 0
    np.testing.assert_array_equal(mask[kept], 1.0 / (1.0 - p))
    np.testing.assert_allclose(out, x * mask, **H.TIGHT)
    n, q = x.size, 1.0 - p
    # keep count ~ Binomial(n, q): 6 standard deviations, failure probability < 1e-8
    assert abs(kept.sum() - n * q) <= 6 * np.sqrt(n * q * (1 - q)) + 1e-9, f"kept {kept.sum()} of {n} at p={p}"


def test_dropout_same_seed_same_mask_and_evaluation_mode(ref):
    x = np.random.default_rng(3).normal(size=(4, 5))
    a = H.call(ref.dropout_forward, x, 0.5, rng=np.random.default_rng(1))[1]
    b = H.call(ref.dropout_forward, x, 0.5, rng=np.random.default_rng(1))[1]
    np.testing.assert_array_equal(a, b)
    c = H.call(ref.dropout_forward, x, 0.5, rng=np.random.default_rng(2))[1]
    assert not np.array_equal(a, c), "different rng seeds gave the same mask"
    out, mask = H.call(ref.dropout_forward, x, 0.5)            # rng=None: fresh entropy
    np.testing.assert_allclose(out, x * mask, **H.TIGHT)
    out, mask = H.call(ref.dropout_forward, x, 0.5, training=False)
    assert mask is None
    np.testing.assert_array_equal(out, x)


def test_dropout_backward_matches_central_differences(ref):
    rng = np.random.default_rng(4)
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    _, mask = H.call(ref.dropout_forward, x, 0.4, rng=np.random.default_rng(2))
    numeric = H.central_diff(lambda v: np.sum(dout * v * mask), x)
    np.testing.assert_allclose(H.call(ref.dropout_backward, dout, mask), numeric, **H.FD_TOL)
    np.testing.assert_array_equal(H.call(ref.dropout_backward, dout, None), dout)


# -- early stopping ------------------------------------------------------------------------

def test_early_stopping_hand_trace(ref):
    stopper = ref.EarlyStopping(patience=2)
    params = {"W": np.array([1.0])}
    trace = []
    for epoch, loss in enumerate([1.0, 0.9, 0.95, 0.85, 0.85, 0.87]):
        params["W"][0] = epoch            # in-place change after each step: best_params must not follow
        trace.append(_step(stopper, loss, params))
    assert trace == [False, False, False, False, False, True]
    assert stopper.best_loss == 0.85 and stopper.best_epoch == 3
    np.testing.assert_array_equal(stopper.best_params["W"], [3.0])


def _step(stopper, loss, params):
    result = H.call(stopper.step, loss, params)
    assert isinstance(result, (bool, np.bool_)), f"EarlyStopping.step returned {type(result).__name__}"
    return bool(result)


def test_early_stopping_min_delta(ref):
    stopper = ref.EarlyStopping(patience=1, min_delta=0.1)
    assert _step(stopper, 1.0, {}) is False
    assert _step(stopper, 0.95, {}) is True     # 0.95 is not below 1.0 - 0.1
    assert stopper.best_loss == 1.0 and stopper.best_epoch == 0
    stopper = ref.EarlyStopping(patience=1, min_delta=0.1)
    _step(stopper, 1.0, {})
    assert _step(stopper, 0.85, {}) is False and stopper.best_epoch == 1


def test_early_stopping_default_patience_is_5(ref):
    stopper = ref.EarlyStopping()
    assert [_step(stopper, loss, {}) for loss in [1.0, 1.0, 1.1, 1.0, 1.2, 1.0]] == [False] * 5 + [True]
