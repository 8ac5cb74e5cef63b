"""Re-run a graded submission in the sandbox to get the numbers the feedback plots show.

Why: a Result says which tests lost points; a picture needs values: the
student's curve on a grid, gradient errors per parameter tensor, a loss curve,
a decision boundary. Student code runs only in the sandbox worker (Session,
StudentModule), the reference in this process, as the grader does. Each probe
is independent: one that fails becomes a sentence, not a missing page.
"""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field

import numpy as np

from nncourse.errors import SandboxError, StudentError, UnusableObject
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.proxy import Session, StudentModule

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish")
# A non-default alpha shows a bug that the default hides (elu_grad(0) is alpha, which is 1 by default).
PROBE_KWARGS = {"leaky_relu": {"alpha": 0.1}, "elu": {"alpha": 0.5}}
PROBE_FAULTS = (SandboxError, StudentError, UnusableObject, TypeError, ValueError, KeyError, IndexError,
                AttributeError, ArithmeticError)


@dataclass
class Curve:
    """One activation on a grid: the reference's value and derivative, the student's, where they differ."""

    name: str
    kwargs: dict
    z: np.ndarray
    ref: np.ndarray
    ref_grad: np.ndarray
    got: np.ndarray | None = None
    got_grad: np.ndarray | None = None
    problem: str = ""          # why the student's curve is missing

    def wrong(self, which: str) -> np.ndarray:
        want, got = (self.ref, self.got) if which == "value" else (self.ref_grad, self.got_grad)
        if got is None:
            return np.zeros_like(self.z, dtype=bool)
        return ~np.isclose(got, want, rtol=1e-6, atol=1e-8)  # NaN is never close


@dataclass
class GradientCheck:
    """Relative error between the student's analytic gradient and a numeric one, per parameter tensor."""

    errors: dict[str, float] = field(default_factory=dict)
    against_reference: dict[str, float] = field(default_factory=dict)
    problem: str = ""


@dataclass
class Training:
    """The student's and the reference's loss per epoch on make_moons, and both decision boundaries."""

    losses: list[float] | None = None
    ref_losses: list[float] | None = None
    X: np.ndarray | None = None
    y: np.ndarray | None = None
    xx: np.ndarray | None = None
    yy: np.ndarray | None = None
    grid_pred: np.ndarray | None = None
    ref_grid_pred: np.ndarray | None = None
    accuracy: float | None = None
    problem: str = ""
    boundary_problem: str = ""


def load_reference(path: str, name: str):
    """The trusted reference module, imported in this process under a private name."""
    spec = importlib.util.spec_from_file_location(f"_nncourse_reference_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _why(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


def _array(value, shape) -> np.ndarray:
    out = np.asarray(value, dtype=float)
    if out.shape != shape:
        raise ValueError(f"returned shape {out.shape}, expected {shape}")
    return out


def activation_curves(student: StudentModule, reference, names=ACTIVATIONS, lo=-5.0, hi=5.0,
                      n=401) -> list[Curve]:
    z = np.linspace(lo, hi, n)
    curves = []
    for name in names:
        kw = PROBE_KWARGS.get(name, {})
        curve = Curve(name, kw, z, np.asarray(getattr(reference, name)(z, **kw), float),
                      np.asarray(getattr(reference, f"{name}_grad")(z, **kw), float))
        try:
            curve.got = _array(getattr(student, name)(z.copy(), **kw), z.shape)
            curve.got_grad = _array(getattr(student, f"{name}_grad")(z.copy(), **kw), z.shape)
        except PROBE_FAULTS as exc:
            curve.problem = f"{name} or {name}_grad could not be evaluated on a grid: {_why(exc)}"
        curves.append(curve)
    return curves


def _tiny_problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    return X, y


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        return float("inf")
    scale = np.maximum(np.abs(a) + np.abs(b), 1e-12)
    err = np.abs(a - b) / scale
    return float(np.nanmax(np.where(np.isnan(err), np.inf, err))) if err.size else 0.0


def gradient_check(student: StudentModule, reference, sizes=(3, 4, 1), eps: float = 1e-6) -> GradientCheck:
    """Central differences of the student's own loss against its analytic gradient, per tensor."""
    out = GradientCheck()
    X, y = _tiny_problem()
    try:
        model = student.MLP(list(sizes), activation="tanh", seed=0)
        ref = reference.MLP(list(sizes), activation="tanh", seed=0)
        params = {k: np.asarray(v, float) for k, v in dict(model.params).items()}
        ref.params = {k: v.copy() for k, v in params.items()}
        _, grads = model.loss_and_grads(X, y)
        _, ref_grads = ref.loss_and_grads(X, y)
        for key in sorted(params, key=lambda k: (k[1:], k[0])):
            numeric = np.zeros_like(params[key])
            for idx in np.ndindex(params[key].shape):
                values = []
                for sign in (1, -1):
                    trial = {k: v.copy() for k, v in params.items()}
                    trial[key][idx] += sign * eps
                    model.params = trial
                    values.append(float(model.loss_and_grads(X, y)[0]))
                numeric[idx] = (values[0] - values[1]) / (2 * eps)
            out.errors[key] = _rel(np.asarray(grads[key], float), numeric)
            out.against_reference[key] = _rel(np.asarray(grads[key], float), ref_grads[key])
    except PROBE_FAULTS as exc:
        out.problem = f"the gradient check could not run: {_why(exc)}"
    return out


def moons_training(student: StudentModule, reference, epochs: int = 60, grid: int = 80) -> Training:
    """Train MLP([2, 16, 16, 1], relu, seed=0) on make_moons as the grader does, the student's and the reference's."""
    from sklearn.datasets import make_moons
    X, y = make_moons(n_samples=300, noise=0.1, random_state=0)
    out = Training(X=X, y=y)
    kwargs = dict(epochs=epochs, learning_rate=0.3, batch_size=32, seed=0)
    ref = reference.MLP([2, 16, 16, 1], activation="relu", seed=0)
    out.ref_losses = [float(v) for v in ref.fit(X, y, **kwargs)]
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    out.xx, out.yy = np.meshgrid(np.linspace(lo[0], hi[0], grid), np.linspace(lo[1], hi[1], grid))
    points = np.c_[out.xx.ravel(), out.yy.ravel()]
    out.ref_grid_pred = np.asarray(ref.predict(points)).reshape(out.xx.shape)
    try:
        model = student.MLP([2, 16, 16, 1], activation="relu", seed=0)
        out.losses = [float(v) for v in np.asarray(model.fit(X, y, **kwargs), float).ravel()]
    except PROBE_FAULTS as exc:
        out.problem = f"MLP.fit could not be run: {_why(exc)}"
        return out
    try:
        out.grid_pred = _array(model.predict(points), (len(points),)).reshape(out.xx.shape)
        out.accuracy = float(np.mean(_array(model.predict(X), (len(X),)) == y))
    except PROBE_FAULTS as exc:
        out.boundary_problem = f"MLP.predict could not be run: {_why(exc)}"
    return out


class Probe:
    """A sandboxed session on one submission, closed on exit."""

    def __init__(self, module_path: str, module_name: str, call_timeout: float = 20.0):
        self.session = Session(module_path, module_name, Limits(call_timeout=call_timeout))
        self.student = StudentModule(self.session)

    def __enter__(self):
        self.session.start()
        return self

    def __exit__(self, *exc):
        self.session.close()
