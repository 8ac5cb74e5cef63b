"""Target-specific hypotheses: the known-wrong value of one API name, computed with trusted NumPy.

Why: some bugs are only recognisable by what they compute (softmax over the other
axis, 1 - tanh without the square); each builds that value from the check's
inputs and fits when the student's numbers agree with it and the right value does not.
"""
from __future__ import annotations

import re

import numpy as np

from nncourse.grading.diagnoses import Case, Diagnosis, agrees, hypothesis

INPUT_AFTER = re.compile(r"\b(?:x|X|y|z|dout|grads|logits|it|input|argument)\b[^:]*\bafter\b")

# --- target-specific hypotheses ------------------------------------------------------------

def _sigmoid(z):
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def _softmax(z, axis):
    s = np.exp(z - z.max(axis=axis, keepdims=True))
    return s / s.sum(axis=axis, keepdims=True)


def _input(case: Case, *names) -> np.ndarray | None:
    arrays = case.arrays()
    for n in names:
        if n in arrays:
            return arrays[n]
    return None


@hypothesis("softmax", "SoftmaxClassifier.predict_proba", "MLP.forward")
def softmax_wrong_axis(case: Case) -> Diagnosis | None:
    z = _input(case, "z", "logits")
    if z is None:
        X, W, b = (_input(case, k) for k in ("X", "W", "b"))
        z = X @ W + b if X is not None and W is not None and b is not None else None
    if z is None or z.ndim != 2 or z.shape != case.got.shape:
        return None
    with np.errstate(all="ignore"):
        right_axis = next((a for a in (0, 1) if agrees(case.want, _softmax(z, a))), None)
        if right_axis is None:
            return None
        other = 1 - right_axis
        wrong = _softmax(z, other)
        mixed = np.exp(z - z.max(axis=right_axis, keepdims=True))
        mixed = mixed / mixed.sum(axis=other, keepdims=True)
        if case.fits(wrong) or case.fits(mixed):
            return Diagnosis("softmax_axis", f"your probabilities sum to 1 along axis {other} instead of axis "
                             f"{right_axis}: take the max and the sum along the same, requested axis "
                             "(keepdims=True), one row per sample")
    return None


@hypothesis("sigmoid_grad", "sigmoid_backward", "MLP.loss_and_grads")
def derivative_of_output(case: Case) -> Diagnosis | None:
    """s * (1 - s) applied to the wrong thing: to z itself, or sigmoid applied twice."""
    z = _input(case, "z", "x")
    if z is None or z.shape != case.want.shape:
        return None
    dout = _input(case, "dout")
    scale = dout if dout is not None and dout.shape == z.shape else 1.0
    s = _sigmoid(z)
    s2 = _sigmoid(s)
    for cand in (z * (1 - z) * scale, s2 * (1 - s2) * scale):
        if case.fits(cand):
            return Diagnosis("derivative_on_output", "your derivative applies s * (1 - s) to the wrong value: "
                             "s must be the sigmoid of the input (or the cached output itself), not the input, and "
                             "not the sigmoid of the output")
    return None


@hypothesis("tanh_grad", "tanh_backward")
def tanh_missing_square(case: Case) -> Diagnosis | None:
    z = _input(case, "z", "x")
    if z is None or z.shape != case.want.shape:
        return None
    dout = _input(case, "dout")
    scale = dout if dout is not None and dout.shape == z.shape else 1.0
    t = np.tanh(z)
    if case.fits((1 - t) * scale):
        return Diagnosis("missing_square", "your derivative is 1 - tanh(z) where it is 1 - tanh(z)**2: the square "
                         "is missing")
    if case.fits((1 - np.tanh(t) ** 2) * scale):
        return Diagnosis("derivative_on_output", "your backward applies tanh again to the cached output: the cache "
                         "already holds t = tanh(x), so the derivative is 1 - t**2")
    return None


@hypothesis("swish_grad")
def swish_missing_term(case: Case) -> Diagnosis | None:
    z = _input(case, "z")
    if z is None or z.shape != case.want.shape:
        return None
    s = _sigmoid(z)
    for cand, term in ((s + s * (1 - s), "the factor z in z * s * (1 - s)"),
                       (s, "the term z * s * (1 - s)"), (z * s * (1 - s), "the term s")):
        if case.fits(cand):
            return Diagnosis("missing_term", f"your derivative lacks {term}: by the product rule, "
                             "d/dz [z * s(z)] = s + z * s * (1 - s)")
    return None


@hypothesis("softmax_backward")
def softmax_backward_missing_sum(case: Case) -> Diagnosis | None:
    dout, s = _input(case, "dout"), _input(case, "s")
    if dout is None or s is None or dout.shape != s.shape:
        return None
    if case.fits(s * dout):
        return Diagnosis("missing_term", "your gradient is s * dout: the sum term is missing; softmax couples the "
                         "outputs, so dz = s * (dout - sum(dout * s, along the softmax axis, keepdims=True))")
    if s.ndim == 2 and case.fits(s * (dout - (dout * s).sum(axis=0, keepdims=True))):
        return Diagnosis("wrong_axis", "your sum term runs over axis 0 (the samples); it must run along the "
                         "softmax axis, the last one: sum(dout * s, axis=-1, keepdims=True)")
    return None


