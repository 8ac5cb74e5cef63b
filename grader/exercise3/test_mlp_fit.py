"""Hidden tests of MLP.fit: the gradient steps, mini-batches, seeds, and learning on real data.

Accuracy thresholds come from course.yaml (set from the reference over >= 20 seeds).
"""
import itertools

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_moons
from sklearn.model_selection import train_test_split

from nncourse.grading.checks import (
    as_array, assert_accuracy_at_least, assert_close, assert_finite, assert_shape, assert_true, unusable,
)
from nncourse.sandbox.callbacks import Method

LAYERS = ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "sigmoid_forward",
          "sigmoid_backward", "tanh_forward", "tanh_backward", "binary_cross_entropy")


def reference_mlp(reference, values):
    """A reference MLP with the student's params (layer sizes read from their shapes)."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in values["params"].items()}
    n_layers = sum(1 for k in params if k.startswith("W"))
    sizes = [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, n_layers + 1)]
    model = reference.MLP(sizes, activation=values["activation"], seed=0)
    model.params = params
    return model


def uses_reference(activation):
    """While MLP.fit is graded, the reference answers for loss_and_grads, the layers and the loss,
    so a bug in one of those costs points only on its own tests (sandbox/callbacks.py)."""
    return pytest.mark.uses_reference(*LAYERS, Method("MLP.loss_and_grads", state=("params",), read_only=("params",),
                                                      given={"activation": activation}, make=reference_mlp))
from nncourse.grading.memo import cached

HINT_STEP = "for each batch: loss, grads = self.loss_and_grads(Xb, yb); then p -= learning_rate * grads[key]"


def draw_params(rng, sizes):
    """Trusted params with non-zero biases."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        params[f"W{l}"] = rng.normal(0.0, 1.5 / np.sqrt(n_in), (n_in, n_out))
        params[f"b{l}"] = rng.normal(0.0, 0.5, n_out)
    return params


def get_params(model, keys, what):
    params = model.params
    if not isinstance(params, dict) or sorted(params) != sorted(keys):
        raise unusable(params if not isinstance(params, dict) else sorted(params), f"{what}.params")
    return {k: as_array(v, what=f"{what}.params[{k!r}]") for k, v in params.items()}


def gd_step(ref, params, X, y, lr):
    """params after one gradient-descent step of the reference on (X, y)."""
    ref.params = dict(params)
    grads = ref.loss_and_grads(X, y)[1]
    return {k: params[k] - lr * grads[k] for k in params}


def max_diff(a, b):
    """The largest |a - b| over every param, relative to max(1, |b|)."""
    return max(float(np.max(np.abs(a[k] - b[k]) / np.maximum(1.0, np.abs(b[k])))) for k in b)


def accuracy(reference, model, sizes, activation, X, y, what):
    """Accuracy of the trained params, computed on the trusted side (predict is graded on its own)."""
    params = get_params(model, [f"{p}{l}" for l in range(1, len(sizes)) for p in "Wb"], what)
    return float(np.mean(reference_mlp(reference, {"params": params, "activation": activation}).predict(X) == y))


def xor_like(rng, n):
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


@pytest.mark.target("MLP.fit")
@pytest.mark.points(1)
@uses_reference("tanh")
def test_mlp_fit_returns_one_loss_per_epoch(student, reference, rng):
    X, y = xor_like(rng, 20)
    params = draw_params(rng, [2, 5, 1])
    model = student.MLP([2, 5, 1], activation="tanh", seed=0)
    model.params = {k: v.copy() for k, v in params.items()}
    losses = model.fit(X, y, epochs=7, learning_rate=0.1, batch_size=6, seed=1)
    what = "MLP([2, 5, 1]).fit(X, y, epochs=7, batch_size=6)"
    assert_shape(losses, (7,), what=what, inputs={"X": X}, hint="return a list with one mean loss per epoch")
    assert_finite(losses, what=what, inputs={"X": X})
    check_losses_at_rest(student, reference, [2, 5, 1], params, X, y, batch_size=5)


