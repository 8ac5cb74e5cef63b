"""exercise6 reference (softmax_classifier.py) against scikit-learn, SciPy and central differences.

one_hot against OneHotEncoder and label_binarize; softmax against scipy.special.softmax
up to |z| = 1e4; cross_entropy against sklearn's log_loss and logsumexp; the gradients
against central differences of a loss written here; the metrics against sklearn.metrics.
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import special
from sklearn.metrics import accuracy_score, confusion_matrix, log_loss, precision_recall_fscore_support
from sklearn.preprocessing import OneHotEncoder, label_binarize


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
    return H.load_reference("exercise6", "softmax_classifier")


def _ce(logits, y):
    """Mean cross-entropy in log-space: mean(logsumexp(z_i) - z_i[y_i])."""
    logits = np.atleast_2d(logits)
    return np.mean(special.logsumexp(logits, axis=1) - logits[np.arange(len(y)), y])


# -- one_hot and softmax ----------------------------------------------------------------------

@pytest.mark.parametrize("k", [3, 4, 6])
def test_one_hot_matches_sklearn(ref, k):
    y = np.random.default_rng(k).integers(0, k - 1, size=12)     # the last class never occurs
    enc = OneHotEncoder(categories=[list(range(k))], sparse_output=False).fit_transform(y.reshape(-1, 1))
    got = H.call(ref.one_hot, y, k)
    assert got.dtype == np.float64 and got.shape == (12, k)
    np.testing.assert_array_equal(got, enc)
    np.testing.assert_array_equal(got, label_binarize(y, classes=list(range(k))))


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0], [4]])
def test_one_hot_rejects_labels_out_of_range(ref, bad):
    with pytest.raises(ValueError):
        H.call(ref.one_hot, np.array(bad), 3)


@pytest.mark.parametrize("shape", [(6,), (4, 5), (2, 3, 4)])
@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
def test_softmax_matches_scipy(ref, shape, scale):
    z = np.random.default_rng(0).uniform(-scale, scale, size=shape)
    got = H.call(ref.softmax, z, allow_underflow=scale > 100)
    assert got.dtype == np.float64 and got.shape == shape
    np.testing.assert_allclose(got, H.quiet(special.softmax, z, axis=-1), **H.TIGHT)


# -- cross-entropy ---------------------------------------------------------------------------

def test_cross_entropy_matches_sklearn_log_loss(ref):
    rng = np.random.default_rng(1)
    logits, y = rng.normal(0, 3, size=(20, 4)), rng.integers(0, 4, size=20)
    got = H.call(ref.cross_entropy, logits, y)
    assert isinstance(got, float)
    assert got == pytest.approx(log_loss(y, special.softmax(logits, axis=1), labels=[0, 1, 2, 3]), rel=1e-10)
    assert got == pytest.approx(_ce(logits, y), rel=1e-12)
    log_p = special.log_softmax(logits, axis=1)
    assert got == pytest.approx(-log_p[np.arange(20), y].mean(), rel=1e-12)


@pytest.mark.parametrize("scale", [100.0, 1e3, 1e4])
def test_cross_entropy_is_exact_for_huge_logits(ref, scale):
    rng = np.random.default_rng(2)
    logits, y = rng.uniform(-scale, scale, size=(8, 5)), rng.integers(0, 5, size=8)
    got = H.call(ref.cross_entropy, logits, y, allow_underflow=True)
    assert np.isfinite(got) and got == pytest.approx(H.quiet(_ce, logits, y), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("scale", [3.0, 1e4])
def test_cross_entropy_grad_matches_closed_form_and_central_differences(ref, scale):
    rng = np.random.default_rng(3)
    logits, y = rng.uniform(-scale, scale, size=(6, 4)), rng.integers(0, 4, size=6)
    got = H.call(ref.cross_entropy_grad, logits, y, allow_underflow=scale > 100)
    closed = (H.quiet(special.softmax, logits, axis=1) - label_binarize(y, classes=[0, 1, 2, 3])) / 6
    np.testing.assert_allclose(got, closed, **H.TIGHT)
    if scale < 100:   # central differences need a smooth neighbourhood of size h
        np.testing.assert_allclose(got, H.central_diff(lambda v: _ce(v, y), logits), **H.FD_TOL)


# -- the classifier --------------------------------------------------------------------------

def _model(ref, reg, seed=0):
    rng = np.random.default_rng(seed + 20)
    X, y = rng.normal(size=(9, 3)), rng.integers(0, 4, size=9)
    clf = ref.SoftmaxClassifier(3, 4, reg=reg, seed=seed)
    clf.params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}   # a generic point, not ~0
    return clf, X, y


def _objective(params, X, y, reg):
    return _ce(X @ params["W"] + params["b"], y) + 0.5 * reg * np.sum(params["W"] ** 2)


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_loss_and_grads_match_oracle_and_central_differences(ref, reg):
    clf, X, y = _model(ref, reg)
    loss, grads = H.call(clf.loss_and_grads, X, y)
    assert loss == pytest.approx(_objective(clf.params, X, y, reg), rel=1e-12)
    numeric = H.central_diff_params(lambda p: _objective(p, X, y, reg), clf.params)
    assert grads.keys() == {"W", "b"}
    for key in ("W", "b"):
        assert grads[key].shape == clf.params[key].shape and grads[key].dtype == np.float64
        np.testing.assert_allclose(grads[key], numeric[key], **H.FD_TOL, err_msg=f"grads[{key!r}] reg={reg}")


def test_predictions_and_score_match_sklearn(ref):
    clf, X, y = _model(ref, 0.0, seed=1)
    probs = special.softmax(X @ clf.params["W"] + clf.params["b"], axis=1)
    np.testing.assert_allclose(H.call(clf.predict_proba, X), probs, **H.TIGHT)
    labels = H.call(clf.predict, X)
    assert labels.dtype.kind in "iu", f"predict returned dtype {labels.dtype}, expected int labels"
    np.testing.assert_array_equal(labels, probs.argmax(axis=1))
    assert H.call(clf.score, X, y) == pytest.approx(accuracy_score(y, probs.argmax(axis=1)), abs=1e-15)


@pytest.mark.parametrize("reg", [0.0, 0.3])
def test_fit_one_full_batch_epoch_is_one_gradient_step(ref, reg):
    clf, X, y = _model(ref, reg, seed=2)
    start = {k: v.copy() for k, v in clf.params.items()}
    numeric = H.central_diff_params(lambda p: _objective(p, X, y, reg), start)
    losses = H.call(clf.fit, X, y, learning_rate=0.5, epochs=1)
    for key in start:
        np.testing.assert_allclose(clf.params[key], start[key] - 0.5 * numeric[key], rtol=1e-6, atol=1e-8)
    assert len(losses) == 1
    H.assert_epoch_loss(losses[0], during=[_objective(start, X, y, reg)], sizes=[len(X)],
                        after=_objective(clf.params, X, y, reg))


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_fit_takes_one_step_per_mini_batch(ref, batch_size):
    """With 4 copies of one sample every batch has the same loss whatever the shuffle, so an
    epoch is ceil(4 / batch_size) plain gradient steps on it (central differences at each step);
    batches of 3 leave a last batch of 1, which must be used too."""
    clf, X, y = _model(ref, 0.3, seed=4)
    X, y = np.repeat(X[:1], 4, axis=0), np.repeat(y[:1], 4)
    params, losses, sizes = {k: v.copy() for k, v in clf.params.items()}, [], []
    for start in range(0, 4, batch_size):
        losses.append(_objective(params, X, y, 0.3))
        sizes.append(min(batch_size, 4 - start))
        grads = H.central_diff_params(lambda p: _objective(p, X, y, 0.3), params)
        params = {k: params[k] - 0.5 * grads[k] for k in params}
    got = H.call(clf.fit, X, y, learning_rate=0.5, epochs=1, batch_size=batch_size, seed=0)
    for key in params:
        np.testing.assert_allclose(clf.params[key], params[key], rtol=1e-6, atol=1e-8, err_msg=key)
    assert len(got) == 1
    H.assert_epoch_loss(got[0], during=losses, sizes=sizes, after=_objective(clf.params, X, y, 0.3))


@pytest.mark.parametrize("batch_size", [None, 1, 3, 9, 20])
def test_fit_with_zero_learning_rate_reports_the_full_data_loss(ref, batch_size):
    """lr = 0 leaves the params alone, so every epoch's loss is the loss of all 9 samples,
    whatever the order (batch sizes that divide n: every reading of "epoch loss" agrees)."""
    clf, X, y = _model(ref, 0.3, seed=3)
    start = {k: v.copy() for k, v in clf.params.items()}
    want = _objective(clf.params, X, y, 0.3)   # each batch loss carries the whole penalty once
    losses = H.call(clf.fit, X, y, learning_rate=0.0, epochs=2, batch_size=batch_size, seed=0)
    np.testing.assert_allclose(losses, [want, want], rtol=1e-12)
    H.assert_same(start, clf.params, "params after fit with learning_rate=0")


# -- metrics ---------------------------------------------------------------------------------

def _metric_cases():
    rng = np.random.default_rng(4)
    cases = {f"random{i}": (rng.integers(0, 4, size=25), rng.integers(0, 4, size=25), 4) for i in range(3)}
    cases["class 3 never predicted"] = (np.array([0, 1, 2, 3, 3]), np.array([0, 1, 2, 2, 1]), 4)
    cases["class 3 never true"] = (np.array([0, 1, 2, 2, 1]), np.array([0, 1, 2, 3, 3]), 4)
    cases["class 4 absent everywhere"] = (np.array([0, 1, 2, 3]), np.array([1, 1, 2, 3]), 5)
    cases["perfect"] = (np.arange(6) % 3, np.arange(6) % 3, 3)
    cases["all wrong"] = (np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]), 2)
    return cases


@pytest.mark.parametrize("case", list(_metric_cases()))
def test_confusion_matrix_matches_sklearn(ref, case):
    y_true, y_pred, k = _metric_cases()[case]
    got = H.call(ref.confusion_matrix, y_true, y_pred, k)
    assert got.dtype.kind in "iu" and got.shape == (k, k)
    np.testing.assert_array_equal(got, confusion_matrix(y_true, y_pred, labels=list(range(k))))


@pytest.mark.parametrize("case", list(_metric_cases()))
def test_precision_recall_f1_match_sklearn(ref, case):
    y_true, y_pred, k = _metric_cases()[case]
    want = H.quiet(precision_recall_fscore_support, y_true, y_pred, labels=list(range(k)),
                   average=None, zero_division=0)
    got = H.call(ref.precision_recall_f1, y_true, y_pred, k)   # strict: no warning where undefined
    assert len(got) == 3
    for name, g, w in zip(["precision", "recall", "f1"], got, want[:3]):
        assert g.dtype == np.float64 and g.shape == (k,), name
        np.testing.assert_allclose(g, w, **H.TIGHT, err_msg=f"{name} ({case})")
