"""Properties every reference in solutions/ must have, whatever its exercise (docs/API.md).

For each public function or method, called three ways (float64 arrays, float32 arrays,
Python lists), under warnings-as-errors and NumPy floating-point events raising:
  - the inputs are left exactly as they were (values and dtype);
  - float outputs are float64 arrays or Python floats, label outputs are int arrays;
  - no output array shares memory with an input array;
  - float32 inputs give the result of the same values as float64, lists that of arrays.
The values themselves are checked against independent oracles in tests/test_oracle_*.py:
  perceptron (sklearn.linear_model.Perceptron, np.heaviside), activations (scipy.special,
  mpmath, central differences), backprop (sklearn log_loss, central differences),
  optimizers (closed forms, torch if installed), regularization (norms, central
  differences, binomial bounds), softmax_classifier (sklearn.metrics, OneHotEncoder, scipy).
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
MODULES = {"exercise1": "perceptron", "exercise2": "activations", "exercise3": "backprop",
           "exercise4": "optimizers", "exercise5": "regularization", "exercise6": "softmax_classifier"}
_loaded = {}


def _ref(exercise):
    if exercise not in _loaded:
        _loaded[exercise] = H.load_reference(exercise, MODULES[exercise])
    return _loaded[exercise]


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return {"z": rng.normal(0, 3, size=(4, 5)), "dout": rng.normal(size=(4, 5)),
            "X": rng.normal(size=(6, 3)), "y2": np.array([0, 1, 1, 0, 1, 0]), "y4": np.array([0, 3, 1, 2, 3, 1]),
            "W": rng.normal(size=(3, 5)), "b": rng.normal(size=5), "p": rng.uniform(0.05, 0.95, size=6),
            "params": {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 2))}}


# Each case: builder(ref, data) -> (callable, args). The builder runs afresh for every call, so
# objects with state (Perceptron, MLP, EarlyStopping...) start equal; only `args` vary by variant.
# int_output: int label arrays/scalars are expected; float_output=False: float dtypes pass through.
CASES = {}


def case(name, exercise, int_output=False, float_output=True):
    def register(builder):
        CASES[name] = (exercise, builder, int_output, float_output)
        return builder
    return register


def _perceptron(ref):
    p = ref.Perceptron(3, seed=0)
    p.weights = np.array([0.3, -0.2, 0.1])
    return p


def _first(fn):
    """Only `out` of a layer function: caches are opaque (docs/API.md)."""
    return lambda *args: fn(*args)[0]


def _with_state(method, *state):
    """Call `method` and return its result with the object's state after the call."""
    return lambda *args: (method(*args), *(get() for get in state))


case("step", "exercise1", int_output=True)(lambda r, d: (r.step, (d["z"],)))
case("Perceptron.net_input", "exercise1")(lambda r, d: (_perceptron(r).net_input, (d["X"],)))
case("Perceptron.predict", "exercise1", int_output=True)(lambda r, d: (_perceptron(r).predict, (d["X"],)))


@case("Perceptron.update", "exercise1", int_output=True)
def _perceptron_update(r, d):
    p = _perceptron(r)
    return _with_state(p.update, lambda: p.weights, lambda: p.bias), (d["X"][0], 1)


@case("Perceptron.fit", "exercise1", int_output=True)
def _perceptron_fit(r, d):
    p = _perceptron(r)
    return _with_state(lambda X, y: p.fit(X, y, epochs=5), lambda: p.weights, lambda: p.bias), (d["X"], d["y2"])


for _name in ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish"]:
    for _fn in (_name, _name + "_grad"):
        case(_fn, "exercise2")(lambda r, d, _fn=_fn: (getattr(r, _fn), (d["z"],)))
case("softmax(axis=0)", "exercise2")(lambda r, d: ((lambda z: r.softmax(z, axis=0)), (d["z"],)))
case("softmax_backward", "exercise2")(
    lambda r, d: (r.softmax_backward, (d["dout"], np.exp(d["z"]) / np.exp(d["z"]).sum(-1, keepdims=True))))

case("affine_forward", "exercise3")(lambda r, d: (_first(r.affine_forward), (d["X"], d["W"], d["b"])))


