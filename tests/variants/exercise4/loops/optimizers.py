"""Correct variant: explicit Python loops over every element, state as nested dicts."""
import math

import numpy as np


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def step(self, params, grads):
        for name in params:
            p = params[name]
            g = np.asarray(grads[name])
            for idx in np.ndindex(p.shape):
                p[idx] = p[idx] - self.lr * float(g[idx])


class Momentum:
    def __init__(self, lr=0.01, beta=0.9):
        self.lr = lr
        self.beta = beta
        self.state = {}

    def step(self, params, grads):
        for name in params:
            p = params[name]
            g = np.asarray(grads[name])
            if name not in self.state:
                self.state[name] = {idx: 0.0 for idx in np.ndindex(p.shape)}
            vel = self.state[name]
            for idx in np.ndindex(p.shape):
                vel[idx] = self.beta * vel[idx] + float(g[idx])
                p[idx] -= self.lr * vel[idx]


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.steps_done = 0
        self.moments = {}

    def step(self, params, grads):
        self.steps_done += 1
        t = self.steps_done
        for name in params:
            p = params[name]
            g = np.asarray(grads[name])
            if name not in self.moments:
                self.moments[name] = {idx: [0.0, 0.0] for idx in np.ndindex(p.shape)}
            for idx in np.ndindex(p.shape):
                mv = self.moments[name][idx]
                gi = float(g[idx])
                mv[0] = self.beta1 * mv[0] + (1 - self.beta1) * gi
                mv[1] = self.beta2 * mv[1] + (1 - self.beta2) * gi * gi
                m_hat = mv[0] / (1 - self.beta1 ** t)
                v_hat = mv[1] / (1 - self.beta2 ** t)
                p[idx] -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


def exponential_decay(lr0, decay_rate, t):
    lr = float(lr0)
    for _ in range(int(t)):
        lr *= decay_rate
    return lr


def step_decay(lr0, factor, step_size, t):
    lr = float(lr0)
    drops = 0
    remaining = int(t)
    while remaining >= step_size:
        remaining -= step_size
        drops += 1
    for _ in range(drops):
        lr *= factor
    return lr


def inverse_time_decay(lr0, decay_rate, t):
    return lr0 / (1.0 + decay_rate * int(t))