def check_losses_at_rest(student, reference, sizes, params, X, y, batch_size):
    """The values of the losses: with learning_rate=0 the params never move, so every epoch's mean
    loss is the loss at `params`, whatever the shuffle (batch_size divides n: equal batches)."""
    model = student.MLP(sizes, activation="tanh", seed=0)
    model.params = {k: v.copy() for k, v in params.items()}
    what = f"MLP({sizes}, 'tanh').fit(X, y, epochs=3, learning_rate=0.0, batch_size={batch_size}, seed=2)"
    losses = as_array(model.fit(X, y, epochs=3, learning_rate=0.0, batch_size=batch_size, seed=2), what=what)
    ref = reference.MLP(sizes, activation="tanh", seed=0)
    ref.params = {k: v.copy() for k, v in params.items()}
    want = ref.loss_and_grads(X, y)[0]
    assert_close(losses, np.full(3, want), what=f"{what}: the per-epoch losses (params that do not move)",
                 inputs={"X": X, "y": y},
                 hint="each epoch's loss is the mean of its batches' losses (weighted by their sizes), "
                      "the losses loss_and_grads returns; with learning_rate 0 it is the loss at the start every time")


@pytest.mark.target("MLP.fit")
@pytest.mark.points(2)
@uses_reference("relu")
def test_mlp_fit_full_batch_epoch_is_one_gradient_step(student, reference, rng):
    sizes = [3, 5, 3]
    X, y = rng.normal(size=(9, 3)), rng.permutation(np.arange(9) % 3)
    params = draw_params(rng, sizes)
    model = student.MLP(sizes, activation="relu", seed=0)
    model.params = {k: v.copy() for k, v in params.items()}
    model.fit(X, y, epochs=1, learning_rate=0.3)
    want = gd_step(reference.MLP(sizes, activation="relu", seed=0), params, X, y, 0.3)
    what = f"MLP({sizes}).fit(X, y, epochs=1, learning_rate=0.3)"
    got = get_params(model, want, what)
    for key in sorted(want):
        assert_close(got[key], want[key], what=f"{what}: params[{key!r}] after one full-batch epoch",
                     inputs={"X": X, "y": y}, hint="batch_size=None: one step on the whole batch per epoch; "
                                                   + HINT_STEP)


@pytest.mark.target("MLP.fit")
@pytest.mark.points(2)
@uses_reference("tanh")
def test_mlp_fit_uses_the_last_smaller_batch(student, reference, rng):
    sizes, n, batch, lr = [2, 4, 1], 5, 3, 0.5
    X, y = rng.normal(size=(n, 2)), np.array([0, 1, 1, 0, 1])
    params = draw_params(rng, sizes)
    model = student.MLP(sizes, activation="tanh", seed=0)
    model.params = {k: v.copy() for k, v in params.items()}
    model.fit(X, y, epochs=1, learning_rate=lr, batch_size=batch, seed=0)
    what = f"MLP({sizes}).fit(X, y, epochs=1, batch_size={batch}) with n = {n}"
    got = get_params(model, params, what)
    ref = reference.MLP(sizes, activation="tanh", seed=0)
    # whatever the shuffle, one epoch is a step on some 3 samples, then a step on the other 2
    two_steps, one_step = [], []
    for first in itertools.combinations(range(n), batch):
        rest = [i for i in range(n) if i not in first]
        after_first = gd_step(ref, params, X[list(first)], y[list(first)], lr)
        one_step.append(max_diff(got, after_first))
        two_steps.append(max_diff(got, gd_step(ref, after_first, X[rest], y[rest], lr)))
    dropped = " It matches one step on 3 samples: the last, smaller batch was dropped." \
        if min(one_step) < 1e-6 else ""
    assert_true(min(two_steps) < 1e-6,
                f"MLP.fit: wrong params after one epoch for {what}: expected two gradient steps, on batches of "
                f"3 and 2 samples (slices order[0:3], order[3:5] of a shuffled order), got params that match "
                f"none of them (closest difference {min(two_steps):.3g}).{dropped} Hint: loop "
                "`for start in range(0, n, batch_size)` and take order[start:start + batch_size]")


@pytest.mark.target("MLP.fit")
@pytest.mark.points(1)
@uses_reference("tanh")
def test_mlp_fit_same_seed_same_losses(student, reference, rng):
    X, y = xor_like(rng, 30)
    what = "MLP([2, 6, 1], seed=3).fit(X, y, epochs=5, batch_size=4, seed=11)"
    params = draw_params(rng, [2, 6, 1])  # set, not drawn: the constructor's seed is graded in test_mlp_init
    runs = []
    for _ in range(2):
        model = student.MLP([2, 6, 1], activation="tanh", seed=3)
        model.params = {k: v.copy() for k, v in params.items()}
        runs.append(as_array(model.fit(X, y, epochs=5, learning_rate=0.2, batch_size=4, seed=11), what=what))
    assert_close(runs[1], runs[0], what=f"{what}: losses of a second identical run", inputs={"X": X},
                 hint="shuffle with one np.random.default_rng(seed) made at the start of fit")
    check_losses_at_rest(student, reference, [2, 6, 1], params, X, y, batch_size=5)