@case("affine_backward", "exercise3")
def _affine_backward(r, d):
    cache = r.affine_forward(d["X"], d["W"], d["b"])[1]
    return (lambda dout: r.affine_backward(dout, cache)), (d["X"] @ d["W"],)


def _layer_backward(act):
    def build(r, d):
        cache = getattr(r, f"{act}_forward")(d["z"])[1]
        return (lambda dout: getattr(r, f"{act}_backward")(dout, cache)), (d["dout"],)
    return build


for _act in ["relu", "sigmoid", "tanh"]:
    case(f"{_act}_forward", "exercise3")(lambda r, d, _act=_act: (_first(getattr(r, f"{_act}_forward")), (d["z"],)))
    case(f"{_act}_backward", "exercise3")(_layer_backward(_act))
case("binary_cross_entropy", "exercise3")(lambda r, d: (r.binary_cross_entropy, (d["p"], d["y2"])))
case("binary_cross_entropy (n, 1)", "exercise3")(
    lambda r, d: (r.binary_cross_entropy, (d["p"].reshape(-1, 1), d["y2"])))


def _mlp_fit(sizes, labels):
    def build(r, d):
        net = r.MLP(sizes, seed=0)
        fit = _with_state(lambda X, y: net.fit(X, y, epochs=3, batch_size=4, seed=1), lambda: net.params)
        return fit, (d["X"], d[labels])
    return build


for _sizes, _y in [([3, 4, 1], "y2"), ([3, 4, 4], "y4")]:
    _k = f"{_sizes[-1]} outputs"
    case(f"MLP.forward {_k}", "exercise3")(
        lambda r, d, s=_sizes: (r.MLP(s, activation="tanh", seed=0).forward, (d["X"],)))
    case(f"MLP.loss_and_grads {_k}", "exercise3")(
        lambda r, d, s=_sizes, y=_y: (r.MLP(s, activation="sigmoid", seed=0).loss_and_grads, (d["X"], d[y])))
    case(f"MLP.predict {_k}", "exercise3", int_output=True)(
        lambda r, d, s=_sizes: (r.MLP(s, seed=0).predict, (d["X"],)))
    case(f"MLP.fit {_k}", "exercise3")(_mlp_fit(_sizes, _y))

for _pen in ["l2_penalty", "l2_grad", "l1_penalty", "l1_grad"]:
    case(_pen, "exercise5")(lambda r, d, _pen=_pen: (getattr(r, _pen), (d["params"], 0.1)))
case("dropout_forward", "exercise5")(
    lambda r, d: ((lambda x: r.dropout_forward(x, 0.5, rng=np.random.default_rng(3))), (d["z"],)))
case("dropout_forward eval", "exercise5")(
    lambda r, d: ((lambda x: r.dropout_forward(x, 0.5, training=False)), (d["z"],)))


@case("dropout_backward", "exercise5")
def _dropout_backward(r, d):
    mask = r.dropout_forward(d["z"], 0.5, rng=np.random.default_rng(3))[1]   # the forward's own array
    return (lambda dout: r.dropout_backward(dout, mask)), (d["dout"],)


@case("EarlyStopping.step", "exercise5", float_output=False)   # best_params is a deep copy: dtype kept
def _early_stopping_step(r, d):
    stopper = r.EarlyStopping()
    return _with_state(lambda params: stopper.step(1.0, params), lambda: stopper.best_params), (d["params"],)


case("one_hot", "exercise6")(lambda r, d: ((lambda y: r.one_hot(y, 4)), (d["y4"],)))
case("softmax", "exercise6")(lambda r, d: (r.softmax, (d["z"],)))
case("cross_entropy", "exercise6")(lambda r, d: (r.cross_entropy, (d["z"][:, :4].copy(), d["y4"][:4].copy())))
case("cross_entropy_grad", "exercise6")(
    lambda r, d: (r.cross_entropy_grad, (d["z"][:, :4].copy(), d["y4"][:4].copy())))
for _method in ["loss_and_grads", "score"]:
    case(f"SoftmaxClassifier.{_method}", "exercise6")(
        lambda r, d, m=_method: (getattr(r.SoftmaxClassifier(3, 4, reg=0.1, seed=0), m), (d["X"], d["y4"])))
