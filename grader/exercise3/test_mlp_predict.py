"""Hidden tests of MLP.predict, on params set from a trusted draw."""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_dtype_kind, assert_equal, assert_shape
from nncourse.sandbox.callbacks import Method


def reference_mlp(reference, values):
    """A reference MLP with the student's params (layer sizes read from their shapes)."""
    params = {k: np.asarray(v, dtype=np.float64) for k, v in values["params"].items()}
    n_layers = sum(1 for k in params if k.startswith("W"))
    sizes = [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, n_layers + 1)]
    model = reference.MLP(sizes, activation=values["activation"], seed=0)
    model.params = params
    return model


# While MLP.predict is graded, the reference answers for forward and the layer functions (every
# test here uses tanh), so a bug in one of those costs points only on its own tests.
pytestmark = pytest.mark.uses_reference(
    "affine_forward", "relu_forward", "sigmoid_forward", "tanh_forward",
    Method("MLP.forward", state=("params",), read_only=("params",), given={"activation": "tanh"}, make=reference_mlp))


def draw_params(rng, sizes, scale=1.0):
    """Trusted params with non-zero biases, so that forgetting a bias shows."""
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


@pytest.mark.target("MLP.predict")
@pytest.mark.points(1)
def test_mlp_predict_returns_int_labels(student, reference, rng):
    X = rng.normal(size=(9, 4))
    for sizes in ([4, 5, 1], [4, 5, 3]):
        model, ref = models(student, reference, sizes, "tanh", draw_params(rng, sizes))
        pred = model.predict(X)
        what = f"MLP({sizes}).predict(X)"
        assert_shape(pred, (9,), what=what, inputs={"X": X}, hint="one label per row: shape (n,), not (n, 1)")
        assert_equal(as_array(pred, what=what), ref.predict(X), what=what, inputs={"X": X},
                     hint="label 1 where p > 0.5 for one output unit, else the argmax of each row")
        assert_dtype_kind(pred, "iu", what=what, inputs={"X": X}, hint="labels are integers: .astype(int)")


@pytest.mark.target("MLP.predict")
@pytest.mark.points(1)
def test_mlp_predict_binary_thresholds_at_half(student, reference, rng):
    sizes, X = [4, 5, 1], rng.normal(size=(30, 4))
    model, ref = models(student, reference, sizes, "tanh", draw_params(rng, sizes))
    want = (ref.forward(X)[:, 0] > 0.5).astype(int)
    pred = as_array(model.predict(X), what="MLP.predict(X)").reshape(-1)
    assert_equal(pred, want, what=f"MLP({sizes}).predict(X)", inputs={"X": X},
                 hint="one output unit: label 1 where the probability is above 0.5, else 0")


@pytest.mark.target("MLP.predict")
@pytest.mark.points(1)
def test_mlp_predict_multiclass_is_argmax(student, reference, rng):
    sizes, X = [4, 5, 4], rng.normal(size=(30, 4))
    model, ref = models(student, reference, sizes, "tanh", draw_params(rng, sizes))
    want = ref.forward(X).argmax(axis=1)
    pred = as_array(model.predict(X), what="MLP.predict(X)").reshape(-1)
    assert_equal(pred, want, what=f"MLP({sizes}).predict(X)", inputs={"X": X},
                 hint="several output units: the index of the largest probability in each row (axis=1)")
