"""Correct variant: sigmoid through np.tanh, textbook s * (1 - s) derivatives, a softmax
through log-sum-exp and a softmax_backward that builds the Jacobian with einsum.
Returns NumPy scalars (not 0-d arrays) for scalar input."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    return np.tanh(np.asarray(z, dtype=float))


def tanh_grad(z):
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)


def relu_grad(z):
    return np.greater(z, 0).astype(float)


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, z * alpha)


def leaky_relu_grad(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha) * np.ones_like(z)


def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    neg = np.minimum(z, 0.0)
    return np.where(z > 0, z, alpha * (np.exp(neg) - 1.0))


def elu_grad(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def swish(z):
    z = np.asarray(z, dtype=float)
    return z * sigmoid(z)


def swish_grad(z):
    z = np.asarray(z, dtype=float)
    s = sigmoid(z)
    return s + z * s * (1.0 - s)


def softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    lse = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.exp(z - lse)


def softmax_backward(dout, s):
    dout, s = np.asarray(dout, dtype=float), np.asarray(s, dtype=float)
    eye = np.eye(s.shape[-1])
    jac = s[..., :, None] * (eye - s[..., None, :])  # jac[..., i, j] = d s_i / d z_j
    return np.einsum("...i,...ij->...j", dout, jac)
