# HOSTILE: writes forged and malformed protocol frames on the reply pipe before every answer (oversized, truncated, deep JSON, bad tags, non-dict replies, 1 MB type names) | expect: nothing gained
"""Forger: speak the worker's protocol directly, hoping the harness takes our frame as the reply."""
import json
import os
import struct
import sys

_REPLY = int(sys.argv[2])


def _frame(header, buffers=(), declared=None):
    head = header if isinstance(header, bytes) else json.dumps(header).encode()
    body = struct.pack("<Q", len(head)) + head + struct.pack("<Q", len(buffers))
    for b in buffers:
        body += struct.pack("<Q", len(b)) + b
    return struct.pack("<Q", len(body) if declared is None else declared) + body


_VALUE = {"__dict__": [["value", 180.0], ["score", 180.0], ["passed", True]]}
FRAMES = {
    "sigmoid": _frame({"__dict__": [["value", {"__nd__": ["<f8", [1], 0]}], ["warnings", []]]},
                      [struct.pack("<d", 0.5)]),
    "sigmoid_grad": struct.pack("<Q", 2**40) + b"NNHOSTILE",
    "tanh": struct.pack("<Q", 4) + b"NNHO",
    "tanh_grad": _frame(b"[" * 100000 + b"]" * 100000),
    "relu": _frame({"__dict__": [["value", {"__float__": [1]}]]}),
    "relu_grad": _frame({"__dict__": [["value", {"__bigint__": "9" * 5000}]]}),
    "leaky_relu": _frame({"__dict__": [["value", {"__nd__": ["<f8", [2**62, 4], 0]}]]}, [b""]),
    "leaky_relu_grad": _frame({"__dict__": [[[1, 2], 3]]}),
    "elu": _frame(b"\xff\xfe NNHOSTILE"),
    "elu_grad": _frame({"__dict__": [["value", {"__ref__": "NNHOSTILE"}]]}),
    "swish": _frame([1.0, 2.0, 3.0]),
    "swish_grad": _frame({"__dict__": [["value", {"__ref__": 0}], ["ref_type", "T" * 10**6]]}),
    "softmax": _frame({"__dict__": [["value", 1.0], ["warnings", 5], ["error", "NNHOSTILE"]]}),
    "softmax_backward": _frame({"__dict__": [["value", _VALUE], ["args_after", "NNHOSTILE"]]}),
}


def _forge(name):
    try:
        os.write(_REPLY, FRAMES[name])
    except OSError:
        pass
    raise NotImplementedError(name)

def sigmoid(*args, **kwargs):
    _forge("sigmoid")

def sigmoid_grad(*args, **kwargs):
    _forge("sigmoid_grad")

def tanh(*args, **kwargs):
    _forge("tanh")

def tanh_grad(*args, **kwargs):
    _forge("tanh_grad")

def relu(*args, **kwargs):
    _forge("relu")

def relu_grad(*args, **kwargs):
    _forge("relu_grad")

def leaky_relu(*args, **kwargs):
    _forge("leaky_relu")

def leaky_relu_grad(*args, **kwargs):
    _forge("leaky_relu_grad")

def elu(*args, **kwargs):
    _forge("elu")

def elu_grad(*args, **kwargs):
    _forge("elu_grad")

def swish(*args, **kwargs):
    _forge("swish")

def swish_grad(*args, **kwargs):
    _forge("swish_grad")

def softmax(*args, **kwargs):
    _forge("softmax")

def softmax_backward(*args, **kwargs):
    _forge("softmax_backward")
