"""exercise3 reference (backprop.py) against SciPy, scikit-learn's log_loss and central differences.

Every backward is compared with central differences of an independent forward written
here (x @ W + b, np.maximum, scipy.special.expit, np.tanh); the MLP with a forward pass
and a loss written here from scipy.special.log_expit / log_softmax.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special
from sklearn.metrics import log_loss


def _load_helpers():
    """tests/oracle_helpers.py by path, so this file runs under any pytest import mode."""
    name = "_nncourse_oracle_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("oracle_helpers.py"))
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


H = _load_helpers()
HIDDEN = {"relu": lambda a: np.maximum(a, 0.0), "sigmoid": special.expit, "tanh": np.tanh}


@pytest.fixture(scope="module")
def ref():
    return H.load_reference("exercise3", "backprop")


# -- layers -------------------------------------------------------------------------------

def test_affine_forward_and_backward(ref):
    rng = np.random.default_rng(0)
    x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(4, 5))
    out, cache = H.call(ref.affine_forward, x, W, b)
    np.testing.assert_allclose(out, np.einsum("nd,dm->nm", x, W) + b, **H.TIGHT)
    dx, dW, db = H.call(ref.affine_backward, dout, cache)
    for got, wrt, f in [(dx, x, lambda v: np.sum(dout * (v @ W + b))),
                        (dW, W, lambda v: np.sum(dout * (x @ v + b))),
                        (db, b, lambda v: np.sum(dout * (x @ W + v)))]:
        assert got.shape == wrt.shape and got.dtype == np.float64
        np.testing.assert_allclose(got, H.central_diff(f, wrt), **H.FD_TOL)


@pytest.mark.parametrize("name", list(HIDDEN))
@pytest.mark.parametrize("scale", [3.0, 1e4])
def test_activation_forward_matches_oracle(ref, name, scale):
    x = np.random.default_rng(1).uniform(-scale, scale, size=(5, 4))
    out, _ = H.call(getattr(ref, f"{name}_forward"), x, allow_underflow=scale > 100)
    np.testing.assert_allclose(out, H.quiet(HIDDEN[name], x), **H.TIGHT)


@pytest.mark.parametrize("name", list(HIDDEN))
def test_activation_backward_matches_central_differences(ref, name):
    rng = np.random.default_rng(2)
    x = rng.uniform(-6, 6, size=(5, 4))
    x[np.abs(x) < 1e-3] = 0.5                      # keep relu's kink out of reach of h
    dout = rng.normal(size=x.shape)
    _, cache = H.call(getattr(ref, f"{name}_forward"), x)
    got = H.call(getattr(ref, f"{name}_backward"), dout, cache)
    numeric = H.central_diff(lambda v: np.sum(dout * HIDDEN[name](v)), x)
    np.testing.assert_allclose(got, numeric, **H.FD_TOL)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_saturated_backward_matches_closed_form(ref, name):
    """Far in the tails the derivative is tiny: absolute agreement with expit(x) expit(-x)."""
    x = np.array([[-40.0, -20.0, 0.0, 20.0, 40.0]])
    dout = np.ones_like(x)
    s = special.expit(x if name == "sigmoid" else 2 * x)
    want = s * special.expit(-x) if name == "sigmoid" else 4 * s * special.expit(-2 * x)
    _, cache = H.call(getattr(ref, f"{name}_forward"), x)
    np.testing.assert_allclose(H.call(getattr(ref, f"{name}_backward"), dout, cache), want, rtol=1e-9, atol=1e-15)


def test_relu_backward_passes_nothing_at_exactly_zero(ref):
    x = np.array([[-1.0, 0.0, -0.0, 2.0]])
    _, cache = H.call(ref.relu_forward, x)
    np.testing.assert_array_equal(H.call(ref.relu_backward, np.full_like(x, 3.0), cache), [[0.0, 0.0, 0.0, 3.0]])


# -- binary cross-entropy ------------------------------------------------------------------

@pytest.mark.parametrize("column", [False, True])
def test_binary_cross_entropy_matches_sklearn_log_loss(ref, column):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=30)
    p = np.concatenate([rng.uniform(1e-6, 1 - 1e-6, size=26), [1e-6, 1 - 1e-6, 0.5, 0.5]])
    expected = log_loss(y, p, labels=[0, 1])
    got = H.call(ref.binary_cross_entropy, p.reshape(-1, 1) if column else p, y)
    assert isinstance(got, float), f"binary_cross_entropy returned {type(got).__name__}"
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)
    direct = -np.mean(special.xlogy(y, p) + special.xlogy(1 - y, 1 - p))
    assert got == pytest.approx(direct, rel=1e-12, abs=1e-15)


def test_binary_cross_entropy_is_finite_at_0_and_1(ref):
    y = np.array([1, 0, 1, 0])
    # abs 1e-6: clipping p into [eps, 1 - eps] (eps up to 1e-7, as Keras) is the usual way to stay finite
    assert H.call(ref.binary_cross_entropy, np.array([1.0, 0.0, 1.0, 0.0]), y) == pytest.approx(0.0, abs=1e-6)
    wrong = H.call(ref.binary_cross_entropy, np.array([0.0, 1.0, 0.0, 1.0]), y)
    # > 10: even a clip at eps = 1e-7 gives -log(1e-7) = 16.1 per sample
    assert np.isfinite(wrong) and wrong > 10.0, f"confidently wrong predictions give {wrong}"


# -- the MLP -------------------------------------------------------------------------------

def _oracle_logits(params, X, activation):
    n_layers = len(params) // 2
    h = np.asarray(X, dtype=np.float64)
    for layer in range(1, n_layers + 1):
        h = h @ params[f"W{layer}"] + params[f"b{layer}"]
        if layer < n_layers:
            h = HIDDEN[activation](h)
    return h


def _oracle_probs(params, X, activation):
    z = _oracle_logits(params, X, activation)
    return special.expit(z) if z.shape[1] == 1 else special.softmax(z, axis=1)


def _oracle_loss(params, X, y, activation):
    z = _oracle_logits(params, X, activation)
    if z.shape[1] == 1:
        z = z[:, 0]
        return -np.mean(y * special.log_expit(z) + (1 - y) * special.log_expit(-z))
    return -np.mean(special.log_softmax(z, axis=1)[np.arange(len(y)), y])


SIZES = [[4, 5, 1], [4, 5, 3], [3, 4, 4, 3], [3, 4, 4, 1]]


def _net(ref, sizes, activation, seed=0):
    rng = np.random.default_rng(seed + 10)
    X = rng.normal(size=(7, sizes[0]))
    y = rng.integers(0, max(sizes[-1], 2), size=7)
    net = ref.MLP(sizes, activation=activation, seed=seed)
    # non-zero biases, so their gradients are tested at a generic point (the whole dict is assigned)
    net.params = {k: rng.normal(0.0, 0.3, size=v.shape) if k.startswith("b") else v for k, v in net.params.items()}
    return net, X, y


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("activation", list(HIDDEN))
def test_mlp_forward_loss_and_predict_match_oracle(ref, sizes, activation):
    net, X, y = _net(ref, sizes, activation)
    probs = _oracle_probs(net.params, X, activation)
    np.testing.assert_allclose(H.call(net.forward, X), probs, rtol=1e-10, atol=1e-15)
    loss, _ = H.call(net.loss_and_grads, X, y)
    sk = log_loss(y, probs[:, 0] if sizes[-1] == 1 else probs, labels=list(range(max(sizes[-1], 2))))
    assert loss == pytest.approx(sk, rel=1e-10)
    assert loss == pytest.approx(_oracle_loss(net.params, X, y, activation), rel=1e-12)
    want = (probs[:, 0] > 0.5).astype(int) if sizes[-1] == 1 else probs.argmax(axis=1)
    labels = H.call(net.predict, X)
    assert labels.shape == (len(X),) and labels.dtype.kind in "iu", f"predict: {labels.dtype} {labels.shape}"
    np.testing.assert_array_equal(labels, want)


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("activation", list(HIDDEN))
def test_mlp_loss_and_grads_match_central_differences(ref, sizes, activation):
    net, X, y = _net(ref, sizes, activation)
    _, grads = H.call(net.loss_and_grads, X, y)
    assert grads.keys() == net.params.keys()
    numeric = H.central_diff_params(lambda p: _oracle_loss(p, X, y, activation), net.params)
    for key in net.params:
        assert grads[key].shape == net.params[key].shape and grads[key].dtype == np.float64, key
        np.testing.assert_allclose(grads[key], numeric[key], **H.FD_TOL, err_msg=f"grads[{key!r}]")


@pytest.mark.parametrize("sizes", [[4, 5, 1], [4, 5, 3]], ids=str)
def test_mlp_fit_one_full_batch_epoch_is_one_gradient_step(ref, sizes):
    net, X, y = _net(ref, sizes, "tanh")
    start = {k: v.copy() for k, v in net.params.items()}
    numeric = H.central_diff_params(lambda p: _oracle_loss(p, X, y, "tanh"), start)
    losses = H.call(net.fit, X, y, epochs=1, learning_rate=0.5)
    for key in start:
        np.testing.assert_allclose(net.params[key], start[key] - 0.5 * numeric[key], rtol=1e-6, atol=1e-8)
    assert len(losses) == 1
    H.assert_epoch_loss(losses[0], during=[_oracle_loss(start, X, y, "tanh")], sizes=[len(X)],
                        after=_oracle_loss(net.params, X, y, "tanh"))


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_mlp_fit_takes_one_step_per_mini_batch(ref, batch_size):
    """With 4 copies of one sample every batch has the same loss whatever the shuffle, so an
    epoch is ceil(4 / batch_size) plain gradient steps on it (central differences at each step);
    batches of 3 leave a last batch of 1, which must be used too."""
    net, X, y = _net(ref, [3, 4, 3], "sigmoid")
    X, y = np.repeat(X[:1], 4, axis=0), np.repeat(y[:1], 4)
    params, losses, sizes = {k: v.copy() for k, v in net.params.items()}, [], []
    for start in range(0, 4, batch_size):
        losses.append(_oracle_loss(params, X, y, "sigmoid"))
        sizes.append(min(batch_size, 4 - start))
        grads = H.central_diff_params(lambda p: _oracle_loss(p, X, y, "sigmoid"), params)
        params = {k: params[k] - 0.5 * grads[k] for k in params}
    got = H.call(net.fit, X, y, epochs=1, learning_rate=0.5, batch_size=batch_size, seed=0)
    for key in params:
        np.testing.assert_allclose(net.params[key], params[key], rtol=1e-6, atol=1e-8, err_msg=key)
    assert len(got) == 1
    H.assert_epoch_loss(got[0], during=losses, sizes=sizes, after=_oracle_loss(net.params, X, y, "sigmoid"))


@pytest.mark.parametrize("scale", [1e2, 1e4])
@pytest.mark.parametrize("sizes", [[4, 5, 1], [4, 5, 3]], ids=str)
def test_mlp_forward_and_loss_at_huge_logits(ref, sizes, scale):
    """Inputs of size up to 1e4, logits in the thousands: the probabilities match the oracle and
    the loss equals the exact log-space loss. docs/API.md only asks for a finite loss (a student
    may clip p, as tests/variants/exercise3 do); the reference is held to the exact value."""
    net, X, y = _net(ref, sizes, "relu")
    X = X * scale
    probs = H.quiet(_oracle_probs, net.params, X, "relu")
    np.testing.assert_allclose(H.call(net.forward, X, allow_underflow=True), probs, rtol=1e-10, atol=1e-15)
    loss, grads = H.call(net.loss_and_grads, X, y, allow_underflow=True)
    assert loss == pytest.approx(H.quiet(_oracle_loss, net.params, X, y, "relu"), rel=1e-12)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


@pytest.mark.parametrize("batch_size", [None, 1, 7, 50])
@pytest.mark.parametrize("sizes", [[4, 5, 1], [4, 5, 3]], ids=str)
def test_mlp_fit_with_zero_learning_rate_reports_the_full_data_loss(ref, sizes, batch_size):
    """lr = 0 leaves the params alone, so every epoch's mean loss is the loss of all 7 samples,
    whatever the order (batch sizes that divide n: every reading of "epoch loss" agrees)."""
    net, X, y = _net(ref, sizes, "relu")
    start = {k: v.copy() for k, v in net.params.items()}
    want = _oracle_loss(net.params, X, y, "relu")
    losses = H.call(net.fit, X, y, epochs=2, learning_rate=0.0, batch_size=batch_size, seed=0)
    np.testing.assert_allclose(losses, [want, want], rtol=1e-12)
    H.assert_same(start, net.params, "params after fit with learning_rate=0")


@pytest.mark.parametrize("activation,var", [("relu", lambda i, o: 2 / i), ("sigmoid", lambda i, o: 2 / (i + o)),
                                            ("tanh", lambda i, o: 2 / (i + o))])
def test_mlp_init_variance(ref, activation, var):
    net = ref.MLP([300, 200, 2], activation=activation, seed=0)
    W = net.params["W1"]
    want = var(300, 200)
    # 60000 draws: the sample variance is within 3% of the truth with overwhelming probability
    assert abs(W.var() / want - 1) < 0.03 and abs(W.mean()) < 5 * np.sqrt(want / W.size)
    assert not np.any(net.params["b1"]) and not np.any(net.params["b2"])