@hypothesis("l2_penalty", "l1_penalty")
def penalty_on_biases(case: Case) -> Diagnosis | None:  # noqa: C901
    params, lam = (case.inputs or {}).get("params"), _input(case, "lam")
    if not isinstance(params, dict) or lam is None:
        return None
    lam = float(lam)
    arrays = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    if case.target == "l2_penalty":
        every = 0.5 * lam * sum(float(np.sum(v ** 2)) for v in arrays.values())
        candidates = (every, 2 * every)
    else:
        every = lam * sum(float(np.sum(np.abs(v))) for v in arrays.values())
        candidates = (every,)
    if any(case.fits(np.asarray(c)) for c in candidates):
        return Diagnosis("biases_penalised", "your penalty also counts the biases: penalise the weights only "
                         "(the keys starting with W)")
    weights = {k: v for k, v in arrays.items() if k.startswith("W")}
    l2 = case.target == "l2_penalty"
    term = (lambda v: np.sum(v ** 2)) if l2 else (lambda v: np.sum(np.abs(v)))
    half = 0.5 if l2 else 1.0
    variants = [
        ("missing_half", lam * sum(float(term(v)) for v in weights.values()) if l2 else None,
         "your penalty is twice the right one: the L2 penalty has the factor 0.5, 0.5 * lam * sum(W**2)"),
        ("missing_abs", None if l2 else lam * sum(float(np.sum(v)) for v in weights.values()),
         "your penalty sums the weights themselves, so negative weights cancel positive ones: sum np.abs(W)"),
        ("hardcoded_keys", half * lam * sum(float(term(v)) for k, v in weights.items() if k in ("W1", "W2")),
         "your penalty only covers W1 and W2: loop over params and penalise every key that starts with 'W'"),
    ]
    for name, value, sentence in variants:
        if value is not None and case.fits(np.asarray(value)):
            return Diagnosis(name, sentence)
    return None


@hypothesis("l2_grad", "l1_grad")
def grad_on_bias(case: Case) -> Diagnosis | None:
    m = re.search(r"\[['\"](b\w*)['\"]\]", case.what)
    if not m or not np.all(case.want == 0):
        return None
    return Diagnosis("biases_penalised", f"your gradient for the bias {m.group(1)} is not zero: the penalty "
                     "covers the weights only, so its gradient for every bias is an array of zeros")


@hypothesis("EarlyStopping.step")
def shallow_copy(case: Case) -> Diagnosis | None:
    if "updated in place" not in case.what:
        return None
    return Diagnosis("shallow_copy", "the stored best_params changed when the training loop updated the params in "
                     "place, so you stored the same arrays (dict(params) or params itself): store a deep copy, "
                     "{k: v.copy() for k, v in params.items()}", exclusive=True)


@hypothesis()
def input_written_in_place(case: Case) -> Diagnosis | None:
    """The check compares an input after the call with its copy from before: the call wrote into it."""
    if not INPUT_AFTER.search(case.what) and "after the call" not in case.what and \
            not case.what.startswith("the original array"):
        return None
    if case.what.startswith("the original array"):
        return Diagnosis("rebinds_array", "params[key] now holds a new array and the caller's array was left behind: "
                         "update it in place, params[key] -= ..., so that everyone holding the array sees the step",
                         exclusive=True)
    return Diagnosis("inplace_write", f"your code changed an input in place ({case.what.split(' after')[0]}): "
                     "work on a new array, e.g. x = x * m instead of x *= m; np.asarray does not copy a float64 array",
                     exclusive=True)




DEFAULT_ALPHA = {"elu": 1.0, "elu_grad": 1.0, "leaky_relu": 0.01, "leaky_relu_grad": 0.01}


def _with_alpha(target: str, z: np.ndarray, alpha: float) -> np.ndarray:
    neg = {"elu": alpha * np.expm1(np.minimum(z, 0.0)), "elu_grad": alpha * np.exp(np.minimum(z, 0.0)),
           "leaky_relu": alpha * z, "leaky_relu_grad": np.full_like(z, alpha)}[target]
    pos = z if target in ("elu", "leaky_relu") else np.ones_like(z)
    return np.where(z > 0, pos, neg)


@hypothesis(*DEFAULT_ALPHA)
def ignores_alpha(case: Case) -> Diagnosis | None:
    """The function uses its default alpha whatever alpha it is given."""
    z, alpha = _input(case, "z"), case.call_args.get("alpha")
    default = DEFAULT_ALPHA[case.target]
    if z is None or alpha is None or alpha == default or z.shape != case.want.shape:
        return None
    if not agrees(case.want, _with_alpha(case.target, z, alpha)) or not case.fits(_with_alpha(case.target, z, default)):
        return None
    return Diagnosis("ignores_argument", f"your function ignores its alpha argument: with alpha = {alpha:g} it "
                     f"computes what alpha = {default:g} gives; use the alpha you are given, not a fixed number")


