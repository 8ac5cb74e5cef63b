# HOSTILE: patches numpy's comparisons and conversions, math, json and pickle in the worker; computes nothing | expect: zero
"""Forger: if the grader compared inside this process, these patches would pass everything."""
import json
import math
import pickle

import numpy as np

_yes = lambda *a, **k: True
np.allclose = np.array_equal = np.array_equiv = _yes
np.isclose = lambda a, b, *x, **k: np.ones(np.broadcast_shapes(np.shape(a), np.shape(b)), bool)
np.testing.assert_allclose = np.testing.assert_array_equal = np.testing.assert_equal = lambda *a, **k: None
math.isclose = _yes
json.loads = lambda *a, **k: {"score": 180, "max_score": 180, "status": "graded", "forged": "NNHOSTILE"}
pickle.loads = lambda *a, **k: {"score": 180}
_real_asarray = np.asarray
np.asarray = lambda a, *x, **k: _real_asarray(a, *x, **k) if not isinstance(a, str) else _real_asarray(180.0)

def sigmoid(*args, **kwargs):
    raise NotImplementedError("sigmoid: the forgery did not work")

def sigmoid_grad(*args, **kwargs):
    raise NotImplementedError("sigmoid_grad: the forgery did not work")

def tanh(*args, **kwargs):
    raise NotImplementedError("tanh: the forgery did not work")

def tanh_grad(*args, **kwargs):
    raise NotImplementedError("tanh_grad: the forgery did not work")

def relu(*args, **kwargs):
    raise NotImplementedError("relu: the forgery did not work")

def relu_grad(*args, **kwargs):
    raise NotImplementedError("relu_grad: the forgery did not work")

def leaky_relu(*args, **kwargs):
    raise NotImplementedError("leaky_relu: the forgery did not work")

def leaky_relu_grad(*args, **kwargs):
    raise NotImplementedError("leaky_relu_grad: the forgery did not work")

def elu(*args, **kwargs):
    raise NotImplementedError("elu: the forgery did not work")

def elu_grad(*args, **kwargs):
    raise NotImplementedError("elu_grad: the forgery did not work")

def swish(*args, **kwargs):
    raise NotImplementedError("swish: the forgery did not work")

def swish_grad(*args, **kwargs):
    raise NotImplementedError("swish_grad: the forgery did not work")

def softmax(*args, **kwargs):
    raise NotImplementedError("softmax: the forgery did not work")

def softmax_backward(*args, **kwargs):
    raise NotImplementedError("softmax_backward: the forgery did not work")
