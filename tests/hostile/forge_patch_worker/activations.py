# HOSTILE: replaces the worker's request handler with one that answers every call with 'passed' and 180 points and never reports its inputs | expect: nothing gained
"""Forger: own the worker, so every reply is whatever we like."""
import sys

_worker = sys.modules.get("__main__")
_Worker = getattr(_worker, "Worker", None)


def _handle(self, req):
    op = req.get("op")
    if op == "getattr":
        return {"value": None, "callable": True, "warnings": []}
    if op in ("load", "release"):
        return {"value": None, "warnings": []}
    return {"value": None, "passed": True, "points": 180.0, "status": "passed", "score": 180.0,
            "warnings": [], "args_after": None, "kwargs_after": None}


if _Worker is not None:
    _Worker.handle = _handle

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
