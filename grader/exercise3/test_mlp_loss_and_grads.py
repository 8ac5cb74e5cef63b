"""Hidden tests of MLP.loss_and_grads: the loss value, every gradient against numeric gradients.

The student's model gets params from a trusted draw (`model.params = {...}`); the numeric
gradients are those of the reference's loss at the same params, so a loss that is not the
batch mean (or a gradient of another loss) shows.
"""
import numpy as np
import pytest

from nncourse.grading.checks import (
    assert_close, assert_equal, assert_finite, assert_matches_numeric_grad, call_without_warnings, unusable,
)

# While MLP is graded, the reference answers for the layer functions and the loss the model calls,
# so a bug in one of those costs points only on its own tests (sandbox/callbacks.py).
pytestmark = pytest.mark.uses_reference(
    "affine_forward", "affine_backward", "relu_forward", "relu_backward", "sigmoid_forward",
    "sigmoid_backward", "tanh_forward", "tanh_backward", "binary_cross_entropy")

HINT_OUT = "at the output, dL/dz = (p - y) / n for sigmoid + BCE and (p - one_hot(y)) / n for softmax"


def draw_params(rng, sizes, scale=1.0):
    """Trusted params with non-zero biases, so that a missing bias gradient shows."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        params[f"W{l}"] = scale * rng.normal(0.0, 1.5 / np.sqrt(n_in), (n_in, n_out))
        params[f"b{l}"] = scale * rng.normal(0.0, 0.5, n_out)
    return params


def models(student, reference, sizes, activation, params):
    """The student's and the reference's MLP, both with `params`."""
    model = student.MLP(sizes, activation=activation, seed=0)
    model.params = {k: v.copy() for k, v in params.items()}
    ref = reference.MLP(sizes, activation=activation, seed=0)
    ref.params = {k: v.copy() for k, v in params.items()}
    return model, ref


def data(rng, sizes, n):
    """X (n, d_in) and integer labels y (n,) with every class present when n allows."""
    n_classes = max(2, sizes[-1])
    y = np.arange(n) % n_classes
    return rng.normal(size=(n, sizes[0])), rng.permutation(y)


def loss_and_grads(model, X, y, what):
    """(loss, grads) from the student's model, or a failure if it is not that pair."""
    res = model.loss_and_grads(X, y)
    if not isinstance(res, (tuple, list)) or len(res) != 2 or not isinstance(res[1], dict):
        raise unusable(res, f"{what} should return a pair (loss, grads dict)")
    return res


def reference_loss(ref, params, key, X, y):
    """The reference's mean loss as a function of params[key] alone."""
    def f(value):
        ref.params = {**params, key: value}
        return ref.loss_and_grads(X, y)[0]
    return f


@pytest.mark.target("MLP.loss_and_grads")
@pytest.mark.points(2)
@pytest.mark.parametrize("d_out", [1, 3], ids=["sigmoid_bce", "softmax_ce"])
def test_mlp_loss_and_grads_loss_value(student, reference, rng, d_out):
    sizes = [4, 6, 5, d_out]
    X, y = data(rng, sizes, 8)
    model, ref = models(student, reference, sizes, "relu", draw_params(rng, sizes))
    what = f"MLP({sizes}, 'relu').loss_and_grads(X, y)"
    loss, _ = loss_and_grads(model, X, y, what)
    kind = "binary cross-entropy of the sigmoid output" if d_out == 1 else "cross-entropy of the softmax output"
    assert_close(loss, ref.loss_and_grads(X, y)[0], what=f"{what} loss", inputs={"X": X, "y": y},
                 hint=f"the mean over the batch of the {kind}, as one float")


