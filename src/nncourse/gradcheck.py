"""Numeric gradients by central differences, for every derivative check.

Why: one helper, used by the public checks and the hidden grader alike, so
every backward function is judged against the same finite-difference oracle.
NumPy only; inputs are copied, never modified.
"""
from __future__ import annotations

import numpy as np


def numeric_grad(f, x, eps: float = 1e-6) -> np.ndarray:
    """Gradient of the scalar function f at x, shape of x (float64).

    Parameters
    ----------
    f : callable taking an array shaped like x and returning a scalar.
    x : array_like, the point; it is copied, never modified.
    eps : half the step of the central difference.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        plus = float(np.asarray(f(x.copy()), dtype=np.float64))
        x[idx] = orig - eps
        minus = float(np.asarray(f(x.copy()), dtype=np.float64))
        x[idx] = orig
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def numeric_grad_of_output(fn, x, dout, eps: float = 1e-6) -> np.ndarray:
    """Gradient of sum(fn(x) * dout) with respect to x: what a backward(dout) must return."""
    dout = np.asarray(dout, dtype=np.float64)
    return numeric_grad(lambda v: float(np.sum(np.asarray(fn(v), dtype=np.float64) * dout)), x, eps)


def numeric_elementwise_derivative(fn, z, eps: float = 1e-6) -> np.ndarray:
    """d fn(z) / dz for an elementwise fn, in two vectorised calls."""
    z = np.asarray(z, dtype=np.float64)
    return (np.asarray(fn(z + eps), dtype=np.float64) - np.asarray(fn(z - eps), dtype=np.float64)) / (2 * eps)


def grad_errors(analytic, numeric) -> tuple[float, float]:
    """Max absolute and max relative error (relative to max(|a|, |n|, tiny))."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    diff = np.abs(a - n)
    rel = diff / np.maximum(np.maximum(np.abs(a), np.abs(n)), 1e-12)
    return float(diff.max(initial=0.0)), float(rel.max(initial=0.0))
