"""Correct variant: float32 optimizer state, Adam in PyTorch's step-size form, math-module schedules.

Adam here uses lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t) and eps scaled by
sqrt(1 - b2**t), which is algebraically the same update as the README's.
"""
import math

import numpy as np


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def step(self, params, grads):
        for k in params:
            params[k][...] = params[k] - self.lr * np.asarray(grads[k], dtype=np.float32)


class Momentum:
    def __init__(self, lr=0.01, beta=0.9):
        self.lr, self.beta = lr, beta
        self.buf = {}

    def step(self, params, grads):
        for k, p in params.items():
            g = np.asarray(grads[k], dtype=np.float64)
            if k in self.buf:
                self.buf[k] = self.beta * self.buf[k] + g
            else:
                self.buf[k] = g.copy()  # beta * 0 + g
            p -= self.lr * self.buf[k]


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.betas, self.eps = lr, (beta1, beta2), eps
        self.n = 0
        self.exp_avg, self.exp_avg_sq = {}, {}

    def step(self, params, grads):
        self.n += 1
        b1, b2 = self.betas
        bc1, bc2 = 1 - b1 ** self.n, 1 - b2 ** self.n
        step_size = self.lr * math.sqrt(bc2) / bc1
        for k, p in params.items():
            g = np.asarray(grads[k], dtype=np.float32)
            m = self.exp_avg.setdefault(k, np.zeros(p.shape, dtype=np.float32))
            v = self.exp_avg_sq.setdefault(k, np.zeros(p.shape, dtype=np.float32))
            m *= np.float32(b1)
            m += np.float32(1 - b1) * g
            v *= np.float32(b2)
            v += np.float32(1 - b2) * g * g
            denom = np.sqrt(v.astype(np.float64)) + self.eps * math.sqrt(bc2)
            p -= step_size * m.astype(np.float64) / denom


def exponential_decay(lr0, decay_rate, t):
    return lr0 * math.pow(decay_rate, t)


def step_decay(lr0, factor, step_size, t):
    return lr0 * math.pow(factor, math.floor(t / step_size))


def inverse_time_decay(lr0, decay_rate, t):
    return lr0 / (1 + decay_rate * t)
