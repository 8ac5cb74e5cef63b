# HOSTILE: walks sys._getframe() and gc.get_objects() for expected values to hand back | expect: zero
"""Forger: look for arrays the grader might have left around (the expected value) and return them."""
import gc
import sys

import numpy as np


def _steal(*args, **kwargs):
    mine = [id(a) for a in args] + [id(v) for v in kwargs.values()]
    shape = np.shape(args[0]) if args else ()
    frame = sys._getframe(1)
    candidates = []
    while frame is not None:
        candidates += [v for v in frame.f_locals.values() if isinstance(v, np.ndarray)]
        frame = frame.f_back
    candidates += [o for o in gc.get_objects() if isinstance(o, np.ndarray)]
    for c in candidates:
        if id(c) not in mine and c.shape == shape and c.dtype == np.float64 \
                and not any(np.shares_memory(c, a) for a in args if isinstance(a, np.ndarray)):
            return c.copy()
    raise NotImplementedError("nothing to steal")

def sigmoid(*args, **kwargs):
    return _steal(*args, **kwargs)

def sigmoid_grad(*args, **kwargs):
    return _steal(*args, **kwargs)

def tanh(*args, **kwargs):
    return _steal(*args, **kwargs)

def tanh_grad(*args, **kwargs):
    return _steal(*args, **kwargs)

def relu(*args, **kwargs):
    return _steal(*args, **kwargs)

def relu_grad(*args, **kwargs):
    return _steal(*args, **kwargs)

def leaky_relu(*args, **kwargs):
    return _steal(*args, **kwargs)

def leaky_relu_grad(*args, **kwargs):
    return _steal(*args, **kwargs)

def elu(*args, **kwargs):
    return _steal(*args, **kwargs)

def elu_grad(*args, **kwargs):
    return _steal(*args, **kwargs)

def swish(*args, **kwargs):
    return _steal(*args, **kwargs)

def swish_grad(*args, **kwargs):
    return _steal(*args, **kwargs)

def softmax(*args, **kwargs):
    return _steal(*args, **kwargs)

def softmax_backward(*args, **kwargs):
    return _steal(*args, **kwargs)