@pytest.mark.target("MLP.fit")
@pytest.mark.points(1)
@uses_reference("tanh")
def test_mlp_fit_losses_decrease(student, rng):
    X = np.vstack([rng.normal(-1.5, 1.0, size=(20, 2)), rng.normal(1.5, 1.0, size=(20, 2))])
    y = np.repeat([0, 1], 20)
    model = student.MLP([2, 4, 1], activation="tanh", seed=0)
    losses = as_array(model.fit(X, y, epochs=50, learning_rate=0.5), what="MLP.fit(X, y, epochs=50)")
    assert_shape(losses, (50,), what="MLP.fit(X, y, epochs=50)", hint="one mean loss per epoch")
    assert_true(losses[-1] < 0.5 * losses[0],
                "MLP.fit: the loss must go down on two separated blobs for MLP([2, 4, 1], 'tanh', seed=0)"
                f".fit(X, y, epochs=50, learning_rate=0.5): expected the last loss below half the first, got "
                f"{losses[0]:.4g} -> {losses[-1]:.4g}. Hint: step against the gradient: p -= learning_rate * g")


@pytest.mark.target("MLP.fit")
@pytest.mark.points(2)
@uses_reference("tanh")
def test_mlp_fit_learns_xor(student, reference, seed):
    X, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0])
    model = student.MLP([2, 8, 1], activation="tanh", seed=seed)
    model.fit(X, y, epochs=1000, learning_rate=0.5)
    acc = accuracy(reference, model, [2, 8, 1], "tanh", X, y, "MLP([2, 8, 1], 'tanh')")
    assert_accuracy_at_least(acc, 1.0, what="MLP([2, 8, 1], 'tanh').fit(X, y, epochs=1000, learning_rate=0.5)",
                             dataset="XOR", seed=seed,
                             hint="a tanh hidden layer learns XOR; check the gradients and the update sign")


@pytest.mark.target("MLP.fit")
@pytest.mark.points(2)
@uses_reference("relu")
def test_mlp_fit_moons_test_accuracy(student, reference, seed, thresholds):
    X, y = make_moons(n_samples=400, noise=0.1, random_state=seed)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed)
    what = "MLP([2, 16, 16, 1], 'relu')"
    model = student.MLP([2, 16, 16, 1], activation="relu", seed=seed)
    model.fit(Xtr, ytr, epochs=60, learning_rate=0.3, batch_size=32, seed=seed)
    assert_accuracy_at_least(accuracy(reference, model, [2, 16, 16, 1], "relu", Xte, yte, what),
                             thresholds["moons_test_accuracy"],
                             what=f"{what}.fit(epochs=60, learning_rate=0.3, batch_size=32) test accuracy",
                             dataset="make_moons(400, noise=0.1), 25% test split", seed=seed)


@pytest.mark.target("MLP.fit")
@pytest.mark.points(3)
@pytest.mark.timeout(60)
@uses_reference("tanh")
def test_mlp_fit_digits_test_accuracy(student, reference, seed, thresholds):
    digits = cached(load_digits)
    Xtr, Xte, ytr, yte = train_test_split(digits.data / 16.0, digits.target, test_size=0.25,
                                          random_state=seed, stratify=digits.target)
    what = "MLP([64, 32, 10], 'tanh')"
    model = student.MLP([64, 32, 10], activation="tanh", seed=seed)
    model.fit(Xtr, ytr, epochs=10, learning_rate=0.1, batch_size=16, seed=seed)
    assert_accuracy_at_least(accuracy(reference, model, [64, 32, 10], "tanh", Xte, yte, what),
                             thresholds["digits_test_accuracy"],
                             what=f"{what}.fit(epochs=10, learning_rate=0.1, batch_size=16) test accuracy",
                             dataset="load_digits / 16, 25% stratified test split", seed=seed)
