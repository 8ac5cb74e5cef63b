"""Reference solution of exercise4: gradient-descent optimizers and learning-rate schedules.

Every optimizer updates the arrays of ``params`` in place and keeps its state
(velocities, moments) in dicts keyed like ``params``.
"""
import numpy as np


class SGD:
    """Plain gradient descent: ``p -= lr * g``."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def step(self, params, grads):
        """Update every array of ``params`` in place."""
        for key, p in params.items():
            p -= self.lr * np.asarray(grads[key], dtype=np.float64)


class Momentum:
    """Heavy-ball momentum: ``v = beta * v + g``, then ``p -= lr * v`` (v starts at 0)."""

    def __init__(self, lr=0.01, beta=0.9):
        self.lr = lr
        self.beta = beta
        self.velocity = {}

    def step(self, params, grads):
        """Update every array of ``params`` in place; one velocity per key."""
        for key, p in params.items():
            g = np.asarray(grads[key], dtype=np.float64)
            v = self.velocity.get(key, np.zeros(np.shape(p)))
            v = self.beta * v + g
            self.velocity[key] = v
            p -= self.lr * v


class Adam:
    """Adam with bias correction; the step count t is shared by all keys and starts at 1."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self.m = {}
        self.v = {}

    def step(self, params, grads):
        """Update every array of ``params`` in place; one (m, v) pair per key."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for key, p in params.items():
            g = np.asarray(grads[key], dtype=np.float64)
            m = b1 * self.m.get(key, 0.0) + (1 - b1) * g
            v = b2 * self.v.get(key, 0.0) + (1 - b2) * g**2
            self.m[key], self.v[key] = m, v
            m_hat = m / (1 - b1**self.t)
            v_hat = v / (1 - b2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def exponential_decay(lr0, decay_rate, t):
    """``lr0 * decay_rate**t`` for the 0-based step ``t``; a float."""
    return float(lr0 * float(decay_rate) ** t)


def step_decay(lr0, factor, step_size, t):
    """``lr0 * factor**(t // step_size)``: multiply by ``factor`` every ``step_size`` steps."""
    return float(lr0 * float(factor) ** (t // step_size))


def inverse_time_decay(lr0, decay_rate, t):
    """``lr0 / (1 + decay_rate * t)``; a float."""
    return float(lr0 / (1.0 + float(decay_rate) * t))

# nncourse-leak-marker-exercise4: tests/test_release.py proves this line reaches no student product.
