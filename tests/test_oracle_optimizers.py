"""exercise4 reference (optimizers.py) against closed forms derived by hand, and PyTorch if present.

Unrolled over three steps the update rules have closed forms in the gradients g1, g2, g3:
  SGD       p3 = p0 - lr (g1 + g2 + g3)
  Momentum  v_t = sum_i beta**(t-i) g_i, so p3 = p0 - lr ((1 + b + b**2) g1 + (1 + b) g2 + g3)
  Adam      m_t = (1-b1) sum_i b1**(t-i) g_i,  v_t = (1-b2) sum_i b2**(t-i) g_i**2,
            p_t = p_(t-1) - lr m_t / (1 - b1**t) / (sqrt(v_t / (1 - b2**t)) + eps)
and with a constant gradient g every Adam step moves by exactly lr g / (|g| + eps).
"""
import importlib.util
import math
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
    return H.load_reference("exercise4", "optimizers")


def _problem(seed=0):
    """Two keys with their own gradients over three steps (so per-key state is exercised)."""
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    grads = [{k: rng.normal(size=v.shape) for k, v in params.items()} for _ in range(3)]
    return params, grads


def _run(opt, params, grads_seq):
    """Step through grads_seq; checks in-place updates and untouched gradients on the way."""
    arrays = dict(params)
    for grads in grads_seq:
        before = H.snapshot(grads)
        H.call(opt.step, params, grads)
        H.assert_same(before, grads, "grads")
        for key, array in arrays.items():
            assert params[key] is array, f"step rebound params[{key!r}] instead of updating it in place"
    return params


def test_sgd_closed_form(ref):
    params, grads = _problem()
    start = H.snapshot(params)
    _run(ref.SGD(lr=0.05), params, grads)
    for key in start:
        np.testing.assert_allclose(params[key], start[key] - 0.05 * sum(g[key] for g in grads), **H.TIGHT)


@pytest.mark.parametrize("beta", [0.9, 0.5])
def test_momentum_closed_form(ref, beta):
    params, (g1, g2, g3) = _problem(1)
    start = H.snapshot(params)
    _run(ref.Momentum(lr=0.1, beta=beta), params, [g1, g2, g3])
    for key in start:
        total = (1 + beta + beta**2) * g1[key] + (1 + beta) * g2[key] + g3[key]
        np.testing.assert_allclose(params[key], start[key] - 0.1 * total, **H.TIGHT)


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Adam"])
def test_lr_set_between_steps_is_used(ref, name):
    """Schedules set `lr` between steps (docs/API.md); the next step must use it."""
    params, (g1, g2, _) = _problem(6)
    start = H.snapshot(params)
    opt = getattr(ref, name)(lr=0.1)
    _run(opt, params, [g1])
    opt.lr = 0.01
    _run(opt, params, [g2])
    for key in start:
        if name == "SGD":
            want = start[key] - 0.1 * g1[key] - 0.01 * g2[key]
        elif name == "Momentum":
            want = start[key] - 0.1 * g1[key] - 0.01 * (0.9 * g1[key] + g2[key])
        else:
            want = _adam_closed_form(start[key], [g1[key], g2[key]], [0.1, 0.01], 0.9, 0.999, 1e-8)
        np.testing.assert_allclose(params[key], want, **H.TIGHT)


def _adam_closed_form(p0, grads, lr, b1, b2, eps):
    """lr: one float, or one per step (a schedule)."""
    lrs = lr if isinstance(lr, list) else [lr] * len(grads)
    p = p0.copy()
    for t, lr in enumerate(lrs, 1):
        m = (1 - b1) * sum(b1 ** (t - i) * grads[i - 1] for i in range(1, t + 1))
        v = (1 - b2) * sum(b2 ** (t - i) * grads[i - 1] ** 2 for i in range(1, t + 1))
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return p


@pytest.mark.parametrize("hyper", [dict(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8),
                                   dict(lr=0.1, beta1=0.5, beta2=0.9, eps=1e-3)])
def test_adam_closed_form(ref, hyper):
    params, grads = _problem(3)
    start = H.snapshot(params)
    _run(ref.Adam(**hyper), params, grads)
    for key in start:
        want = _adam_closed_form(start[key], [g[key] for g in grads], hyper["lr"], hyper["beta1"],
                                 hyper["beta2"], hyper["eps"])
        np.testing.assert_allclose(params[key], want, rtol=1e-12, atol=1e-15)