case("SoftmaxClassifier.predict_proba", "exercise6")(
    lambda r, d: (r.SoftmaxClassifier(3, 4, seed=0).predict_proba, (d["X"],)))
case("SoftmaxClassifier.predict", "exercise6", int_output=True)(
    lambda r, d: (r.SoftmaxClassifier(3, 4, seed=0).predict, (d["X"],)))


@case("SoftmaxClassifier.fit", "exercise6")
def _softmax_fit(r, d):
    clf = r.SoftmaxClassifier(3, 4, reg=0.1, seed=0)
    fit = _with_state(lambda X, y: clf.fit(X, y, epochs=3, batch_size=4, seed=1), lambda: clf.params)
    return fit, (d["X"], d["y4"])


case("confusion_matrix", "exercise6", int_output=True)(
    lambda r, d: ((lambda t, p: r.confusion_matrix(t, p, 4)), (d["y4"], d["y4"][::-1].copy())))
case("precision_recall_f1", "exercise6")(
    lambda r, d: ((lambda t, p: r.precision_recall_f1(t, p, 4)), (d["y4"], d["y4"][::-1].copy())))


# -- input conversions ------------------------------------------------------------------------

def _convert(value, how):
    """float32 (float arrays only; labels stay ints), as64 (back to float64) or list."""
    if isinstance(value, dict):
        return {k: _convert(v, how) for k, v in value.items()}
    if not isinstance(value, np.ndarray):
        return value
    if how == "list":
        return value.tolist()
    if value.dtype.kind != "f":
        return value.copy()
    return value.astype(np.float32 if how == "float32" else np.float64)


def _check_output_types(out, int_output, float_output, what):
    if isinstance(out, (tuple, list)):
        for i, item in enumerate(out):
            _check_output_types(item, int_output, float_output, f"{what}[{i}]")
    elif isinstance(out, dict):
        for key, item in out.items():
            _check_output_types(item, int_output, float_output, f"{what}[{key!r}]")
    elif isinstance(out, np.ndarray):
        if out.dtype.kind == "f" and float_output:
            assert out.dtype == np.float64, f"{what} has dtype {out.dtype}, expected float64"
        elif out.dtype.kind != "f":
            assert int_output and out.dtype.kind in "iu", f"{what} has dtype {out.dtype}"
    elif out is not None:
        scalars = (bool, int, float, np.bool_, np.float64) + ((np.integer,) if int_output else ())
        assert isinstance(out, scalars), f"{what} is a {type(out).__name__}"


def _assert_close_nested(got, want, what):
    if isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), what
        for key in want:
            _assert_close_nested(got[key], want[key], f"{what}[{key!r}]")
    elif isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want), what
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_close_nested(g, w, f"{what}[{i}]")
    elif want is None:
        assert got is None, what
    else:
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                                   **H.TIGHT, err_msg=what)


def _run(name, args):
    exercise, builder, int_output, float_output = CASES[name]
    fn, _ = builder(_ref(exercise), _data())
    before = H.snapshot(args)
    out = H.call(fn, *args)
    H.assert_same(before, args, f"{name}: inputs")
    _check_output_types(out, int_output, float_output, name)
    inputs = H.array_leaves(list(args))
    for leaf in H.array_leaves(out):
        assert not any(np.shares_memory(leaf, a) for a in inputs), f"{name}: an output shares memory with an input"
    return out


@pytest.mark.parametrize("variant", ["float64", "float32", "lists"])
@pytest.mark.parametrize("name", list(CASES))
def test_reference_properties(name, variant):
    exercise, builder, _, _ = CASES[name]
    _, args = builder(_ref(exercise), _data())
    if variant == "float64":
        _run(name, args)
    elif variant == "float32":
        got = _run(name, tuple(_convert(a, "float32") for a in args))
        want = _run(name, tuple(_convert(_convert(a, "float32"), "as64") for a in args))
        _assert_close_nested(got, want, f"{name} with float32 inputs vs the same values in float64")
    else:
        got = _run(name, tuple(_convert(a, "list") for a in args))
        _assert_close_nested(got, _run(name, args), f"{name} with list inputs vs arrays")