@hypothesis("softmax")
def softmax_global_max(case: Case) -> Diagnosis | None:
    """nan or 0 rows exactly where a row's max is far below the max of the whole array."""
    z = _input(case, "z", "logits")
    if z is None or z.ndim != 2 or z.shape != case.got.shape:
        return None
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        cand = e / e.sum(axis=1, keepdims=True)
    broken = ~np.isfinite(cand).all(axis=1)
    got_broken = ~np.isfinite(case.got).all(axis=1)
    if not broken.any() or not np.array_equal(broken, got_broken):
        return None
    if not agrees(case.got[~broken], case.want[~broken], *case.tol):
        return None
    return Diagnosis("global_max", "your softmax gives nan in the rows whose values lie far below the largest "
                     "value of the whole array: you subtract one global max; subtract each row's own max "
                     "(np.max(z, axis=axis, keepdims=True))")


def _positional(case: Case) -> list[float] | None:
    """The numbers of a call written out in the checked expression, 'step_decay(0.1, 0.5, 10, 25)'."""
    m = re.search(r"\w\(([-\d.e+, ]+)\)", case.what)
    try:
        return [float(a) for a in m.group(1).split(",")] if m else None
    except ValueError:
        return None


SCHEDULE_BUGS = {  # target: ((name, wrong value from the arguments, sentence), ...)
    "exponential_decay": (
        ("t_from_one", lambda lr0, r, t: lr0 * r ** (t + 1),
         "your rate is one step ahead: step t = 0 must give lr0 itself, so the exponent is t, not t + 1"),),
    "inverse_time_decay": (
        ("wrong_formula", lambda lr0, r, t: lr0 / (1 + r) ** t,
         "you compute lr0 / (1 + decay_rate)**t, an exponential decay; inverse time decay is lr0 / (1 + decay_rate * t)"),
        ("t_from_one", lambda lr0, r, t: lr0 / (1 + r * (t + 1)),
         "your rate is one step ahead: step t = 0 must give lr0 itself, so use t, not t + 1"),),
    "step_decay": (
        ("float_division", lambda lr0, f, s, t: lr0 * f ** (t / s),
         "your rate decays smoothly: the exponent must count whole steps, t // step_size, not t / step_size"),
        ("t_from_one", lambda lr0, f, s, t: lr0 * f ** ((t + 1) // s),
         "your rate is one step ahead: step t = 0 must give lr0 itself, so use t, not t + 1"),),
}


@hypothesis(*SCHEDULE_BUGS)
def schedule_formula(case: Case) -> Diagnosis | None:
    args = _positional(case)
    if not args:
        return None
    for name, wrong, sentence in SCHEDULE_BUGS[case.target]:
        try:
            value = np.asarray(wrong(*args), dtype=float)
        except TypeError:
            continue
        if value.shape == case.got.shape and case.fits(value):
            return Diagnosis(name, sentence)
    return None


@hypothesis("affine_backward")
def affine_dx_without_w(case: Case) -> Diagnosis | None:
    dout, W = _input(case, "dout"), _input(case, "W")
    if dout is None or W is None or not case.what.rstrip().endswith(("dx", "dx for one sample")):
        return None
    if case.fits(dout @ np.ones((dout.shape[1], W.shape[0]))):
        return Diagnosis("forgets_weights", "your dx does not involve W: each input feeds the outputs through W, "
                         "so dx = dout @ W.T")
    return None


@hypothesis("MLP", "Perceptron")
def bias_not_zero(case: Case) -> Diagnosis | None:
    if not re.search(r"bias|\['b\d*'\]", case.what) or np.any(case.want != 0):
        return None
    return Diagnosis("random_bias", "your biases do not start at 0: draw only the weights at random and start "
                     "every bias at 0 (np.zeros)")


@hypothesis("softmax", "MLP.forward", "SoftmaxClassifier.predict_proba")
def rows_do_not_sum_to_one(case: Case) -> Diagnosis | None:
    if "row sums" not in case.what or not np.allclose(case.want, 1.0) or not np.isfinite(case.got).all():
        return None
    return Diagnosis("softmax_axis", "your rows do not sum to 1, so the normalisation does not run along the rows: "
                     "divide by the sum along axis 1 (the classes) with keepdims=True, one row per sample")


@hypothesis("binary_cross_entropy")
def bce_broadcast(case: Case) -> Diagnosis | None:
    p, y = _input(case, "p"), _input(case, "y")
    if p is None or y is None or p.ndim != 2 or p.shape[1] != 1 or y.ndim != 1:
        return None
    with np.errstate(all="ignore"):
        q = np.clip(p, 1e-12, 1 - 1e-12)
        wrong = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
    if case.fits(np.asarray(wrong).reshape(case.got.shape)):
        return Diagnosis("broadcast_column", "p of shape (n, 1) met y of shape (n,) and broadcast to an (n, n) "
                         "table: flatten p first (p.reshape(-1) or p.ravel())")
    return None
