"""Correct variant: activation classes with forward/grad methods behind the module functions;
the piecewise-linear ones work in float32 (exact enough for them), sigmoid clips its input."""
import numpy as np


class Activation:
    def forward(self, z):
        raise NotImplementedError

    def grad(self, z):
        raise NotImplementedError


class Sigmoid(Activation):
    def forward(self, z):
        # exp(500) is finite, and sigmoid(-500) ~ 7e-218 is 0 for every purpose
        return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))

    def grad(self, z):
        s = self.forward(z)
        return s * (1.0 - s)


class Tanh(Activation):
    def forward(self, z):
        return np.tanh(z)

    def grad(self, z):
        return 1.0 / np.cosh(np.clip(z, -300.0, 300.0)) ** 2


class LeakyRelu(Activation):
    def __init__(self, alpha):
        self.alpha = np.float32(alpha)

    def forward(self, z):
        z32 = z.astype(np.float32)
        return np.where(z32 > 0, z32, self.alpha * z32)

    def grad(self, z):
        return np.where(z > 0, np.float32(1.0), self.alpha)


class Elu(Activation):
    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, z):
        out = z.copy()
        neg = z <= 0
        out[neg] = self.alpha * np.expm1(z[neg])
        return out

    def grad(self, z):
        out = np.ones_like(z)
        neg = z <= 0
        out[neg] = self.alpha * np.exp(z[neg])
        return out


class Swish(Activation):
    def forward(self, z):
        return z * Sigmoid().forward(z)

    def grad(self, z):
        sig = Sigmoid()
        return sig.forward(z) + z * sig.grad(z)


def _prep(z):
    return np.array(z, dtype=float)


def sigmoid(z):
    return Sigmoid().forward(_prep(z))


def sigmoid_grad(z):
    return Sigmoid().grad(_prep(z))


def tanh(z):
    return Tanh().forward(_prep(z))


def tanh_grad(z):
    return Tanh().grad(_prep(z))


def relu(z):
    return LeakyRelu(0.0).forward(_prep(z))


def relu_grad(z):
    return LeakyRelu(0.0).grad(_prep(z))


def leaky_relu(z, alpha=0.01):
    return LeakyRelu(alpha).forward(_prep(z))


def leaky_relu_grad(z, alpha=0.01):
    return LeakyRelu(alpha).grad(_prep(z))


def elu(z, alpha=1.0):
    return Elu(alpha).forward(_prep(z))


def elu_grad(z, alpha=1.0):
    return Elu(alpha).grad(_prep(z))


def swish(z):
    return Swish().forward(_prep(z))


def swish_grad(z):
    return Swish().grad(_prep(z))


def softmax(z, axis=-1):
    z = _prep(z)
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_backward(dout, s):
    dout, s = _prep(dout), _prep(s)
    inner = (dout * s).sum(axis=-1, keepdims=True)
    return s * dout - s * inner
