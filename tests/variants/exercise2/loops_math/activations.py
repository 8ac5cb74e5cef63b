"""Correct variant: explicit Python loops over every element with the math module."""
import math

import numpy as np


def _map(fn, z, *args):
    """Apply the scalar function fn to every element of z, in a new float64 array."""
    z = np.asarray(z, dtype=float)
    out = np.empty(z.shape)
    for idx in np.ndindex(z.shape):
        out[idx] = fn(float(z[idx]), *args)
    return out


def _sig(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sig_grad(x):
    s = _sig(x)
    return s * (1.0 - s)


def _tanh_grad(x):
    t = math.tanh(x)
    return 1.0 - t * t


def _elu(x, alpha):
    return x if x > 0 else alpha * math.expm1(x)


def _elu_grad(x, alpha):
    return 1.0 if x > 0 else alpha * math.exp(x)


def sigmoid(z):
    return _map(_sig, z)


def sigmoid_grad(z):
    return _map(_sig_grad, z)


def tanh(z):
    return _map(math.tanh, z)


def tanh_grad(z):
    return _map(_tanh_grad, z)


def relu(z):
    return _map(lambda x: x if x > 0 else 0.0, z)


def relu_grad(z):
    return _map(lambda x: 1.0 if x > 0 else 0.0, z)


def leaky_relu(z, alpha=0.01):
    return _map(lambda x: x if x > 0 else alpha * x, z)


def leaky_relu_grad(z, alpha=0.01):
    return _map(lambda x: 1.0 if x > 0 else alpha, z)


def elu(z, alpha=1.0):
    return _map(_elu, z, alpha)


def elu_grad(z, alpha=1.0):
    return _map(_elu_grad, z, alpha)


def swish(z):
    return _map(lambda x: x * _sig(x), z)


def swish_grad(z):
    return _map(lambda x: _sig(x) + x * _sig_grad(x), z)


def _softmax_rows(rows):
    out = np.empty(rows.shape)
    for i in range(rows.shape[0]):
        m = max(rows[i])
        exps = [math.exp(v - m) for v in rows[i]]
        total = sum(exps)
        for j, e in enumerate(exps):
            out[i, j] = e / total
    return out


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    moved = np.moveaxis(z, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = _softmax_rows(rows).reshape(moved.shape)
    return np.moveaxis(out, -1, axis)


def softmax_backward(dout, s):
    dout, s = np.asarray(dout, dtype=float), np.asarray(s, dtype=float)
    k = s.shape[-1]
    d2, s2 = dout.reshape(-1, k), s.reshape(-1, k)
    dz = np.empty(s2.shape)
    for i in range(s2.shape[0]):
        for j in range(k):
            # dz_j = sum_i dout_i * ds_i/dz_j, with ds_i/dz_j = s_i * (delta_ij - s_j)
            dz[i, j] = sum(d2[i, m] * s2[i, m] * ((1.0 if m == j else 0.0) - s2[i, j]) for m in range(k))
    return dz.reshape(s.shape)
