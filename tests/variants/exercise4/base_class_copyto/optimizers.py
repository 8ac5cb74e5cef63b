"""Correct variant: a base class with a per-key state helper, updates through np.copyto / out=."""
import numpy as np


class _Optimizer:
    def __init__(self, lr):
        self.lr = lr
        self._state = {}

    def _slot(self, name, key, like):
        slots = self._state.setdefault(key, {})
        if name not in slots:
            slots[name] = np.zeros(like.shape, dtype=np.float64)
        return slots[name]

    def step(self, params, grads):
        self._begin_step()
        for key in grads:
            p = params[key]
            delta = self._delta(key, p, np.array(grads[key], dtype=np.float64))
            np.copyto(p, p - delta, casting="same_kind")

    def _begin_step(self):
        pass


class SGD(_Optimizer):
    def __init__(self, lr=0.01):
        super().__init__(lr)

    def _delta(self, key, p, g):
        return self.lr * g


class Momentum(_Optimizer):
    def __init__(self, lr=0.01, beta=0.9):
        super().__init__(lr)
        self.beta = beta

    def _delta(self, key, p, g):
        v = self._slot("v", key, p)
        np.multiply(v, self.beta, out=v)
        np.add(v, g, out=v)
        return self.lr * v


class Adam(_Optimizer):
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0

    def _begin_step(self):
        self.t += 1

    def _delta(self, key, p, g):
        m, v = self._slot("m", key, p), self._slot("v", key, p)
        m[...] = self.beta1 * m + (1.0 - self.beta1) * g
        v[...] = self.beta2 * v + (1.0 - self.beta2) * np.square(g)
        m_hat = m / (1.0 - np.power(self.beta1, self.t))
        v_hat = v / (1.0 - np.power(self.beta2, self.t))
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def exponential_decay(lr0, decay_rate, t):
    return float(np.float64(lr0) * np.power(np.float64(decay_rate), t))


def step_decay(lr0, factor, step_size, t):
    n_drops, _ = divmod(int(t), int(step_size))
    return float(lr0 * np.power(float(factor), n_drops))


def inverse_time_decay(lr0, decay_rate, t):
    return float(np.divide(lr0, 1.0 + decay_rate * t))
