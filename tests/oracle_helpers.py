"""Shared helpers of the reference-oracle tests (tests/test_reference_oracles.py, tests/test_oracle_*.py).

Why: the references in solutions/ are the yardstick of the hidden grader, so they are
checked here against oracles that do not share their code: scikit-learn, SciPy, closed
forms derived by hand and central differences written below. Nothing in this module
calls a reference except through `call`, which runs it in a strict numeric context.
"""
from __future__ import annotations

import contextlib
import copy
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

# Bit-level agreement with SciPy/scikit-learn: a few ulps of float64, plus an absolute
# floor for results that underflow towards 0 (sigmoid(-745) is 5e-324, not 0).
TIGHT = {"rtol": 1e-12, "atol": 1e-15}
# Central differences with h = 1e-6: truncation ~h**2 * f''' and rounding ~1e-16 / h.
FD_TOL = {"rtol": 1e-6, "atol": 1e-8}


def load_reference(exercise: str, module: str):
    """Import solutions/<exercise>/<module>.py by path, fresh; skip while it does not exist yet."""
    path = ROOT / "solutions" / exercise / f"{module}.py"
    if not path.is_file():
        pytest.skip(f"reference solutions/{exercise}/{module}.py does not exist yet")
    name = f"_oracle_reference_{exercise}_{module}"
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # dataclasses and pickling look modules up by name
    spec.loader.exec_module(mod)
    return mod


@contextlib.contextmanager
def strict(allow_underflow: bool = False):
    """Every Python warning is an error and every NumPy floating-point event raises.

    allow_underflow: exp(-1e4) rounds to 0.0 in every stable implementation, which is the
    correctly rounded result; the course's sandbox ignores underflow too
    (src/nncourse/sandbox/worker.py). Only tests at |z| far beyond 700 pass True.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore" if allow_underflow else "raise"):
            yield


def call(fn, *args, allow_underflow: bool = False, **kwargs):
    """fn(*args, **kwargs) under `strict`."""
    with strict(allow_underflow):
        return fn(*args, **kwargs)


def quiet(fn, *args, **kwargs):
    """Run an oracle (SciPy, scikit-learn) with its own warnings and underflow silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)


def central_diff(f, x, h: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar function f at x, one entry at a time: (f(x+h e) - f(x-h e)) / 2h."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (float(f(up)) - float(f(down))) / (up[idx] - down[idx])
    return grad


def central_diff_elementwise(f, z, h: float = 1e-6) -> np.ndarray:
    """Derivative of an elementwise f at every entry of z (the divisor is the step really taken)."""
    z = np.asarray(z, dtype=np.float64)
    up, down = z + h, z - h
    return (np.asarray(f(up), dtype=np.float64) - np.asarray(f(down), dtype=np.float64)) / (up - down)


def central_diff_params(loss, params: dict, h: float = 1e-6) -> dict:
    """{key: d loss / d params[key]} for loss(params) -> float; params is never modified."""
    grads = {}
    for key in params:
        def partial(value, key=key):
            return loss({**params, key: value})
        grads[key] = central_diff(partial, params[key], h)
    return grads


def snapshot(value):
    """A deep copy of nested arrays, lists, tuples and dicts, to compare after a call."""
    return copy.deepcopy(value)


def assert_same(before, after, what: str):
    """Exact equality of two nested values (arrays compared bit for bit, dtype included)."""
    if isinstance(before, dict):
        assert isinstance(after, dict) and before.keys() == after.keys(), f"{what}: keys changed"
        for key in before:
            assert_same(before[key], after[key], f"{what}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert type(after) is type(before) and len(after) == len(before), f"{what}: changed"
        for i, (b, a) in enumerate(zip(before, after)):
            assert_same(b, a, f"{what}[{i}]")
    elif isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray) and after.dtype == before.dtype, f"{what}: dtype changed"
        np.testing.assert_array_equal(after, before, err_msg=f"{what} was modified")
    else:
        assert after == before, f"{what} was modified: {before!r} -> {after!r}"


def array_leaves(value):
    """Every np.ndarray inside nested lists, tuples and dicts."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in array_leaves(item)]
    return []


def assert_epoch_loss(got, *, during, sizes, after, rel=1e-9):
    """An epoch's reported loss, for the readings docs/API.md leaves open (tests/variants has
    each): the mean of the batch losses `during` the epoch weighted by batch `sizes`, their plain
    mean, or the loss of all the data `after` the epoch."""
    readings = {"sample-weighted mean of batch losses": float(np.average(during, weights=sizes)),
                "mean of batch losses": float(np.mean(during)), "loss after the epoch": float(after)}
    assert any(got == pytest.approx(want, rel=rel) for want in readings.values()), \
        f"epoch loss {got!r} is none of {readings}"