def test_defaults(ref):
    """Defaults of docs/API.md, seen through behaviour (only `lr` is a documented attribute)."""
    params, grads = _problem(7)
    start = H.snapshot(params)
    runs = {name: _run(getattr(ref, name)(), H.snapshot(params), grads) for name in ("SGD", "Momentum", "Adam")}
    assert ref.SGD().lr == 0.01 and ref.Momentum().lr == 0.01 and ref.Adam().lr == 0.001
    g1, g2, g3 = grads
    for key in start:
        np.testing.assert_allclose(runs["SGD"][key], start[key] - 0.01 * (g1[key] + g2[key] + g3[key]), **H.TIGHT)
        momentum = (1 + 0.9 + 0.81) * g1[key] + 1.9 * g2[key] + g3[key]
        np.testing.assert_allclose(runs["Momentum"][key], start[key] - 0.01 * momentum, **H.TIGHT)
        adam = _adam_closed_form(start[key], [g[key] for g in grads], 0.001, 0.9, 0.999, 1e-8)
        np.testing.assert_allclose(runs["Adam"][key], adam, **H.TIGHT)


def test_adam_constant_gradient_moves_lr_per_step(ref):
    """Bias correction makes m_hat = g and v_hat = g**2 at every t for a constant g."""
    g = np.array([3.0, -0.02, 1e-6, -50.0])
    p = np.zeros(4)
    opt = ref.Adam(lr=0.01)
    for t in range(1, 6):
        before = p.copy()
        H.call(opt.step, {"w": p}, {"w": g})
        np.testing.assert_allclose(before - p, 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-9, atol=0,
                                   err_msg=f"step {t}")  # b**t rounding: a few 1e-12 relative


@pytest.mark.parametrize("name", ["SGD", "Momentum", "Adam"])
def test_gradients_as_float32_or_lists(ref, name):
    params, grads = _problem(4)
    g32 = [{k: v.astype(np.float32) for k, v in g.items()} for g in grads]
    runs = {}
    for label, seq in [("float64", grads), ("float32", g32),
                       ("float32 values as float64", [{k: v.astype(np.float64) for k, v in g.items()} for g in g32]),
                       ("lists", [{k: v.tolist() for k, v in g.items()} for g in grads])]:
        runs[label] = _run(getattr(ref, name)(lr=0.1), H.snapshot(params), seq)
        assert all(v.dtype == np.float64 for v in runs[label].values()), label
    for got, want in [("float32", "float32 values as float64"), ("lists", "float64")]:
        for key in params:
            np.testing.assert_allclose(runs[got][key], runs[want][key], **H.TIGHT, err_msg=f"{got} grads")


# -- schedules ------------------------------------------------------------------------------

def test_schedules_hand_values(ref):
    assert H.call(ref.exponential_decay, 0.5, 0.5, 0) == pytest.approx(0.5, rel=1e-15)
    assert H.call(ref.exponential_decay, 0.5, 0.5, 3) == pytest.approx(0.0625, rel=1e-15)
    for t, want in [(0, 1.0), (9, 1.0), (10, 0.5), (19, 0.5), (20, 0.25), (35, 0.125)]:
        assert H.call(ref.step_decay, 1.0, 0.5, 10, t) == pytest.approx(want, rel=1e-15), t
    assert H.call(ref.inverse_time_decay, 1.0, 0.5, 0) == pytest.approx(1.0, rel=1e-15)
    assert H.call(ref.inverse_time_decay, 1.0, 0.5, 2) == pytest.approx(0.5, rel=1e-15)
    assert H.call(ref.inverse_time_decay, 0.3, 0.1, 10) == pytest.approx(0.15, rel=1e-15)


@pytest.mark.parametrize("t", [0, 1, 2, 7, 49, 50, 51, 1000])
def test_schedules_closed_forms(ref, t):
    assert H.call(ref.exponential_decay, 0.1, 0.96, t) == pytest.approx(0.1 * math.exp(t * math.log(0.96)), rel=1e-12)
    assert H.call(ref.step_decay, 0.1, 0.3, 50, t) == pytest.approx(0.1 * 0.3 ** math.floor(t / 50), rel=1e-12)
    assert H.call(ref.inverse_time_decay, 0.1, 0.01, t) == pytest.approx(0.1 / (1 + 0.01 * t), rel=1e-12)


# -- PyTorch (optional: only when torch is already installed) --------------------------------

@pytest.mark.parametrize("name", ["Momentum", "Adam"])
def test_matches_torch(ref, name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    p0 = rng.normal(size=(4, 3))
    grads = [rng.normal(size=p0.shape) for _ in range(6)]
    tp = torch.tensor(p0.copy(), dtype=torch.float64, requires_grad=True)
    if name == "Momentum":
        topt = torch.optim.SGD([tp], lr=0.05, momentum=0.9, dampening=0)
        opt = ref.Momentum(lr=0.05, beta=0.9)
    else:
        topt = torch.optim.Adam([tp], lr=0.05, betas=(0.9, 0.999), eps=1e-8)
        opt = ref.Adam(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-8)
    p = p0.copy()
    for g in grads:
        tp.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        H.call(opt.step, {"w": p}, {"w": g})
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-10, atol=1e-12)