@pytest.mark.target("MLP.loss_and_grads")
@pytest.mark.points(2)
@pytest.mark.parametrize("d_out", [1, 3], ids=["sigmoid_bce", "softmax_ce"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_mlp_loss_and_grads_matches_numeric_grad(student, reference, rng, activation, d_out):
    sizes = [3, 4, 3, d_out]
    X, y = data(rng, sizes, 6)
    params = draw_params(rng, sizes)
    model, ref = models(student, reference, sizes, activation, params)
    what = f"MLP({sizes}, {activation!r}).loss_and_grads(X, y)"
    _, grads = loss_and_grads(model, X, y, what)
    assert_equal(sorted(grads), sorted(params), what=f"{what} grads keys", hint="one gradient per param")
    for key in sorted(params):
        assert_matches_numeric_grad(grads[key], reference_loss(ref, params, key, X, y), params[key],
                                    what=f"{what} grads[{key!r}]", inputs={"X": X, "y": y},
                                    hint=f"{HINT_OUT}; then through every layer, last to first, with "
                                         f"affine_backward and {activation}_backward")


@pytest.mark.target("MLP.loss_and_grads")
@pytest.mark.points(1)
def test_mlp_loss_and_grads_grads_have_param_shapes(student, reference, rng):
    for sizes in ([5, 4, 1], [3, 7, 6, 4]):
        X, y = data(rng, sizes, 5)
        model, ref = models(student, reference, sizes, "tanh", draw_params(rng, sizes))
        what = f"MLP({sizes}, 'tanh').loss_and_grads(X, y)"
        _, grads = loss_and_grads(model, X, y, what)
        want = {f"{p}{l}": shape for l in range(1, len(sizes))
                for p, shape in (("W", (sizes[l - 1], sizes[l])), ("b", (sizes[l],)))}
        assert_equal(sorted(grads), sorted(want), what=f"{what} grads keys", hint="the keys of params")
        ref_grads = ref.loss_and_grads(X, y)[1]
        for key, shape in want.items():
            assert_equal(np.shape(grads[key]), shape, what=f"{what} grads[{key!r}] shape",
                         hint="each gradient has its param's shape; db is (n_out,), a sum over the batch")
            assert_close(grads[key], ref_grads[key], what=f"{what} grads[{key!r}]", inputs={"X": X, "y": y},
                         hint=HINT_OUT + "; then backward through every layer, last to first")


@pytest.mark.target("MLP.loss_and_grads")
@pytest.mark.points(2)
def test_mlp_loss_and_grads_is_a_batch_mean(student, reference, rng):
    sizes = [3, 5, 3]
    X, y = data(rng, sizes, 6)
    model, ref = models(student, reference, sizes, "tanh", draw_params(rng, sizes))
    what = f"MLP({sizes}, 'tanh').loss_and_grads"
    loss1, grads1 = loss_and_grads(model, X, y, what)
    # the values first: a loss and grads that are constant would pass the repetition check alone
    ref_loss, ref_grads = ref.loss_and_grads(X, y)
    assert_close(loss1, ref_loss, what=f"{what}(X, y) loss", inputs={"X": X, "y": y},
                 hint="the mean over the batch of the cross-entropy of the softmax output, as one float")
    for key in sorted(ref_grads):
        if key not in grads1:
            raise unusable(sorted(grads1), f"{what} grads keys")
        assert_close(grads1[key], ref_grads[key], what=f"{what}(X, y) grads[{key!r}]", inputs={"X": X, "y": y},
                     hint=HINT_OUT)
    loss2, grads2 = loss_and_grads(model, np.vstack([X, X]), np.concatenate([y, y]), what)
    hint = "the loss is the mean over the batch and grads are its gradient: divide by n once, at the output"
    assert_close(loss2, loss1, what=f"{what}: loss of the batch repeated twice vs once", inputs={"X": X, "y": y},
                 hint=hint)
    for key in sorted(grads1):
        if key not in grads2:
            raise unusable(sorted(grads2), f"{what} grads keys")
        assert_close(grads2[key], grads1[key], what=f"{what}: grads[{key!r}] of the batch repeated twice vs once",
                     inputs={"X": X, "y": y}, hint=hint)


@pytest.mark.target("MLP.loss_and_grads")
@pytest.mark.points(1)
def test_mlp_loss_and_grads_finite_for_saturated_outputs(student, reference, rng):
    sizes = [3, 4, 1]
    X = rng.normal(size=(8, 3))
    model, ref = models(student, reference, sizes, "relu", draw_params(rng, sizes, scale=300.0))
    y = (ref.forward(X)[:, 0] < 0.5).astype(int)  # every prediction confidently wrong: p is 0 or 1
    y[:2] = 1 - y[:2]                             # but two confidently right
    what = f"MLP({sizes}).loss_and_grads(X, y) with outputs saturated at 0 and 1"
    res = call_without_warnings(model.loss_and_grads, X, y, what=what, inputs={"X": X, "y": y},
                                hint="clip p before the log as in binary_cross_entropy, and use dL/dz = (p - y) / n "
                                     "(never y / p)")
    if not isinstance(res, (tuple, list)) or len(res) != 2 or not isinstance(res[1], dict):
        raise unusable(res, f"{what} should return a pair (loss, grads dict)")
    assert_finite(res[0], what=f"{what} loss", inputs={"X": X, "y": y}, hint="clip p to [eps, 1 - eps]")
    # the loss's value depends on the clip (or none, from the logits); the gradients do not
    grads = res[1]
    for key, want in sorted(ref.loss_and_grads(X, y)[1].items()):
        if key not in grads:
            raise unusable(sorted(grads), f"{what} grads keys")
        assert_finite(grads[key], what=f"{what} grads[{key!r}]", inputs={"X": X, "y": y},
                      hint="dL/dz = (p - y) / n is finite even where p is 0 or 1")
        assert_close(grads[key], want, what=f"{what} grads[{key!r}]", inputs={"X": X, "y": y},
                     hint="dL/dz = (p - y) / n, with p exactly 0 or 1 here")
